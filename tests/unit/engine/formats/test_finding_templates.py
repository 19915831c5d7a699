"""Findings are N_-marked English templates with their values, formatted in English by the engine and
translated by the web layer: every template formats with the values its call site gives (no KeyError,
no value left unused), and no message is built as a finished f-string."""
import ast
import re
from pathlib import Path

import pytest

from lms_module.engine.formats import N_, Finding, FormatError, Invalid, format_named

ROOT = Path(__file__).parents[4] / "lms_module"
SOURCES = sorted((ROOT / "engine" / "formats").glob("*.py")) + [ROOT / "authoring" / "bank.py"]
# Keywords of Finding and of the readers' helpers that say where, not what.
WHERE = {"line", "question", "member", "problems", "params"}
# Calls whose first argument is a finding's message.
MESSAGE_CALLS = {"Finding", "FormatError", "Malformed", "_Skip", "note", "fail", "skip"}
PLACEHOLDER = re.compile(r"%\((\w+)\)")


def _n_(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "N_":
        (argument,) = node.args
        return ast.literal_eval(argument)
    return None


def _name(func: ast.AST) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _uses(path: Path) -> tuple[list[str], list[tuple[str, frozenset[str], str]], list[str]]:
    """(every N_ template, (template, value names, place) per call site, f-string messages)."""
    tree = ast.parse(path.read_text(), str(path))
    templates = [t for node in ast.walk(tree) if (t := _n_(node)) is not None]
    constants: dict[str, list[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            found = [t for sub in ast.walk(node.value) if (t := _n_(sub)) is not None]
            if found:
                constants[node.targets[0].id] = found
    sites, f_strings = [], []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or (isinstance(node.func, ast.Attribute)  # TABLE.get(): a lookup
                                              and isinstance(node.func.value, ast.Name) and node.func.value.id in constants):
            continue
        names = {kw.arg for kw in node.keywords if kw.arg and kw.arg not in WHERE}
        for kw in node.keywords:
            if kw.arg == "params" and isinstance(kw.value, ast.Dict):
                names |= {ast.literal_eval(key) for key in kw.value.keys}
        place = f"{path.name}:{node.lineno}"
        for argument in node.args:
            branches = [argument.body, argument.orelse] if isinstance(argument, ast.IfExp) else [argument]
            for branch in branches:
                if (template := _n_(branch)) is not None:
                    sites.append((template, frozenset(names), place))
            # A constant given as the message: NOTE, TABLE[key], TABLE.get(key, ...).
            held = (argument.value if isinstance(argument, ast.Subscript) else argument.func.value
                    if isinstance(argument, ast.Call) and isinstance(argument.func, ast.Attribute) else argument)
            if isinstance(held, ast.Name) and held.id in constants:
                sites.extend((template, frozenset(names), place) for template in constants[held.id])
        if _name(node.func) in MESSAGE_CALLS and node.args and isinstance(node.args[0], ast.JoinedStr):
            f_strings.append(place)
    return templates, sites, f_strings


USES = {path.name: _uses(path) for path in SOURCES}


def test_every_marked_message_formats_with_the_values_of_each_call():
    problems = []
    for name, (templates, sites, _) in USES.items():
        unused = set(templates) - {template for template, _, _ in sites}
        problems += [f"{name}: {t!r} is never given to a finding" for t in sorted(unused)]
        for template, names, place in sites:
            wanted = set(PLACEHOLDER.findall(template))
            try:
                template % {key: "x" for key in names} if names else template
            except (KeyError, TypeError, ValueError) as error:
                problems.append(f"{place}: {template!r} with {sorted(names)}: {error!r}")
                continue
            if wanted != names:
                problems.append(f"{place}: {template!r} names {sorted(wanted)} but is given {sorted(names)}")
    assert problems == []
    assert sum(len(templates) for templates, _, _ in USES.values()) > 150


def test_no_finding_message_is_a_finished_f_string():
    assert [place for _, _, f_strings in USES.values() for place in f_strings] == []


def test_a_finding_formats_its_template_in_english_and_names_the_archive_member():
    finding = Finding(N_("the archive holds %(name)r twice"), params={"name": "a.xml"}, member="items/x.xml", line=3)
    assert finding.message == "items/x.xml: the archive holds 'a.xml' twice"
    assert str(finding) == "line 3: items/x.xml: the archive holds 'a.xml' twice"
    assert hash(finding) == hash(Finding(finding.template, params={"name": "b.xml"}, member="items/x.xml", line=3))
    # Like Flask-Babel's gettext: a template without values is not %-formatted.
    assert Finding("100% sure").message == "100% sure"


def test_a_question_skipped_for_the_engines_rules_carries_them_as_data():
    finding = Finding("", question="q", problems=(Invalid("options", "quiz_rule", "exactly one option must be correct"),))
    assert finding.message == "options: exactly one option must be correct"


def test_a_format_error_takes_a_plain_string_or_a_template_with_values():
    assert str(FormatError("the file is broken")) == "the file is broken"
    error = FormatError(N_("the file holds %(count)s questions; at most %(max)s can be imported at once"), count=9, max=5)
    (finding,) = error.findings
    assert finding.params == {"count": 9, "max": 5}
    assert str(error) == "the file holds 9 questions; at most 5 can be imported at once"


@pytest.mark.parametrize("fmt, data", [
    ("moodlexml", b'<quiz><question type="multichoice"><name><text>Two</text></name><questiontext><text>Q?</text>'
                  b'</questiontext><single>true</single><answer fraction="100"><text>A</text></answer>'
                  b'<answer fraction="100"><text>B</text></answer></question></quiz>'),
    ("aiken", b"Q?\nA. a\nANSWER: A\n"),
])
def test_a_skipped_questions_rules_are_located_in_the_question(fmt, data):
    (finding,) = format_named(fmt).read(data).skipped
    assert finding.problems and all(problem.location == "options" for problem in finding.problems)
