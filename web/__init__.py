"""The web site: learners submit and read results; the JSON API does the same for scripts."""

import secrets
from datetime import date
from pathlib import Path

from flask import Flask, current_app, g
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import Session, sessionmaker

from grader.db import create_schema, make_engine, make_sessionmaker
from grader.queue import grading_queue
from grader.settings import Settings, load_settings

MAX_REQUEST_BYTES = 2_000_000
"""Largest request body accepted; anything bigger is answered with 413 before it is read."""

csrf = CSRFProtect()


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app from AUTOGRADER_* settings, or from test_config in the tests."""
    app = Flask(__name__, instance_path=str(Path(__file__).resolve().parent.parent / "instance"))
    app.config.from_mapping(MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES, SESSION_COOKIE_SAMESITE="Lax")
    if test_config is None:
        app.config["SETTINGS"] = load_settings()
        app.config.from_prefixed_env("AUTOGRADER")
    else:
        app.config.update(test_config)
    settings: Settings = app.config["SETTINGS"]
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))

    engine = make_engine(settings.database_url)
    app.extensions["autograder"] = {
        "engine": engine,
        "sessions": make_sessionmaker(engine),
        "queue": grading_queue(settings.redis_url, settings.queue_name),
    }
    app.teardown_appcontext(_close_session)
    csrf.init_app(app)

    from web import api, auth, authors, coach, errors, exercises, markdown, submissions

    auth.init_app(app)
    errors.init_app(app)
    markdown.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(exercises.bp)
    app.register_blueprint(submissions.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(authors.bp)
    app.register_blueprint(coach.bp)
    csrf.exempt(api.bp)  # the API authenticates each request with a bearer token, not a cookie
    return app


def db_session() -> Session:
    """The database session of this request, opened on first use."""
    if "db_session" not in g:
        g.db_session = session_factory()()
    return g.db_session


def session_factory() -> sessionmaker[Session]:
    """The running app's session factory, for code outside a request (commands)."""
    return current_app.extensions["autograder"]["sessions"]


def prepare_database() -> None:
    """Create any missing table of the running app's database."""
    create_schema(current_app.extensions["autograder"]["engine"])


def today() -> date:
    """Today's date: one place, so every page and signal agrees on it."""
    return date.today()


def settings() -> Settings:
    """The settings of the running app."""
    return current_app.config["SETTINGS"]


def queue():
    """The grading queue of the running app."""
    return current_app.extensions["autograder"]["queue"]


def _close_session(_error=None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def _instance_secret(instance: Path) -> str:
    """A secret key kept in instance/, made once, so sessions survive a restart."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
