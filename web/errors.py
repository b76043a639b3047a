"""Friendly error pages for people and JSON errors for the API, in the reader's language."""

from flask import Flask, current_app, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import AnonymousUserMixin
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from grader.db import error_text

SERVER_AWAY_STATES = ("08", "57P")
"""SQLSTATE classes of a PostgreSQL server that cannot be reached, is shutting down or starting up (no SQLSTATE at
all: the connection was never made, or SQLite stayed locked)."""


def init_app(app: Flask) -> None:
    """Answer every HTTP error with a page or, under /api/, with JSON."""
    app.register_error_handler(HTTPException, _handle)
    app.register_error_handler(OperationalError, _database_away)


def _database_away(error: OperationalError) -> ResponseReturnValue:
    """The database server cannot be reached (or SQLite stayed locked): 503, and the request may be sent again.

    The engine checks each connection before use, so the site works again by itself once the server is back.
    """
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate and not sqlstate.startswith(SERVER_AWAY_STATES):
        raise error  # a deadlock or a cancelled query: a failure of ours (500, logged), not the server being away
    current_app.logger.warning("the database is not reachable: %s", error_text(error))
    g._login_user = AnonymousUserMixin()  # the page must not ask the database who is logged in
    title = gettext("The site cannot reach its data right now")
    description = gettext(
        "So this was not done: send it again in a minute. What you sent before is kept. If it keeps happening, "
        "tell your coach."
    )
    if request.path.startswith("/api/"):
        return {"error": "Service Unavailable", "message": description}, 503, {"Retry-After": "60"}
    return render_template("error.html", title=title, description=description), 503, {"Retry-After": "60"}


def _handle(error: HTTPException) -> ResponseReturnValue:
    status = error.code or 500  # a bare HTTPException carries no code of its own
    title, description = _words(error, status)
    if request.path.startswith("/api/"):
        return {"error": error.name, "message": description}, status
    return render_template("error.html", title=title, description=description), status


def _words(error: HTTPException, status: int) -> tuple[str, str]:
    """A title and an explanation a beginner can act on; our own description when the view gave one."""
    titles = {
        400: gettext("Something was wrong with what was sent"),
        401: gettext("Please log in"),
        403: gettext("Not allowed"),
        404: gettext("Page not found"),
        405: gettext("Not possible here"),
        409: gettext("Not possible right now"),
        410: gettext("This link no longer works"),
        413: gettext("Too large"),
        429: gettext("Too many requests"),
    }
    explanations = {
        400: gettext("The site could not read what was sent. Go back, reload the page and try again."),
        401: gettext("Log in first, then try again."),
        403: gettext("Your account may not do this. Ask your coach if you think it should."),
        404: gettext("This page does not exist, or it is not yours to see. Check the address, or go back."),
        405: gettext("This address cannot be used this way. Go back and use the buttons of the page."),
        409: gettext("This cannot be done right now. Try again in a moment."),
        413: gettext("What you sent is too large. Send smaller files."),
        429: gettext("You sent a lot in a short time. Wait a minute, then try again."),
    }
    title = titles.get(status, gettext("Something went wrong on our side"))
    if isinstance(error, CSRFError):
        return title, gettext(
            "This page was open for a long time, so the site could not accept it. Go back, reload the page, "
            "and send it again. Copy your code first if you wrote any."
        )
    if error.description and error.description != type(error).description:
        return title, error.description
    fallback = gettext(
        "Not your fault: the site had a problem. Try again in a moment; if it keeps happening, tell your coach."
    )
    return title, explanations.get(status, fallback)
