"""Sandboxes started ahead of their jobs, so a submission does not wait for a container and pytest to start.

Each worker process has its own pool. A background thread keeps `size` sandboxes ready, each
created with the same hardening as a cold one and waiting on stdin with pytest already imported.
A job takes one, and **each still grades exactly one submission** and is then removed. No new
preparation starts while a job of this pool runs, so preparing seldom competes with a run.
A sandbox that died or broke while waiting, that waited longer than `idle_seconds`, or that was
made from an image or runtime no longer asked for, is removed and replaced. A job waits for the
one being prepared when it will fit (that is never slower than starting one); when none is ready
or coming, it starts one of its own, as without a pool.
"""

import collections
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Mapping

import docker

from sandbox import runner
from sandbox.container import DOCKER_ERRORS, DOCKER_TIMEOUT, docker_client
from sandbox.limits import LONGEST_WALL_SECONDS, Limits
from sandbox.report import RawRun, SandboxUnavailable
from sandbox.started import CannotResize, NotTaken, StartedSandbox, remove_leftovers, same_shape

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
        self._preparing: tuple[str, str | None, Limits] | None = None
        """The image, runtime and limits of the sandbox being prepared now, if one is."""
        self._running = 0
        self._failing = self._closed = False
        self._resizable = True
        """Whether the runtime can change a waiting sandbox's memory for its job (runsc cannot)."""
        self._image_id: str | None = None
        """The image the tag named at the last look; new sandboxes are made from it."""
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
        with self._changed:
            self._running += 1
        try:
            sandbox = self._take(limits, image, runtime)
            if sandbox is not None:
                try:
                    raw = sandbox.run(client, dict(files), dict(tests), limits)
                    self._count("served_ready")
                    return raw
                except CannotResize as error:  # from now on only a sandbox made with the job's memory will do
                    log.warning("%s; starting one for the job", error)
                    self._resizable = False
                    self._count("discarded")
                except NotTaken as error:  # gone before the job reached it: nothing ran, so no try is spent
                    log.warning("a waiting sandbox was gone when its job came (%s); starting one for the job", error)
                    self._count("discarded")
                finally:
                    self._retire(sandbox)
            self._count("served_cold")
            return runner.run(files, tests, limits, image=image, runtime=runtime, client=client)
        finally:
            with self._changed:
                self._running -= 1
                self._changed.notify_all()  # the thread may prepare again

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
        with self._changed:
            return self._changed.wait_for(lambda: len(self._ready) >= count, seconds)

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

    def _count(self, name: str) -> None:
        with self._changed:
            setattr(self, name, getattr(self, name) + 1)

    def _take(self, limits: Limits, image: str, runtime: str | None) -> StartedSandbox | None:
        """A waiting sandbox this job can use, waiting briefly for one being prepared; None: start one."""
        deadline = time.monotonic() + WAIT_FOR_PREPARED_SECONDS
        with self._changed:
            if self._closed:
                return None
            if image != self.image:
                self._image_id = None  # the tag named now is looked up at the next check
            self.image, self.runtime, self.limits = image, runtime, limits  # the next sandboxes are for jobs like this
            while True:
                while self._ready:
                    sandbox = self._ready.popleft()
                    if self._usable(sandbox) and self._fits(sandbox.limits, limits):
                        return sandbox
                    self._discard(sandbox)
                preparing = self._preparing
                coming = preparing is not None and preparing[:2] == (image, runtime)
                coming = coming and preparing is not None and self._fits(preparing[2], limits)
                left = deadline - time.monotonic()
                if not coming or left <= 0:
                    return None
                self._changed.wait(left)

    def _fits(self, made_for: Limits, limits: Limits) -> bool:
        """Whether a sandbox made with made_for can run a job with limits (its memory set at the hand-over)."""
        return same_shape(made_for, limits) and (self._resizable or made_for.memory_mb == limits.memory_mb)

    def _retire(self, sandbox: StartedSandbox) -> None:
        """Hand a used sandbox to the background thread, which removes it."""
        with self._changed:
            self._used.append(sandbox)
            self._changed.notify_all()

    def _usable(self, sandbox: StartedSandbox) -> bool:
        """Whether a waiting sandbox may still take a job: alive, not too old, of the image and runtime asked for."""
        return (
            sandbox.is_waiting()
            and time.monotonic() - sandbox.ready_at < self.idle_seconds
            and time.time() + LONGEST_WALL_SECONDS + DOCKER_TIMEOUT < sandbox.deadline  # nobody reaps it mid-run
            and sandbox.runtime == self.runtime
            and sandbox.image == (self._image_id or self.image)
        )

    def _discard(self, sandbox: StartedSandbox) -> None:
        self._used.append(sandbox)
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
                    self._preparing = (self.image, self.runtime, self.limits)
                self._prepare(client)
                failures, self._failing = 0, False
            except Exception as error:  # the daemon, the image, or a bug of ours: pause, then try again
                failures += 1
                if isinstance(error, (SandboxUnavailable, *DOCKER_ERRORS)):
                    log.warning("cannot prepare a sandbox (%s); trying again", error)
                else:
                    log.exception("the sandbox pool failed; trying again")
                with self._changed:
                    self._preparing, self._failing = None, True
                    self._changed.notify_all()
                    if not self._closed:
                        self._changed.wait(min(LONGEST_BACKOFF_SECONDS, 0.5 * 2**failures))
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
        except BaseException:
            sandbox.remove(client)
            raise
        with self._changed:
            self._preparing = None
            self._changed.notify_all()
            if self._closed:
                self._used.append(sandbox)
            elif not self._usable(sandbox):
                self._discard(sandbox)
                if sandbox.image == (self._image_id or self.image) and sandbox.runtime == self.runtime:
                    raise SandboxUnavailable("a sandbox was unusable as soon as it was ready")  # pause before the next
            else:
                self._ready.append(sandbox)

    def _check(self, client: docker.DockerClient) -> None:
        """Follow the image the tag names now, and let go of sandboxes that are stale or died while waiting."""
        with self._changed:
            image = self.image
        image_id = str(client.api.inspect_image(image)["Id"])
        with self._changed:
            if image == self.image:  # a job may have asked for another image meanwhile
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
