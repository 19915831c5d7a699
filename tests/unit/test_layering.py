"""The rooms of lms_module depend downwards only (STYLE.md habit 9, docs/architecture.md).

Every module is parsed with `ast`, imports inside functions included; each import of another room
must go to a lower layer. Rooms in one layer know nothing of each other. No exceptions are listed."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "lms_module"

# Lowest first. A room may import rooms of lower layers only.
LAYERS: list[set[str]] = [
    {"version", "db_types", "db_pool", "config"},
    {"extensions", "engine"},
    {"transaction"},
    {"signals"},
    {"courses"},
    {"web"},
    {"lti", "library"},
    {"attempts"},
    {"grade_sync"},
    {"roster"},
    {"authoring", "reports"},
    {"progress"},  # course overview and practice: reads what reports computes
    {"worker"},
    {"demo"},
    {"__init__"},  # create_app: the wiring of every room
]
INDEPENDENT = {"demo_lms"}  # the LMS emulator talks to Kontor over HTTP only; `demo` mounts it
LEVEL = {room: level for level, rooms in enumerate(LAYERS) for room in rooms}
PURE = {"engine"}  # no Flask, no request: the domain is tested without an app


def _room_of(parts: list[str]) -> str:
    if not parts:
        return "__init__"
    is_module = (PACKAGE / parts[0]).is_dir() or (PACKAGE / f"{parts[0]}.py").is_file()
    return parts[0] if is_module else "__init__"  # `from . import create_app`: a name of the package


def imports(path: Path) -> list[tuple[str, int, list[str]]]:
    """(module, line, target parts under lms_module) for every import in the file."""
    relative = path.relative_to(PACKAGE).with_suffix("")
    parts = list(relative.parts)
    package = parts[:-1] if parts[-1] != "__init__" else parts[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                module = base + (node.module.split(".") if node.module else [])
                if node.module is None:
                    found += [(str(relative), node.lineno, module + [a.name]) for a in node.names]
                else:
                    found.append((str(relative), node.lineno, module))
            elif node.module and node.module.split(".")[0] == "lms_module":
                found.append((str(relative), node.lineno, node.module.split(".")[1:]))
            elif node.module:
                found.append((str(relative), node.lineno, ["<external>", node.module]))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "lms_module":
                    found.append((str(relative), node.lineno, alias.name.split(".")[1:]))
                else:
                    found.append((str(relative), node.lineno, ["<external>", alias.name]))
    return found


def room_edges() -> list[tuple[str, str, str]]:
    edges = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source_room = _room_of(list(path.relative_to(PACKAGE).with_suffix("").parts))
        for module, line, target in imports(path):
            if target[:1] == ["<external>"]:
                continue
            target_room = _room_of(target)
            if target_room != source_room:
                edges.append((source_room, target_room, f"{module}:{line}"))
    return edges


def test_every_room_has_a_layer():
    rooms = {_room_of(list(p.relative_to(PACKAGE).with_suffix("").parts)) for p in PACKAGE.rglob("*.py")}
    assert rooms - set(LEVEL) - INDEPENDENT == set()


def test_rooms_import_downwards_only():
    wrong = []
    for source, target, where in room_edges():
        if source in INDEPENDENT or target in INDEPENDENT:
            if not (target == "demo_lms" and source == "demo"):
                wrong.append(f"{where}: {source} -> {target} (independent)")
            continue
        if LEVEL[target] >= LEVEL[source]:
            wrong.append(f"{where}: {source} -> {target}")
    assert wrong == []


def test_no_cycle_between_rooms():
    graph: dict[str, set[str]] = {}
    for source, target, _where in room_edges():
        graph.setdefault(source, set()).add(target)
    cycles = []

    def visit(room: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(room, ())):
            if nxt in path:
                cycles.append(" -> ".join(path[path.index(nxt):] + [nxt]))
            elif len(path) < len(graph) + 1:
                visit(nxt, path + [nxt])

    for room in sorted(graph):
        visit(room, [room])
    assert cycles == []


def test_engine_knows_nothing_of_flask():
    offenders = []
    for path in sorted((PACKAGE / "engine").rglob("*.py")):
        for module, line, target in imports(path):
            if target[:1] == ["<external>"] and target[1].split(".")[0] in ("flask", "flask_babel", "flask_sqlalchemy",
                                                                             "flask_wtf", "werkzeug"):
                offenders.append(f"{module}:{line}: {target[1]}")
    assert offenders == []


def test_test_modules_have_unique_names():
    """Test folders are not packages: two test files with one name shadow each other on sys.path
    (a helper imported from one of them then comes from the other)."""
    from collections import Counter

    tests = Path(__file__).resolve().parents[1]
    names = Counter(path.name for path in tests.rglob("test_*.py") if not (path.parent / "__init__.py").exists())
    assert [name for name, count in names.items() if count > 1] == []
