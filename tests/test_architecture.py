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


def test_the_domain_records_import_nothing_of_the_project_or_django():
    imported = {m for _, m in imported_modules(ROOT / "downtimes_app/domain.py")}
    assert not {m for m in imported if m.split(".")[0] in ("downtimes_app", "django", "sandbox")}


def test_views_never_read_or_write_datadogs_json():
    """JSON is read and written in `datadog/codec.py` only; views get records."""
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in python_files("downtimes_app/views")
        for _, module in imported_modules(path)
        if module.startswith(("downtimes_app.datadog.codec", "requests", "json"))
    ]
    assert offenders == []


def test_no_source_file_grows_past_a_page_and_no_function_past_a_screen():
    long_files, long_functions = [], []
    for path in python_files(*SOURCE):
        text = path.read_text()
        if text.count("\n") > MAX_FILE_LINES:
            long_files.append(f"{path.relative_to(ROOT)}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                size = node.end_lineno - node.lineno + 1
                if size > MAX_FUNCTION_LINES:
                    long_functions.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert (long_files, long_functions) == ([], [])
