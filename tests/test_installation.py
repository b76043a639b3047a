"""One installation per checkout or database: its own queue, its own secret key, one `autograder run` at a time."""

import pytest

from grader.settings import Settings, SettingsError, load_settings


def test_each_database_has_a_queue_of_its_own(tmp_path):
    first = load_settings({"AUTOGRADER_DATABASE_URL": f"sqlite:///{tmp_path / 'one.db'}"})
    second = load_settings({"AUTOGRADER_DATABASE_URL": f"sqlite:///{tmp_path / 'two.db'}"})
    assert first.queue_name != second.queue_name
    assert first.queue_name.startswith("grading-") and second.queue_name.startswith("grading-")
    assert load_settings({"AUTOGRADER_DATABASE_URL": f"sqlite:///{tmp_path / 'one.db'}"}).queue_name == first.queue_name
    assert Settings().queue_name == load_settings({}).queue_name  # the checkout's own database


def test_the_queue_follows_the_database_not_how_its_url_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    relative = load_settings({"AUTOGRADER_DATABASE_URL": "sqlite:///grader.db"})
    absolute = load_settings({"AUTOGRADER_DATABASE_URL": f"sqlite:///{tmp_path / 'grader.db'}"})
    assert relative.queue_name == absolute.queue_name
    # A new database password must not strand the jobs already queued; the name never reveals it either.
    old = load_settings({"AUTOGRADER_DATABASE_URL": "postgresql://grader:old-secret@db.example.org/grader"})
    new = load_settings({"AUTOGRADER_DATABASE_URL": "postgresql://grader:new-secret@db.example.org/grader"})
    assert old.queue_name == new.queue_name
    other = load_settings({"AUTOGRADER_DATABASE_URL": "postgresql://grader:old-secret@db.example.org/staging"})
    assert other.queue_name != old.queue_name


def test_a_queue_name_that_is_set_wins(tmp_path):
    settings = load_settings(
        {"AUTOGRADER_DATABASE_URL": f"sqlite:///{tmp_path / 'one.db'}", "AUTOGRADER_QUEUE_NAME": "grading"}
    )
    assert settings.queue_name == "grading"


@pytest.mark.parametrize("name", ["grading queue", "grading.main", "wachtrij-ë", "grading\n"])
def test_a_queue_name_that_cannot_be_part_of_a_job_id_is_named(name):
    with pytest.raises(SettingsError, match="AUTOGRADER_QUEUE_NAME may only hold letters, digits"):
        load_settings({"AUTOGRADER_QUEUE_NAME": name})


def test_a_database_url_that_cannot_be_read_is_named_without_repeating_it():
    with pytest.raises(SettingsError, match="AUTOGRADER_DATABASE_URL is not a database URL") as raised:
        load_settings({"AUTOGRADER_DATABASE_URL": "grader:hunter2@db"})
    assert "hunter2" not in str(raised.value)
