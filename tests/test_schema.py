"""Migrations: they agree with the models, upgrade a filled database intact, and adopt one made before them."""

import datetime
import json
import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from grader import schema
from grader.db import make_engine
from grader.models import Base


@pytest.fixture
def database_url(settings_env):
    """A fresh, empty database: a SQLite file, or a PostgreSQL database of its own when the tests run there."""
    return settings_env["AUTOGRADER_DATABASE_URL"]


@pytest.fixture
def engine(database_url):
    """The database as the system opens it: SQLite with WAL and foreign keys on, or PostgreSQL."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def as_text(value) -> str:
    """A date, timestamp or JSON value as SQLite returns it (text), whichever database returned it."""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def test_the_migrations_build_exactly_what_the_models_describe(engine):
    schema.upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_server_default": schema.same_server_default})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_a_new_database_is_created_at_the_newest_revision(engine):
    schema.prepare(engine)
    assert schema.current_revision(engine) == schema.head_revision()
    schema.prepare(engine)  # a second start changes nothing
    assert schema.current_revision(engine) == schema.head_revision()


def fill_at_baseline(engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (id, email, name, role, password_hash, created_at) "
                "VALUES (1, 'amina@example.org', 'Amina', 'learner', 'x', '2026-11-02 09:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO cohorts (id, name, start_date, working_days, inactive_days, stuck_attempts, "
                "stuck_minutes, behind_points, created_at) "
                "VALUES (1, 'Ghent', '2026-11-02', '[1, 2, 3, 4, 5]', 2, 4, 30, 30, '2026-11-01 09:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO exercises (id, slug, title, week, day, max_score, tags, difficulty, language, statement, "
                "files, starter, tests, manifest, limits, isolation, version, loaded_at) VALUES (1, 'hello-name', "
                "'Say hello', 1, 1, 10, '[]', 'easy', 'python', 'Write greet.', '[\"hello.py\"]', '{}', '{}', '[]', "
                "'{}', 'process', 'v1', '2026-11-01 09:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO submissions (id, user_id, exercise_id, files, status, attempt, tries, outcome, score, "
                "max_score, feedback, created_at, regrades) VALUES (1, 1, 1, '{\"hello.py\": \"x\"}', 'graded', 1, 0, "
                "'timeout', 0, 10, 'Your program ran for more than 5 seconds.', '2026-11-02 10:00:00', 0)"
            )
        )
        connection.execute(text("INSERT INTO enrollments (cohort_id, user_id) VALUES (1, 1)"))
        connection.execute(text("INSERT INTO plan_entries (cohort_id, exercise_id, due_day) VALUES (1, 1, 3)"))
        connection.execute(
            text(
                "INSERT INTO submissions (id, user_id, exercise_id, files, status, attempt, tries, outcome, score, "
                "max_score, feedback, created_at, regrades) VALUES (2, 1, 1, '{}', 'graded', 1, 0, 'passed', 10, 10, "
                "'', '2026-11-03 23:30:00', 0)"
            )
        )
        connection.execute(
            text("INSERT INTO score_gains (user_id, exercise_id, day, gain) VALUES (1, 1, '2026-11-03', 10)")
        )


def test_upgrading_a_filled_database_keeps_its_data(engine):
    schema.upgrade(engine, schema.BASELINE)
    fill_at_baseline(engine)
    schema.prepare(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name, language FROM users")).all() == [("Amina", None)]
        assert connection.execute(text("SELECT name, time_zone FROM cohorts")).all() == [("Ghent", "Europe/Brussels")]
        assert [
            (slug, as_text(translations))
            for slug, translations in connection.execute(text("SELECT slug, translations FROM exercises"))
        ] == [("hello-name", "{}")]
        assert connection.execute(text("SELECT feedback, notice FROM submissions WHERE id = 1")).all() == [
            ("Your program ran for more than 5 seconds.", None)
        ]
        assert connection.execute(text("SELECT due_day FROM plan_entries")).all() == [(3,)]
        # 23:30 UTC on 3 November is the 4th in Brussels: points per day are counted again in the cohort's zone.
        assert [
            (as_text(day), gain) for day, gain in connection.execute(text("SELECT day, gain FROM score_gains"))
        ] == [("2026-11-04", 10.0)]
        # The standings are filled from the submissions already graded: a timeout, then a solve.
        assert [
            (attempts, to_solve, as_text(solved_at), last_error)
            for attempts, to_solve, solved_at, last_error in connection.execute(
                text("SELECT attempts, attempts_to_solve, solved_at, last_error FROM standings")
            )
        ] == [(2, 2, "2026-11-03 23:30:00.000000", "Your program ran for more than 5 seconds.")]
        assert connection.execute(text("SELECT generation FROM cohorts")).all() == [(0,)]


def test_a_downgrade_to_the_baseline_keeps_the_data(engine):
    schema.upgrade(engine, schema.BASELINE)
    fill_at_baseline(engine)
    schema.prepare(engine)
    schema.downgrade(engine, schema.BASELINE)
    assert schema.current_revision(engine) == schema.BASELINE
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM submissions")).scalar() == 2
        assert connection.execute(text("SELECT due_day FROM plan_entries")).all() == [(3,)]


def test_a_failed_upgrade_changes_nothing_and_the_next_start_succeeds(engine, monkeypatch):
    schema.upgrade(engine, schema.BASELINE)
    fill_at_baseline(engine)

    def broken(_session):
        raise RuntimeError("the machine lost power")

    monkeypatch.setattr(schema, "rebuild_all_gains", broken)
    with pytest.raises(RuntimeError):
        schema.prepare(engine)
    assert schema.current_revision(engine) == schema.BASELINE
    # Every table change of the revisions after the baseline was undone (PostgreSQL: transactional DDL).
    columns = {column["name"] for column in inspect(engine).get_columns("cohorts")}
    assert "time_zone" not in columns
    assert "standings" not in inspect(engine).get_table_names()
    monkeypatch.undo()
    schema.prepare(engine)
    assert schema.current_revision(engine) == schema.head_revision()


def test_two_processes_starting_at_once_both_find_the_database_ready(database_url):
    url = database_url
    errors: list[BaseException] = []

    def start() -> None:
        engine = make_engine(url)
        try:
            schema.prepare(engine)
        except BaseException as error:
            errors.append(error)
        finally:
            engine.dispose()

    starts = [threading.Thread(target=start) for _ in range(4)]
    for thread in starts:
        thread.start()
    for thread in starts:
        thread.join()
    assert errors == []
    engine = make_engine(url)
    assert schema.current_revision(engine) == schema.head_revision()
    engine.dispose()


def test_a_database_made_before_migrations_is_adopted_when_it_matches_the_baseline(engine):
    schema.upgrade(engine, schema.BASELINE)
    fill_at_baseline(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))  # as create_all left it
    schema.prepare(engine)
    assert schema.current_revision(engine) == schema.head_revision()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM submissions")).scalar() == 2


def test_an_older_database_is_refused_with_the_columns_it_lacks(engine):
    schema.upgrade(engine, schema.BASELINE)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
        connection.execute(text("ALTER TABLE submissions DROP COLUMN regrades"))
    with pytest.raises(schema.SchemaError, match="table submissions: missing regrades"):
        schema.prepare(engine)
    assert schema.current_revision(engine) is None  # nothing was stamped


def test_a_database_newer_than_this_code_is_refused_with_both_revisions_and_left_as_it_is(engine):
    schema.prepare(engine)
    with engine.begin() as connection:  # as a later version, with a revision this one lacks, would leave it
        connection.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    for start in (schema.prepare, schema.upgrade):
        with pytest.raises(schema.SchemaError) as refusal:
            start(engine)
        assert "revision 0999" in str(refusal.value)
        assert f"newest is {schema.head_revision()}" in str(refusal.value)
        assert "restore the backup" in str(refusal.value)
    assert schema.current_revision(engine) == "0999"
