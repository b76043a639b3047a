"""Put submissions on their way to grading: a learner's new files, or every submission of a changed exercise again."""

from collections.abc import Mapping
from datetime import timedelta

from rq import Queue
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.grading import lifecycle
from grader.grading.queue import enqueue_all, enqueue_grading
from grader.models import Exercise, Submission, User, utcnow


class SubmissionRejected(Exception):
    """The files cannot be graded; the message tells the learner what to change."""

    def __init__(self, message: str, http_status: int = 400):
        super().__init__(message)
        self.message = message
        self.http_status = http_status


def check_files(exercise: Exercise, files: Mapping[str, str | bytes], max_file_bytes: int) -> dict[str, str]:
    """Return the files as text with Unix line ends, or say plainly why they cannot be graded."""
    if not isinstance(files, Mapping) or not files:
        raise SubmissionRejected("Your submission is empty: write or upload your code first.")
    expected = ", ".join(exercise.files)
    checked = {}
    for name, content in files.items():
        if name not in exercise.files:
            raise SubmissionRejected(f"'{name}' is not a file of this exercise. Submit: {expected}.")
        if not isinstance(content, str | bytes):
            raise SubmissionRejected(f"The content of '{name}' must be text.")
        raw = content.encode("utf-8") if isinstance(content, str) else content
        if len(raw) > max_file_bytes:
            raise SubmissionRejected(
                f"'{name}' is {len(raw):,} bytes; the largest file accepted is {max_file_bytes:,} bytes.", 413
            )
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise SubmissionRejected(
                f"'{name}' is not plain text in UTF-8. Save it as UTF-8 text and try again."
            ) from None
        if "\0" in text:
            raise SubmissionRejected(f"'{name}' contains a NUL character, so it is not a text file.")
        checked[name] = text.replace("\r\n", "\n").replace("\r", "\n")
    missing = [name for name in exercise.files if name not in checked]
    if missing:
        raise SubmissionRejected(f"Please submit every file of this exercise; missing: {', '.join(missing)}.")
    if not any(text.strip() for text in checked.values()):
        raise SubmissionRejected("Your submission is empty: write or upload your code first.")
    return checked


def check_pace(session: Session, learner: User, per_minute: int) -> None:
    """Refuse a learner's submission when they have sent per_minute in the last minute."""
    since = utcnow() - timedelta(minutes=1)
    recent = (
        session.scalar(select(func.count()).where(Submission.user_id == learner.id, Submission.created_at > since)) or 0
    )
    if recent >= per_minute:
        raise SubmissionRejected(
            f"You have sent {recent} submissions in the last minute. Read the last result, "
            "change your code, and submit again in a minute.",
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
) -> Submission:
    """Store a checked submission, commit it, then queue its first grading attempt by id."""
    checked = check_files(exercise, files, max_file_bytes)
    check_pace(session, learner, per_minute)
    submission = Submission(
        user_id=learner.id,
        exercise_id=exercise.id,
        files=checked,
        max_score=exercise.max_score,
    )
    session.add(submission)
    session.commit()  # the worker must find the row
    enqueue_grading(queue, submission.id, submission.attempt)
    return submission


def regrade(session: Session, queue: Queue, exercise: Exercise) -> int:
    """Grade every submission of the exercise again with its current tests; return how many."""
    attempts = lifecycle.regrade_all(session, exercise)
    session.commit()  # the worker must find the new attempts
    enqueue_all(queue, attempts)
    return len(attempts)
