"""Convert Exercism-format Python exercises into our folder format.

An Exercism exercise is a folder with `.meta/config.json` (naming the solution, test and example
files), `.docs/instructions.md`, a stub, an example or exemplar solution, and a unittest file.
The first test becomes visible; the others become hidden-with-hint. A folder that cannot be
converted is listed with the reason, and nothing of it is written.
"""

import ast
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from grader.authoring.reader import read_exercise
from grader.authoring.spec import FILE_NAME_PATTERN, SLUG_PATTERN, ExerciseInvalid

POINTS = 10
"""Points of an imported exercise."""


class NotConvertible(Exception):
    """Why an Exercism exercise cannot be converted."""


@dataclass
class ImportResult:
    """Slugs imported, and (slug, reason) of those that were not."""

    imported: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def import_exercism(source: Path, dest: Path, *, week: int = 1) -> ImportResult:
    """Convert one Exercism exercise folder, or every one inside a folder, into dest."""
    folders = (
        [source]
        if (source / ".meta" / "config.json").is_file()
        else sorted(path for path in source.iterdir() if path.is_dir() and not path.name.startswith("."))
    )
    result = ImportResult()
    for day, folder in enumerate(folders, start=1):
        try:
            convert(folder, dest, week=week, day=min(day, 7))
        except NotConvertible as reason:
            result.skipped.append((folder.name, str(reason)))
        else:
            result.imported.append(folder.name)
    return result


def convert(folder: Path, dest: Path, *, week: int, day: int) -> Path:
    """Write our version of one Exercism exercise into dest/<slug>, all or nothing."""
    slug = folder.name
    if not SLUG_PATTERN.match(slug):
        raise NotConvertible("the folder name is not a valid slug (lower-case letters, digits, dashes)")
    if (dest / slug).exists():
        raise NotConvertible(f"{dest / slug} exists already")
    config = _config(folder)
    solution_names = _names(config, "solution")
    test_names = _names(config, "test")
    reference_paths = _names(config, "example") or _names(config, "exemplar")
    if len(test_names) != 1:
        raise NotConvertible("exactly one test file is supported")
    if len(reference_paths) != len(solution_names) or not reference_paths:
        raise NotConvertible("needs one example (or exemplar) file for each solution file")
    files = [Path(name).name for name in solution_names]
    if not all(FILE_NAME_PATTERN.match(name) for name in files):
        raise NotConvertible(f"solution files must be plain Python module names: {', '.join(files)}")
    statement = _statement(folder)
    visible, hidden, hints = _split_tests(_read(folder / test_names[0]))

    with tempfile.TemporaryDirectory() as work:
        target = Path(work) / slug
        _write(target / "exercise.toml", _toml(slug, week, day, files, hints))
        _write(target / "statement.md", statement)
        for name, stub, reference in zip(files, solution_names, reference_paths, strict=True):
            _write(target / "starter" / name, _read(folder / stub))
            _write(target / "solution" / name, _read(folder / reference))
        module = files[0][:-3]
        _write(target / "tests" / "visible" / f"test_{module}.py", visible)
        _write(target / "tests" / "hidden" / f"test_{module}_hidden.py", hidden)
        try:
            read_exercise(target)
        except ExerciseInvalid as invalid:
            first = invalid.problems[0]
            raise NotConvertible(
                f"the result would not load: {first.path.name}:{first.line}: {first.message}"
            ) from None
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copytree(target, dest / slug)
    return dest / slug


def _config(folder: Path) -> dict:
    try:
        config = json.loads(_read(folder / ".meta" / "config.json"))
    except ValueError as error:
        raise NotConvertible(f".meta/config.json is not valid JSON: {error}") from None
    if not isinstance(config, dict) or not isinstance(config.get("files"), dict):
        raise NotConvertible(".meta/config.json has no 'files' table")
    return config


def _names(config: dict, kind: str) -> list[str]:
    names = config["files"].get(kind, [])
    if not isinstance(names, list) or not all(isinstance(name, str) and ".." not in name for name in names):
        raise NotConvertible(f"'files.{kind}' in .meta/config.json must list file paths inside the exercise")
    return names


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotConvertible(f"{path.name} is missing") from None
    except UnicodeDecodeError:
        raise NotConvertible(f"{path.name} is not UTF-8 text") from None


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _statement(folder: Path) -> str:
    parts = [
        _read(path)
        for path in (folder / ".docs" / "introduction.md", folder / ".docs" / "instructions.md")
        if path.is_file()
    ]
    if not parts:
        raise NotConvertible(".docs/instructions.md is missing")
    append = folder / ".docs" / "instructions.append.md"
    if append.is_file():
        parts.append(_read(append))
    return "\n\n".join(part.strip() for part in parts) + "\n"


def _split_tests(source: str) -> tuple[str, str, dict[str, str]]:
    """Split a unittest file into a visible file (the first test) and a hidden one (the rest)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise NotConvertible(f"the test file has a syntax error on line {error.lineno}") from None
    cases = [node for node in tree.body if isinstance(node, ast.ClassDef) and _is_test_case(node)]
    if len(cases) != 1:
        raise NotConvertible("the test file must hold exactly one unittest.TestCase class")
    case = cases[0]
    tests = [node for node in case.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test")]
    if len(tests) < 2:
        raise NotConvertible("needs at least two tests: one visible and one hidden")
    others = [node for node in case.body if node not in tests]
    prelude = [node for node in tree.body if node is not case and not _is_main_guard(node)]

    def module_with(chosen: list[ast.FunctionDef]) -> str:
        # Our manifest names classes that start with Test, as pytest's default does.
        name = case.name if case.name.startswith("Test") else f"Test{case.name}"
        new_case = ast.ClassDef(name, case.bases, case.keywords, [*others, *chosen], case.decorator_list)
        return ast.unparse(ast.fix_missing_locations(ast.Module([*prelude, new_case], []))) + "\n"

    hints = {test.name: f"Look again at this case: {_words(test.name)}." for test in tests[1:]}
    return module_with(tests[:1]), module_with(tests[1:]), hints


def _words(test_name: str) -> str:
    return test_name.removeprefix("test_").replace("_", " ")


def _is_test_case(node: ast.ClassDef) -> bool:
    return any(ast.unparse(base).endswith("TestCase") for base in node.bases)


def _is_main_guard(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and "__main__" in ast.unparse(node.test)


def _toml(slug: str, week: int, day: int, files: list[str], hints: dict[str, str]) -> str:
    title = slug.replace("-", " ").capitalize()
    lines = [
        f"title = {json.dumps(title)}",
        f"week = {week}",
        f"day = {day}",
        f"points = {POINTS}",
        'tags = ["imported"]',
        'difficulty = "medium"',
        f"files = {json.dumps(files)}",
        "",
    ]
    for name, hint in hints.items():
        lines += [f"[tests.{name}]", 'visibility = "hidden-with-hint"', f"hint = {json.dumps(hint)}", ""]
    return "\n".join(lines)
