"""Whether the sandbox can run anything at all (the daemon answers, the image is there), and which daemon it is."""

import contextlib
import os
from dataclasses import dataclass

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


DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock"
"""Where the Docker SDK finds the daemon when DOCKER_HOST is not set."""


@dataclass(frozen=True)
class DockerEngine:
    """Which Docker daemon sandboxes start on: how it is reached, and who answers there."""

    endpoint: str
    """DOCKER_HOST as this process sees it, or the local socket: tells apart daemons of one machine."""
    engine_id: str
    """The daemon's own ID (`docker info`): tells apart daemons reached by the same endpoint on two hosts."""
    name: str
    """The daemon's host name (`docker info`)."""
    default_runtime: str
    """The runtime a container gets when none is named (runc, unless the daemon is set up otherwise)."""


def docker_endpoint() -> str:
    """The Docker endpoint this process connects to: DOCKER_HOST, or the local socket."""
    return os.environ.get("DOCKER_HOST") or DEFAULT_DOCKER_HOST


def docker_engine() -> DockerEngine | None:
    """Who answers at this process's Docker endpoint (`docker info`); None when no daemon answers."""
    try:
        with contextlib.closing(docker_client()) as client:
            client.api.timeout = CHECK_TIMEOUT
            info = client.info()
    except (SandboxUnavailable, *DOCKER_ERRORS):
        return None
    return DockerEngine(
        endpoint=docker_endpoint(),
        engine_id=str(info.get("ID") or ""),
        name=str(info.get("Name") or ""),
        default_runtime=str(info.get("DefaultRuntime") or ""),
    )
