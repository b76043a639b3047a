"""The manifest: every test an exercise defines, as pytest names it, with its visibility, hint and points."""

import ast
from pathlib import Path

from grader.authoring.meta import Meta, unknown_key
from grader.authoring.spec import FOLDER_VISIBILITY, VISIBILITIES, ExerciseInvalid, Problem, Problems
from grader.locales import TRANSLATED

TEST_KEYS = {"visibility", "hint", "points"} | {f"hint_{code}" for code in TRANSLATED}
"""Keys a [tests.<name>] table of exercise.toml may set."""


def read_manifest(folder: Path, tests: dict[str, str], meta: Meta, points: object, problems: Problems) -> list[dict]:
    """List every test of the test files, then apply exercise.toml's [tests.<name>] tables and share the points."""
    settings = meta.data.get("tests", {})
    if not isinstance(settings, dict):
        meta.problem("[tests] must be a table of test names", "tests")
        settings = {}
    manifest = []
    for path, source in tests.items():
        try:
            manifest.extend(manifest_of(folder, path, source))
        except ExerciseInvalid as invalid:
            problems.extend(invalid.problems)
    if tests and not manifest and not problems:
        problems.add(folder / "tests", "no test functions (def test_…) found")
    by_function = _by_function(manifest)
    for name, options in settings.items():
        if name not in by_function:
            meta.problem(f"[tests.{name}] names no test function", name)
        elif not isinstance(options, dict):
            meta.problem(f"[tests.{name}] must be a table", name)
        elif set(options) - TEST_KEYS:
            for key in sorted(set(options) - TEST_KEYS):
                meta.problem(f"[tests.{name}] {unknown_key(key)}; a test may set {', '.join(sorted(TEST_KEYS))}", name)
        else:
            _apply_options(by_function[name], name, options, meta)
    for entry in manifest:
        if entry["visibility"] == "hidden-with-hint" and not str(entry.get("hint", "")).strip():
            meta.problem(f"test '{entry['function']}' is hidden-with-hint but has no hint", entry["function"])
    _share_points(manifest, points, meta)
    return manifest


def manifest_of(folder: Path, path: str, source: str) -> list[dict]:
    """List the tests a file defines, as pytest will name them, with their descriptions."""
    file_path = folder / "tests" / path
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as error:
        raise ExerciseInvalid([Problem(file_path, error.lineno or 1, f"syntax error: {error.msg}")]) from None
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    functions: list[tuple[str, ast.FunctionDef]] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            functions.append((node.name, node))
        elif isinstance(node, ast.ClassDef) and _collected(node, classes, set()):
            functions.extend((f"{node.name}::{method.name}", method) for method in _test_methods(node, classes, set()))
    visibility = FOLDER_VISIBILITY[path.split("/", 1)[0]]
    return [
        {
            "id": f"tests/{path}::{name}",
            "function": name,
            "name": function.name.removeprefix("test_").replace("_", " "),
            "description": _first_line(ast.get_docstring(function) or ""),
            "visibility": visibility,
            "hidden": visibility != "visible",
            "hint": "",
            "hints": {},
            "points": None,
            "source": (ast.get_source_segment(source, function) or "") if visibility == "visible" else "",
        }
        for name, function in functions
    ]


def _collected(node: ast.ClassDef, classes: dict[str, ast.ClassDef], seen: set[str]) -> bool:
    """Whether pytest collects the class: named Test…, or a unittest.TestCase, directly or through a class here."""
    if node.name.startswith("Test"):
        return True
    seen.add(node.name)
    for base in node.bases:
        name = ast.unparse(base)
        if name.rsplit(".", 1)[-1].endswith("TestCase"):
            return True
        if name in classes and name not in seen and _collected(classes[name], classes, seen):
            return True
    return False


def _test_methods(node: ast.ClassDef, classes: dict[str, ast.ClassDef], seen: set[str]) -> list[ast.FunctionDef]:
    """The class's test methods, its own first, then those it inherits from classes of the same file."""
    seen.add(node.name)
    methods = [item for item in node.body if isinstance(item, ast.FunctionDef) and item.name.startswith("test")]
    names = {method.name for method in methods}
    for base in node.bases:
        name = ast.unparse(base)
        if name in classes and name not in seen:
            for method in _test_methods(classes[name], classes, seen):
                if method.name not in names:
                    methods.append(method)
                    names.add(method.name)
    return methods


def _by_function(manifest: list[dict]) -> dict[str, dict]:
    """Entries by the name exercise.toml may use: the function, or a test class's method alone when unique."""
    by_function = {entry["function"]: entry for entry in manifest}
    methods = [entry["function"].rsplit("::", 1)[-1] for entry in manifest]
    for entry, method in zip(manifest, methods, strict=True):
        if methods.count(method) == 1:
            by_function.setdefault(method, entry)
    return by_function


def _apply_options(entry: dict, name: str, options: dict, meta: Meta) -> None:
    """Apply one [tests.<name>] table to its entry."""
    visibility = options.get("visibility", entry["visibility"])
    if visibility not in VISIBILITIES:
        meta.problem(f"[tests.{name}] visibility must be {', '.join(VISIBILITIES)}", name)
    elif entry["visibility"] != "visible" and visibility == "visible":
        meta.problem(f"[tests.{name}] is in tests/hidden/, so it cannot be visible", name)
    entry["visibility"] = visibility
    entry["hidden"] = visibility != "visible"
    entry["hint"] = options.get("hint", "")
    if not isinstance(entry["hint"], str):
        meta.problem(f"[tests.{name}] hint must be text", name)
    for code in TRANSLATED:
        translated = options.get(f"hint_{code}")
        if translated is None:
            continue
        if not isinstance(translated, str) or not translated.strip():
            meta.problem(f"[tests.{name}] hint_{code} must be text", name)
        elif not str(entry["hint"]).strip():
            meta.problem(f"[tests.{name}] has hint_{code} but no hint in English", name)
        else:
            entry["hints"][code] = translated
    if "points" in options:
        if not isinstance(options["points"], int | float) or options["points"] < 0:
            meta.problem(f"[tests.{name}] points must be a number, 0 or more", name)
        else:
            entry["points"] = float(options["points"])


def _share_points(manifest: list[dict], points: object, meta: Meta) -> None:
    """Give tests without their own points an equal share of what the others leave."""
    if not isinstance(points, int | float) or not manifest:
        return
    fixed = sum(entry["points"] for entry in manifest if entry["points"] is not None)
    free = [entry for entry in manifest if entry["points"] is None]
    if fixed > points + 1e-9 or (not free and abs(fixed - points) > 1e-9):
        meta.problem(f"the tests' points add up to {fixed:g}, but the exercise has {points:g}", "points")
        return
    for entry in free:
        entry["points"] = (points - fixed) / len(free)


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0].strip() if lines else ""
