"""Run one submission's tests in a fresh, locked-down Docker container and collect what came out."""

import contextlib
import json
import os
import secrets
import socket
import time
from collections.abc import Mapping
from typing import cast

import docker
import docker.errors
import requests.exceptions
from docker.models.containers import Container
from docker.types import LogConfig, Ulimit

from sandbox.limits import Limits
from sandbox.report import RawRun, SandboxUnavailable, extract_report

LABEL = "autograder.sandbox"
"""Label carried by every sandbox container, so a reaper can find strays."""

OWNER_LABEL = "autograder.owner"
"""Label naming the host and process that started the container, as host:pid."""

DEADLINE_LABEL = "autograder.deadline"
"""Label holding the Unix time after which the container may be removed by anyone."""

HARNESS_CAPABILITIES = ["CHOWN", "SETUID", "SETGID"]
"""All the harness keeps: enough to hand files to two users and become one; gone before tests run."""

DOCKER_API_VERSION = "1.41"
"""Docker Engine API spoken (Engine 20.10 and newer): fixed, so no call is spent asking the daemon."""

DOCKER_TIMEOUT = 30
"""Seconds to wait for the Docker daemon on calls other than the run itself."""


def run(
    files: Mapping[str, str],
    tests: Mapping[str, str],
    limits: Limits,
    *,
    image: str,
    runtime: str | None = None,
    client: docker.DockerClient | None = None,
) -> RawRun:
    """Run the tests against the files in a new container, always removing it afterwards."""
    if client is None:
        with contextlib.closing(docker_client()) as own_client:
            return run(files, tests, limits, image=image, runtime=runtime, client=own_client)
    _remove_pending(client)
    secret = secrets.token_hex(16)
    job = json.dumps(
        {
            "secret": secret,
            "files": dict(files),
            "tests": dict(tests),
            "seconds": limits.wall_seconds,
        }
    ).encode()
    try:
        container = client.containers.create(image, **container_options(limits, runtime))
    except docker.errors.ImageNotFound as error:
        raise SandboxUnavailable(f"sandbox image {image} is missing: run sandbox/images/build.sh") from error
    except (docker.errors.DockerException, requests.exceptions.RequestException) as error:
        raise SandboxUnavailable(f"cannot create a sandbox container: {error}") from error
    try:
        return _start_and_wait(container, job, secret, limits)
    except (docker.errors.DockerException, requests.exceptions.RequestException, OSError) as error:
        raise SandboxUnavailable(f"the sandbox failed while running: {error}") from error
    finally:
        _remove(container)


def docker_client() -> docker.DockerClient:
    """Connect to the Docker daemon named by the environment, or say it is unreachable."""
    try:
        return docker.from_env(timeout=DOCKER_TIMEOUT, version=DOCKER_API_VERSION)
    except docker.errors.DockerException as error:
        raise SandboxUnavailable(f"the Docker daemon is not reachable: {error}") from error


def owner(pid: int | None = None) -> str:
    """The owner label of containers started by this process (or by the process pid)."""
    return f"{socket.gethostname()}:{os.getpid() if pid is None else pid}"


def container_options(limits: Limits, runtime: str | None) -> dict:
    """The hardened settings of every sandbox container."""
    deadline = int(time.time() + limits.wall_seconds + DOCKER_TIMEOUT)
    return {
        "stdin_open": True,
        "network_mode": "none",
        "user": "0:0",
        "read_only": True,
        "tmpfs": {"/tmp": f"rw,nosuid,nodev,size={limits.scratch_mb}m,mode=1777"},
        "mem_limit": f"{limits.memory_mb}m",
        "memswap_limit": f"{limits.memory_mb}m",
        "nano_cpus": int(limits.cpus * 1e9),
        "pids_limit": limits.pids,
        "cap_drop": ["ALL"],
        "cap_add": HARNESS_CAPABILITIES,
        "security_opt": ["no-new-privileges"],
        "ulimits": [
            Ulimit(name="nofile", soft=limits.open_files, hard=limits.open_files),
            Ulimit(name="fsize", soft=limits.file_bytes, hard=limits.file_bytes),
            Ulimit(name="core", soft=0, hard=0),  # a core dump would be written by the host, outside our limits
        ],
        "environment": {"HOME": "/tmp", "LANG": "C.UTF-8"},
        "labels": {LABEL: "1", OWNER_LABEL: owner(), DEADLINE_LABEL: str(deadline)},
        "log_config": LogConfig(
            type=LogConfig.types.JSON, config={"max-size": str(limits.output_bytes), "max-file": "1"}
        ),
        "runtime": runtime,
    }


def _start_and_wait(container: Container, job: bytes, secret: str, limits: Limits) -> RawRun:
    """Feed the job on stdin, wait up to the wall-clock limit, then read what happened."""
    stdin = container.attach_socket(params={"stdin": 1, "stream": 1})
    started = time.monotonic()
    container.start()
    # docker-py wraps the attached socket; the socket inside can be half-closed, so the harness sees EOF.
    raw_socket: socket.socket = getattr(stdin, "_sock", None) or cast(socket.socket, stdin)
    try:
        raw_socket.sendall(job)
        raw_socket.shutdown(socket.SHUT_WR)
    except OSError:
        pass  # The container may already have died; its state below says why.
    finally:
        stdin.close()
        raw_socket.close()
    timed_out = False
    exit_code = None
    try:
        remaining = max(0.1, limits.wall_seconds - (time.monotonic() - started))
        exit_code = container.wait(timeout=remaining)["StatusCode"]
    except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError) as error:
        if not _is_read_timeout(error):
            raise  # the daemon went away: our failure, not the learner's timeout
        timed_out = True
        _kill(container)
    seconds = time.monotonic() - started
    container.reload()
    oom_killed = bool(container.attrs["State"].get("OOMKilled"))
    output = container.logs(stdout=True, stderr=True).decode("utf-8", errors="replace")
    report, problem, rest = extract_report(output, secret)
    return RawRun(
        timed_out=timed_out,
        oom_killed=oom_killed,
        exit_code=None if timed_out else exit_code,
        seconds=seconds,
        report=report,
        report_problem=problem,
        output=rest[-limits.output_bytes :],
    )


def _is_read_timeout(error: Exception) -> bool:
    """Whether waiting ended because our own timeout ran out (requests wraps it in several ways)."""
    return isinstance(error, requests.exceptions.ReadTimeout) or "timed out" in str(error).lower()


def _kill(container: Container) -> None:
    """Kill a container that ran out of time; it may have just exited on its own, which is fine."""
    try:
        container.kill()
    except docker.errors.NotFound:
        pass
    except docker.errors.APIError as error:
        if error.status_code != 409:  # 409: not running any more
            raise


_pending_removal: set[str] = set()
"""Ids of containers this process failed to remove (the daemon was down); removed on the next run."""


def _remove(container: Container) -> None:
    """Remove the container; if the daemon is gone, remember it for the next run (the reaper is the backstop)."""
    try:
        container.remove(force=True)
        _pending_removal.discard(container.id)
    except docker.errors.NotFound:
        _pending_removal.discard(container.id)
    except (docker.errors.DockerException, requests.exceptions.RequestException):
        _pending_removal.add(str(container.id))


def _remove_pending(client: docker.DockerClient) -> None:
    for container_id in list(_pending_removal):
        with contextlib.suppress(docker.errors.DockerException, requests.exceptions.RequestException):
            client.api.remove_container(container_id, force=True)
            _pending_removal.discard(container_id)
