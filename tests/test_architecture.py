"""The shape the code keeps: one package per feature, arrows pointing one way, pages kept short.

`downtimes_app/` is a tree of parts (`core`, `datadog`, `store`, `web`, `audit`, `muting`,
`notify`, and the features). `LAYERS` says, as rules on package prefixes, which parts each part
may import; nothing may import round a circle; a feature's views never import another feature's
views. The product (`downtimes_app/`, `dashboard/`) never imports the sandbox: settings name it
by dotted path, in one place. These tests read the source with `ast`; they run nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = "downtimes_app"
PRODUCT = (APP, "dashboard")
SOURCE = (*PRODUCT, "sandbox", "bench")
MAX_FILE_LINES = 500
MAX_FUNCTION_LINES = 60

# What each part of the app may import of the others, lowest first. A part not named here may
# not exist: a new package gets its line (and its place in docs/architecture.md).
PURE = {"core"}
LAYERS: dict[str, set[str]] = {
    "core": set(),
    "datadog": {"core"},
    "store": {"core", "datadog"},
    "models": set(),
    "web": {"core", "datadog", "store", "models"},
    "muting": {"core", "datadog", "store"},
    "audit": {"core", "datadog", "store", "models", "web"},
    "notify": {"core", "datadog", "store", "models", "audit"},
    "signin": {"core", "models", "web", "audit"},
    # The guardrails every write path asks before it sends: a layer under the features.
    "policy": {"core", "datadog", "store", "models", "web", "audit", "muting", "notify"},
    # The record of every version: a layer, since a downtime's and a monitor's pages read it.
    "history": {"core", "datadog", "store", "models", "web", "audit", "notify"},
    # The features: each over the layers, and over the features named before it only.
    "downtimes": {
        "core",
        "datadog",
        "store",
        "models",
        "web",
        "audit",
        "muting",
        "notify",
        "policy",
        "history",
    },
    "editing": {"core", "datadog", "store", "models", "web", "audit", "muting", "notify", "policy"},
    "calendar": {"core", "datadog", "store", "models", "web", "downtimes"},
    "attention": {"core", "datadog", "store", "models", "web", "muting", "policy", "downtimes"},
    "recovery": {"core", "datadog", "store", "models", "web", "audit", "muting", "downtimes"},
    "monitors": {
        "core",
        "datadog",
        "store",
        "models",
        "web",
        "muting",
        "policy",
        "history",
        "downtimes",
        "editing",
        "recovery",
    },
    "approvals": {"core", "datadog", "store", "models", "web", "audit", "policy", "editing"},
    "api": {
        "core",
        "datadog",
        "store",
        "models",
        "web",
        "audit",
        "policy",
        "downtimes",
        "editing",
    },
    # What Django expects at the root: it wires the parts together.
    "admin": {"models"},
    "apps": {"history", "notify", "signin", "recovery"},
    "urls": set(),  # one `include` per feature, by dotted path
    "tasks": {"approvals", "attention", "history", "notify", "recovery", "store"},
    "slack": {
        "core",
        "datadog",
        "store",
        "models",
        "web",
        "audit",
        "muting",
        "notify",
        "policy",
        "downtimes",
        "editing",
        "monitors",
    },
    "management": {"models", "web", "signin", "api"},
    "migrations": set(),
}
LOOSE_MODULES = {"__init__", "models", "admin", "apps", "urls", "tasks"}
ROLE_CHECK = f"{APP}.web.access"


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


@cache
def app_graph() -> dict[str, set[str]]:
    """Each module of the app and the app's modules it imports (at any depth of the file)."""
    modules = {module_name(path): path for path in python_files(APP)}

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for name, path in modules.items():
        found = {resolve(imported) for _, imported in imported_modules(path)}
        graph[name] = {m for m in found if m and m not in (name, APP)}
    return graph


def part(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


def part_graph() -> dict[str, set[str]]:
    arrows: dict[str, set[str]] = {}
    for module, imported in app_graph().items():
        if part(module):
            arrows.setdefault(part(module), set()).update(
                part(i) for i in imported if part(i) != part(module)
            )
    return arrows


def reach(module: str) -> set[str]:
    seen, todo = set(), [module]
    while todo:
        for found in app_graph()[todo.pop()] - seen:
            seen.add(found)
            todo.append(found)
    return seen


def external_imports(modules: set[str]) -> set[str]:
    """Every name the modules import from outside the app (dotted, as written)."""
    paths = [ROOT / (m.replace(".", "/") + ".py") for m in modules]
    paths = [p if p.exists() else p.with_suffix("") / "__init__.py" for p in paths]
    found = {name for path in paths for _, name in imported_modules(path)}
    return {name for name in found if not name.startswith(APP)}


def touches(names: set[str], *prefixes: str) -> set[str]:
    return {n for n in names if any(n == p or n.startswith(p + ".") for p in prefixes)}


def test_the_import_walk_sees_relative_and_absolute_imports(tmp_path):
    found = dict.fromkeys(m for _, m in imported_modules(ROOT / "downtimes_app/downtimes/index.py"))
    assert "downtimes_app.downtimes.listing" in found  # from downtimes_app.downtimes import listing
    assert "django.contrib.auth.models.AbstractBaseUser" in found
    graph = app_graph()
    assert f"{APP}.downtimes.listing" in graph[f"{APP}.downtimes.index"]
    assert f"{APP}.store.memo" in graph[f"{APP}.downtimes.index"]


def test_each_part_imports_only_the_parts_below_it():
    offenders = [
        f"{module} imports {imported}"
        for module, imports in sorted(app_graph().items())
        if part(module)
        for imported in sorted(imports)
        if part(imported) != part(module) and part(imported) not in LAYERS.get(part(module), ())
    ]
    assert offenders == []


def test_every_part_of_the_app_has_its_place_in_the_layers():
    assert set(part_graph()) - set(LAYERS) == set()


def test_no_two_parts_import_each_other_even_round_a_circle():
    arrows = part_graph()

    def circle_from(start: str) -> list[str] | None:
        todo = [(start, [start])]
        seen = set()
        while todo:
            here, path = todo.pop()
            for there in arrows.get(here, ()):
                if there == start:
                    return [*path, start]
                if there not in seen:
                    seen.add(there)
                    todo.append((there, [*path, there]))
        return None

    circles = {tuple(c) for p in arrows if (c := circle_from(p))}
    assert circles == set()


def test_the_layer_rules_themselves_form_no_circle():
    """The rules above are a ladder: following them never comes back to where it began."""
    order: list[str] = []
    remaining = dict(LAYERS)
    while remaining:
        ready = [name for name, needs in remaining.items() if needs <= set(order)]
        assert ready, f"the rules go round a circle among {sorted(remaining)}"
        order += ready
        for name in ready:
            del remaining[name]


def test_a_features_views_never_import_another_features_views():
    offenders = [
        f"{module} imports {imported}"
        for module, imports in app_graph().items()
        if ".views" in module
        for imported in imports
        if ".views" in imported and part(imported) != part(module)
    ]
    assert offenders == []


def test_the_root_keeps_only_what_django_expects_there():
    loose = {p.stem for p in (ROOT / APP).glob("*.py")}
    assert loose <= LOOSE_MODULES and len(loose) <= 10


def test_the_root_urls_is_one_include_per_feature_and_each_feature_holds_its_own():
    from django.urls import URLResolver

    from downtimes_app import urls

    included = [p.urlconf_name for p in urls.urlpatterns]
    assert all(isinstance(p, URLResolver) for p in urls.urlpatterns)
    assert [u.__name__.split(".")[1] for u in included] == [
        "editing",
        "downtimes",
        "calendar",
        "monitors",
        "attention",
        "audit",
        "policy",
        "history",
        "approvals",
        "api",
        "slack",
    ]
    for feature in included:  # a feature's addresses lead to its own views
        views = {p.callback.__module__.split(".")[1] for p in feature.urlpatterns}
        assert views == {feature.__name__.split(".")[1]}, feature.__name__


def test_the_role_check_stands_on_the_user_alone():
    """It reaches a dozen of the project's modules at most, and never Datadog or the queue."""
    reached = reach(ROLE_CHECK)
    assert len(reached) <= 12
    assert not {m for m in reached if part(m) in ("datadog", "notify", "store", "audit")}
    assert touches(external_imports(reached | {ROLE_CHECK}), "requests", "huey") == set()


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


def test_the_domain_records_and_parsing_import_nothing_of_the_project_or_django():
    for name in ("domain", "parsing"):
        imported = {m for _, m in imported_modules(ROOT / f"downtimes_app/core/{name}.py")}
        assert not {m for m in imported if m.split(".")[0] in (APP, "django", "sandbox")}


def test_the_core_does_no_io():
    """Records, rules and words: no database, cache, HTTP or queue (the clock reads a setting,
    messages use Django's HTML escaping)."""
    core = {m for m in app_graph() if part(m) in PURE}
    io = ("requests", "huey", "icalendar", "django.db", "django.core.cache", "django.http")
    assert touches(external_imports(core), *io) == set()


def test_views_never_read_or_write_datadogs_json():
    """JSON is read and written in `datadog/codec.py` only; views get records."""
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in python_files(APP)
        if ".views" in module_name(path)
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
