"""Every change of a submission's state is one conditional UPDATE: whoever moved it on first wins, nothing is lost."""

import threading
from dataclasses import replace
from datetime import date, datetime

import pytest
from rq.timeouts import JobTimeoutException
from sqlalchemy import func, select, text

from grader.grading import jobs, lifecycle
from grader.grading.verdict import infrastructure_failure
from grader.models import Cohort, Exercise, Outcome, ScoreGain, Standing, Status, Submission, TestResult, TestStatus
from grader.people.cohorts import enrol
from tests.factories import make_cohort, make_user, record_submission, services_of, sessions, wait_until


@pytest.fixture
def running(app):
    """A submission whose attempt 1 is running, as a worker claimed it."""
    amina = make_user(app, name="Amina")
    submission_id = record_submission(app, amina, "hello-name", datetime(2026, 11, 2, 9), "failed")
    with sessions(app).begin() as session:
        submission = session.get(Submission, submission_id)
        submission.status, submission.attempt = Status.RUNNING, 1
    return submission_id


def a_pass(session, submission_id):
    """The verdict of a run in which every test passed."""
    manifest = session.get(Submission, submission_id).exercise.manifest
    failed = infrastructure_failure(manifest)
    tests = tuple(replace(test, status=TestStatus.PASSED) for test in failed.tests)
    return replace(failed, outcome=Outcome.PASSED, notice=None, tests=tests)


def test_a_late_verdict_never_overwrites_a_regrade(app, running):
    worker = sessions(app)()
    held = lifecycle.running(worker, running, 1)  # the worker checked that its attempt is current…
    with sessions(app).begin() as coach:  # …then the exercise was regraded and committed
        exercise = coach.scalar(select(Exercise).where(Exercise.slug == "hello-name"))
        lifecycle.regrade_all(coach, exercise)
    assert lifecycle.store_verdict(held, a_pass(worker, running), version="old", seconds=0.1) is False
    worker.commit()
    worker.close()
    with sessions(app)() as session:
        row = session.get(Submission, running)
        assert (row.status, row.attempt, row.exercise_version) == (Status.QUEUED, 2, None)


def test_a_verdict_stored_first_is_never_reset_by_the_reconciler(app, running):
    reconciler = sessions(app)()
    stuck = reconciler.get(Submission, running)  # the reconciler read it running past its lease…
    with sessions(app).begin() as worker:  # …while the worker, just late, stored its verdict
        assert lifecycle.store_verdict(worker.get(Submission, running), a_pass(worker, running), version="v", seconds=1)
    assert lifecycle.new_attempt(stuck) is None
    assert lifecycle.give_up(stuck, "lease over") is False
    reconciler.commit()
    reconciler.close()
    with sessions(app)() as session:
        row = session.get(Submission, running)
        assert (row.status, row.outcome, row.attempt) == (Status.GRADED, Outcome.PASSED, 1)
        assert [r.status for r in session.scalars(select(TestResult).where(TestResult.submission_id == running))] == [
            "passed"
        ] * len(row.exercise.manifest)


@pytest.mark.postgres
def test_two_workers_storing_verdicts_of_one_learner_at_once_both_land(app):
    amina = make_user(app, name="Amina")  # in no cohort, so no cohort row makes the two wait for each other
    first, second = (_claimed(app, amina, datetime(2026, 11, 2, 9, minute)) for minute in (0, 5))

    def first_worker(session):
        assert lifecycle.store_verdict(session.get(Submission, first), a_pass(session, first), version="v", seconds=1)

    _store_while(app, first_worker, second)
    with sessions(app)() as session:
        assert [session.get(Submission, i).status for i in (first, second)] == [Status.GRADED] * 2
        standing = session.scalars(select(Standing).where(Standing.user_id == amina.id)).one()
        assert (standing.attempts, standing.attempts_to_solve) == (2, 1)  # the second read the first's verdict
        assert _gained(session, amina) == standing.best_score


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
        session.flush()

    _store_while(app, coach_enrols, later)
    with sessions(app)() as session:
        assert session.get(Submission, later).status == Status.GRADED
        standing = session.scalars(select(Standing).where(Standing.user_id == amina.id)).one()
        assert (standing.attempts, standing.attempts_to_solve) == (2, 1)
        days = session.execute(select(ScoreGain.day, ScoreGain.gain).where(ScoreGain.user_id == amina.id)).all()
        assert days == [(date(2026, 11, 2), standing.best_score)]  # counted in the cohort's zone, by both


def _claimed(app, learner, at) -> int:
    """A submission of the learner whose attempt 1 a worker is running."""
    submission_id = record_submission(app, learner, "hello-name", at, "failed")
    with sessions(app).begin() as session:
        submission = session.get(Submission, submission_id)
        submission.status, submission.attempt = Status.RUNNING, 1
    return submission_id


def _store_while(app, hold, submission_id: int) -> None:
    """Store a passing verdict of the submission, as a worker does, while hold has changed the learner's data in a
    transaction not yet committed; it must wait for that transaction, then land."""
    failures: list[BaseException] = []

    def store() -> None:
        try:
            with sessions(app).begin() as session:
                verdict = a_pass(session, submission_id)
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


def _gained(session, learner) -> float:
    """The learner's points per day, added up."""
    return session.scalar(select(func.sum(ScoreGain.gain)).where(ScoreGain.user_id == learner.id))


def _waiting_on_a_lock(app) -> bool:
    """Whether a connection to this test's database waits for a lock another transaction holds."""
    with sessions(app)() as session:
        waiting = text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return bool(session.scalar(waiting))


def test_a_new_attempt_moves_on_from_what_was_read_only(app, running):
    with sessions(app).begin() as session:
        submission = session.get(Submission, running)
        assert lifecycle.new_attempt(submission, notice=lifecycle.REGRADING_NOTICE) == 2
        assert (submission.status, submission.tries) == (Status.QUEUED, 1)
        assert lifecycle.new_attempt(submission) == 3  # from what it now is: queued at attempt 2


def test_rq_ending_a_job_for_its_time_is_not_taken_for_a_sandbox_failure(app, monkeypatch):
    calls = []

    def out_of_time(*_args, **_kwargs):
        calls.append(1)
        raise JobTimeoutException("Task exceeded maximum timeout value")

    monkeypatch.setattr(jobs.runner, "run", out_of_time)
    monkeypatch.setattr(jobs, "_pool", None)
    job = jobs.GradingJob(files={}, tests={}, manifest=[], limits=services_of(app).settings.default_limits, version="v")
    with pytest.raises(JobTimeoutException):
        jobs._run_with_retries(job, services_of(app).settings)
    assert calls == [1]  # not tried again: RQ ended the job, and the reconciler gives it a new attempt
