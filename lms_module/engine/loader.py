"""Loading quiz files with errors that name the file, the line and the field.

The YAML is composed into a node tree first (nodes carry line marks), then constructed into plain
data and validated with the schema.  A pydantic error location such as
``('questions', 3, 'single', 'options', 1, 'text', 'en')`` is walked down the node tree to find the
line; where the node does not exist (a missing key) the nearest parent's line is used.

Before anything is built, the bounds of `limits` are checked: file size, control characters,
nesting, anchors and aliases (refused: a few hundred bytes of aliases expand to gigabytes), the
length of every text and list and the total of all texts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from . import limits
from .schema import GAP_TYPES, QUESTION_TYPES, RULE_ERROR, Quiz

Loc = Sequence[str | int]
_UNION_TAGS = frozenset(QUESTION_TYPES) | frozenset(GAP_TYPES)


@dataclass(frozen=True)
class QuizFileError:
    """One problem in a quiz file, in the form `path:line: field: message`."""

    path: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class QuizLoadError(Exception):
    """A quiz file could not be loaded; `errors` lists every problem found."""

    def __init__(self, errors: Sequence[QuizFileError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


def format_field(loc: Loc) -> str:
    """('questions', 3, 'options', 1, 'text', 'en') -> 'questions[3].options[1].text.en'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class SourceMap:
    """Line lookup for one loaded file."""

    def __init__(self, path: str, root: yaml.Node | None) -> None:
        self.path = path
        self.root = root

    def line(self, loc: Loc) -> int | None:
        """Line of the node at `loc` (of its key, for mapping entries), else of the nearest parent."""
        node = self.root
        if node is None:
            return None
        line = node.start_mark.line + 1
        for part in loc:
            if isinstance(node, yaml.MappingNode) and isinstance(part, str):
                found = next((kv for kv in node.value if _is_key(kv[0], part)), None)
                if found is None:
                    break
                line, node = found[0].start_mark.line + 1, found[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                break
        return line

    def error(self, loc: Loc, message: str) -> QuizFileError:
        return QuizFileError(self.path, self.line(loc), format_field(loc), message)


def _is_key(node: yaml.Node, name: str) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.value == name


def source_of(quiz: Quiz) -> SourceMap | None:
    """The source map of a quiz loaded from a file (None for quizzes built in code)."""
    return getattr(quiz, "_kontor_source", None)


# --- loading ----------------------------------------------------------------------------------


def parse_quiz(text: str, path: str = "<text>") -> Quiz:
    """Validate the YAML `text` as a quiz; QuizLoadError lists every problem with its line."""
    refused = _refuse_raw(text, path)
    if refused:
        raise QuizLoadError([refused])
    root, data, errors = _read_yaml(text, path)
    if root is None:
        raise QuizLoadError(errors or [QuizFileError(path, 1, "", "the file is empty")])
    source = SourceMap(path, root)
    try:
        quiz = Quiz.model_validate(data)
    except ValidationError as exc:
        errors.extend(_convert(exc.errors(), source))
    if errors:
        raise QuizLoadError(sorted(errors, key=_order))
    # Kept beside the model so that the library rules can point at lines too.
    object.__setattr__(quiz, "_kontor_source", source)
    return quiz


def load_quiz(path: str | Path) -> Quiz:
    """Load and validate one quiz file; QuizLoadError lists every problem with its line."""
    name = str(path)
    try:
        if Path(path).stat().st_size > limits.MAX_FILE_BYTES:
            raise QuizLoadError([QuizFileError(name, None, "", _too_large())])
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise QuizLoadError([QuizFileError(name, None, "", f"cannot read the file: {exc}")]) from None
    return parse_quiz(text, name)


def check_path(path: str | Path) -> tuple[list[Quiz], list[QuizFileError]]:
    """Load a quiz file, or every *.yaml / *.yml below a folder; return the quizzes and all errors."""
    quizzes: list[Quiz] = []
    errors: list[QuizFileError] = []
    root = Path(path)
    if not root.exists():
        return [], [QuizFileError(str(path), None, "", "no such file or folder")]
    for file in _quiz_files(root):
        try:
            quizzes.append(load_quiz(file))
        except QuizLoadError as exc:
            errors.extend(exc.errors)
    return quizzes, errors


def _quiz_files(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    for file in sorted(root.rglob("*")):
        hidden = any(part.startswith(".") for part in file.relative_to(root).parts)
        if file.is_file() and file.suffix in (".yaml", ".yml") and not hidden:
            yield file


# --- limits before YAML builds anything -------------------------------------------------------

# What YAML itself accepts as printable, minus nothing; everything else (NUL, BEL, ESC, ...) is
# refused here with its line, before the YAML reader would fail without one.
_NOT_PRINTABLE = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")
NOT_PRINTABLE = _NOT_PRINTABLE  # for the editors, whose texts become quiz files' texts


def _too_large() -> str:
    return f"the file is larger than {limits.MAX_FILE_BYTES / 1048576:g} MB"


def _refuse_raw(text: str, path: str) -> QuizFileError | None:
    if len(text) > limits.MAX_FILE_BYTES or len(text.encode("utf-8", "surrogatepass")) > limits.MAX_FILE_BYTES:
        return QuizFileError(path, None, "", _too_large())
    bad = _NOT_PRINTABLE.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        return QuizFileError(path, line, "", f"control character U+{ord(bad.group()):04X} is not allowed in a quiz file")
    return None


class _Refused(yaml.MarkedYAMLError):
    """A limit of the quiz format (not a YAML syntax error)."""


class _QuizYamlLoader(yaml.SafeLoader):
    """SafeLoader without anchors and aliases, and with a bound on nesting."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _Refused(problem="anchors (&) and aliases (*) are not allowed in quiz files; write the text out",
                           problem_mark=event.start_mark)
        self._depth += 1
        try:
            if self._depth > limits.MAX_NESTING:
                raise _Refused(problem=f"nested deeper than {limits.MAX_NESTING} levels", problem_mark=event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _size_errors(root: yaml.Node, path: str) -> list[QuizFileError]:
    """Every text and list within its limit, and all texts together within theirs."""
    errors: list[QuizFileError] = []
    total = 0
    stack: list[yaml.Node] = [root]
    while stack:
        node = stack.pop()
        line = node.start_mark.line + 1
        if isinstance(node, yaml.ScalarNode):
            total += len(node.value)
            if len(node.value) > limits.MAX_TEXT_CHARS:
                errors.append(QuizFileError(path, line, "", f"text longer than {limits.MAX_TEXT_CHARS} characters"))
        elif isinstance(node, yaml.SequenceNode):
            if len(node.value) > limits.MAX_LIST_ITEMS:
                errors.append(QuizFileError(path, line, "", f"list longer than {limits.MAX_LIST_ITEMS} entries"))
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            if len(node.value) > limits.MAX_LIST_ITEMS:
                errors.append(QuizFileError(path, line, "", f"mapping with more than {limits.MAX_LIST_ITEMS} keys"))
            stack.extend(item for pair in node.value for item in pair)
    if total > limits.MAX_TOTAL_CHARS:
        errors.append(QuizFileError(path, None, "", f"the texts of the quiz are longer than {limits.MAX_TOTAL_CHARS} characters together"))
    return errors[:20]


def _read_yaml(text: str, path: str) -> tuple[yaml.Node | None, Any, list[QuizFileError]]:
    loader = None
    try:
        loader = _QuizYamlLoader(text)
        root = loader.get_single_node()
        if root is None:
            return None, None, []
        too_large = _size_errors(root, path)
        if too_large:
            return None, None, too_large
        duplicates = list(_duplicate_keys(root, ()))
        data = loader.construct_document(root)
    except _Refused as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        return None, None, [QuizFileError(path, line, "", str(exc.problem))]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        context = exc.context or ""
        if context and exc.context_mark and exc.context_mark.line + 1 != line:
            context += f" (from line {exc.context_mark.line + 1})"
        message = ", ".join(p for p in (context, exc.problem) if p) or "invalid YAML"
        return None, None, [QuizFileError(path, line, "", f"YAML syntax error: {message}")]
    except yaml.YAMLError as exc:
        return None, None, [QuizFileError(path, None, "", f"YAML error: {exc}")]
    except RecursionError:  # cannot happen within MAX_NESTING; be safe
        return None, None, [QuizFileError(path, None, "", f"nested deeper than {limits.MAX_NESTING} levels")]
    finally:
        if loader is not None:
            loader.dispose()
    # YAML keeps the last of two equal keys without a word; for hand-written files that is a typo.
    errors = [
        QuizFileError(path, key.start_mark.line + 1, format_field(loc), "duplicate key")
        for loc, key in duplicates
    ]
    return root, data, errors


def _duplicate_keys(node: yaml.Node, loc: tuple[str | int, ...]) -> Iterator[tuple[Loc, yaml.Node]]:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else "?"
            if name in seen:
                yield (*loc, name), key
            seen.add(name)
            yield from _duplicate_keys(value, (*loc, name))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _duplicate_keys(item, (*loc, index))


# --- pydantic errors -> file errors -----------------------------------------------------------


def _convert(details: Sequence[ErrorDetails], source: SourceMap) -> Iterator[QuizFileError]:
    seen: set[tuple[str, str]] = set()
    for detail in details:
        loc, message = explain(detail)
        error = source.error(loc, message)
        if (error.field, error.message) not in seen:  # unions can report one problem twice
            seen.add((error.field, error.message))
            yield error


def explain(detail: ErrorDetails) -> tuple[Loc, str]:
    """Where in the quiz or question one pydantic error detail is, and its English message (a quiz
    rule's own message and place for the engine's rules); the loader and the bank formats use it."""
    loc = _without_union_tags(detail["loc"])
    kind, ctx = detail["type"], detail.get("ctx") or {}
    if kind == RULE_ERROR:
        return (*loc, *ctx.get("at", ())), str(ctx["message"])
    if kind == "extra_forbidden":
        return loc, "unknown key (check the spelling)"
    if kind == "missing":
        return loc, "required key is missing"
    if kind == "union_tag_invalid":
        expected = ", ".join(t.strip("'") for t in str(ctx.get("expected_tags", "")).split(", "))
        return (*loc, "type"), f"unknown type {ctx.get('tag')!r}; use one of: {expected}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return loc, "expected a mapping of keys to values"
    if kind == "union_tag_not_found":
        return (*loc, "type"), "required key is missing"
    return loc, detail["msg"]


def _without_union_tags(loc: Loc) -> tuple[str | int, ...]:
    # pydantic puts the discriminator value into the location: questions.3.single.options.
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and part in _UNION_TAGS and out and isinstance(out[-1], int):
            continue
        out.append(part)
    return tuple(out)


def _order(error: QuizFileError) -> tuple[int, str]:
    return (error.line or 0, error.field)
