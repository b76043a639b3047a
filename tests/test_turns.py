"""Writers of one learner's data take turns: the learner's row first, then every cohort needed in one ordered lock."""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime

import pytest
from sqlalchemy import event, func, select, text, update
from sqlalchemy.exc import OperationalError

from grader.db import ended_for_another
from grader.grading import jobs, lifecycle
from grader.grading.reconciler import reconcile
from grader.models import Cohort, ScoreGain, Standing, Status, Submission, User, utcnow
from grader.people.cohorts import enrol
from tests.factories import (
    login,
    make_cohort,
    make_user,
    multipart,
    passing_verdict,
    record_submission,
    services_of,
    sessions,
    wait_until,
)

Write = tuple[str, frozenset[int]]
"""("learner", {id}) for a learner's row held, ("cohorts", ids) for the cohorts a statement changed."""


@pytest.mark.postgres
def test_two_workers_storing_verdicts_of_one_learner_at_once_both_land(app):
    amina = make_user(app, name="Amina")  # in no cohort, so no cohort row makes the two wait for each other
    first, second = (_claimed(app, amina, datetime(2026, 11, 2, 9, minute)) for minute in (0, 5))

    def first_worker(session):
        verdict = passing_verdict(session, first)
        assert lifecycle.store_verdict(session.get(Submission, first), verdict, version="v", seconds=1)

    _store_while(app, first_worker, second)
    with sessions(app)() as session:
        assert [session.get(Submission, i).status for i in (first, second)] == [Status.GRADED] * 2
        standing = session.scalars(select(Standing).where(Standing.user_id == amina.id)).one()
        assert (standing.attempts, standing.attempts_to_solve) == (2, 1)  # the second read the first's verdict
        gained = session.scalar(select(func.sum(ScoreGain.gain)).where(ScoreGain.user_id == amina.id))
        assert gained == standing.best_score


@pytest.mark.postgres
def test_a_verdict_stored_while_a_coach_enrols_the_learner_lands(app):
    coach, amina = make_user(app, "coach", name="Coach"), make_user(app, name="Amina")
    # Solved at 00:30 on 3 November in Brussels, the zone of a learner in no cohort: 18:30 on the 2nd in New York.
    record_submission(app, amina, "hello-name", datetime(2026, 11, 2, 23, 30), "passed")
    later = _claimed(app, amina, datetime(2026, 11, 3, 15))
    cohort = make_cohort(app, coach, start=date(2026, 11, 2))
    with sessions(app).begin() as session:
        session.get(Cohort, cohort.id).time_zone = "America/New_York"

    def coach_enrols(session):
        enrol(session, session.get(Cohort, cohort.id), name=amina.name, email=amina.email, by=None)

    _store_while(app, coach_enrols, later)
    with sessions(app)() as session:
        assert session.get(Submission, later).status == Status.GRADED
        standing = session.scalars(select(Standing).where(Standing.user_id == amina.id)).one()
        assert (standing.attempts, standing.attempts_to_solve) == (2, 1)
        days = session.execute(select(ScoreGain.day, ScoreGain.gain).where(ScoreGain.user_id == amina.id)).all()
        assert days == [(date(2026, 11, 2), standing.best_score)]  # counted in the cohort's zone, by both


@pytest.mark.postgres
def test_a_verdict_whose_transaction_ends_in_a_deadlock_is_stored_on_the_next_try(app, caplog):
    coach, amina = make_user(app, "coach", name="Coach"), make_user(app, name="Amina")
    cohort = make_cohort(app, coach, start=date(2026, 11, 2), learners=[amina])
    # PostgreSQL ends the side that has waited a second (deadlock_timeout) when it finds the circle: the worker's,
    # unless this machine took that long to close it, and then another round is played.
    for minute in range(3):
        claimed = _claimed(app, amina, datetime(2026, 11, 3, 9, minute))
        caplog.clear()
        if _deadlock_with_worker(app, cohort, amina, claimed) == "worker":
            break
    else:
        pytest.fail("PostgreSQL ended the other side of the deadlock in every round")
    assert [record.message for record in caplog.records if "40P01" in record.message], caplog.text  # ended, retried
    with sessions(app)() as session:
        assert session.get(Submission, claimed).status == Status.GRADED


@pytest.mark.parametrize("change", ["verdict", "enrol", "enrol from a file", "zone", "first day", "give up"])
def test_every_writer_holds_the_learners_then_all_its_cohorts_at_once(app, change):
    coach = make_user(app, "coach", name="Coach")
    amina, bo = make_user(app, name="Amina"), make_user(app, name="Bo")
    make_cohort(app, coach, start=date(2026, 11, 2), name="Earlier", learners=[amina, bo])
    for learner in (amina, bo):  # work of theirs, which a change of zone counts again
        record_submission(app, learner, "hello-name", datetime(2026, 11, 2, 9), "passed")
    joined = [] if change.startswith("enrol") else [amina, bo]
    later = make_cohort(app, coach, start=date(2026, 11, 2), name="Later", learners=joined)
    client = app.test_client()
    login(client, coach)
    url = f"/coach/cohorts/{later.id}"
    if change == "give up":  # both ran out of tries, the reconciler ends them in one transaction
        worn_out = [_claimed(app, learner, datetime(2026, 11, 3, 9), tries=lifecycle.MAX_TRIES) for learner in joined]
    with _writes(app) as writes:
        if change == "verdict":
            record_submission(app, amina, "hello-name", datetime(2026, 11, 3, 9), "failed")
        elif change == "enrol":
            assert client.post(f"{url}/learners", data={"name": amina.name, "email": amina.email}).status_code == 302
        elif change == "enrol from a file":
            listed = f"name,email\n{amina.name},{amina.email}\n{bo.name},{bo.email}\n".encode()
            body, content_type = multipart([("learners.csv", listed)], field="file")
            assert client.post(f"{url}/learners.csv", data=body, content_type=content_type).status_code == 302
        elif change == "zone":
            thresholds = {"inactive_days": 2, "stuck_attempts": 4, "stuck_minutes": 30, "behind_points": 1000}
            changed = client.post(f"{url}/settings", data=thresholds | {"time_zone": "America/New_York"})
            assert changed.status_code == 302
        elif change == "first day":
            days = {"name": "Later", "start_date": "2026-11-09", "working_days": ["1", "2", "3", "4", "5"]}
            assert client.post(f"{url}/calendar", data=days).status_code == 302
        else:
            ended = reconcile(sessions(app), services_of(app).queue, lease_seconds=0).given_up
            assert sorted(ended) == sorted(worn_out)
    first = next(i for i, (kind, _) in enumerate(writes) if kind == "cohorts")
    learners = frozenset().union(*(ids for kind, ids in writes[:first] if kind == "learner"))
    cohorts = writes[first][1]
    assert learners == ({amina.id} if change in ("verdict", "enrol") else {amina.id, bo.id}), writes
    assert len(cohorts) == 2, writes  # both cohorts at once…
    for kind, ids in writes[first:]:
        assert ids <= (learners if kind == "learner" else cohorts), writes  # …and no row later that it missed


@contextmanager
def _writes(app) -> Iterator[list[Write]]:
    """Record, in order, the learners held and the cohorts each statement changed while the block runs."""
    engine = services_of(app).engine
    writes: list[Write] = []
    before: dict[int, dict] = {}

    def cohorts(conn) -> dict:
        cursor = conn.connection.cursor()  # a cursor of its own, leaving the statement's results to its caller
        cursor.execute("SELECT * FROM cohorts ORDER BY id")
        return {row[0]: row for row in cursor.fetchall()}

    def ahead(conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("UPDATE COHORTS"):
            before[id(conn)] = cohorts(conn)

    def after(conn, _cursor, statement, parameters, *_args) -> None:
        words = " ".join(statement.upper().split())
        if words.startswith("UPDATE USERS SET ID=USERS.ID WHERE USERS.ID ="):  # a learner held (grader.grading.turns)
            (held,) = parameters.values() if isinstance(parameters, dict) else parameters
            writes.append(("learner", frozenset([held])))
        elif words.startswith("UPDATE USERS"):
            writes.append(("learner", frozenset([-1])))  # another write of a users row: no writer here makes one
        elif words.startswith("UPDATE COHORTS"):
            then, now = before.pop(id(conn)), cohorts(conn)
            writes.append(("cohorts", frozenset(key for key, row in now.items() if then.get(key) != row)))

    event.listen(engine, "before_cursor_execute", ahead)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield writes
    finally:
        event.remove(engine, "before_cursor_execute", ahead)
        event.remove(engine, "after_cursor_execute", after)


def _claimed(app, learner, at, tries: int = 0) -> int:
    """A submission of the learner whose attempt 1 a worker is running, after this many tries that failed."""
    submission_id = record_submission(app, learner, "hello-name", at, "failed")
    with sessions(app).begin() as session:
        submission = session.get(Submission, submission_id)
        submission.status, submission.attempt, submission.tries = Status.RUNNING, 1, tries
        submission.started_at = at
    return submission_id


def _store_while(app, hold: Callable, submission_id: int) -> None:
    """Store a passing verdict of the submission, as a worker does, while hold has changed the learner's data in a
    transaction not yet committed; it must wait for that transaction, then land."""
    failures: list[BaseException] = []

    def store() -> None:
        try:
            with sessions(app).begin() as session:
                verdict = passing_verdict(session, submission_id)
                lifecycle.store_verdict(session.get(Submission, submission_id), verdict, version="v", seconds=1)
        except BaseException as error:  # the test's thread reports what went wrong to the test
            failures.append(error)

    with sessions(app)() as holding:
        hold(holding)
        worker = threading.Thread(target=store, daemon=True)
        worker.start()
        wait_until(lambda: not worker.is_alive() or _waiting_on_a_lock(app), seconds=30, what="the worker to wait")
        assert worker.is_alive(), f"the worker did not wait for the other transaction: {failures}"
        holding.commit()
    worker.join(timeout=60)
    assert not worker.is_alive() and failures == []


def _waiting_on_a_lock(app) -> bool:
    """Whether a connection to this test's database waits for a lock another transaction holds."""
    with sessions(app)() as session:
        waiting = text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return bool(session.scalar(waiting))


def _deadlock_with_worker(app, cohort, learner, claimed: int) -> str:
    """Store a verdict while a writer out of turn holds the cohort, then asks for the learner; say whose
    transaction PostgreSQL ended, the worker's or the other's."""
    with sessions(app)() as session:
        verdict = passing_verdict(session, claimed)
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            assert jobs.store(services_of(app), claimed, 1, verdict, version="v", seconds=1, finished_at=utcnow())
        except BaseException as error:  # the test's thread reports what went wrong to the test
            failures.append(error)

    ended = "worker"
    with sessions(app)() as out_of_turn:  # the cohort, then the learner: the wrong order
        out_of_turn.execute(update(Cohort).where(Cohort.id == cohort.id).values(generation=Cohort.generation + 1))
        storing = threading.Thread(target=worker, daemon=True)
        storing.start()
        wait_until(lambda: not storing.is_alive() or _waiting_on_a_lock(app), seconds=30, what="the worker to wait")
        assert storing.is_alive(), f"the worker did not wait for the cohort: {failures}"
        try:
            out_of_turn.execute(update(User).where(User.id == learner.id).values(id=User.id))  # a circle
            out_of_turn.commit()
        except OperationalError as error:
            if not ended_for_another(error):
                raise
            ended = "other"
            out_of_turn.rollback()
    storing.join(timeout=60)
    assert not storing.is_alive() and failures == []
    return ended
