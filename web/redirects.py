"""Where to send people next: only ever a path of this site."""

from flask import url_for


def safe_next(target: str | None) -> str:
    """Where to go next: only a local path, since an open redirect would let a phishing link borrow our pages."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("exercises.index")
