"""stored verdicts

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "stored_verdicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("worker", sa.String(length=120), nullable=False),
        sa.Column("stored_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stored_verdicts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stored_verdicts_submission_id"), ["submission_id"], unique=False)


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("stored_verdicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stored_verdicts_submission_id"))
    op.drop_table("stored_verdicts")
