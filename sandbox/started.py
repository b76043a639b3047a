"""One sandbox container, created and started before its job, whose harness waits on stdin for it.

The host holds the attached socket: the job goes in on stdin (its length, then the JSON), and
stdout and stderr come back multiplexed by Docker. The harness prints READY once it has done
everything a job does not need, RECEIVED once it has the whole job (before anything of the
learner's runs), then its report framed by the run's secret. A started sandbox grades one job at
most and is then removed.
"""

import json
import secrets
import select
import socket
import struct
import time
from dataclasses import replace
from typing import Any, cast

import docker
import docker.errors

from sandbox.container import DEADLINE_LABEL, DOCKER_ERRORS, DOCKER_TIMEOUT, container_options
from sandbox.harness import constant
from sandbox.limits import Limits
from sandbox.report import RawRun, SandboxUnavailable, extract_report

READY = cast(bytes, constant("READY"))
"""What the harness prints when it is ready for a job."""

RECEIVED = cast(bytes, constant("RECEIVED"))
"""What the harness prints when the whole job has arrived."""

READ_BYTES = 65_536
"""Bytes asked of the socket at once."""

STREAM_BYTES = 8_000_000
"""Bytes of stdout (and of stderr) kept: more than the largest report the harness writes, escaped."""

RECEIVE_SECONDS = 10.0
"""Seconds the harness may take to say it has the whole job."""

DRAIN_SECONDS = 2.0
"""Seconds spent collecting what a killed container still sends."""

_FRAME_HEADER = struct.Struct(">BxxxL")
"""Docker's header of each piece of a multiplexed stream: which stream, and how many bytes follow."""


class NotReady(SandboxUnavailable):
    """The harness did not get ready for a job: it stopped, said something else, or took too long."""


class NotTaken(SandboxUnavailable):
    """The sandbox was gone before its harness had the whole job: nothing of the learner's ran."""


class CannotResize(NotTaken):
    """The runtime cannot change a running container's memory (gVisor's runsc cannot): nothing ran."""


class StartedSandbox:
    """A running sandbox container and the host's end of its stdin, stdout and stderr."""

    def __init__(
        self, container_id: str, attached: Any, limits: Limits, image: str, runtime: str | None, deadline: float
    ):
        self.id, self.limits, self.image, self.runtime = container_id, limits, image, runtime
        self.deadline = deadline
        """Unix time after which anyone may remove the container (its label)."""
        self._attached = attached
        # docker-py wraps the attached socket; the socket inside can be half-closed, so the harness sees EOF.
        self.sock = cast(socket.socket, getattr(attached, "_sock", None) or attached)
        self.ready_at = self.started_at = time.monotonic()
        self.stdout, self.stderr, self._pending = bytearray(), bytearray(), bytearray()

    @classmethod
    def start(
        cls,
        client: docker.DockerClient,
        image: str,
        runtime: str | None,
        limits: Limits,
        *,
        idle_seconds: float = 0.0,
    ) -> "StartedSandbox":
        """Create and start a hardened container that may wait idle_seconds for its job; it is not ready yet."""
        options = container_options(limits, runtime, idle_seconds=idle_seconds)
        try:
            container = client.containers.create(image, **options)
        except docker.errors.ImageNotFound as error:
            raise SandboxUnavailable(f"sandbox image {image} is missing: run sandbox/images/build.sh") from error
        except DOCKER_ERRORS as error:
            raise SandboxUnavailable(f"cannot create a sandbox container: {error}") from error
        attached = None
        try:
            attached = container.attach_socket(params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
            container.start()
        except DOCKER_ERRORS as error:
            if attached is not None:
                attached.close()
            _remove_quietly(client, str(container.id))
            raise SandboxUnavailable(f"cannot start a sandbox container: {error}") from error
        deadline = float(options["labels"][DEADLINE_LABEL])
        return cls(str(container.id), attached, limits, image, runtime, deadline)

    def wait_ready(self, seconds: float) -> None:
        """Wait until the harness says it is ready; NotReady if it stops, says something else or takes too long."""
        deadline = time.monotonic() + seconds
        try:
            while len(self.stdout) < len(READY):
                if not self._read(deadline):
                    raise NotReady(f"the harness stopped before it was ready: {self._said()}")
        except TimeoutError:
            raise NotReady(f"the harness was not ready after {seconds:.0f} s") from None
        if not self.stdout.startswith(READY):
            raise NotReady(f"the harness said something else than ready: {self._said()}")
        del self.stdout[: len(READY)]
        self.ready_at = time.monotonic()

    def is_waiting(self) -> bool:
        """Whether it still waits quietly for a job (a closed or talking socket means it died or broke)."""
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable

    def run(self, client: docker.DockerClient, files: dict[str, str], tests: dict[str, str], limits: Limits) -> RawRun:
        """Hand over the job and wait for its end; the wall clock counts from the hand-over (RECEIVED)."""
        self._set_memory(client, limits.memory_mb)
        secret = secrets.token_hex(16)
        body = json.dumps({"secret": secret, "files": files, "tests": tests, "seconds": limits.wall_seconds}).encode()
        try:
            # Framed by its length, not by closing stdin: a TLS connection to the daemon cannot be half-closed.
            self.sock.settimeout(DOCKER_TIMEOUT)
            self.sock.sendall(b"%d\n" % len(body) + body)
            self._wait_received(time.monotonic() + RECEIVE_SECONDS)
        except (TimeoutError, OSError, SandboxUnavailable) as error:
            raise NotTaken(f"the harness did not take the job: {error}") from None
        started = time.monotonic()
        timed_out = False
        closing = secret.encode() + b"\n"
        try:
            while not self.stdout.endswith(closing) and self._read(started + limits.wall_seconds):
                pass
        except TimeoutError:
            timed_out = True
            self._kill(client)
        seconds = time.monotonic() - started
        report, problem, rest = extract_report(self._output(), secret)
        exit_code, oom_killed = None, False
        if timed_out or report is None or report.get("learner_died") is True or "harness_error" in report:
            # How it ended decides now, so wait for the end and ask Docker whether memory ran out.
            exit_code, oom_killed = self._ending(client)
            report, problem, rest = extract_report(self._output(), secret)
            if report is None and not timed_out and not oom_killed:
                # The report is the harness's last act, and nothing of the learner's can stop it but memory
                # and time: without it, the harness, the runtime or the stream failed, which is ours to retry.
                raise SandboxUnavailable(f"the sandbox ended without a report (exit code {exit_code}): {problem}")
        return RawRun(
            timed_out=timed_out,
            oom_killed=oom_killed,
            exit_code=None if timed_out else exit_code,
            seconds=seconds,
            report=report,
            report_problem=problem,
            output=rest[-limits.output_bytes :],
        )

    def remove(self, client: docker.DockerClient) -> bool:
        """Remove the container (running or not); False if the daemon could not be reached."""
        self._attached.close()
        self.sock.close()
        return _remove_quietly(client, self.id)

    def _wait_received(self, deadline: float) -> None:
        """Wait until the harness says it has the whole job; NotTaken if it stopped before."""
        while len(self.stdout) < len(RECEIVED):
            if not self._read(deadline):
                raise NotTaken(f"the sandbox stopped before it had the job: {self._said()}")
        if not self.stdout.startswith(RECEIVED):
            raise NotTaken(f"the harness said something else than received: {self._said()}")
        del self.stdout[: len(RECEIVED)]

    def _ending(self, client: docker.DockerClient) -> tuple[int, bool]:
        """Read until the container ends, then its exit code and whether it ran out of memory (Docker's flag)."""
        try:
            deadline = time.monotonic() + DOCKER_TIMEOUT
            while self._read(deadline):
                pass
            exit_code = client.api.wait(self.id, timeout=DOCKER_TIMEOUT)["StatusCode"]
            return exit_code, bool(client.api.inspect_container(self.id)["State"].get("OOMKilled"))
        except (TimeoutError, *DOCKER_ERRORS) as error:
            raise SandboxUnavailable(f"the sandbox failed while running: {error}") from error

    def _output(self) -> str:
        return (self.stdout + self.stderr).decode("utf-8", errors="replace")

    def _set_memory(self, client: docker.DockerClient, memory_mb: int) -> None:
        """Give the container the job's memory limit (and as much swap, so none) before the job arrives."""
        if memory_mb == self.limits.memory_mb:
            return
        try:
            client.api.update_container(self.id, mem_limit=f"{memory_mb}m", memswap_limit=f"{memory_mb}m")
        except DOCKER_ERRORS as error:
            first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise CannotResize(f"cannot set the sandbox's memory to {memory_mb} MiB: {first_line}") from error
        self.limits = replace(self.limits, memory_mb=memory_mb)

    def _read(self, deadline: float) -> bool:
        """Read the next bytes the container sent, by the deadline (TimeoutError); False once it closed its end."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError()
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(READ_BYTES)
        except TimeoutError:
            raise
        except OSError as error:  # not an end the container chose: the connection to the daemon broke
            raise SandboxUnavailable(f"the connection to the sandbox broke: {error}") from error
        if not chunk:
            return False
        self._pending += chunk
        while len(self._pending) >= _FRAME_HEADER.size:
            stream, size = _FRAME_HEADER.unpack_from(self._pending)
            end = _FRAME_HEADER.size + size
            if len(self._pending) < end:
                break
            into = self.stderr if stream == 2 else self.stdout
            into += self._pending[_FRAME_HEADER.size : end]
            del self._pending[:end]
            if len(into) > STREAM_BYTES:  # only the harness writes here; keep the end, where the report is
                del into[:-STREAM_BYTES]
        return True

    def _kill(self, client: docker.DockerClient) -> None:
        """Kill a container that ran out of time, then collect briefly what it still sends."""
        try:
            client.api.kill(self.id)
        except docker.errors.APIError as error:
            if error.status_code not in (404, 409):  # gone, or not running any more: it ended on its own
                raise SandboxUnavailable(f"cannot stop a sandbox that ran out of time: {error}") from error
        except DOCKER_ERRORS as error:
            raise SandboxUnavailable(f"cannot stop a sandbox that ran out of time: {error}") from error
        try:
            deadline = time.monotonic() + DRAIN_SECONDS
            while self._read(deadline):
                pass
        except (TimeoutError, SandboxUnavailable):
            pass  # what it still had to say does not change a timeout

    def _said(self) -> str:
        """The last words of the container, for the log."""
        return self._output().strip()[-500:] or "nothing"


def same_shape(one: Limits, other: Limits) -> bool:
    """Whether a sandbox made with one set of limits can run a job with the other: all equal but the clock and
    the memory, which are set at the hand-over."""
    return replace(one, wall_seconds=0, memory_mb=0) == replace(other, wall_seconds=0, memory_mb=0)


_unremoved: set[str] = set()
"""Ids of containers this process could not remove (the daemon was down); remove_leftovers() tries again."""


def remove_leftovers(client: docker.DockerClient) -> None:
    """Remove the containers an earlier removal could not (the reaper is the backstop)."""
    for container_id in list(_unremoved):
        _remove_quietly(client, container_id)


def _remove_quietly(client: docker.DockerClient, container_id: str) -> bool:
    try:
        client.api.remove_container(container_id, force=True)
    except docker.errors.NotFound:
        pass
    except DOCKER_ERRORS:
        _unremoved.add(container_id)
        return False
    _unremoved.discard(container_id)
    return True
