"""The shape the code keeps: arrows point one way, and no file or function grows past a page.

The product (`downtimes_app/`, `dashboard/`) never imports the sandbox: settings name it by
dotted path, in one place. The domain records import nothing of the project. These tests read
the source with `ast`; they run nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("downtimes_app", "dashboard")
SOURCE = (*PRODUCT, "sandbox", "bench")
MAX_FILE_LINES = 500
MAX_FUNCTION_LINES = 60


def python_files(*folders: str) -> Iterator[Path]:
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> Iterator[tuple[int, str]]:
    """Every module a file imports, relative imports resolved, with its line."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            yield node.lineno, module
            for alias in node.names:
                yield node.lineno, f"{module}.{alias.name}"


def test_the_import_walk_sees_relative_and_absolute_imports():
    found = dict.fromkeys(m for _, m in imported_modules(ROOT / "downtimes_app/views/browse.py"))
    assert "downtimes_app.listing" in found  # from .. import listing
    assert "django.conf.settings" in found


def test_no_product_module_imports_the_sandbox():
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in python_files(*PRODUCT)
        for line, module in imported_modules(path)
        if module == "sandbox" or module.startswith("sandbox.")
    ]
    assert offenders == []


def test_settings_are_the_one_place_that_names_the_sandbox():
    """Dotted paths (`"sandbox.transport.InProcessAdapter"`) wire the sandbox in, from settings."""
    naming = []
    for path in python_files(*PRODUCT):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and str(node.value).startswith("sandbox."):
                naming.append(str(path.relative_to(ROOT)))
    assert set(naming) == {"dashboard/settings.py"}
