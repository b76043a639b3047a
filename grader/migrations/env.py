"""Alembic's entry point: migrations run on the connection the caller hands over (see grader/schema.py)."""

from alembic import context

from grader.models import Base
from grader.schema import same_server_default

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot alter a column in place; batch mode copies the table instead.
    render_as_batch=True,
    # A revision written by autogenerate also sees changed server defaults, compared as tests/test_schema.py does.
    compare_server_default=same_server_default,
)
with context.begin_transaction():
    context.run_migrations()
