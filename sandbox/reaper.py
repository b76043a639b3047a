"""Remove sandbox containers nobody will use: past their deadline, or left by a process of this host that died."""

import contextlib
import os
import socket
import time

import docker

from sandbox.container import DEADLINE_LABEL, LABEL, OWNER_LABEL
from sandbox.started import DOCKER_ERRORS


def reap(client: docker.DockerClient, now: float | None = None, owner: str | None = None) -> int:
    """Remove every sandbox container past its deadline label or whose owner is gone (of one owner, if named)."""
    now = time.time() if now is None else now
    labels = [LABEL] if owner is None else [LABEL, f"{OWNER_LABEL}={owner}"]
    removed = 0
    for container in client.containers.list(all=True, filters={"label": labels}):
        try:
            deadline = float(container.labels.get(DEADLINE_LABEL, "0"))
        except ValueError:
            deadline = 0.0  # a label we cannot read is treated as long expired
        if deadline < now or owner_is_gone(container.labels.get(OWNER_LABEL, "")):
            with contextlib.suppress(*DOCKER_ERRORS):
                container.remove(force=True)
                removed += 1
    return removed


def owner_is_gone(owner: str) -> bool:
    """Whether the owner label names a process of this host that no longer runs (a worker that was killed)."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another host's, or unreadable: only its deadline removes it
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, under another user
    return False
