"""Remove sandbox containers that outlived their deadline, such as those of a worker that died."""

import contextlib
import time

import docker
import docker.errors
import requests.exceptions

from sandbox.runner import DEADLINE_LABEL, LABEL


def reap(client: docker.DockerClient, now: float | None = None) -> int:
    """Remove every sandbox container past its deadline label; return how many were removed."""
    now = time.time() if now is None else now
    removed = 0
    for container in client.containers.list(all=True, filters={"label": LABEL}):
        try:
            deadline = float(container.labels.get(DEADLINE_LABEL, "0"))
        except ValueError:
            deadline = 0.0  # a label we cannot read is treated as long expired
        if deadline < now:
            with contextlib.suppress(docker.errors.DockerException, requests.exceptions.RequestException):
                container.remove(force=True)
                removed += 1
    return removed
