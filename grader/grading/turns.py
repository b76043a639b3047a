"""Writers of one learner's data take turns: each holds the learner's row first, then cohorts, then the rest.

Under PostgreSQL's READ COMMITTED two transactions rebuilding one learner's read models at once would each miss
the other's change and insert the same rows; two submissions sent at once would each count one too few. Holding
the learner's row makes the second wait for the first, then read what it wrote.

Every writer of a learner's data (a verdict, a submission, an enrolment, a new first day or zone of a cohort)
locks the learner before any cohort row, and all the cohorts it needs in one ordered lock
(grader.grading.standings), so none waits for another in a circle. The submission rows a writer changes come
before the learner (a worker's own, or the reconciler's stuck ones in id order), never after. SQLite, with one
writer at a time, has no such locks and needs none.
"""

from collections.abc import Collection

from sqlalchemy import update
from sqlalchemy.orm import Session

from grader.models import User


def lock_learners(session: Session, user_ids: Collection[int]) -> None:
    """Hold these learners' rows until the transaction ends, one at a time in id order, before anything pending."""
    # A write that changes nothing: an unchanged key takes PostgreSQL's FOR NO KEY UPDATE, so rows that merely
    # refer to the learner (a new submission) are not held up; SQLite takes its one write lock. In id order so
    # two writers of overlapping learners never each hold the other's next row; without flushing first, so a
    # change already made to a cohort does not lock that cohort before the learner.
    with session.no_autoflush:
        for user_id in sorted(set(user_ids)):
            session.execute(
                update(User).where(User.id == user_id).values(id=User.id),
                execution_options={"synchronize_session": False},
            )
