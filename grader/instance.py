"""What an installation keeps in instance/ of its checkout: secrets made once, the lock of its running system."""

import contextlib
import fcntl
import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SECRET_BYTES = 32
"""Random bytes of a secret made here (written as 64 hexadecimal digits)."""


class AlreadyRunning(Exception):
    """Another process holds the lock; pid names it when it could be read."""

    def __init__(self, path: Path, pid: int | None):
        super().__init__(f"{path} is held by process {pid if pid is not None else '(unknown)'}")
        self.path, self.pid = path, pid


def kept_secret(path: Path) -> str:
    """The secret kept in path, made once with mode 0600; every process, even one starting alongside, reads the same.

    It is written whole to a file of its own, then linked into place: a link, unlike a rename, never replaces a
    file, so of two processes making it at once the second keeps the first's, and no one reads a half-written one.
    """
    if path.exists():
        return _read_secret(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, made = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")  # mkstemp's mode is 0600
    try:
        with os.fdopen(handle, "w") as file:
            file.write(secrets.token_hex(SECRET_BYTES) + "\n")
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):  # made by another process meanwhile: theirs is the one
            os.link(made, path)
    finally:
        os.unlink(made)
    return _read_secret(path)


def _read_secret(path: Path) -> str:
    secret = path.read_text().strip()
    if not secret:
        raise RuntimeError(f"{path} is empty: delete it and a new one is made (everyone is then logged out)")
    return secret


@contextmanager
def held_lock(path: Path) -> Iterator[None]:
    """Hold path's lock for the block, with this process's id in it; AlreadyRunning if another process holds it.

    The kernel lets go of the lock when the process ends, however it ends: a lock is never left behind.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(handle)
            os.close(handle)
            raise AlreadyRunning(path, holder) from None
        if _is_at(handle, path):
            break
        os.close(handle)  # the holder before us removed the file we opened as it let go: lock the one there now
    try:
        os.ftruncate(handle, 0)
        os.write(handle, f"{os.getpid()}\n".encode())
        yield
    finally:
        path.unlink(missing_ok=True)  # while still held, so whoever opened it sees it gone and tries again
        os.close(handle)


def _is_at(handle: int, path: Path) -> bool:
    try:
        there = path.stat()
    except FileNotFoundError:
        return False
    held = os.fstat(handle)
    return (held.st_dev, held.st_ino) == (there.st_dev, there.st_ino)


def _read_pid(handle: int) -> int | None:
    text = os.pread(handle, 32, 0).decode(errors="replace").strip()
    return int(text) if text.isdigit() else None
