"""Whether the sandbox can run anything at all: the Docker daemon answers and the image is there."""

import contextlib

import docker.errors

from sandbox.container import DOCKER_ERRORS, docker_client
from sandbox.report import SandboxUnavailable

CHECK_TIMEOUT = 5
"""Seconds a health check waits for the daemon: a daemon this slow cannot run a submission either."""


def sandbox_problem(image: str) -> str | None:
    """What keeps every sandbox from starting (the daemon down, the image missing); None when it can run."""
    try:
        with contextlib.closing(docker_client()) as client:
            client.api.timeout = CHECK_TIMEOUT
            client.ping()
            client.images.get(image)
    except docker.errors.ImageNotFound:
        return f"the sandbox image {image} is missing (build it: sandbox/images/build.sh python)"
    except SandboxUnavailable as error:
        return str(error)
    except DOCKER_ERRORS as error:
        return f"the Docker daemon is not answering: {type(error).__name__}: {error}"
    return None
