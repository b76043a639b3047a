"""Read exercise folders into specs; pure: nothing is stored, every problem is reported as path:line."""

import hashlib
from pathlib import Path

from markdown_it import MarkdownIt

from grader.authoring.manifest import read_manifest
from grader.authoring.meta import Meta, all_text
from grader.authoring.spec import (
    DIFFICULTIES,
    FOLDER_VISIBILITY,
    LANGUAGES,
    SLUG_PATTERN,
    ExerciseInvalid,
    ExerciseSpec,
    Problem,
    Problems,
)
from grader.locales import TRANSLATED
from grader.models import Exercise, TestResult, column_length

_statement_parser = MarkdownIt("commonmark")

MAX_SLUG_CHARS = column_length(Exercise.slug)
MAX_TITLE_CHARS = column_length(Exercise.title)
MAX_TEST_NAME_CHARS = column_length(TestResult.name)
"""The longest slug, title and test name (as pytest names it) the database holds."""


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
    if reader.problems or spec is None:
        raise ExerciseInvalid(reader.problems)
    return spec


def version_of(folder: Path) -> str:
    """A digest of every file of the exercise: it changes whenever the exercise does."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


class _Reader:
    """Reads one folder, collecting problems instead of stopping at the first."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.problems = Problems()

    def read(self) -> ExerciseSpec | None:
        """The spec of the folder, or None when any problem was found."""
        folder = self.folder
        if not SLUG_PATTERN.match(folder.name):
            self.problems.add(folder, "the folder name is the slug: lower-case letters, digits and dashes only")
        meta_path = folder / "exercise.toml"
        meta = Meta(meta_path, self.text(meta_path), self.problems)
        values = {
            "title": meta.value("title", str, None, lambda v: bool(v.strip()), "a title"),
            "week": meta.value("week", int, None, lambda v: 1 <= v <= 52, "1 to 52"),
            "day": meta.value("day", int, 1, lambda v: 1 <= v <= 7, "1 to 7"),
        }
        points = meta.value("points", (int, float), None, lambda v: v > 0, "above 0")
        values["tags"] = meta.value("tags", list, [], all_text, "a list of words")
        values["difficulty"] = meta.choice("difficulty", "easy", DIFFICULTIES)
        values["language"] = meta.choice("language", "python", LANGUAGES)
        files = meta.files()
        values["limits"] = meta.limits()
        values["statement"] = self.statement(folder / "statement.md")
        values["translations"] = self.translations(folder, meta)
        # Without a valid list of files, starter/ and solution/ cannot be checked against it.
        values["starter"] = self.files(folder / "starter", files) if files else {}
        values["solution"] = self.files(folder / "solution", files) if files else {}
        tests = self.tests(folder / "tests")
        manifest = read_manifest(folder, tests, meta, points, self.problems)
        self.lengths(folder, values["title"], manifest, meta)
        if self.problems:
            return None
        return ExerciseSpec(
            slug=folder.name,
            points=float(points),
            files=list(files),
            tests=tests,
            manifest=manifest,
            version=version_of(folder),
            **values,
        )

    def lengths(self, folder: Path, title: object, manifest: list[dict], meta: Meta) -> None:
        """What the database's columns cannot hold (PostgreSQL refuses it where SQLite would keep it)."""
        if len(folder.name) > MAX_SLUG_CHARS:
            self.problems.add(folder, f"the folder name (the slug) is longer than {MAX_SLUG_CHARS} characters")
        if isinstance(title, str) and len(title) > MAX_TITLE_CHARS:
            meta.problem(f"title is longer than {MAX_TITLE_CHARS} characters", "title")
        for entry in manifest:
            if len(entry["name"]) > MAX_TEST_NAME_CHARS:
                meta.problem(
                    f"test '{entry['name'][:60]}…' has a name longer than {MAX_TEST_NAME_CHARS} characters",
                    entry["function"],
                )

    def text(self, path: Path) -> str | None:
        """The file's text, or None with a problem when it is missing or not UTF-8."""
        if not path.is_file():
            self.problems.add(path, "missing")
            return None
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            self.problems.add(path, "not UTF-8 text")
            return None

    def statement(self, path: Path) -> str:
        """The statement's Markdown, which must not be empty nor carry raw HTML."""
        text = self.text(path)
        if text is None:
            return ""
        if not text.strip():
            self.problems.add(path, "the statement is empty")
        for token in _statement_parser.parse(text):
            inline = [token, *(token.children or [])]
            if any(part.type in ("html_block", "html_inline") for part in inline):
                line = token.map[0] + 1 if token.map else 1
                self.problems.add(path, "raw HTML is not allowed in a statement (learners would see it as text)", line)
        return text

    def translations(self, folder: Path, meta: Meta) -> dict[str, dict[str, str]]:
        """Language code → the translated title and statement (statement.<code>.md) the author gave."""
        translations: dict[str, dict[str, str]] = {code: {} for code in TRANSLATED}
        for code, title in meta.translations("title").items():
            translations[code]["title"] = title
        for path in sorted(folder.glob("statement.*.md")):
            code = path.name.removeprefix("statement.").removesuffix(".md")
            if code not in TRANSLATED:
                offered = ", ".join(f"statement.{code}.md" for code in TRANSLATED)
                self.problems.add(path, f"'{code}' is not a language the site offers (use {offered})")
                continue
            translations[code]["statement"] = self.statement(path)
        return {code: parts for code, parts in translations.items() if parts}

    def files(self, folder: Path, names: list[str]) -> dict[str, str]:
        """The learner's files in starter/ or solution/: exactly those named, each as text."""
        present = sorted(path.name for path in folder.iterdir() if path.is_file()) if folder.is_dir() else []
        if present != sorted(names):
            found = ", ".join(present) or "nothing"
            self.problems.add(folder, f"must hold exactly {', '.join(sorted(names))} (found: {found})")
            return {}
        contents = {name: self.text(folder / name) for name in names}
        return {name: text for name, text in contents.items() if text is not None}

    def tests(self, folder: Path) -> dict[str, str]:
        """Path under tests/ → source of every test file."""
        tests = {}
        for subfolder in FOLDER_VISIBILITY:
            for path in sorted((folder / subfolder).glob("test_*.py")):
                text = self.text(path)
                if text is not None:
                    tests[f"{subfolder}/{path.name}"] = text
        if not tests:
            self.problems.add(folder, "no test files: put test_*.py files in tests/visible/ and tests/hidden/")
        return tests
