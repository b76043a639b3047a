"""job-phase timestamps: when the current attempt was queued and its run finished; indexes of the health page

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("queued_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("finished_at", sa.DateTime(), nullable=True))
        batch_op.create_index("ix_submissions_status_queued_at", ["status", "queued_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_submissions_graded_at"), ["graded_at"], unique=False)
    # Submissions stored before (plain UPDATEs, for every database). A first attempt was queued when the
    # submission was made. A later one (a retry, a regrade) was queued at some unknown moment after: its start
    # is the closest known bound, and one not started yet stays unknown (NULL), as the health page's figures
    # skip it, rather than counting days of waiting from the submission's making.
    submissions = sa.table(
        "submissions",
        sa.column("attempt", sa.Integer()),
        sa.column("queued_at", sa.DateTime()),
        sa.column("created_at", sa.DateTime()),
        sa.column("started_at", sa.DateTime()),
    )
    op.execute(submissions.update().where(submissions.c.attempt == 1).values(queued_at=submissions.c.created_at))
    op.execute(
        submissions.update()
        .where(submissions.c.attempt != 1, submissions.c.started_at.is_not(None))
        .values(queued_at=submissions.c.started_at)
    )
    with op.batch_alter_table("stored_verdicts", schema=None) as batch_op:
        batch_op.create_index("ix_stored_verdicts_outcome_stored_at", ["outcome", "stored_at"], unique=False)


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("stored_verdicts", schema=None) as batch_op:
        batch_op.drop_index("ix_stored_verdicts_outcome_stored_at")
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submissions_graded_at"))
        batch_op.drop_index("ix_submissions_status_queued_at")
        batch_op.drop_column("finished_at")
        batch_op.drop_column("queued_at")
