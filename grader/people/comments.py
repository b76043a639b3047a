"""A coach's comments on a learner's submissions, shown to the learner beside them."""

from sqlalchemy.orm import Session

from grader.messages import Refusal, say
from grader.models import Comment, Submission, User

MAX_COMMENT_CHARS = 4000
"""Longest comment a coach may leave on a submission."""


class CommentError(Refusal):
    """The comment cannot be saved as written; the message says why."""


def add_comment(session: Session, submission: Submission, author: User, text: str) -> Comment:
    """Add a comment of 1 to MAX_COMMENT_CHARS characters to the submission."""
    text = text.strip()
    if not text or len(text) > MAX_COMMENT_CHARS:
        raise CommentError(say("Write a comment of 1 to %(count)s characters.", count=MAX_COMMENT_CHARS))
    comment = Comment(submission_id=submission.id, author_id=author.id, text=text)
    session.add(comment)
    return comment
