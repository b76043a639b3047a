"""Remove sandbox containers that outlived their deadline, such as those of a worker that died."""

import contextlib
import time

import docker
import docker.errors
import requests.exceptions

from sandbox.runner import DEADLINE_LABEL, LABEL, OWNER_LABEL


def reap(client: docker.DockerClient, now: float | None = None, owner: str | None = None) -> int:
    """Remove every sandbox container past its deadline label (of one owner, if named); return how many."""
    now = time.time() if now is None else now
    labels = [LABEL] if owner is None else [LABEL, f"{OWNER_LABEL}={owner}"]
    removed = 0
    for container in client.containers.list(all=True, filters={"label": labels}):
        try:
            deadline = float(container.labels.get(DEADLINE_LABEL, "0"))
        except ValueError:
            deadline = 0.0  # a label we cannot read is treated as long expired
        if deadline < now:
            with contextlib.suppress(docker.errors.DockerException, requests.exceptions.RequestException):
                container.remove(force=True)
                removed += 1
    return removed
