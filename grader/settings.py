"""Settings of the whole system, read once from AUTOGRADER_* environment variables."""

import os
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.limits import Limits

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The checkout: instance/ and exercises/ live here unless settings say otherwise."""


def default_database_url() -> str:
    """SQLite under instance/, the embedded default."""
    return f"sqlite:///{PROJECT_ROOT / 'instance' / 'autograder.db'}"


@dataclass(frozen=True)
class Settings:
    """Where the services are and how submissions are limited."""

    database_url: str = field(default_factory=default_database_url)
    """SQLAlchemy URL of the database (AUTOGRADER_DATABASE_URL)."""

    redis_url: str = "redis://127.0.0.1:6379/0"
    """Redis that carries grading jobs (AUTOGRADER_REDIS_URL)."""

    queue_name: str = "grading"
    """Name of the RQ queue of grading jobs (AUTOGRADER_QUEUE_NAME)."""

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

    grading_attempts: int = 3
    """Tries of one submission when the sandbox fails for reasons of ours (AUTOGRADER_GRADING_ATTEMPTS)."""

    default_limits: Limits = field(default_factory=Limits)
    """Limits of an exercise whose exercise.toml names none."""


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build Settings from AUTOGRADER_* variables, keeping defaults for the rest."""
    environ = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for name, kind in (
        ("database_url", str),
        ("redis_url", str),
        ("queue_name", str),
        ("exercises_dir", Path),
        ("sandbox_image", str),
        ("sandbox_runtime", str),
        ("max_file_bytes", int),
        ("submissions_per_minute", int),
        ("grading_attempts", int),
    ):
        raw = environ.get(f"AUTOGRADER_{name.upper()}")
        if raw:
            values[name] = kind(raw)
    return Settings(**values)
