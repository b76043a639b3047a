"""Remove sandbox containers nobody will use: past their deadline, or left by a process of this host that died."""

import contextlib
import os
import socket
import time

import docker

from sandbox.container import DEADLINE_LABEL, DOCKER_ERRORS, LABEL, OWNER_LABEL, process_identity


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
    """Whether the owner label names a process of this host and PID namespace that no longer runs."""
    parts = owner.split(":")
    if len(parts) != 4 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False  # another host's, or unreadable: only its deadline removes it
    pid, identity = parts[1], parts[2:]
    ours = process_identity(os.getpid())
    if ours is None or identity[0] != ours[0]:
        return False  # another PID namespace on this host (a worker in a container): we cannot see its processes
    return process_identity(int(pid)) != tuple(identity)  # gone, or its pid now belongs to another process
