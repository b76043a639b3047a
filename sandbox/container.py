"""The hardened settings and labels of every sandbox container, and the connection to the Docker daemon."""

import functools
import os
import socket
import time
from pathlib import Path

import docker
import docker.errors
import requests.exceptions
from docker.types import LogConfig, Ulimit

from sandbox.limits import LONGEST_WALL_SECONDS, Limits
from sandbox.report import SandboxUnavailable

LABEL = "autograder.sandbox"
"""Label carried by every sandbox container, so a reaper can find strays."""

OWNER_LABEL = "autograder.owner"
"""Label naming the machine and process that started the container (see owner())."""

DEADLINE_LABEL = "autograder.deadline"
"""Label holding the Unix time after which the container may be removed by anyone."""

HARNESS_CAPABILITIES = ["CHOWN", "SETUID", "SETGID"]
"""All the harness keeps: enough to hand files to two users and become one; gone before tests run."""

DOCKER_API_VERSION = "1.41"
"""Docker Engine API spoken (Engine 20.10 and newer): fixed, so no call is spent asking the daemon."""

DOCKER_TIMEOUT = 30
"""Seconds to wait for the Docker daemon on calls other than the run itself."""

DOCKER_ERRORS = (docker.errors.DockerException, requests.exceptions.RequestException, OSError)
"""What talking to the daemon can raise when the daemon, not the submission, is at fault."""


def docker_client() -> docker.DockerClient:
    """Connect to the Docker daemon named by the environment, or say it is unreachable."""
    try:
        return docker.from_env(timeout=DOCKER_TIMEOUT, version=DOCKER_API_VERSION)
    except docker.errors.DockerException as error:
        raise SandboxUnavailable(f"the Docker daemon is not reachable: {error}") from error


def owner(pid: int | None = None) -> str:
    """The owner label of containers started by this process (or by the live process pid).

    host:pid:namespace:start:boot — with its PID namespace and start time, a dead process is told
    apart from one that reuses its pid, and from a process of another namespace on the same host.
    The boot id tells this machine apart from another one that shares its Docker daemon: host names
    and PID namespace numbers repeat across machines (every machine's first namespace has the same
    number), the kernel's random boot id does not.
    """
    return _own_label() if pid is None else _label_of(pid)


def boot_id() -> str:
    """The id the kernel drew at this machine's boot: the same in every container and namespace of it."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
    except OSError:
        return "unknown"  # no procfs: no owner label of this machine is ever judged gone (owner_is_gone)


def process_identity(pid: int) -> tuple[str, str] | None:
    """The PID namespace and start time (clock ticks since boot) of a live process of this host, or None."""
    try:
        namespace = os.stat(f"/proc/{pid}/ns/pid").st_ino
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            start = stat.read().rsplit(")", 1)[1].split()[19]  # field 22, counted after the command's name
    except (OSError, IndexError):
        return None
    return str(namespace), start


@functools.cache
def _own_label() -> str:
    return _label_of(os.getpid())


def _label_of(pid: int) -> str:
    identity = process_identity(pid) or ("", "")
    return ":".join([socket.gethostname(), str(pid), *identity, boot_id()])


def container_options(limits: Limits, runtime: str | None, *, idle_seconds: float = 0.0) -> dict:
    """The hardened settings of every sandbox container; one started ahead may wait idle_seconds for its job."""
    # One that waits for a job does not know its job's limit yet: it may get the longest.
    longest_run = max(limits.wall_seconds, LONGEST_WALL_SECONDS) if idle_seconds else limits.wall_seconds
    deadline = int(time.time() + idle_seconds + longest_run + 2 * DOCKER_TIMEOUT)
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
        # Output comes back on the attached socket; nothing is kept by the daemon.
        "log_config": LogConfig(type=LogConfig.types.NONE),
        "runtime": runtime,
    }
