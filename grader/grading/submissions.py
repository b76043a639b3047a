"""Put submissions on their way to grading: a learner's new files, or every submission of a changed exercise again."""

import logging
from collections.abc import Mapping
from datetime import timedelta

from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.grading import lifecycle
from grader.grading.queue import enqueue_all, enqueue_grading
from grader.grading.turns import lock_learners
from grader.messages import Message, Refusal, say, say_plural
from grader.models import Exercise, Status, Submission, User, utcnow

log = logging.getLogger(__name__)


class SubmissionRejected(Refusal):
    """The files cannot be graded; the message tells the learner what to change."""

    def __init__(self, message: Message, http_status: int = 400):
        super().__init__(message)
        self.http_status = http_status


def check_files(exercise: Exercise, files: Mapping[str, str | bytes], max_file_bytes: int) -> dict[str, str]:
    """Return the files as text with Unix line ends, or say plainly why they cannot be graded."""
    if not isinstance(files, Mapping) or not files:
        raise SubmissionRejected(say("Your submission is empty: write or upload your code first."))
    expected = ", ".join(exercise.files)
    checked = {}
    for name, content in files.items():
        if name not in exercise.files:
            raise SubmissionRejected(
                say("'%(name)s' is not a file of this exercise. Submit: %(expected)s.", name=name, expected=expected)
            )
        if not isinstance(content, str | bytes):
            raise SubmissionRejected(say("The content of '%(name)s' must be text.", name=name))
        raw = content.encode("utf-8") if isinstance(content, str) else content
        if len(raw) > max_file_bytes:
            raise SubmissionRejected(
                say(
                    "'%(name)s' is %(size)s bytes; the largest file accepted is %(limit)s bytes.",
                    name=name,
                    size=len(raw),
                    limit=max_file_bytes,
                ),
                413,
            )
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise SubmissionRejected(
                say("'%(name)s' is not plain text in UTF-8. Save it as UTF-8 text and try again.", name=name)
            ) from None
        if "\0" in text:
            raise SubmissionRejected(say("'%(name)s' contains a NUL character, so it is not a text file.", name=name))
        checked[name] = text.replace("\r\n", "\n").replace("\r", "\n")
    missing = [name for name in exercise.files if name not in checked]
    if missing:
        raise SubmissionRejected(
            say("Please submit every file of this exercise; missing: %(missing)s.", missing=", ".join(missing))
        )
    if not any(text.strip() for text in checked.values()):
        raise SubmissionRejected(say("Your submission is empty: write or upload your code first."))
    return checked


def check_pace(session: Session, learner: User, per_minute: int, in_flight: int = 2) -> None:
    """Refuse a learner's submission while in_flight of theirs wait or run, or when they sent per_minute in a minute.

    Call it after lock_learners, in the transaction that stores the submission, so parallel
    requests are counted one after the other.
    """
    # Only submissions waiting for their first verdict count: a regrade of old ones is not the learner's doing.
    waiting = (
        session.scalar(
            select(func.count()).where(
                Submission.user_id == learner.id,
                Submission.status.in_((Status.QUEUED, Status.RUNNING)),
                Submission.graded_at.is_(None),
            )
        )
        or 0
    )
    if waiting >= in_flight:
        raise SubmissionRejected(
            say_plural(
                "Your earlier submission is still being graded. Wait for its result, then submit again.",
                "Your %(num)d earlier submissions are still being graded. Wait for a result, then submit again.",
                waiting,
            ),
            429,
        )
    since = utcnow() - timedelta(minutes=1)
    recent = (
        session.scalar(select(func.count()).where(Submission.user_id == learner.id, Submission.created_at > since)) or 0
    )
    if recent >= per_minute:
        raise SubmissionRejected(
            say_plural(
                "You have sent %(num)d submission in the last minute. Read the last result, "
                "change your code, and submit again in a minute.",
                "You have sent %(num)d submissions in the last minute. Read the last result, "
                "change your code, and submit again in a minute.",
                recent,
            ),
            429,
        )


def submit(
    session: Session,
    queue: Queue,
    *,
    learner: User,
    exercise: Exercise,
    files: Mapping[str, str | bytes],
    max_file_bytes: int,
    per_minute: int,
    in_flight: int = 2,
) -> Submission:
    """Store a checked submission, commit it, then queue its first grading attempt by id."""
    checked = check_files(exercise, files, max_file_bytes)
    lock_learners(session, [learner.id])  # parallel submissions are checked in turn
    check_pace(session, learner, per_minute, in_flight)
    now = utcnow()
    submission = Submission(
        user_id=learner.id,
        exercise_id=exercise.id,
        files=checked,
        max_score=exercise.max_score,
        created_at=now,
        queued_at=now,  # its first attempt is put in line as it is made
    )
    session.add(submission)
    session.commit()  # the worker must find the row
    try:
        enqueue_grading(queue, submission.id, submission.attempt)
    except RedisError:
        # The submission is kept: the reconciler queues what waits without a job once Redis is back.
        log.warning("submission %d is kept but not queued: Redis is unreachable", submission.id, exc_info=True)
    return submission


def regrade(session: Session, queue: Queue, exercise: Exercise) -> int:
    """Grade every submission of the exercise again with its current tests; return how many."""
    attempts = lifecycle.regrade_all(session, exercise)
    waited_on = set(
        session.scalars(
            select(Submission.id).where(Submission.exercise_id == exercise.id, Submission.graded_at.is_(None))
        )
    )
    session.commit()  # the worker must find the new attempts
    # Learners still waiting for a first verdict stay first in line; the regrades of the rest queue behind.
    enqueue_all(queue, [pair for pair in attempts if pair[0] in waited_on])
    enqueue_all(queue, [pair for pair in attempts if pair[0] not in waited_on], later=True)
    return len(attempts)
