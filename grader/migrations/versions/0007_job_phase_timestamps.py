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
    # Submissions stored before: each was first queued when it was made (a plain UPDATE, for every database).
    submissions = sa.table("submissions", sa.column("queued_at", sa.DateTime()), sa.column("created_at", sa.DateTime()))
    op.execute(submissions.update().values(queued_at=submissions.c.created_at))
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
