"""What views use to reach the core: this app's Services, the request's database session, today's date."""

from datetime import date

from flask import Flask, current_app, g
from rq import Queue
from sqlalchemy.orm import Session

from grader.models import DEFAULT_TIME_ZONE
from grader.people.calendar import today_in
from grader.services import Services
from grader.settings import Settings

EXTENSION = "autograder"
"""Key of the app's Services in app.extensions."""


def init_app(app: Flask, services: Services) -> None:
    """Keep the Services on the app and close each request's session when the request ends."""
    app.extensions[EXTENSION] = services
    app.teardown_appcontext(_close_session)


def services() -> Services:
    """The running app's Services."""
    return current_app.extensions[EXTENSION]


def db_session() -> Session:
    """The database session of this request, opened on first use."""
    if "db_session" not in g:
        g.db_session = services().sessions()
    return g.db_session


def settings() -> Settings:
    """The running app's settings."""
    return services().settings


def grading_queue() -> Queue:
    """The running app's grading queue."""
    return services().queue


def today(zone: str = DEFAULT_TIME_ZONE) -> date:
    """Today's date in a cohort's zone: one place, so every page and signal agrees on it."""
    return today_in(zone)


def _close_session(_error: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
