"""Run one submission's tests in a fresh, locked-down Docker container started for it, and collect what came out."""

import contextlib
from collections.abc import Mapping

import docker

from sandbox.container import DOCKER_TIMEOUT, docker_client
from sandbox.limits import Limits
from sandbox.report import RawRun
from sandbox.started import StartedSandbox, remove_leftovers


def run(
    files: Mapping[str, str],
    tests: Mapping[str, str],
    limits: Limits,
    *,
    image: str,
    runtime: str | None = None,
    client: docker.DockerClient | None = None,
) -> RawRun:
    """Start a container, wait until its harness is ready, run the tests in it, and always remove it."""
    if client is None:
        with contextlib.closing(docker_client()) as own_client:
            return run(files, tests, limits, image=image, runtime=runtime, client=own_client)
    remove_leftovers(client)
    sandbox = StartedSandbox.start(client, image, runtime, limits)
    try:
        sandbox.wait_ready(DOCKER_TIMEOUT)
        return sandbox.run(client, dict(files), dict(tests), limits)
    finally:
        sandbox.remove(client)
