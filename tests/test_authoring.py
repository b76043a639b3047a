"""The author's workflow: scaffold, check, load, change, regrade, and import, with the real sandbox."""

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from grader.authoring.bank import load_bank
from grader.authoring.checking import _flaky_problems, check_folder, check_folders
from grader.authoring.exercism import import_exercism
from grader.authoring.reader import read_exercise
from grader.authoring.spec import CheckResult
from grader.cli import cli
from grader.models import Exercise, ExerciseCheck, Submission
from grader.settings import load_settings
from sandbox.report import RawRun
from tests.factories import login, make_user, sessions

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def bank(tmp_path, monkeypatch, settings_env):
    """A bank of its own holding a copy of the adder exercise; every command and the app use it."""
    bank = tmp_path / "bank"
    shutil.copytree(FIXTURES / "adder", bank / "adder")
    monkeypatch.setenv("AUTOGRADER_EXERCISES_DIR", str(bank))
    settings_env["AUTOGRADER_EXERCISES_DIR"] = str(bank)
    return bank


@pytest.fixture
def settings(bank, settings_env):
    return load_settings(settings_env)


def run_cli(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def problems_of(folder: Path, settings) -> list[str]:
    _, result = check_folder(folder, settings)
    return [str(problem) for problem in result.problems]


def test_a_sound_exercise_passes_its_checks(bank, settings, docker_client):
    assert problems_of(bank / "adder", settings) == []


def test_a_reference_that_fails_a_test_is_named(bank, settings, docker_client):
    (bank / "adder/solution/adder.py").write_text("def add(a, b):\n    return abs(a) + abs(b)\n")
    [problem] = problems_of(bank / "adder", settings)
    assert (
        "tests/hidden/test_adder_hidden.py:1: the reference solution does not pass 'test_negative_numbers'" in problem
    )


def test_a_starter_that_already_passes_is_named(bank, settings, docker_client):
    shutil.copy(bank / "adder/solution/adder.py", bank / "adder/starter/adder.py")
    [problem] = problems_of(bank / "adder", settings)
    assert problem.endswith("adder/starter:1: the starter passes every hidden test: it must leave work to do")


def test_a_test_file_that_raises_at_import_is_named_with_its_line(bank, settings, docker_client):
    hidden = bank / "adder/tests/hidden/test_adder_hidden.py"
    hidden.write_text("from adder import add\n\nraise RuntimeError('broken fixture')\n\n\ndef test_x():\n    pass\n")
    [problem] = problems_of(bank / "adder", settings)
    assert "test_adder_hidden.py:3: the tests do not load" in problem and "broken fixture" in problem


def test_a_reference_that_times_out_is_named(bank, settings, docker_client):
    (bank / "adder/solution/adder.py").write_text("def add(a, b):\n    while True:\n        pass\n")
    [problem] = problems_of(bank / "adder", settings)
    assert "adder/solution:1: the reference solution timed out" in problem


def test_flaky_tests_are_named():
    spec = read_exercise(FIXTURES / "adder")
    ids = [entry["id"] for entry in spec.manifest]

    def run(*statuses):
        tests = [{"id": i, "status": s} for i, s in zip(ids, statuses, strict=True)]
        return RawRun(False, False, 0, 0.1, {"tests": tests}, "", "")

    [problem] = _flaky_problems(run("passed", "passed"), run("passed", "failed"), spec, FIXTURES / "adder")
    assert "is flaky: passed then failed" in str(problem)


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (lambda f: (f / "exercise.toml").write_text("title = 'x\n"), "exercise.toml:1: not valid TOML"),
        (lambda f: (f / "statement.md").write_text("# Hi\n\n<script>alert(1)</script>\n"), "statement.md:3: raw HTML"),
        (
            lambda f: (f / "exercise.toml").write_text(
                (f / "exercise.toml").read_text().replace("wall_seconds = 5", "wall_seconds = 500")
            ),
            "exercise.toml:7: limits.wall_seconds must be between 1 and 60",
        ),
        (
            lambda f: (f / "exercise.toml").write_text(
                (f / "exercise.toml").read_text() + '\n[tests.test_negative_numbers]\nvisibility = "hidden-with-hint"\n'
            ),
            "test 'test_negative_numbers' is hidden-with-hint but has no hint",
        ),
    ],
    ids=["toml-syntax", "raw-html", "limits", "missing-hint"],
)
def test_format_problems_are_precise(bank, settings, breakage, expected):
    breakage(bank / "adder")
    problems = problems_of(bank / "adder", settings)
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize("name", ["has spaces", "dots..up"])
def test_bad_slugs_are_refused(bank, settings, name):
    (bank / "adder").rename(bank / name)
    assert any("folder name is the slug" in problem for problem in problems_of(bank / name, settings))


def test_check_command_prints_problems_and_fails(bank, docker_client):
    (bank / "adder/solution/adder.py").write_text("def add(a, b):\n    return 0\n")
    result = run_cli("exercises", "check")
    assert result.exit_code == 1
    assert "the reference solution does not pass" in result.output
    assert "exercises: 0 passed, 1 failed" in result.output


def test_new_scaffolds_an_exercise_that_passes_its_checks(bank, docker_client):
    created = run_cli("exercises", "new", "double-it", "--week", "2")
    assert created.exit_code == 0, created.output
    checked = run_cli("exercises", "check", "double-it")
    assert checked.exit_code == 0, checked.output
    assert read_exercise(bank / "double-it").week == 2
    assert run_cli("exercises", "new", "double-it").exit_code == 1  # never overwrites


def test_a_broken_change_is_refused_and_the_loaded_version_kept(bank, app, settings, docker_client):
    first = load_bank(sessions(app), settings)
    assert not first.refused and "adder" in first.added + first.unchanged
    with sessions(app)() as session:
        loaded = session.scalar(select(Exercise).where(Exercise.slug == "adder")).version
    (bank / "adder/solution/adder.py").write_text("def add(a, b):\n    return 0\n")
    second = load_bank(sessions(app), settings)
    assert [result.slug for result in second.refused] == ["adder"]
    with sessions(app)() as session:
        assert session.scalar(select(Exercise).where(Exercise.slug == "adder")).version == loaded
        check = session.scalar(select(ExerciseCheck).where(ExerciseCheck.slug == "adder"))
        assert not check.ok and "does not pass" in check.output


def test_loading_an_unchanged_bank_runs_nothing(bank, app, settings, docker_client, monkeypatch):
    load_bank(sessions(app), settings)
    monkeypatch.setattr(
        "grader.authoring.bank.check_folders", lambda folders, settings, specs=None: [] if not folders else 1 / 0
    )
    assert load_bank(sessions(app), settings).unchanged == ["adder"]


def test_change_then_regrade_records_the_new_version(bank, app, settings, client, drain_queue, docker_client):
    load_bank(sessions(app), settings)
    login(client, make_user(app))
    location = client.post("/exercises/adder/submissions", data={"code:adder.py": "def add(a, b):\n    return a + b\n"})
    drain_queue()
    hidden = bank / "adder/tests/hidden/test_adder_hidden.py"
    hidden.write_text(
        hidden.read_text() + '\n\ndef test_zero():\n    """Zero plus zero."""\n    assert add(0, 0) == 0\n'
    )
    assert load_bank(sessions(app), settings).changed == ["adder"]
    result = run_cli("exercises", "regrade", "adder")
    assert "queued 1 submission(s)" in result.output
    drain_queue()
    with sessions(app)() as session:
        submission = session.scalar(select(Submission))
        exercise = session.scalar(select(Exercise).where(Exercise.slug == "adder"))
        assert submission.exercise_version == exercise.version and submission.regrades == 1
        assert len(submission.results) == 3
    page = client.get(location.location).text
    assert "graded again after the exercise changed" in page and exercise.version in page


def test_authors_page_preview_reference_and_regrade(bank, app, settings, client, drain_queue, docker_client):
    load_bank(sessions(app), settings)
    login(client, make_user(app, role="author"))
    page = client.get("/authors/").text
    assert "Add two numbers" in page and "✓ passes" in page
    preview = client.get("/authors/exercises/adder/preview").text
    assert "Preview" in preview and "def add(a, b):" in preview
    location = client.post("/authors/exercises/adder/reference").location
    drain_queue()
    assert "✓ passed" in client.get(location + "/result").text
    regraded = client.post("/authors/exercises/adder/regrade", follow_redirects=True).text
    assert "1 submission of" in regraded


def test_learners_cannot_open_the_authors_page(app, client):
    login(client, make_user(app))
    assert client.get("/authors/").status_code == 404
    assert client.post("/authors/exercises/hello-name/regrade").status_code == 404


def test_exercism_import_converts_what_it_can_and_writes_nothing_else(bank, settings, docker_client):
    result = import_exercism(FIXTURES / "exercism", bank, week=2)
    assert sorted(result.imported) == ["leap", "two-fer"]
    assert result.skipped == [("no-example", "needs one example (or exemplar) file for each solution file")]
    assert not (bank / "no-example").exists()
    two_fer = read_exercise(bank / "two-fer")
    assert [entry["visibility"] for entry in two_fer.manifest] == ["visible", "hidden-with-hint", "hidden-with-hint"]
    for slug in ("two-fer", "leap"):
        assert problems_of(bank / slug, settings) == [], slug


def test_exercism_import_command_reports_the_skipped(bank, docker_client):
    result = run_cli("exercises", "import-exercism", str(FIXTURES / "exercism" / "no-example"))
    assert "not imported: no-example" in result.output
    assert "0 imported, 1 not imported" in result.output


def test_check_results_render_as_text():
    assert CheckResult("x", "abc", []).text() == "x: ok (version abc)"


OBJECT_FIXTURES = FIXTURES / "exercism-objects"
"""Exercism-format exercises whose tests use classes, objects, generators, callbacks, exceptions and mutation."""


def test_exercism_import_keeps_every_test_and_turns_html_into_markdown(tmp_path):
    result = import_exercism(OBJECT_FIXTURES / "shapes", tmp_path)
    assert result.imported == ["shapes"]
    spec = read_exercise(tmp_path / "shapes")
    visible = [entry["id"] for entry in spec.manifest if not entry["hidden"]]
    assert visible == ["tests/visible/test_shapes.py::SquareTest::test_unit_square"]
    assert len(spec.manifest) == 6  # two classes and a second test file, all kept
    assert "<" not in spec.statement and "centimetres" not in spec.statement
    assert "side^2" in spec.statement and "`math.pi * radius ** 2`" in spec.statement
    single = import_exercism(OBJECT_FIXTURES / "one-test", tmp_path)
    assert single.imported == ["one-test"]
    assert [entry["visibility"] for entry in read_exercise(tmp_path / "one-test").manifest] == ["visible"]


def test_exercism_exercises_with_objects_pass_their_checks_in_the_sandbox(bank, settings, docker_client):
    result = import_exercism(OBJECT_FIXTURES, bank, week=5)
    assert result.skipped == [] and len(result.imported) == 9
    # The reference passes every test twice alike, and the starter fails one: in the real sandbox.
    checked = check_folders([bank / slug for slug in result.imported], settings)
    assert {result.slug: [str(problem) for problem in result.problems] for _, result in checked} == {
        slug: [] for slug in result.imported
    }
