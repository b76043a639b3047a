"""Friendly error pages for people and JSON errors for the API."""

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException


def init_app(app: Flask) -> None:
    """Answer every HTTP error with a page or, under /api/, with JSON."""
    app.register_error_handler(HTTPException, _handle)


def _handle(error: HTTPException) -> ResponseReturnValue:
    status = error.code or 500  # a bare HTTPException carries no code of its own
    if request.path.startswith("/api/"):
        return {"error": error.name, "message": error.description}, status
    return render_template("error.html", error=error), status
