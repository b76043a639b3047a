"""Convert Exercism-format Python exercises into our folder format.

An Exercism exercise is a folder with `.meta/config.json` (naming the solution, test and example
files), `.docs/instructions.md`, a stub, an example or exemplar solution, and unittest files.
The first test becomes visible; the others become hidden-with-hint (splitting.py); HTML in the
statement becomes Markdown (statement.py). A folder that cannot be converted is listed with the
reason, and nothing of it is written.
"""

import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from grader.authoring.exercism.splitting import CannotSplit, split_tests
from grader.authoring.exercism.statement import without_html
from grader.authoring.manifest import manifest_of
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
    if not test_names:
        raise NotConvertible("'files.test' in .meta/config.json names no test file")
    if _names(config, "editor"):
        raise NotConvertible("it gives learners extra files to read (files.editor), which are not supported")
    if len(reference_paths) != len(solution_names) or not reference_paths:
        raise NotConvertible("needs one example (or exemplar) file for each solution file")
    files = [Path(name).name for name in solution_names]
    if not all(FILE_NAME_PATTERN.match(name) for name in files):
        raise NotConvertible(f"solution files must be plain Python module names: {', '.join(files)}")
    statement = without_html(_statement(folder))
    try:
        split = split_tests([(name, _read(folder / name)) for name in test_names])
    except CannotSplit as reason:
        raise NotConvertible(str(reason)) from None

    with tempfile.TemporaryDirectory() as work:
        target = Path(work) / slug
        _write(target / "statement.md", statement)
        for name, stub, reference in zip(files, solution_names, reference_paths, strict=True):
            _write(target / "starter" / name, _read(folder / stub))
            _write(target / "solution" / name, _read(folder / reference))
        module = files[0][:-3]
        tests = {f"visible/test_{module}.py": split.visible}
        for number, source in enumerate(split.hidden.values(), start=1):
            tests[f"hidden/test_{module}_hidden{'' if number == 1 else f'_{number}'}.py"] = source
        for path, source in tests.items():
            _write(target / "tests" / path, source)
        _write(target / "exercise.toml", _toml(slug, week, day, files, _hints(target, tests)))
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


def _hints(folder: Path, tests: dict[str, str]) -> dict[str, str]:
    """The name exercise.toml gives each hidden test → a hint naming its case."""
    try:
        manifest = [entry for path, source in tests.items() for entry in manifest_of(folder, path, source)]
    except ExerciseInvalid as invalid:
        raise NotConvertible(f"a test file does not load: {invalid.problems[0].message}") from None
    methods = [entry["function"].rsplit("::", 1)[-1] for entry in manifest]
    hints = {}
    for entry, method in zip(manifest, methods, strict=True):
        if entry["hidden"]:
            # A method name alone is enough unless another test class has one of the same name.
            name = method if methods.count(method) == 1 else entry["function"]
            hints[name] = f"Look again at this case: {_words(method)}."
    return hints


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


def _words(test_name: str) -> str:
    return test_name.removeprefix("test_").replace("_", " ")


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
        key = name if name.isidentifier() else json.dumps(name)  # Class::method needs quotes in TOML
        lines += [f"[tests.{key}]", 'visibility = "hidden-with-hint"', f"hint = {json.dumps(hint)}", ""]
    return "\n".join(lines)
