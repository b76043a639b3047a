"""Every change of a submission's state is one conditional UPDATE: whoever moved it on first wins, nothing is lost."""

from datetime import datetime

import pytest
from rq.timeouts import JobTimeoutException
from sqlalchemy import select

from grader.grading import jobs, lifecycle
from grader.models import Exercise, Outcome, Status, Submission, TestResult
from tests.factories import make_user, passing_verdict, record_submission, services_of, sessions


@pytest.fixture
def running(app):
    """A submission whose attempt 1 is running, as a worker claimed it."""
    amina = make_user(app, name="Amina")
    submission_id = record_submission(app, amina, "hello-name", datetime(2026, 11, 2, 9), "failed")
    with sessions(app).begin() as session:
        submission = session.get(Submission, submission_id)
        submission.status, submission.attempt = Status.RUNNING, 1
    return submission_id


def test_a_late_verdict_never_overwrites_a_regrade(app, running):
    worker = sessions(app)()
    held = lifecycle.running(worker, running, 1)  # the worker checked that its attempt is current…
    with sessions(app).begin() as coach:  # …then the exercise was regraded and committed
        exercise = coach.scalar(select(Exercise).where(Exercise.slug == "hello-name"))
        lifecycle.regrade_all(coach, exercise)
    assert lifecycle.store_verdict(held, passing_verdict(worker, running), version="old", seconds=0.1) is False
    worker.commit()
    worker.close()
    with sessions(app)() as session:
        row = session.get(Submission, running)
        assert (row.status, row.attempt, row.exercise_version) == (Status.QUEUED, 2, None)


def test_a_verdict_stored_first_is_never_reset_by_the_reconciler(app, running):
    reconciler = sessions(app)()
    stuck = reconciler.get(Submission, running)  # the reconciler read it running past its lease…
    with sessions(app).begin() as worker:  # …while the worker, just late, stored its verdict
        assert lifecycle.store_verdict(
            worker.get(Submission, running), passing_verdict(worker, running), version="v", seconds=1
        )
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
