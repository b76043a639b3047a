"""exercise.toml read with care: each value checked, each problem reported at the line that sets it."""

import re
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grader.authoring.spec import FILE_NAME_PATTERN, RESERVED_MODULES, Problems
from grader.locales import TRANSLATED
from sandbox.limits import LONGEST_WALL_SECONDS

TOP_KEYS = {"title", "week", "day", "points", "tags", "difficulty", "language", "files", "limits", "tests"} | {
    f"title_{code}" for code in TRANSLATED
}
"""Keys exercise.toml may set at its top level."""

TRANSLATED_KEY = re.compile(r"^(title|hint)_([a-z]{2,3})$")
"""A key that translates title or a hint into the language whose code follows."""

REMOVED_KEYS = {
    "isolation": "'isolation' is gone: every exercise runs the learner's code in its own process; remove the line",
}
"""Keys that exercise.toml once had, with what to do instead."""

LIMIT_KEYS = {"wall_seconds", "memory_mb"}
"""Keys of its [limits] table."""


class Meta:
    """The parsed exercise.toml of one folder, and the problems found in it."""

    def __init__(self, path: Path, text: str | None, problems: Problems):
        self.path, self.text, self.problems = path, text, problems
        self.data: dict[str, Any] = self._parse() if text is not None else {}
        for key in sorted(set(self.data) - TOP_KEYS):
            self.problem(REMOVED_KEYS.get(key) or unknown_key(key), key)

    def problem(self, message: str, key: str | None = None) -> None:
        """Report a problem at the line where key is set (line 1 if none)."""
        self.problems.add(self.path, message, line_of(self.text, key) if key else 1)

    def value(
        self, key: str, kind: type | tuple[type, ...], default: Any, valid: Callable[[Any], bool], expected: str
    ) -> Any:
        """The value of key if it has the right kind and passes valid; else report it and give the default."""
        if key not in self.data:
            if default is None:
                self.problem(f"'{key}' is missing")
            return default
        value = self.data[key]
        if not isinstance(value, kind) or isinstance(value, bool) or not valid(value):
            self.problem(f"'{key}' must be {expected}", key)
            return default
        return value

    def translations(self, key: str) -> dict[str, str]:
        """Language code → the translation of a top-level text key (title_nl, …), each non-blank text."""
        found = {}
        for code in TRANSLATED:
            name = f"{key}_{code}"
            if name in self.data:
                found[code] = self.value(name, str, "", lambda v: bool(v.strip()), "text")
        return {code: text for code, text in found.items() if text}

    def choice(self, key: str, default: str, choices: tuple[str, ...]) -> str:
        """A value that must be one of choices."""
        return self.value(key, str, default, choices.__contains__, " or ".join(choices))

    def files(self) -> list[str]:
        """The names of the learner's files, which must be plain modules that hide nothing the tests need."""
        files = self.value("files", list, None, _valid_file_names, "a list of Python file names such as 'hello.py'")
        files = files or []
        shadowing = [name for name in files if name[:-3] in sys.stdlib_module_names or name[:-3] in RESERVED_MODULES]
        if shadowing:
            self.problem(f"file names that hide a module Python or the tests need: {', '.join(shadowing)}", "files")
        return files

    def limits(self) -> dict:
        """The [limits] table, each limit within what a sandbox run may have."""
        raw = self.data.get("limits", {})
        if not isinstance(raw, dict):
            self.problem("[limits] must be a table", "limits")
            return {}
        for key in sorted(set(raw) - LIMIT_KEYS):
            self.problem(f"unknown key 'limits.{key}'", key)
        wall, memory = raw.get("wall_seconds", 10), raw.get("memory_mb", 256)
        if not isinstance(wall, int | float) or isinstance(wall, bool) or not 1 <= wall <= LONGEST_WALL_SECONDS:
            self.problem(f"limits.wall_seconds must be between 1 and {LONGEST_WALL_SECONDS}", "wall_seconds")
        if not isinstance(memory, int) or isinstance(memory, bool) or not 32 <= memory <= 2048:
            self.problem("limits.memory_mb must be between 32 and 2048", "memory_mb")
        return {"wall_seconds": float(wall) if isinstance(wall, int | float) else 10.0, "memory_mb": memory}

    def _parse(self) -> dict[str, Any]:
        try:
            return tomllib.loads(self.text or "")
        except tomllib.TOMLDecodeError as error:
            match = re.search(r"line (\d+)", str(error))
            self.problems.add(self.path, f"not valid TOML: {error}", int(match.group(1)) if match else 1)
            return {}


def unknown_key(key: str) -> str:
    """Why a key is refused; a translation into a language the site does not offer says so."""
    translated = TRANSLATED_KEY.match(key)
    if translated and translated.group(2) not in TRANSLATED:
        return (
            f"'{key}' translates into '{translated.group(2)}', which is not offered (offered: {', '.join(TRANSLATED)})"
        )
    return f"unknown key '{key}'"


def line_of(text: str | None, key: str) -> int:
    """The line where a TOML key (or table) is first set, for messages; 1 if not found."""
    if text:
        pattern = re.compile(rf"^\s*(\[[^\]]*\b{re.escape(key)}\b[^\]]*\]|{re.escape(key)}\s*=)")
        for number, line in enumerate(text.splitlines(), start=1):
            if pattern.match(line):
                return number
    return 1


def all_text(values: list) -> bool:
    """Whether every item is a non-blank string."""
    return all(isinstance(value, str) and value.strip() for value in values)


def _valid_file_names(names: list) -> bool:
    return bool(names) and all(isinstance(name, str) and FILE_NAME_PATTERN.match(name) for name in names)
