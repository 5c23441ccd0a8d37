"""The shape of the code, kept by tests: imports run one way through the layers, and a data source is
known by name only inside its own package and models folder.

cli -> pipeline -> {sources, ml, quality, report, serve} -> warehouse -> settings, errors, progress;
tools import the product, never the reverse. Imports inside functions count too.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from segments.sources import SOURCES
from tests.helpers import PROJECT_DIR

PACKAGES = ("segments", "ml", "tools")
# rank of each layer: a module may import its own rank or a lower one, never a higher one
RANKS = {
    "segments.settings": 0,
    "segments.errors": 0,
    "segments.progress": 0,
    "segments.warehouse": 1,
    "segments.sources": 2,
    "ml": 2,
    "segments.quality": 2,
    "segments.report": 2,
    "segments.serve": 2,
    "segments.pipeline": 3,
    "segments.cli": 4,
    "segments.__main__": 4,
    "segments": 4,
    "tools": 5,
}
ML_MAY_IMPORT = ("ml", "segments.warehouse", "segments.settings", "segments.errors")


def _layer(module: str) -> str:
    """The layer a module belongs to: its longest prefix in RANKS."""
    parts = module.split(".")
    for size in range(len(parts), 0, -1):
        if ".".join(parts[:size]) in RANKS:
            return ".".join(parts[:size])
    raise AssertionError(f"{module} belongs to no layer: add it to RANKS")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (PROJECT_DIR / package).rglob("*.py"):
            parts = path.relative_to(PROJECT_DIR).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(path: Path) -> set[str]:
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.add(node.module)
    return {name for name in imported if name.split(".")[0] in PACKAGES}


IMPORTS = {module: _imports(path) for module, path in _modules().items()}


def test_every_import_points_down_the_layers():
    upward = [
        f"{module} ({_layer(module)}) imports {target} ({_layer(target)})"
        for module, targets in IMPORTS.items()
        for target in targets
        if RANKS[_layer(target)] > RANKS[_layer(module)]
    ]
    assert not upward, "imports against the layers:\n" + "\n".join(sorted(upward))


def test_layers_of_the_same_rank_do_not_import_each_other_in_a_circle():
    edges: dict[str, set[str]] = {}
    for module, targets in IMPORTS.items():
        for target in targets:
            if _layer(target) != _layer(module):
                edges.setdefault(_layer(module), set()).add(_layer(target))

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(
            nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})) for nxt in edges.get(start, ())
        )

    circles = sorted(layer for layer in edges if reaches(layer, layer, {layer}))
    assert not circles, f"layers in an import circle: {circles}"


def test_ml_depends_only_on_the_warehouse_and_settings():
    outside = sorted(
        f"{module} imports {target}"
        for module, targets in IMPORTS.items()
        if _layer(module) == "ml"
        for target in targets
        if not target.startswith(ML_MAY_IMPORT)
    )
    assert not outside, outside


def test_the_product_never_imports_the_tools():
    assert not [
        m for m, targets in IMPORTS.items() if not m.startswith("tools") for t in targets if t.startswith("tools")
    ]


def _compares_with(tree: ast.AST, names: tuple[str, ...]) -> list[int]:
    """Lines of `x == 'name'`, `x != 'name'`, `x in ('name', ...)` and the like."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            values = [c.value for o in operands for c in ast.walk(o) if isinstance(c, ast.Constant)]
            if any(value in names for value in values):
                lines.append(node.lineno)
    return lines


def test_no_python_outside_a_source_package_compares_with_a_source_name():
    found = []
    for module, path in _modules().items():
        for line in _compares_with(ast.parse(path.read_text()), SOURCES):
            owner = module.split(".")[2] if module.startswith("segments.sources.") else None
            text = path.read_text().splitlines()[line - 1]
            if owner is None or owner not in text:
                found.append(f"{path.relative_to(PROJECT_DIR)}:{line}: {text.strip()}")
    assert not found, "source names compared outside their package:\n" + "\n".join(found)


def test_no_dbt_file_outside_a_source_folder_compares_with_a_source_name():
    names = "|".join(SOURCES)
    compared = re.compile(rf"""(==|!=)\s*['"]({names})['"]|['"]({names})['"]\s*(==|!=)""")
    found = []
    for folder in ("models", "macros", "tests/data_tests", "seeds"):
        for path in (PROJECT_DIR / folder).rglob("*"):
            if path.suffix not in (".sql", ".yml") or path.is_relative_to(PROJECT_DIR / "models" / "sources"):
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if compared.search(line):
                    found.append(f"{path.relative_to(PROJECT_DIR)}:{number}: {line.strip()}")
    assert not found, "source names compared outside models/sources/<name>/:\n" + "\n".join(found)


def test_dbt_enables_each_source_folder():
    project = (PROJECT_DIR / "dbt_project.yml").read_text()
    for name in SOURCES:
        assert (PROJECT_DIR / "models" / "sources" / name).is_dir(), f"no models/sources/{name}/"
        assert re.search(rf"\+enabled: .*== '{name}'", project), f"no +enabled line for {name} in dbt_project.yml"


def _setting_writes(tree: ast.AST) -> list[int]:
    """Lines that hand a setting on through the process instead of as an argument: a SEGMENTS_*
    variable written to os.environ (assigned, deleted, setdefault, update, pop), or os.chdir."""

    def names_a_setting(node: ast.AST) -> bool:
        return "SEGMENTS_" in ast.unparse(node)

    lines = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.Delete)):
            if any(
                isinstance(t, ast.Subscript) and ast.unparse(t.value) == "os.environ" and names_a_setting(t.slice)
                for t in node.targets
            ):
                lines.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            called = ast.unparse(node.func)
            writes = ast.unparse(node.func.value) == "os.environ" and node.func.attr in ("setdefault", "update", "pop")
            if called == "os.chdir" or (writes and any(names_a_setting(arg) for arg in node.args)):
                lines.append(node.lineno)
    return lines


def test_the_product_passes_settings_as_arguments_not_through_the_environment_or_directory():
    found = [
        f"{path.relative_to(PROJECT_DIR)}:{line}"
        for module, path in _modules().items()
        if not module.startswith("tools")
        for line in _setting_writes(ast.parse(path.read_text()))
    ]
    assert not found, "settings are passed explicitly, not through os.environ or the current directory: " + ", ".join(
        found
    )
