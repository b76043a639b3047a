"""Find submissions the queue lost or a dead worker left running, and queue them again.

The database is the truth: a submission stays queued or running until its verdict is stored.
Each new try gets a new attempt number, so a late result from an older try is never stored.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from grader.grading import lifecycle
from grader.grading.queue import JOB_TIMEOUT, enqueue_all, job_id
from grader.grading.standings import touch_cohorts_of
from grader.grading.turns import lock_learners
from grader.models import Status, Submission, utcnow

LEASE_SECONDS = JOB_TIMEOUT + 60
"""Seconds an attempt may stay running before it is presumed dead: longer than RQ lets a job run."""

QUEUED_GRACE_SECONDS = 30
"""Seconds a queued submission may wait before its job in Redis is looked for."""

CLAIM_GRACE_SECONDS = 30
"""Seconds a started job may take to mark its submission running (the database may be locked a moment)."""

LIVE_JOB_STATES = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED}


@dataclass(frozen=True)
class Reconciled:
    """What one pass did."""

    requeued: list[int]
    given_up: list[int]


def reconcile(
    sessions: sessionmaker[Session],
    queue: Queue,
    *,
    lease_seconds: float = LEASE_SECONDS,
    queued_grace_seconds: float = QUEUED_GRACE_SECONDS,
) -> Reconciled:
    """Queue again what is stuck: running past its lease, or queued with no live job in Redis."""
    now = utcnow()
    requeued: list[tuple[int, int]] = []
    requeued_later: list[tuple[int, int]] = []
    given_up: list[int] = []
    with sessions.begin() as session:
        overdue = (Submission.status == Status.RUNNING) & (
            Submission.started_at < now - timedelta(seconds=lease_seconds)
        )
        waiting = (Submission.status == Status.QUEUED) & (
            Submission.created_at < now - timedelta(seconds=queued_grace_seconds)
        )
        stuck = session.scalars(
            select(Submission).where(overdue | waiting).order_by(Submission.id).with_for_update()
        ).all()
        due = [
            submission
            for submission in stuck
            if not (submission.status == Status.QUEUED and _job_is_live(queue, submission))  # its job waits in line
        ]
        # Giving up stores a verdict: hold all those learners, then all their cohorts, before the first one, as
        # every writer of a learner's data does (grader.grading.turns), not learner after cohort in the loop.
        ending = {submission.user_id for submission in due if submission.tries >= lifecycle.MAX_TRIES}
        if ending:
            lock_learners(session, ending)
            touch_cohorts_of(session, ending)
        for submission in due:
            # Each change is conditional on what was read: a worker that stored its verdict first wins.
            if submission.tries >= lifecycle.MAX_TRIES:
                if lifecycle.give_up(submission, f"{submission.tries} tries failed"):
                    given_up.append(submission.id)
            # A dead worker's run counts as a try (a submission that kills workers must end); a job Redis
            # lost does not: it never ran.
            elif attempt := lifecycle.new_attempt(submission, spend_try=submission.status == Status.RUNNING):
                # A learner waiting for a first verdict goes first in line; a regrade waits behind.
                (requeued if submission.graded_at is None else requeued_later).append((submission.id, attempt))
    # Enqueue after commit, so a worker that picks the job up finds the new attempt in the row.
    enqueue_all(queue, requeued)
    enqueue_all(queue, requeued_later, later=True)
    return Reconciled([submission_id for submission_id, _ in requeued + requeued_later], given_up)


def _job_is_live(queue: Queue, submission: Submission) -> bool:
    """Whether the attempt's job really waits in line, is held back, or was started a moment ago.

    A job's status alone can mislead: a worker killed just after taking a job from the line leaves it
    marked queued (or started) in Redis, in no line and run by nobody, for ever.
    """
    try:
        job = Job.fetch(
            job_id(queue, submission.id, submission.attempt), connection=queue.connection, serializer=queue.serializer
        )
    except NoSuchJobError:
        return False
    status = job.get_status(refresh=False)
    if status == JobStatus.QUEUED:
        line = Queue(job.origin, connection=queue.connection, serializer=queue.serializer)
        return line.get_job_position(job.id) is not None
    if status == JobStatus.STARTED:
        # A job's first step marks its submission running; one still waiting long after its job
        # started was never reached: the worker died first.
        started = job.started_at
        return started is not None and (datetime.now(UTC) - _aware(started)).total_seconds() < CLAIM_GRACE_SECONDS
    if status == JobStatus.SCHEDULED:
        held_back = ScheduledJobRegistry(queue=Queue(job.origin, connection=queue.connection))
        return queue.connection.zscore(held_back.key, job.id) is not None
    return status in LIVE_JOB_STATES


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
