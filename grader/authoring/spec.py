"""What an exercise is once read from its folder, what may be in one, and how a problem with it is named."""

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from sandbox.harness import constant
from sandbox.limits import Limits

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
"""Folder names that are exercises: lower-case letters, digits and dashes."""

FILE_NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}\.py$")
"""Names a learner's file may have: a plain Python module name."""

RESERVED_MODULES = cast(frozenset[str], constant("RESERVED_MODULES"))
"""Module names the harness and the tests use, which a learner's file must not hide."""

FOLDER_VISIBILITY = {"visible": "visible", "hidden": "hidden"}
"""Sub-folders of tests/ and the visibility their tests have unless exercise.toml says otherwise."""

VISIBILITIES = ("visible", "hidden-with-hint", "hidden")
"""visible: code and message shown; hidden-with-hint: name and the author's hint; hidden: pass or fail only."""

DIFFICULTIES = ("easy", "medium", "hard")
"""How hard an exercise says it is."""

LANGUAGES = ("python",)
"""Languages with a sandbox image; the language picks the image."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an exercise, where it is."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class Problems(list[Problem]):
    """The problems found so far in one folder: readers collect them instead of stopping at the first."""

    def add(self, path: Path, message: str, line: int = 1) -> None:
        """Note one problem at path:line."""
        self.append(Problem(path, line, message))


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
    translations: dict[str, dict[str, str]]
    """Language code → {"title": …, "statement": …}, as far as the author translated them."""
    files: list[str]
    starter: dict[str, str]
    tests: dict[str, str]
    manifest: list[dict]
    limits: dict
    version: str
    solution: dict[str, str] = field(repr=False)


def limits_of(own: dict, defaults: Limits) -> Limits:
    """The sandbox limits of an exercise: its own values (from exercise.toml) over the defaults."""
    values = {key: getattr(defaults, key) for key in Limits.__dataclass_fields__}
    return Limits(**{**values, **own})


@dataclass(frozen=True)
class CheckResult:
    """The problems found in one exercise folder; none means it may reach learners."""

    slug: str
    version: str | None
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        """Whether no problem was found."""
        return not self.problems

    def text(self) -> str:
        """One line per problem, or a line saying all is well."""
        if self.ok:
            return f"{self.slug}: ok (version {self.version})"
        return "\n".join(str(problem) for problem in self.problems)
