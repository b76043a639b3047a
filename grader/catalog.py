"""Read exercise folders into specs (pure), and store specs as Exercise rows (separate).

Every problem found is reported as `path:line: message`; a folder with any problem is not loaded.
"""

import ast
import hashlib
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt
from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.models import Exercise
from sandbox.limits import Limits

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
"""Folder names that are exercises: lower-case letters, digits and dashes."""

FILE_NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}\.py$")
"""Names a learner's file may have: a plain Python module name."""

RESERVED_MODULES = frozenset(
    {"pytest", "_pytest", "pluggy", "conftest", "grading", "plain", "wire", "proxy", "sitecustomize", "usercustomize"}
)
"""Module names the harness and the tests use, which a learner's file must not hide."""

FOLDER_VISIBILITY = {"visible": "visible", "hidden": "hidden"}
"""Sub-folders of tests/ and the visibility their tests have unless exercise.toml says otherwise."""

VISIBILITIES = ("visible", "hidden-with-hint", "hidden")
"""visible: code and message shown; hidden-with-hint: name and the author's hint; hidden: pass or fail only."""

DIFFICULTIES = ("easy", "medium", "hard")
LANGUAGES = ("python",)
"""Languages with a sandbox image; the language picks the image."""

ISOLATIONS = ("process", "in-process")
"""Where the learner's code runs: its own process under its own user (default), or inside the tests' process."""

TOP_KEYS = {"title", "week", "day", "points", "tags", "difficulty", "language", "files", "isolation", "limits", "tests"}
LIMIT_KEYS = {"wall_seconds", "memory_mb"}
TEST_KEYS = {"visibility", "hint", "points"}

_statement_parser = MarkdownIt("commonmark")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an exercise, where it is."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ExerciseInvalid(Exception):
    """An exercise folder with problems; none of it is loaded."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


@dataclass(frozen=True)
class ExerciseSpec:
    """An exercise read from its folder, ready to store."""

    slug: str
    title: str
    week: int
    day: int
    points: float
    tags: list[str]
    difficulty: str
    language: str
    statement: str
    files: list[str]
    starter: dict[str, str]
    tests: dict[str, str]
    manifest: list[dict]
    limits: dict
    isolation: str
    version: str
    solution: dict[str, str] = field(repr=False)


def read_bank(bank: Path) -> tuple[list[ExerciseSpec], list[Problem]]:
    """Read every exercise folder of the bank; broken ones are reported, not raised."""
    specs, problems = [], []
    for folder in exercise_folders(bank):
        try:
            specs.append(read_exercise(folder))
        except ExerciseInvalid as invalid:
            problems.extend(invalid.problems)
    return specs, problems


def exercise_folders(bank: Path) -> list[Path]:
    """The folders of the bank that hold exercises (hidden and underscore folders are not)."""
    return sorted(path for path in bank.iterdir() if path.is_dir() and not path.name.startswith((".", "_")))


def read_exercise(folder: Path) -> ExerciseSpec:
    """Read and check one exercise folder; raise ExerciseInvalid listing every problem."""
    reader = _Reader(folder)
    spec = reader.read()
    if reader.problems:
        raise ExerciseInvalid(reader.problems)
    return spec


def store_specs(session: Session, specs: list[ExerciseSpec]) -> dict[str, list[str]]:
    """Insert or update one row per spec; say which slugs were added, changed or unchanged."""
    existing = {exercise.slug: exercise for exercise in session.scalars(select(Exercise))}
    changes: dict[str, list[str]] = {"added": [], "changed": [], "unchanged": []}
    for spec in specs:
        row = existing.get(spec.slug)
        if row is not None and row.version == spec.version:
            changes["unchanged"].append(spec.slug)
            continue
        if row is None:
            row = Exercise(slug=spec.slug)
            session.add(row)
            changes["added"].append(spec.slug)
        else:
            changes["changed"].append(spec.slug)
        for name in ("title", "week", "day", "tags", "difficulty", "language", "statement", "files", "starter"):
            setattr(row, name, getattr(spec, name))
        for name in ("tests", "manifest", "limits", "isolation", "version"):
            setattr(row, name, getattr(spec, name))
        row.max_score = spec.points
    return changes


def limits_of(own: dict, defaults: Limits) -> Limits:
    """The sandbox limits of an exercise: its own values (from exercise.toml) over the defaults."""
    values = {key: getattr(defaults, key) for key in Limits.__dataclass_fields__}
    return Limits(**{**values, **own})


class _Reader:
    """Reads one folder, collecting problems instead of stopping at the first."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.problems: list[Problem] = []

    def problem(self, path: Path, message: str, line: int = 1) -> None:
        self.problems.append(Problem(path, line, message))

    def read(self) -> ExerciseSpec | None:
        folder = self.folder
        if not SLUG_PATTERN.match(folder.name):
            self.problem(folder, "the folder name is the slug: lower-case letters, digits and dashes only")
        meta_path = folder / "exercise.toml"
        meta_text = self.text(meta_path)
        meta = self.toml(meta_path, meta_text) if meta_text is not None else {}
        for key in sorted(set(meta) - TOP_KEYS):
            self.problem(meta_path, f"unknown key '{key}'", _line_of(meta_text, key))
        title = self.value(meta, meta_path, meta_text, "title", str, None, lambda v: bool(v.strip()), "a title")
        week = self.value(meta, meta_path, meta_text, "week", int, None, lambda v: 1 <= v <= 52, "1 to 52")
        day = self.value(meta, meta_path, meta_text, "day", int, 1, lambda v: 1 <= v <= 7, "1 to 7")
        points = self.value(meta, meta_path, meta_text, "points", (int, float), None, lambda v: v > 0, "above 0")
        tags = self.value(meta, meta_path, meta_text, "tags", list, [], _all_text, "a list of words")
        difficulty = self.value(
            meta, meta_path, meta_text, "difficulty", str, "easy", DIFFICULTIES.__contains__, " or ".join(DIFFICULTIES)
        )
        language = self.value(
            meta, meta_path, meta_text, "language", str, "python", LANGUAGES.__contains__, " or ".join(LANGUAGES)
        )
        isolation = self.value(
            meta, meta_path, meta_text, "isolation", str, "process", ISOLATIONS.__contains__, " or ".join(ISOLATIONS)
        )
        files = (
            self.value(
                meta,
                meta_path,
                meta_text,
                "files",
                list,
                None,
                _valid_file_names,
                "a list of Python file names such as 'hello.py'",
            )
            or []
        )
        shadowing = [name for name in files if name[:-3] in sys.stdlib_module_names or name[:-3] in RESERVED_MODULES]
        if shadowing:
            self.problem(
                meta_path,
                f"file names that hide a module Python or the tests need: {', '.join(shadowing)}",
                _line_of(meta_text, "files"),
            )
        limits = self.limits(meta.get("limits", {}), meta_path, meta_text)

        statement = self.statement(folder / "statement.md")
        # Without a valid list of files, starter/ and solution/ cannot be checked against it.
        starter = self.files(folder / "starter", files) if files else {}
        solution = self.files(folder / "solution", files) if files else {}
        tests = self.tests(folder / "tests")
        manifest = self.manifest(tests, meta.get("tests", {}), meta_path, meta_text, points)
        if self.problems:
            return None
        return ExerciseSpec(
            slug=folder.name,
            title=title,
            week=week,
            day=day,
            points=float(points),
            tags=tags,
            difficulty=difficulty,
            language=language,
            statement=statement,
            files=list(files),
            starter=starter,
            tests=tests,
            manifest=manifest,
            limits=limits,
            isolation=isolation,
            version=version_of(folder),
            solution=solution,
        )

    def text(self, path: Path) -> str | None:
        if not path.is_file():
            self.problem(path, "missing")
            return None
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            self.problem(path, "not UTF-8 text")
            return None

    def toml(self, path: Path, text: str) -> dict:
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            match = re.search(r"line (\d+)", str(error))
            self.problem(path, f"not valid TOML: {error}", int(match.group(1)) if match else 1)
            return {}

    def value(self, meta, path, text, key, kind, default, valid, expected):
        if key not in meta:
            if default is None:
                self.problem(path, f"'{key}' is missing")
            return default
        value = meta[key]
        if not isinstance(value, kind) or isinstance(value, bool) or not valid(value):
            self.problem(path, f"'{key}' must be {expected}", _line_of(text, key))
            return default
        return value

    def limits(self, raw, path: Path, text: str | None) -> dict:
        if not isinstance(raw, dict):
            self.problem(path, "[limits] must be a table", _line_of(text, "limits"))
            return {}
        for key in sorted(set(raw) - LIMIT_KEYS):
            self.problem(path, f"unknown key 'limits.{key}'", _line_of(text, key))
        wall, memory = raw.get("wall_seconds", 10), raw.get("memory_mb", 256)
        if not isinstance(wall, int | float) or isinstance(wall, bool) or not 1 <= wall <= 60:
            self.problem(path, "limits.wall_seconds must be between 1 and 60", _line_of(text, "wall_seconds"))
        if not isinstance(memory, int) or isinstance(memory, bool) or not 32 <= memory <= 2048:
            self.problem(path, "limits.memory_mb must be between 32 and 2048", _line_of(text, "memory_mb"))
        return {"wall_seconds": float(wall) if isinstance(wall, int | float) else 10.0, "memory_mb": memory}

    def statement(self, path: Path) -> str:
        text = self.text(path)
        if text is None:
            return ""
        if not text.strip():
            self.problem(path, "the statement is empty")
        for token in _statement_parser.parse(text):
            inline = [token, *(token.children or [])]
            if any(part.type in ("html_block", "html_inline") for part in inline):
                line = token.map[0] + 1 if token.map else 1
                self.problem(path, "raw HTML is not allowed in a statement (learners would see it as text)", line)
        return text

    def files(self, folder: Path, names: list[str]) -> dict[str, str]:
        present = sorted(path.name for path in folder.iterdir() if path.is_file()) if folder.is_dir() else []
        if present != sorted(names):
            found = ", ".join(present) or "nothing"
            self.problem(folder, f"must hold exactly {', '.join(sorted(names))} (found: {found})")
            return {}
        contents = {name: self.text(folder / name) for name in names}
        return {name: text for name, text in contents.items() if text is not None}

    def tests(self, folder: Path) -> dict[str, str]:
        tests = {}
        for subfolder in FOLDER_VISIBILITY:
            for path in sorted((folder / subfolder).glob("test_*.py")):
                text = self.text(path)
                if text is not None:
                    tests[f"{subfolder}/{path.name}"] = text
        if not tests:
            self.problem(folder, "no test files: put test_*.py files in tests/visible/ and tests/hidden/")
        return tests

    def manifest(self, tests: dict, settings, meta_path: Path, meta_text: str | None, points) -> list[dict]:
        if not isinstance(settings, dict):
            self.problem(meta_path, "[tests] must be a table of test names", _line_of(meta_text, "tests"))
            settings = {}
        manifest = []
        for path, source in tests.items():
            try:
                manifest.extend(manifest_of(self.folder, path, source))
            except ExerciseInvalid as invalid:
                self.problems.extend(invalid.problems)
        if tests and not manifest and not self.problems:
            self.problem(self.folder / "tests", "no test functions (def test_…) found")
        by_function = {entry["function"]: entry for entry in manifest}
        # A method of a test class may also be named alone, when no other test has that name.
        methods = [entry["function"].rsplit("::", 1)[-1] for entry in manifest]
        for entry, method in zip(manifest, methods, strict=True):
            if methods.count(method) == 1:
                by_function.setdefault(method, entry)
        for name, options in settings.items():
            line = _line_of(meta_text, name)
            if name not in by_function:
                self.problem(meta_path, f"[tests.{name}] names no test function", line)
                continue
            if not isinstance(options, dict) or set(options) - TEST_KEYS:
                self.problem(meta_path, f"[tests.{name}] may only set {', '.join(sorted(TEST_KEYS))}", line)
                continue
            entry = by_function[name]
            visibility = options.get("visibility", entry["visibility"])
            if visibility not in VISIBILITIES:
                self.problem(meta_path, f"[tests.{name}] visibility must be {', '.join(VISIBILITIES)}", line)
            elif entry["visibility"] != "visible" and visibility == "visible":
                self.problem(meta_path, f"[tests.{name}] is in tests/hidden/, so it cannot be visible", line)
            entry["visibility"] = visibility
            entry["hidden"] = visibility != "visible"
            entry["hint"] = options.get("hint", "")
            if not isinstance(entry["hint"], str):
                self.problem(meta_path, f"[tests.{name}] hint must be text", line)
            if "points" in options:
                if not isinstance(options["points"], int | float) or options["points"] < 0:
                    self.problem(meta_path, f"[tests.{name}] points must be a number, 0 or more", line)
                else:
                    entry["points"] = float(options["points"])
        for entry in manifest:
            if entry["visibility"] == "hidden-with-hint" and not str(entry.get("hint", "")).strip():
                self.problem(
                    meta_path,
                    f"test '{entry['function']}' is hidden-with-hint but has no hint",
                    _line_of(meta_text, entry["function"]),
                )
        self.share_points(manifest, points, meta_path, meta_text)
        return manifest

    def share_points(self, manifest: list[dict], points, meta_path: Path, meta_text: str | None) -> None:
        """Give tests without their own points an equal share of what the others leave."""
        if not isinstance(points, int | float) or not manifest:
            return
        fixed = sum(entry["points"] for entry in manifest if entry["points"] is not None)
        free = [entry for entry in manifest if entry["points"] is None]
        if fixed > points + 1e-9 or (not free and abs(fixed - points) > 1e-9):
            self.problem(
                meta_path,
                f"the tests' points add up to {fixed:g}, but the exercise has {points:g}",
                _line_of(meta_text, "points"),
            )
            return
        for entry in free:
            entry["points"] = (points - fixed) / len(free)


def manifest_of(folder: Path, path: str, source: str) -> list[dict]:
    """List the tests a file defines, as pytest will name them, with their descriptions."""
    file_path = folder / "tests" / path
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as error:
        raise ExerciseInvalid([Problem(file_path, error.lineno or 1, f"syntax error: {error.msg}")]) from None
    functions = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            functions.append((node.name, node))
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            functions.extend(
                (f"{node.name}::{item.name}", item)
                for item in node.body
                if isinstance(item, ast.FunctionDef) and item.name.startswith("test")
            )
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
            "points": None,
            "source": (ast.get_source_segment(source, function) or "") if visibility == "visible" else "",
        }
        for name, function in functions
    ]


def version_of(folder: Path) -> str:
    """A digest of every file of the exercise: it changes whenever the exercise does."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0].strip() if lines else ""


def _line_of(text: str | None, key: str) -> int:
    """The line where a TOML key (or table) is first set, for messages; 1 if not found."""
    if text:
        pattern = re.compile(rf"^\s*(\[[^\]]*\b{re.escape(key)}\b[^\]]*\]|{re.escape(key)}\s*=)")
        for number, line in enumerate(text.splitlines(), start=1):
            if pattern.match(line):
                return number
    return 1


def _all_text(values: list) -> bool:
    return all(isinstance(value, str) and value.strip() for value in values)


def _valid_file_names(names: list) -> bool:
    return bool(names) and all(isinstance(name, str) and FILE_NAME_PATTERN.match(name) for name in names)
