"""Sandboxes started ahead of their jobs, so a submission does not wait for a container and pytest to start.

Each worker process has its own pool. A background thread keeps `size` sandboxes ready, each
created with the same hardening as a cold one and waiting on stdin with pytest already imported.
A job takes one, and **each still grades exactly one submission** and is then removed. New
sandboxes are prepared only while no job of this pool runs, so preparing never slows a run down.
A sandbox that died or broke while waiting, that waited longer than `idle_seconds`, or that was
made from an image or runtime no longer asked for, is removed and replaced. A job waits for the
one being prepared rather than start its own (that is never slower); when none is ready and none
is coming, it starts one of its own, as without a pool.
"""

import collections
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Mapping

import docker

from sandbox import runner
from sandbox.container import DOCKER_TIMEOUT, docker_client
from sandbox.limits import Limits
from sandbox.report import RawRun, SandboxUnavailable
from sandbox.started import DOCKER_ERRORS, NotTaken, StartedSandbox, remove_leftovers

log = logging.getLogger(__name__)

WAIT_FOR_PREPARED_SECONDS = 5.0
"""Longest a job waits for the sandbox being prepared before it starts one of its own."""

CHECK_SECONDS = 5.0
"""Seconds between two looks at the image the tag names and at the age of waiting sandboxes."""

LONGEST_BACKOFF_SECONDS = 30.0
"""Longest pause between two failed attempts to prepare a sandbox (the daemon is down, the image missing)."""


class Pool:
    """Started sandboxes of one worker process, kept ready by a background thread."""

    def __init__(
        self,
        image: str,
        runtime: str | None,
        limits: Limits,
        *,
        size: int = 1,
        idle_seconds: float = 300.0,
        ready_seconds: float = DOCKER_TIMEOUT,
        client_factory: Callable[[], docker.DockerClient] = docker_client,
    ):
        self.image, self.runtime, self.limits = image, runtime, limits
        """What new sandboxes are made of; the limits follow the latest job's."""
        self.size, self.idle_seconds, self.ready_seconds = size, idle_seconds, ready_seconds
        self.served_ready = self.served_cold = self.discarded = 0
        """Jobs run in a sandbox that was waiting, jobs that started their own, sandboxes thrown away unused."""
        self._client_factory = client_factory
        self._ready: collections.deque[StartedSandbox] = collections.deque()
        self._used: list[StartedSandbox] = []
        self._preparing = self._running = self._failing = False
        self._closed = False
        self._image_id: str | None = None
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._keep_ready, name="sandbox-pool", daemon=True)
        self._local = threading.local()

    def start(self) -> "Pool":
        """Start preparing sandboxes in the background."""
        self._thread.start()
        return self

    def run(
        self, files: Mapping[str, str], tests: Mapping[str, str], limits: Limits, *, image: str, runtime: str | None
    ) -> RawRun:
        """Run the tests in a ready sandbox, or in one started for this job if none is ready or coming."""
        client = self._client()
        sandbox = self._take(limits, image, runtime)
        if sandbox is not None:
            try:
                raw = sandbox.run(client, dict(files), dict(tests), limits)
                self.served_ready += 1
                return raw
            except NotTaken as error:  # it died before the job reached it: nothing ran, so no try is spent
                log.warning("a waiting sandbox was gone when its job came (%s); starting one for the job", error)
                self._count_discarded()
            finally:
                self._release(sandbox)
        self.served_cold += 1
        return runner.run(files, tests, limits, image=image, runtime=runtime, client=client)

    @property
    def failing(self) -> bool:
        """Whether the last attempt to prepare a sandbox failed (the daemon is down, the image missing)."""
        return self._failing

    def ready_count(self) -> int:
        """Sandboxes waiting for a job now."""
        with self._changed:
            return len(self._ready)

    def wait_until_ready(self, count: int, seconds: float) -> bool:
        """Wait until count sandboxes are waiting (for tests and benchmarks); False if not within seconds."""
        deadline = time.monotonic() + seconds
        with self._changed:
            return self._changed.wait_for(lambda: len(self._ready) >= count, max(0.0, deadline - time.monotonic()))

    def close(self) -> None:
        """Stop preparing, and remove every sandbox of this pool, waiting or used."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        if self._thread.is_alive():
            self._thread.join(self.ready_seconds + DOCKER_TIMEOUT)
        else:
            with contextlib.closing(self._client_factory()) as client:
                self._remove_all(client)

    def _client(self) -> docker.DockerClient:
        """A Docker client of the calling thread: the background thread has its own."""
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = self._client_factory()
        return client

    def _take(self, limits: Limits, image: str, runtime: str | None) -> StartedSandbox | None:
        """A waiting sandbox this job can use, waiting briefly for one being prepared; None: start one."""
        deadline = time.monotonic() + WAIT_FOR_PREPARED_SECONDS
        with self._changed:
            if self._closed:
                return None
            if (image, runtime) != (self.image, self.runtime):
                self.image, self.runtime, self._image_id = image, runtime, None
            self.limits = limits  # the next sandboxes are made for jobs like this one
            while True:
                while self._ready:
                    sandbox = self._ready.popleft()
                    if self._usable(sandbox) and sandbox.fits(limits):
                        self._running = True
                        return sandbox
                    self._discard(sandbox)
                coming = self._preparing or (self._wants_one() and not self._failing and self._thread.is_alive())
                left = deadline - time.monotonic()
                if not coming or left <= 0:
                    return None
                self._changed.notify_all()
                self._changed.wait(left)

    def _release(self, sandbox: StartedSandbox) -> None:
        """Hand a used sandbox to the background thread, which removes it and prepares the next."""
        with self._changed:
            self._used.append(sandbox)
            self._running = False
            self._changed.notify_all()

    def _usable(self, sandbox: StartedSandbox) -> bool:
        """Whether a waiting sandbox may still take a job: alive, not too old, of the image and runtime asked for."""
        return (
            sandbox.is_waiting()
            and time.monotonic() - sandbox.started_at < self.idle_seconds
            and sandbox.runtime == self.runtime
            and sandbox.image == (self._image_id or self.image)
        )

    def _discard(self, sandbox: StartedSandbox) -> None:
        self._used.append(sandbox)
        self.discarded += 1

    def _count_discarded(self) -> None:
        with self._changed:
            self.discarded += 1

    def _keep_ready(self) -> None:
        """The background thread: remove used sandboxes, replace stale ones, prepare new ones."""
        failures, checked = 0, 0.0
        client = None
        while not self._closed:
            try:
                client = client or self._client_factory()
                if time.monotonic() - checked >= CHECK_SECONDS:
                    self._check(client)
                    checked = time.monotonic()
                self._remove_used(client)
                with self._changed:
                    if not self._wants_one():  # (never once closed)
                        self._changed.wait(CHECK_SECONDS)
                        continue
                    self._preparing = True
                self._prepare(client)
                failures, self._failing = 0, False
            except (SandboxUnavailable, *DOCKER_ERRORS) as error:
                failures += 1
                log.warning("cannot prepare a sandbox (%s); trying again", error)
                with self._changed:
                    self._preparing, self._failing = False, True
                    self._changed.notify_all()
                    if not self._closed:
                        self._changed.wait(min(LONGEST_BACKOFF_SECONDS, 0.5 * 2**failures))
            except Exception:  # a bug of ours must not end the thread: jobs would wait on it for nothing
                log.exception("the sandbox pool failed")
                with self._changed:
                    self._preparing, self._failing = False, True
                    self._changed.notify_all()
                    self._changed.wait(LONGEST_BACKOFF_SECONDS)
        if client is not None:
            self._remove_all(client)
            client.close()

    def _wants_one(self) -> bool:
        """Whether to prepare a sandbox now: fewer than size are waiting, and no job of this pool runs."""
        return len(self._ready) < self.size and not self._running and not self._closed

    def _prepare(self, client: docker.DockerClient) -> None:
        """Start a sandbox and wait until it is ready; keep it unless the pool changed or closed meanwhile."""
        with self._changed:
            image, runtime, limits = self._image_id or self.image, self.runtime, self.limits
        sandbox = StartedSandbox.start(client, image, runtime, limits, idle_seconds=self.idle_seconds)
        try:
            sandbox.wait_ready(self.ready_seconds)
        except SandboxUnavailable:
            sandbox.remove(client)
            raise
        with self._changed:
            self._preparing = False
            if self._closed or not self._usable(sandbox):
                self._discard(sandbox)
            else:
                self._ready.append(sandbox)
            self._changed.notify_all()

    def _check(self, client: docker.DockerClient) -> None:
        """Follow the image the tag names now, and let go of sandboxes that are stale or died while waiting."""
        image_id = str(client.api.inspect_image(self.image)["Id"]) if self.image else None
        with self._changed:
            self._image_id = image_id
            for sandbox in list(self._ready):
                if not self._usable(sandbox):
                    self._ready.remove(sandbox)
                    self._discard(sandbox)

    def _remove_used(self, client: docker.DockerClient) -> None:
        with self._changed:
            used, self._used = self._used, []
        for sandbox in used:
            sandbox.remove(client)
        remove_leftovers(client)  # those the daemon could not remove earlier

    def _remove_all(self, client: docker.DockerClient) -> None:
        with self._changed:
            every, self._used = [*self._ready, *self._used], []
            self._ready.clear()
        for sandbox in every:
            sandbox.remove(client)
