"""Where to send people next: only ever a path of this site."""

import re
from urllib.parse import urlsplit

from flask import url_for

UNSAFE = re.compile(r"^//|[\\\x00-\x1f\x7f]")
"""A second slash at the start, a backslash or a control character: browsers may read them as another host."""


def safe_next(target: str | None) -> str:
    """Where to go next: only a local path, since an open redirect would let a phishing link borrow our pages."""
    if not target or not target.startswith("/") or UNSAFE.search(target):
        return url_for("exercises.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return url_for("exercises.index")
    return target
