"""Alembic's entry point: migrations run on the connection the caller hands over (see grader/schema.py)."""

from alembic import context

from grader.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot alter a column in place; batch mode copies the table instead.
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
