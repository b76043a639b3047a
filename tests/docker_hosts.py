"""A second Docker daemon on this machine, standing in for a second worker host (tests/test_hosts.py).

It shares nothing with the daemon `make test` uses and never touches it: its own socket, pid file,
state folder (with its own containerd) and data folder, and no network of its own (no bridge, no
iptables rules: sandboxes run with networking off). It is started in a session of its own, as
scripts/ensure-services.sh starts dockerd, waited for by asking it until it answers, and stopped
after. Its data folder is kept between runs, with the sandbox image in it (about 210 MB): on a warm
start it answers in about 0.3 s; the first start also copies the image from the main daemon (docker
save | docker load, about 9 s here). A new image is copied again, and the old one removed. Stopping
it takes about 1 s.
"""

import contextlib
import fcntl
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import docker
import docker.errors

from sandbox.container import DOCKER_API_VERSION, DOCKER_ERRORS, LABEL

DATA_DIR = Path("/var/cache/autograder-tests/second-docker")
"""Images and containers of the second daemon, kept between runs so the image is copied only once."""

RUN_DIR = Path("/run/autograder-tests-second-docker")
"""Its socket, pid file, log and state folder (containerd's too): short paths, gone at reboot."""

START_SECONDS = 60
"""Longest wait for the second daemon to answer."""


def main_daemon_config() -> dict:
    """The runtimes the main daemon knows (gVisor's runsc, when registered), for the second to know too."""
    path = Path("/etc/docker/daemon.json")
    text = path.read_text() if path.exists() else ""
    return {"runtimes": json.loads(text).get("runtimes", {})} if text.strip() else {}


@contextmanager
def second_docker_daemon(main: docker.DockerClient, image: str) -> Iterator[str]:
    """Run a second dockerd with the main daemon's sandbox image in it; yield its DOCKER_HOST; stop it after.

    One test run at a time uses it: another waits for the lock. Sandbox containers left in it by an
    earlier run that was killed are removed first.
    """
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    with open(DATA_DIR.parent / "second-docker.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stop_left_over_daemon()
        host = f"unix://{RUN_DIR / 'docker.sock'}"
        daemon = start_daemon(host)
        try:
            with contextlib.closing(wait_until_answering(host, daemon)) as second:
                copy_image(main, second, host, image)
                for container in second.containers.list(all=True, filters={"label": LABEL}):
                    container.remove(force=True)
            yield host
        finally:
            stop_daemon(daemon)


def start_daemon(host: str) -> subprocess.Popen:
    config = RUN_DIR / "daemon.json"
    config.write_text(json.dumps(main_daemon_config()))
    command = [
        "dockerd",
        f"--host={host}",
        f"--data-root={DATA_DIR}",
        f"--exec-root={RUN_DIR / 'exec'}",
        f"--pidfile={RUN_DIR / 'docker.pid'}",
        f"--config-file={config}",
        "--bridge=none",
        "--iptables=false",
        "--ip6tables=false",
        "--ip-masq=false",
    ]
    with open(RUN_DIR / "dockerd.log", "ab") as log:
        # In a session of its own: Ctrl-C on the tests reaches the daemon only through stop_daemon().
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)


def wait_until_answering(host: str, daemon: subprocess.Popen) -> docker.DockerClient:
    deadline = time.monotonic() + START_SECONDS
    client = docker.DockerClient(base_url=host, version=DOCKER_API_VERSION, timeout=10)
    while True:
        with contextlib.suppress(*DOCKER_ERRORS):
            if client.ping():
                return client
        if daemon.poll() is not None or time.monotonic() > deadline:
            client.close()
            stop_daemon(daemon)
            raise RuntimeError(f"the second dockerd did not start; see {RUN_DIR / 'dockerd.log'}")
        time.sleep(0.1)


def copy_image(main: docker.DockerClient, second: docker.DockerClient, host: str, image: str) -> None:
    """Give the second daemon the main daemon's image under the same tag, unless it has it already."""
    wanted = main.images.get(image).id
    with contextlib.suppress(docker.errors.ImageNotFound):
        if second.images.get(image).id == wanted:
            return
    save = subprocess.Popen(["docker", "save", image], stdout=subprocess.PIPE)
    try:
        load = ["docker", "--host", host, "load", "--quiet"]
        subprocess.run(load, stdin=save.stdout, stdout=subprocess.DEVNULL, check=True)
    finally:
        assert save.stdout is not None
        save.stdout.close()
    assert save.wait() == 0, f"docker save {image} failed"
    second.images.prune(filters={"dangling": True})  # the image this one replaced


def stop_daemon(daemon: subprocess.Popen) -> None:
    """Stop the daemon as a service manager would (its containerd stops with it); kill it if it hangs."""
    if daemon.poll() is None:
        daemon.terminate()
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
    shutil.rmtree(RUN_DIR / "exec", ignore_errors=True)


def stop_left_over_daemon() -> None:
    """Stop a second daemon left running by a test run that was killed (ours: its pid file is in RUN_DIR)."""
    pid_file = RUN_DIR / "docker.pid"
    with contextlib.suppress(OSError, ValueError):
        pid = int(pid_file.read_text())
        if Path(f"/proc/{pid}/comm").read_text().strip() == "dockerd":
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 30
            while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
                time.sleep(0.1)
    pid_file.unlink(missing_ok=True)
