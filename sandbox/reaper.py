"""Remove sandbox containers nobody will use: past their deadline, or left by a process of this machine that died."""

import contextlib
import os
import time

import docker

from sandbox.container import DEADLINE_LABEL, DOCKER_ERRORS, LABEL, OWNER_LABEL, boot_id, process_identity


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
    """Whether the owner label names a process of this machine (boot) and PID namespace that no longer runs.

    Only the machine that started a container can tell whether its owner still runs. Another machine
    sharing the daemon may have the same host name and PID namespace number, and may even run a
    process with that pid: its boot id tells it apart, so its containers are left to their deadline.
    """
    parts = owner.split(":")
    if len(parts) != 5 or not parts[1].isdigit() or parts[4] != boot_id() or parts[4] == "unknown":
        return False  # another machine's, from before this boot, or unreadable: only its deadline removes it
    pid, identity = parts[1], tuple(parts[2:4])
    ours = process_identity(os.getpid())
    if ours is None or identity[0] != ours[0]:
        return False  # another PID namespace on this machine (a worker in a container): we cannot see its processes
    return process_identity(int(pid)) != identity  # gone, or its pid now belongs to another process
