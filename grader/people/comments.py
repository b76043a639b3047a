"""A coach's comments on a learner's work on an exercise, and which of them the learner has not read yet."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from grader.messages import Refusal, say
from grader.models import Comment, Exercise, Submission, User, utcnow

MAX_COMMENT_CHARS = 4000
"""Longest comment a coach may leave."""


class CommentError(Refusal):
    """The comment cannot be saved as written; the message says why."""


@dataclass
class Unread:
    """A comment the learner has not opened yet, with the exercise it is about."""

    comment: Comment
    exercise: Exercise


def add_comment(session: Session, submission: Submission, author: User, text: str) -> Comment:
    """Add a comment of 1 to MAX_COMMENT_CHARS characters to the submission."""
    text = text.strip()
    if not text or len(text) > MAX_COMMENT_CHARS:
        raise CommentError(say("Write a comment of 1 to %(count)s characters.", count=MAX_COMMENT_CHARS))
    comment = Comment(submission_id=submission.id, author_id=author.id, text=text)
    session.add(comment)
    return comment


def comment_on_exercise(session: Session, learner: User, exercise_id: int, author: User, text: str) -> Comment:
    """Comment on the learner's work on an exercise; it is kept with their latest submission of it."""
    latest = session.scalar(
        select(Submission)
        .where(Submission.user_id == learner.id, Submission.exercise_id == exercise_id)
        .order_by(Submission.created_at.desc(), Submission.id.desc())
        .limit(1)
    )
    if latest is None:
        raise CommentError(say("%(name)s has not submitted anything for this exercise yet.", name=learner.name))
    return add_comment(session, latest, author, text)


def comments_by_exercise(session: Session, learner: User, exercise_id: int | None = None) -> dict[int, list[Comment]]:
    """Exercise id → every comment on the learner's submissions of it (or of this one exercise), oldest first."""
    found: dict[int, list[Comment]] = {}
    query = (
        select(Submission.exercise_id, Comment)
        .join(Submission, Submission.id == Comment.submission_id)
        .options(joinedload(Comment.author))
        .where(Submission.user_id == learner.id)
        .order_by(Comment.created_at, Comment.id)
    )
    if exercise_id is not None:
        query = query.where(Submission.exercise_id == exercise_id)
    rows = session.execute(query)
    for exercise_id, comment in rows:
        found.setdefault(exercise_id, []).append(comment)
    return found


def unread_comments(session: Session, learner: User) -> list[Unread]:
    """Comments on the learner's work that they have not opened yet, newest first."""
    rows = session.execute(
        select(Comment, Exercise)
        .join(Submission, Submission.id == Comment.submission_id)
        .join(Exercise, Exercise.id == Submission.exercise_id)
        .options(joinedload(Comment.author))
        .where(Submission.user_id == learner.id, Comment.read_at.is_(None))
        .order_by(Comment.created_at.desc(), Comment.id.desc())
    )
    return [Unread(comment, exercise) for comment, exercise in rows]


def mark_read(comments: list[Comment]) -> set[int]:
    """Mark these comments as read by their learner now; return the ids of those that were new."""
    new = {comment.id for comment in comments if comment.read_at is None}
    now = utcnow()
    for comment in comments:
        comment.read_at = comment.read_at or now
    return new
