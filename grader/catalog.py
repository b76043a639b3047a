"""Read exercise folders into specs (pure), and store specs as Exercise rows (separate)."""

import ast
import hashlib
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

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

VISIBILITIES = ("visible", "hidden")
"""Sub-folders of tests/, each a visibility of the tests inside."""

KNOWN_KEYS = {"title", "week", "day", "points", "files", "limits", "isolation"}
ISOLATIONS = ("process", "in-process")
"""Where the learner's code runs: its own process under its own user (default), or inside the tests' process."""
LIMIT_KEYS = {"wall_seconds", "memory_mb"}


class ExerciseError(Exception):
    """A problem in an exercise folder, with the file it is in."""

    def __init__(self, path: Path, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True)
class ExerciseSpec:
    """An exercise read from its folder, ready to store."""

    slug: str
    title: str
    week: int
    day: int
    points: float
    statement: str
    files: list[str]
    starter: dict[str, str]
    tests: dict[str, str]
    manifest: list[dict]
    limits: dict
    isolation: str
    version: str
    solution: dict[str, str] = field(repr=False)


def read_bank(bank: Path) -> tuple[list[ExerciseSpec], list[ExerciseError]]:
    """Read every exercise folder of the bank; broken ones are reported, not raised."""
    specs, problems = [], []
    for folder in sorted(path for path in bank.iterdir() if path.is_dir()):
        if folder.name.startswith((".", "_")):
            continue
        try:
            specs.append(read_exercise(folder))
        except ExerciseError as problem:
            problems.append(problem)
    return specs, problems


def read_exercise(folder: Path) -> ExerciseSpec:
    """Read and check one exercise folder."""
    if not SLUG_PATTERN.match(folder.name):
        raise ExerciseError(folder, "folder name must be lower-case letters, digits and dashes")
    meta_path = folder / "exercise.toml"
    meta = _read_toml(meta_path)
    unknown = set(meta) - KNOWN_KEYS
    if unknown:
        raise ExerciseError(meta_path, f"unknown keys: {', '.join(sorted(unknown))}")
    title = _require(meta, "title", str, meta_path)
    week = _require(meta, "week", int, meta_path)
    day = meta.get("day", 1)
    points = _require(meta, "points", (int, float), meta_path)
    files = _require(meta, "files", list, meta_path)
    if not 1 <= week <= 52 or not isinstance(day, int) or not 1 <= day <= 7 or points <= 0:
        raise ExerciseError(meta_path, "week must be 1-52, day 1-7 and points above 0")
    if not files or not all(isinstance(name, str) and FILE_NAME_PATTERN.match(name) for name in files):
        raise ExerciseError(meta_path, "files must list the learner's Python files, such as 'hello.py'")
    limits = _read_limits(meta.get("limits", {}), meta_path)
    isolation = meta.get("isolation", "process")
    if isolation not in ISOLATIONS:
        raise ExerciseError(meta_path, f"isolation must be one of: {', '.join(ISOLATIONS)}")
    shadowing = [name for name in files if name[:-3] in sys.stdlib_module_names or name[:-3] in RESERVED_MODULES]
    if shadowing:
        raise ExerciseError(
            meta_path, f"file names that hide a module Python or the tests need: {', '.join(shadowing)}"
        )

    statement = _read_text(folder / "statement.md")
    starter = _read_files(folder / "starter", files)
    solution = _read_files(folder / "solution", files)
    tests = _read_tests(folder / "tests")
    manifest = [entry for path, source in tests.items() for entry in manifest_of(folder, path, source)]
    if not manifest:
        raise ExerciseError(folder / "tests", "no test functions (def test_…) found")
    return ExerciseSpec(
        slug=folder.name,
        title=title,
        week=week,
        day=day,
        points=float(points),
        statement=statement,
        files=list(files),
        starter=starter,
        tests=tests,
        manifest=manifest,
        limits=limits,
        isolation=isolation,
        version=_version_of(folder),
        solution=solution,
    )


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
        row.title, row.week, row.day, row.max_score = spec.title, spec.week, spec.day, spec.points
        row.statement, row.files, row.starter = spec.statement, spec.files, spec.starter
        row.tests, row.manifest, row.limits, row.version = spec.tests, spec.manifest, spec.limits, spec.version
        row.isolation = spec.isolation
    return changes


def limits_of(exercise: Exercise, defaults: Limits) -> Limits:
    """The sandbox limits of an exercise, its own values over the defaults."""
    return Limits(
        **{
            **{key: getattr(defaults, key) for key in Limits.__dataclass_fields__},
            **exercise.limits,
        }
    )


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(_read_text(path))
    except tomllib.TOMLDecodeError as error:
        raise ExerciseError(path, f"not valid TOML: {error}") from error


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise ExerciseError(path, "missing")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ExerciseError(path, "not UTF-8 text") from error


def _require(meta: dict, key: str, kind, path: Path):
    value = meta.get(key)
    if value is None:
        raise ExerciseError(path, f"'{key}' is missing")
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ExerciseError(path, f"'{key}' has the wrong type")
    return value


def _read_limits(raw, path: Path) -> dict:
    if not isinstance(raw, dict) or set(raw) - LIMIT_KEYS:
        raise ExerciseError(path, f"[limits] may only set {', '.join(sorted(LIMIT_KEYS))}")
    wall, memory = raw.get("wall_seconds", 10), raw.get("memory_mb", 256)
    if not isinstance(wall, int | float) or not 1 <= wall <= 60:
        raise ExerciseError(path, "limits.wall_seconds must be between 1 and 60")
    if not isinstance(memory, int) or not 32 <= memory <= 2048:
        raise ExerciseError(path, "limits.memory_mb must be between 32 and 2048")
    return {"wall_seconds": float(wall), "memory_mb": memory}


def _read_files(folder: Path, names: list[str]) -> dict[str, str]:
    present = sorted(path.name for path in folder.glob("*") if path.is_file()) if folder.is_dir() else []
    if present != sorted(names):
        raise ExerciseError(
            folder, f"must hold exactly {', '.join(sorted(names))} (found: {', '.join(present) or 'nothing'})"
        )
    return {name: _read_text(folder / name) for name in names}


def _read_tests(folder: Path) -> dict[str, str]:
    tests = {}
    for visibility in VISIBILITIES:
        for path in sorted((folder / visibility).glob("test_*.py")):
            tests[f"{visibility}/{path.name}"] = _read_text(path)
    return tests


def manifest_of(folder: Path, path: str, source: str) -> list[dict]:
    """List the tests a file defines, as pytest will name them, with their descriptions."""
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as error:
        raise ExerciseError(folder / "tests" / path, f"line {error.lineno}: {error.msg}") from error
    entries = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            entries.append((node.name, node))
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            entries.extend(
                (f"{node.name}::{item.name}", item)
                for item in node.body
                if isinstance(item, ast.FunctionDef) and item.name.startswith("test")
            )
    visibility = path.split("/", 1)[0]
    return [
        {
            "id": f"tests/{path}::{name}",
            "name": function.name.removeprefix("test_").replace("_", " "),
            "description": _first_line(ast.get_docstring(function) or ""),
            "hidden": visibility == "hidden",
        }
        for name, function in entries
    ]


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0].strip() if lines else ""


def _version_of(folder: Path) -> str:
    """A digest of every file of the exercise: it changes whenever the exercise does."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
