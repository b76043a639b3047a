"""Reading exercise folders: the bank loads, and each kind of broken folder is refused with its reason."""

import shutil

import pytest
from sqlalchemy import select

from grader.authoring.reader import MAX_TEST_NAME_CHARS, MAX_TITLE_CHARS, read_bank, read_exercise
from grader.authoring.spec import ExerciseInvalid
from grader.authoring.store import store_specs
from grader.models import Exercise
from grader.settings import PROJECT_ROOT
from tests.factories import sessions

BANK = PROJECT_ROOT / "exercises"


@pytest.fixture
def copy_of(tmp_path):
    """A writable copy of one exercise of the bank."""

    def copy(slug="hello-name", name=None):
        target = tmp_path / (name or slug)
        shutil.copytree(BANK / slug, target)
        return target

    return copy


def test_the_bank_loads_and_starts_in_week_one():
    specs, problems = read_bank(BANK)
    assert problems == []
    assert len(specs) >= 3
    assert min(spec.week for spec in specs) == 1


def test_manifest_lists_visible_tests_first_with_descriptions():
    spec = read_exercise(BANK / "hello-name")
    assert [entry["hidden"] for entry in spec.manifest] == [False, True, True]
    assert spec.manifest[0]["id"] == "tests/visible/test_hello.py::test_greets_amina"
    assert spec.manifest[1]["description"] == "Works for other names too."


def test_version_changes_when_a_test_changes(copy_of):
    folder = copy_of()
    before = read_exercise(folder).version
    hidden = folder / "tests/hidden/test_hello_hidden.py"
    hidden.write_text(hidden.read_text() + "\n\ndef test_new():\n    assert True\n")
    assert read_exercise(folder).version != before


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda f: (f / "exercise.toml").write_text("title = [unclosed"), "not valid TOML"),
        (
            lambda f: (f / "exercise.toml").write_text("colour = 1\n" + (f / "exercise.toml").read_text()),
            "unknown key",
        ),
        (
            lambda f: (f / "exercise.toml").write_text('isolation = "x"\n' + (f / "exercise.toml").read_text()),
            "'isolation' is gone: every exercise runs the learner's code in its own process",
        ),
        (lambda f: (f / "statement.md").unlink(), "missing"),
        (lambda f: (f / "solution/hello.py").unlink(), "must hold exactly hello.py"),
        (lambda f: (f / "starter/extra.py").write_text(""), "must hold exactly hello.py"),
        (lambda f: (f / "tests/hidden/test_hello_hidden.py").write_text("def test(:\n"), ":1: syntax error"),
        (lambda f: (f / "statement.md").write_bytes(b"\xff\xfe"), "not UTF-8"),
    ],
)
def test_broken_exercises_are_refused_with_a_reason(copy_of, breakage, message):
    folder = copy_of()
    breakage(folder)
    with pytest.raises(ExerciseInvalid, match=message):
        read_exercise(folder)


@pytest.mark.parametrize("name", ["Has Spaces", "dots..up", "UPPER"])
def test_bad_slugs_are_refused(copy_of, name):
    with pytest.raises(ExerciseInvalid, match="folder name is the slug"):
        read_exercise(copy_of(name=name))


def test_a_broken_folder_does_not_stop_the_others(tmp_path, copy_of):
    copy_of("hello-name")
    broken = copy_of("temperature")
    (broken / "exercise.toml").write_text("week = 'one'")
    specs, problems = read_bank(tmp_path)
    assert [spec.slug for spec in specs] == ["hello-name"]
    assert problems and all(problem.path == broken / "exercise.toml" for problem in problems)


def test_loading_twice_changes_nothing(app):
    specs, _ = read_bank(BANK)
    with sessions(app).begin() as session:
        changes = store_specs(session, specs)
    assert changes["added"] == [] and changes["changed"] == []
    assert sorted(changes["unchanged"]) == sorted(spec.slug for spec in specs)


def test_the_bank_is_a_six_week_curriculum():
    specs, problems = read_bank(BANK)
    assert problems == []
    per_week = {week: [spec for spec in specs if spec.week == week] for week in range(1, 7)}
    assert len(specs) >= 36
    assert all(len(exercises) >= 6 for exercises in per_week.values()), {w: len(e) for w, e in per_week.items()}
    for spec in specs:
        visibilities = {entry["visibility"] for entry in spec.manifest}
        assert "visible" in visibilities and "hidden-with-hint" in visibilities, spec.slug
        assert "```" in spec.statement, f"{spec.slug}: the statement has no example"


def long_title(length: int):
    def change(folder):
        meta = folder / "exercise.toml"
        meta.write_text(meta.read_text().replace('title = "Say hello"', f'title = "{"x" * length}"', 1))

    return change


def long_test_name(length: int):
    def change(folder):  # pytest's name of the test, as the site shows it: without test_
        hidden = folder / "tests/hidden/test_hello_hidden.py"
        hidden.write_text(hidden.read_text() + f"\n\ndef test_{'x' * length}():\n    assert True\n")

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (long_title(MAX_TITLE_CHARS + 1), f"title is longer than {MAX_TITLE_CHARS} characters"),
        (long_test_name(MAX_TEST_NAME_CHARS + 1), f"a name longer than {MAX_TEST_NAME_CHARS} characters"),
    ],
)
def test_what_the_database_cannot_hold_is_refused_when_read(copy_of, change, message):
    folder = copy_of()
    change(folder)
    with pytest.raises(ExerciseInvalid, match=message):
        read_exercise(folder)


def test_a_title_and_a_test_name_as_long_as_the_columns_hold_are_stored(app, copy_of):
    folder = copy_of(name="long-names")
    long_title(MAX_TITLE_CHARS)(folder)
    long_test_name(MAX_TEST_NAME_CHARS)(folder)
    spec = read_exercise(folder)
    with sessions(app).begin() as session:  # PostgreSQL refuses one character more; SQLite would not
        assert store_specs(session, [spec])["added"] == ["long-names"]
    with sessions(app)() as session:
        stored = session.scalar(select(Exercise).where(Exercise.slug == "long-names"))
        assert stored is not None and len(stored.title) == MAX_TITLE_CHARS
