"""Backups of the database while the system runs, and restoring one: SQLite through its online backup API,
PostgreSQL through pg_dump and pg_restore (custom format). The password never goes on a command line."""

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from grader.db import engine_url, make_engine

SQLITE_MAGIC = b"SQLite format 3\x00"
"""How every SQLite database file begins."""

PG_DUMP_MAGIC = b"PGDMP"
"""How every archive of pg_dump --format=custom begins."""


class BackupError(RuntimeError):
    """A backup or restore that cannot be done, with the reason and what to do."""


def backup(database_url: str, path: Path, *, force: bool = False) -> None:
    """Write a backup of the database to path, consistent even while the site and the workers write to it.

    An existing file is kept unless force: a backup never overwrites another by accident.
    """
    if path.exists() and not force:
        raise BackupError(f"{path} exists already: choose another name, or add --force to overwrite it")
    if path.parent and not path.parent.is_dir():
        raise BackupError(f"the folder {path.parent} does not exist")
    url = engine_url(database_url)
    partial = path.with_name(path.name + ".partial")  # a backup cut short never looks like a whole one
    partial.unlink(missing_ok=True)
    # Readable by its owner only, as the database is: it holds the accounts and their password hashes.
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        if url.get_backend_name() == "sqlite":
            _sqlite_copy(_sqlite_file(url, must_exist=True), partial)
        elif url.get_backend_name() == "postgresql":
            _run_pg(url, "pg_dump", ["--format=custom", "--no-owner", "--no-acl", f"--file={partial}"])
        else:
            raise BackupError(f"backups of {url.get_backend_name()} databases are not supported")
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def restore(database_url: str, path: Path, *, force: bool = False) -> None:
    """Replace the database's content with the backup at path (made by backup() of the same kind of database).

    A database that holds tables already is refused unless force: restoring replaces everything in it.
    Stop the site and the workers first; the next start upgrades a backup of an older version.
    """
    url = engine_url(database_url)
    kind = backup_kind(path)
    backend = url.get_backend_name()
    if kind != backend:
        raise BackupError(
            f"{path} is a backup of a {_NAMES[kind]} database, and AUTOGRADER_DATABASE_URL names a "
            f"{_NAMES.get(backend, backend)} one: restore it into a database of the same kind"
        )
    if not force and _has_tables(url):
        raise BackupError(
            "the database holds tables already, and restoring would replace all of them: restore into a new, empty "
            "database, or add --force to replace its content (stop the site and the workers first)"
        )
    if backend == "sqlite":
        _sqlite_copy(path, _sqlite_file(url, must_exist=False))
    else:
        _run_pg(
            url, "pg_restore", ["--clean", "--if-exists", "--no-owner", "--no-acl", "--single-transaction", str(path)]
        )


def backup_kind(path: Path) -> str:
    """'sqlite' or 'postgresql': the kind of database the backup at path is of; BackupError if it is none."""
    try:
        with path.open("rb") as file:
            start = file.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise BackupError(f"{path} does not exist") from None
    except OSError as error:
        raise BackupError(f"{path} cannot be read: {error.strerror}") from None
    if start.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    if start == SQLITE_MAGIC:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as database:
            try:
                database.execute("SELECT version_num FROM alembic_version").fetchall()
            except sqlite3.DatabaseError:
                raise BackupError(f"{path} is a SQLite database, but not one of the autograder") from None
        return "sqlite"
    raise BackupError(f"{path} is not a backup made by 'autograder db backup'")


_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _sqlite_file(url: URL, *, must_exist: bool) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupError("only a SQLite database in a file, given by its path, can be backed up or restored")
    file = Path(url.database)
    if must_exist and not file.exists():
        raise BackupError(f"the database {file} does not exist")
    return file


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy a SQLite database page by page with SQLite's online backup: other connections may write meanwhile
    (the copy is of one moment), and the target is replaced as a whole, in one transaction."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source)) as reading, closing(sqlite3.connect(target)) as writing:
        reading.backup(writing)


def _has_tables(url: URL) -> bool:
    if url.get_backend_name() == "sqlite" and not _sqlite_file(url, must_exist=False).exists():
        return False
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        return bool(inspect(engine).get_table_names())
    except DBAPIError as error:
        raise BackupError(f"the database cannot be reached: {' '.join(str(error.orig).split())[:300]}") from None
    finally:
        engine.dispose()


def _run_pg(url: URL, program: str, arguments: list[str]) -> None:
    """Run pg_dump or pg_restore on the URL's database, the password in the environment (PGPASSWORD)."""
    found = shutil.which(program)
    if found is None:
        raise BackupError(
            f"{program} is not installed: it comes with PostgreSQL's client programs "
            "(Debian: apt-get install postgresql-client), of the server's major version or newer"
        )
    # libpq's own words for the URL's parts, and its options (sslmode...) as they are.
    parts = {"host": url.host, "port": url.port, "user": url.username, "dbname": url.database, **url.query}
    connection = " ".join(f"{key}='{_quoted(str(value))}'" for key, value in parts.items() if value)
    environment = os.environ | ({"PGPASSWORD": url.password} if url.password else {})
    done = subprocess.run(
        [found, f"--dbname={connection}", *arguments], env=environment, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{program} failed: {done.stderr.strip() or f'exit status {done.returncode}'}")


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")
