"""A worker's background chores: queue again what was lost, and remove stray sandbox containers."""

import contextlib
import logging
import threading
import time

from rq import Queue
from sqlalchemy.orm import Session, sessionmaker

from grader.grading.reconciler import reconcile
from sandbox import reaper
from sandbox.container import docker_client
from sandbox.started import remove_leftovers

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 30
"""Seconds between two rounds of chores."""


class Caretaker(threading.Thread):
    """Runs the reconciler and the container reaper at start and then every INTERVAL_SECONDS."""

    def __init__(self, sessions: sessionmaker[Session], queue: Queue):
        super().__init__(name="caretaker", daemon=True)
        self.sessions, self.queue = sessions, queue

    def run(self) -> None:
        while True:
            time.sleep(INTERVAL_SECONDS)
            self.run_once()

    def run_once(self) -> None:
        """One round; a failure is logged and tried again next round."""
        try:
            done = reconcile(self.sessions, self.queue)
            if done.requeued or done.given_up:
                log.info("queued again: %s; given up: %s", done.requeued, done.given_up)
        except Exception:
            log.exception("reconciling failed")
        try:
            with contextlib.closing(docker_client()) as client:
                remove_leftovers(client)  # this process's own, which the daemon could not remove when it was down
                removed = reaper.reap(client)
            if removed:
                log.info("removed %d stray sandbox container(s)", removed)
        except Exception:
            log.exception("reaping failed")
