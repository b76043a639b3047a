"""Helpers that make users and log them in."""

import itertools

from grader.accounts import create_token, create_user
from sandbox.runner import LABEL, OWNER_LABEL, owner

PASSWORD = "correct horse"
_numbers = itertools.count(1)


def sessions(app):
    """The app's session factory."""
    return app.extensions["autograder"]["sessions"]


def make_user(app, role: str = "learner", name: str | None = None):
    """Create a user with the test password; return the detached row."""
    number = next(_numbers)
    with app.extensions["autograder"]["sessions"].begin() as session:
        return create_user(
            session, email=f"{role}{number}@example.test", name=name or f"{role} {number}", role=role, password=PASSWORD
        )


def login(client, user) -> None:
    """Log the client in as the user through the real login form."""
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.text


def make_token(app, user) -> str:
    """A new API token for the user."""
    with app.extensions["autograder"]["sessions"].begin() as session:
        return create_token(session, session.merge(user))


def multipart(files: list[tuple[str, bytes]], field: str = "upload") -> tuple[bytes, str]:
    """A multipart body built in memory; the test client would spool a large one to a file it never closes."""
    parts = [
        b'--x\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\n\r\n%s\r\n'
        % (field.encode(), name.encode(), content)
        for name, content in files
    ]
    return b"".join(parts) + b"--x--\r\n", "multipart/form-data; boundary=x"


def my_sandbox_containers(client) -> list:
    """Sandbox containers started by this test process (other processes may be grading meanwhile)."""
    return client.containers.list(all=True, filters={"label": [LABEL, f"{OWNER_LABEL}={owner()}"]})
