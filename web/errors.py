"""Friendly error pages for people and JSON errors for the API."""

from flask import render_template, request
from werkzeug.exceptions import HTTPException


def init_app(app) -> None:
    """Answer every HTTP error with a page or, under /api/, with JSON."""
    app.register_error_handler(HTTPException, _handle)


def _handle(error: HTTPException):
    if request.path.startswith("/api/"):
        return {"error": error.name, "message": error.description}, error.code
    return render_template("error.html", error=error), error.code
