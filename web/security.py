"""What browsers are told the pages may do, and, behind a TLS proxy, the proxy's word on scheme, host and client."""

import secrets

from flask import Flask, g
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        # Scripts are files of this site only: no inline code or event handlers (data the charts read is a
        # <script type="application/json"> block, which is never executed).
        "script-src 'self'",
        # Templates carry no style attribute or <style> block; scripts set element.style, which this allows.
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
"""Content-Security-Policy of every response: only this site's own files run, load or receive forms."""

NONCE_KEY = "csp_nonce"
"""Where a request keeps the nonce its page was given, in flask.g."""

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # An invite link carries its token in the path: no other site may read it from a Referer.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
}
"""Headers every response carries."""

HSTS = "max-age=31536000"
"""Strict-Transport-Security over HTTPS: a year of HTTPS only. Subdomains are left alone: they may not be ours."""


def init_app(app: Flask, *, https: bool) -> None:
    """Add the headers to every response; over HTTPS also HSTS, and trust one proxy's X-Forwarded-* headers."""
    headers = HEADERS | ({"Strict-Transport-Security": HSTS} if https else {})
    app.add_template_global(style_nonce)

    @app.after_request
    def _add_headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        nonce = g.get(NONCE_KEY)
        if nonce is not None:
            policy = response.headers["Content-Security-Policy"]
            response.headers["Content-Security-Policy"] = policy.replace(
                "style-src 'self'", f"style-src 'self' 'nonce-{nonce}'"
            )
        return response

    if https:
        # One proxy in front (the TLS proxy): url_for makes https links to the host the learner typed, and
        # request.remote_addr is the learner's address, not the proxy's. Without one, these headers are not trusted.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]


def style_nonce() -> str:
    """A nonce for this page's policy that lets a script of ours add a <style> element (the code editor does).

    It is given to the script tag; the script reads it as document.currentScript.nonce, which no style sheet or
    other script of the page can see. Pages that never ask for one allow no <style> element at all.
    """
    if NONCE_KEY not in g:
        setattr(g, NONCE_KEY, secrets.token_urlsafe(18))
    return str(g.get(NONCE_KEY))
