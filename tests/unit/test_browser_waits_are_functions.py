"""Every `wait_for_function` of the browser tests gets a function, never a bare expression.

Playwright evaluates a bare expression again with eval on every poll, which Kontor's Content
Security Policy refuses inside the page: such a wait passed only when its condition already held
at the first check, and failed in CI once. A function is evaluated once, when the wait starts.

The calls are found with `ast`, so that a call in a comment or a docstring is not one, and a string
written over several lines (implicit concatenation, f-strings, a module-level constant) is read as
the call gets it."""
from __future__ import annotations

import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
BROWSER_TEST_FOLDERS = [TESTS / "e2e", TESTS / "support"]

# `() =>`, `(x, y) =>`, `([a, b]) =>`, `x =>`, `function`, each optionally `async`.
FUNCTION = re.compile(r"^(?:async\s+)?(?:function\b|\((?:[^()]|\([^()]*\))*\)\s*=>|[A-Za-z_$][\w$]*\s*=>)")


def _text(node: ast.expr, constants: dict[str, str]) -> str | None:
    """The string a call gets from `node`, if it is written in the file; None when it is computed.
    An f-string's placeholders stand for a name (they sit inside the expression, as `{form}.x`)."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "x" for part in node.values)
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


def _module_constants(tree: ast.Module) -> dict[str, str]:
    constants = {}
    for statement in tree.body:
        if (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)
                and isinstance(statement.value, ast.Constant) and isinstance(statement.value.value, str)):
            constants[statement.targets[0].id] = statement.value.value
    return constants


def bare_expression_waits(folder: Path) -> list[str]:
    """`path:line: expression` for every wait_for_function in the folder's Python files that is
    given a string which is not a function."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        constants = _module_constants(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "wait_for_function"):
                continue
            given = node.args[0] if node.args else next(
                (keyword.value for keyword in node.keywords if keyword.arg == "expression"), None)
            text = None if given is None else _text(given, constants)
            if text is not None and not FUNCTION.match(text.strip()):
                found.append(f"{path.relative_to(folder)}:{node.lineno}: {text.strip()[:80]}")
    return found


def test_the_browser_tests_wait_with_functions():
    for folder in BROWSER_TEST_FOLDERS:
        assert folder.is_dir(), folder  # a moved folder would make this test pass on nothing
        assert bare_expression_waits(folder) == [], f"give these waits a function, `() => ...` ({folder})"


def test_the_check_finds_a_bare_expression(tmp_path):
    """Guard for the check above: a bare expression is found, in any of the ways a test can write
    it; functions pass, and a call that is only a comment or text in a docstring is not one."""
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "test_bad.py").write_text('''
"""frame.wait_for_function("document.body !== null") is how not to write it."""
# frame.wait_for_function("window.ready === true")
READY = "window.ready"


def waits(frame, page, form):
    frame.wait_for_function("document.activeElement.id === 'x'")
    page.wait_for_function(
        "document.getElementById('attempt-form')"
        ".dataset.unsent === '0'", timeout=1000)
    frame.wait_for_function(expression=f"{form}.dataset.script === 'ready'")
    frame.wait_for_function(READY)
    frame.wait_for_function("() => document.activeElement.id === 'x'")
    frame.wait_for_function("  s => document.querySelector(s) !== null", arg="main")
    frame.wait_for_function("([a, b]) => a === b", arg=[1, 1])
    frame.wait_for_function("function () { return true; }")
    frame.wait_for_function("async () => true")
    frame.wait_for_function(f"() => {form}.dataset.unsent === '0'")
''', encoding="utf-8")
    found = bare_expression_waits(tmp_path)
    assert [line.split(":")[1] for line in found] == ["8", "9", "12", "13"], found
    assert found[1].startswith("nested/test_bad.py:9: document.getElementById('attempt-form').dataset.unsent")
