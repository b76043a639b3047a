"""Settings of the whole system, read once per process from AUTOGRADER_* environment variables."""

import hashlib
import os
import re
import types
from dataclasses import dataclass, field, fields
from email.utils import getaddresses
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from sandbox.limits import Limits

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The checkout: instance/ and exercises/ live here unless settings say otherwise."""

INSTANCE_DIR = PROJECT_ROOT / "instance"
"""What this installation keeps: the embedded database, the secret key, the lock of `autograder run`."""

PREFIX = "AUTOGRADER_"
"""Prefix of every environment variable the system reads."""


def default_database_url() -> str:
    """SQLite under instance/, the embedded default."""
    return f"sqlite:///{INSTANCE_DIR / 'autograder.db'}"


def shown_url(url: str) -> str:
    """The URL with its password, if any, written as ***: fit for a message or a log."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    where = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{where}"))


def installation_queue_name(database_url: str) -> str:
    """grading- and a short hash of the database: one queue per installation, shared by its every process.

    The database, not the URL's spelling: a relative SQLite path is resolved, and the password is left out,
    so changing it strands no job (and the name, visible to anyone who reads Redis, never hints at it).
    """
    try:
        url = make_url(database_url)
    except ArgumentError:  # the URL may hold a password: it is not repeated
        raise SettingsError(
            f"{PREFIX}DATABASE_URL is not a database URL such as sqlite:////srv/grader/grader.db "
            "or postgresql://user:password@host/name"
        ) from None
    database = url.database or ""
    if url.get_backend_name() == "sqlite" and database not in ("", ":memory:") and not database.startswith("file:"):
        database = str(Path(database).resolve())
    where = f"{url.get_backend_name()}://{url.username or ''}@{url.host or ''}:{url.port or ''}/{database}"
    return "grading-" + hashlib.sha256(where.encode()).hexdigest()[:12]


class MailSecurity(StrEnum):
    """How the connection to the mail server is protected."""

    STARTTLS = "starttls"  # plain at first, encrypted before anything is sent (port 587); never falls back to plain
    TLS = "tls"  # encrypted from the first byte: implicit TLS, SMTPS (port 465)
    NONE = "none"  # never encrypted: only for a relay on this host or a network of its own (port 25)


@dataclass(frozen=True)
class Settings:
    """Where the services are and how submissions are limited; each field is AUTOGRADER_<NAME> upper-cased."""

    database_url: str = field(default_factory=default_database_url)
    """SQLAlchemy URL of the database: SQLite (sqlite:////path/grader.db) or PostgreSQL
    (postgresql://user:password@host:5432/name, through psycopg 3 when the URL names no driver)
    (AUTOGRADER_DATABASE_URL)."""

    redis_url: str = field(default="redis://127.0.0.1:6379/0", repr=False)
    """Redis that carries grading jobs, with its password if it has one: redis://:PASSWORD@host:6379/0, the
    password %-escaped (AUTOGRADER_REDIS_URL). Shown only through shown_url(), which hides the password."""

    queue_name: str = ""
    """Name of the RQ queue of grading jobs; empty is grading- and a hash of the database, so two installations
    sharing a Redis never take each other's jobs. It also names the site's counts of failed logins in Redis
    (AUTOGRADER_QUEUE_NAME; letters, digits, - and _)."""

    exercises_dir: Path = PROJECT_ROOT / "exercises"
    """The exercise bank (AUTOGRADER_EXERCISES_DIR)."""

    sandbox_image: str = "autograder-python:latest"
    """Docker image that runs Python submissions (AUTOGRADER_SANDBOX_IMAGE)."""

    sandbox_runtime: str | None = None
    """Docker runtime of sandbox containers, such as runsc; None is Docker's default (AUTOGRADER_SANDBOX_RUNTIME)."""

    max_file_bytes: int = 64_000
    """Largest file a learner may submit (AUTOGRADER_MAX_FILE_BYTES)."""

    submissions_per_minute: int = 10
    """Submissions one learner may send in a minute before being asked to wait (AUTOGRADER_SUBMISSIONS_PER_MINUTE)."""

    submissions_in_flight: int = 2
    """Submissions of one learner waiting or being graded at once; one more waits for a result
    (AUTOGRADER_SUBMISSIONS_IN_FLIGHT, 1 or more): ten endless loops from one learner cannot hold every worker."""

    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    """Grading workers `autograder run` starts: one per core unless set (AUTOGRADER_WORKERS, 1 or more)."""

    sandbox_pool: int = 2
    """Sandboxes each worker keeps started and waiting for a job; 0 starts one per job (AUTOGRADER_SANDBOX_POOL)."""

    sandbox_pool_idle_seconds: int = 300
    """Seconds a started sandbox may wait for a job before it is replaced (AUTOGRADER_SANDBOX_POOL_IDLE_SECONDS)."""

    grading_attempts: int = 3
    """Tries of one submission when the sandbox fails for reasons of ours (AUTOGRADER_GRADING_ATTEMPTS)."""

    login_failures_per_account: int = 10
    """Failed logins with one email (as typed, in any letter case) within login_window_minutes, after which logging
    in with it waits until the oldest failure is that old (AUTOGRADER_LOGIN_FAILURES_PER_ACCOUNT, 1 or more).
    Only failures count: a learner who logs in fine is never made to wait. Unknown emails are counted the same."""

    login_failures_per_address: int = 100
    """Failed logins, and API calls with a wrong token, from one client address within login_window_minutes
    (AUTOGRADER_LOGIN_FAILURES_PER_ADDRESS, 1 or more): high, since a classroom often shares one address."""

    login_window_minutes: int = 15
    """Minutes over which failed logins are counted (AUTOGRADER_LOGIN_WINDOW_MINUTES, 1 or more). The counts live
    in Redis; while Redis is down, each web process counts on its own and logins keep working."""

    invite_days: int = 14
    """Days an invite link (or a new one to reset a password) stays valid (AUTOGRADER_INVITE_DAYS, 1 or more)."""

    token_days: int = 90
    """Days an API token works after it is made; its owner sees when it expires and makes a new one on their account
    page (AUTOGRADER_TOKEN_DAYS, 1 to 3650)."""

    secret_key: str | None = field(default=None, repr=False)
    """Key that signs the site's session cookies; None keeps one made once in instance/ (AUTOGRADER_SECRET_KEY)."""

    metrics_token: str = field(default="", repr=False)
    """Bearer token that Prometheus sends to read /metrics (Authorization: Bearer ...). Empty: /metrics answers
    only requests straight from this host's loopback, none through a proxy, none with AUTOGRADER_HTTPS
    (AUTOGRADER_METRICS_TOKEN)."""

    https: bool = False
    """The site is reached over HTTPS (behind a TLS proxy): cookies travel only over HTTPS (AUTOGRADER_HTTPS)."""

    site_url: str = ""
    """Scheme and host of the site as learners reach it, e.g. https://grader.example.org: invite links start with
    it. Empty: the address the coach's request came to, which a proxy may hide (AUTOGRADER_SITE_URL)."""

    smtp_host: str = ""
    """Mail server that also emails invite links to learners; empty sends no email (AUTOGRADER_SMTP_HOST)."""

    smtp_port: int = 587
    """Port of the mail server: 587 for starttls, usually 465 for tls, 25 for a relay (AUTOGRADER_SMTP_PORT)."""

    smtp_user: str = ""
    """User name to log in to the mail server with; empty sends without logging in (AUTOGRADER_SMTP_USER)."""

    smtp_password: str = field(default="", repr=False)
    """Password of smtp_user (AUTOGRADER_SMTP_PASSWORD)."""

    smtp_security: MailSecurity = MailSecurity.STARTTLS
    """starttls, tls (implicit TLS, SMTPS) or none (a local relay) (AUTOGRADER_SMTP_SECURITY)."""

    smtp_timeout: int = 10
    """Seconds to wait for each answer of the mail server before giving up (AUTOGRADER_SMTP_TIMEOUT, 1 or more)."""

    mail_from: str = ""
    """Sender of the emails, e.g. 'Autograder <grader@example.org>'; required with smtp_host (AUTOGRADER_MAIL_FROM)."""

    default_limits: Limits = field(default_factory=Limits, metadata={"environment": False})
    """Limits of an exercise whose exercise.toml names none (not read from the environment)."""

    def __post_init__(self) -> None:
        if not self.queue_name:  # frozen: the derived default is set the one way a frozen dataclass allows
            object.__setattr__(self, "queue_name", installation_queue_name(self.database_url))


MAX_INVITE_DAYS = 365
"""Longest an invite link may stay valid."""

MAX_PORT = 65535
"""Highest TCP port."""

MAX_TOKEN_DAYS = 3650
"""Longest an API token may work."""

LEAST = {
    "workers": 1,
    "sandbox_pool": 0,
    "sandbox_pool_idle_seconds": 10,
    "invite_days": 1,
    "smtp_port": 1,
    "smtp_timeout": 1,
    "submissions_in_flight": 1,
    "login_failures_per_account": 1,
    "login_failures_per_address": 1,
    "login_window_minutes": 1,
    "token_days": 1,
}
"""Smallest value of each whole-number setting that has one."""

MOST = {"invite_days": MAX_INVITE_DAYS, "smtp_port": MAX_PORT, "token_days": MAX_TOKEN_DAYS}
"""Largest value of each whole-number setting that has one."""

ADDRESS_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+$")
"""What the address part of AUTOGRADER_MAIL_FROM must look like: a mail server refuses anything else anyway."""

QUEUE_NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]+")
"""What AUTOGRADER_QUEUE_NAME may hold: it starts every job id, and RQ takes only these in a job id."""

SITE_URL_PATTERN = re.compile(r"^https?://[^\s/?#@]+/?$")
"""What AUTOGRADER_SITE_URL must look like: a scheme and a host (with its port); no path, query or space."""

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})
"""How a yes-or-no setting may be written."""


class SettingsError(ValueError):
    """An AUTOGRADER_* variable that cannot be read; the message names it."""


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build Settings from AUTOGRADER_* variables, keeping defaults for the rest."""
    environ = dict(os.environ) if environ is None else environ
    values: dict[str, object] = {}
    for item in fields(Settings):
        name = PREFIX + item.name.upper()
        raw = environ.get(name)
        if raw and item.metadata.get("environment", True):
            values[item.name] = _parse(name, raw, item.type)
    for name, least in LEAST.items():
        value = values.get(name)
        if isinstance(value, int) and value < least:
            raise SettingsError(f"{PREFIX}{name.upper()} must be {least} or more, not '{value}'")
    for name, most in MOST.items():
        value = values.get(name)
        if isinstance(value, int) and value > most:
            raise SettingsError(f"{PREFIX}{name.upper()} must be at most {most}, not '{value}'")
    settings = Settings(**values)  # type: ignore[arg-type]  # values are parsed by each field's type
    if not QUEUE_NAME_PATTERN.fullmatch(settings.queue_name):
        raise SettingsError(
            f"{PREFIX}QUEUE_NAME may only hold letters, digits, - and _ (it starts every job id), "
            f"not '{settings.queue_name}'"
        )
    _check_mail(settings)
    if settings.site_url and not SITE_URL_PATTERN.match(settings.site_url):
        raise SettingsError(
            f"{PREFIX}SITE_URL must be a scheme and host such as https://grader.example.org, not '{settings.site_url}'"
        )
    return settings


def _check_mail(settings: Settings) -> None:
    # Found when the process starts, not when a coach first enrols a learner and the email silently fails.
    if settings.smtp_host and not settings.mail_from:
        raise SettingsError(
            f"{PREFIX}MAIL_FROM is required when {PREFIX}SMTP_HOST is set: "
            "the address the emails come from, e.g. 'Autograder <grader@example.org>'"
        )
    if settings.mail_from and not _one_address(settings.mail_from):
        raise SettingsError(
            f"{PREFIX}MAIL_FROM must be an email address, e.g. 'Autograder <grader@example.org>', "
            f"not '{settings.mail_from}'"
        )
    if settings.smtp_password and not settings.smtp_user:
        raise SettingsError(f"{PREFIX}SMTP_PASSWORD is set without {PREFIX}SMTP_USER: set both, or neither")


def _one_address(value: str) -> bool:
    # A line break would let the value write headers of its own; a comma would send from several.
    addresses = getaddresses([value])
    return len(addresses) == 1 and bool(ADDRESS_PATTERN.match(addresses[0][1])) and not {"\r", "\n"} & set(value)


def _parse(name: str, raw: str, kind: object) -> object:
    if isinstance(kind, types.UnionType):  # "str | None": an empty variable is already skipped
        kind = next(arg for arg in kind.__args__ if arg is not type(None))
    if kind is int:
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a whole number, not '{raw}'") from None
    if kind is bool:
        if raw.strip().lower() in TRUE_WORDS | FALSE_WORDS:
            return raw.strip().lower() in TRUE_WORDS
        raise SettingsError(f"{name} must be true or false (1/0, yes/no, on/off), not '{raw}'")
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        if raw.strip().lower() in set(kind):
            return kind(raw.strip().lower())
        raise SettingsError(f"{name} must be one of {', '.join(kind)}, not '{raw}'")
    if kind is Path:
        return Path(raw)
    if kind is str:
        return raw
    raise SettingsError(f"{name} has a type this reader does not know: {kind}")
