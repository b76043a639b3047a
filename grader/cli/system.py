"""`autograder run` and `autograder worker`: the whole system on one machine, and a grading worker."""

import signal
import subprocess
import sys
import time
from types import FrameType

import click

from grader import services as process_services
from grader.cli.context import prepared, require_redis, services
from grader.cli.exercises import load_and_report
from grader.instance import AlreadyRunning, held_lock
from grader.people.demo import seed_demo
from grader.settings import INSTANCE_DIR, default_database_url

WORKER_STOP_SECONDS = 30
"""Seconds the worker may take to finish its job when the system stops."""

SITE_APP = "web:create_app()"
"""What gunicorn serves: the web app, imported by name so this command never imports Flask."""


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
def run_command(host: str, port: int) -> None:
    """Prepare the database, load exercises, seed the demo (embedded database only), then serve site and workers.

    One at a time per installation: a second one stops at once and says so, leaving the first alone.
    """
    settings = services().settings
    lock = INSTANCE_DIR / f"run-{settings.queue_name}.lock"
    try:
        with held_lock(lock):
            _run(host, port)
    except AlreadyRunning as running:
        process = f"process {running.pid}" if running.pid is not None else "another process"
        raise click.ClickException(
            f"autograder run is already running for this installation ({process}, holding {lock}): "
            "use that one, or stop it first (Ctrl-C where it runs)"
        ) from None


def _run(host: str, port: int) -> None:
    require_redis()
    prepared()
    load_and_report()
    settings = services().settings
    if settings.database_url == default_database_url():
        _seed_demo()
    else:  # a database someone chose is theirs: no demo people with known passwords in it
        click.echo("no demo cohort: AUTOGRADER_DATABASE_URL is set (create a coach with 'autograder users create')")
    workers = settings.workers
    children = [
        subprocess.Popen([*site_command(host, port), "--access-logfile", "-"]),
        *start_workers(workers, burst=False),
    ]
    click.echo(f"Site: http://{host}:{port}/   {workers} grading worker(s)   (Ctrl-C stops them all)")
    signal.signal(signal.SIGTERM, _interrupt)  # stopped by a service manager: the same clean stop
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        raise click.ClickException("the site or the worker stopped; see the messages above")
    except KeyboardInterrupt:
        click.echo("stopping: the worker finishes the submission in hand first")
    finally:
        _stop(children)


def _seed_demo() -> None:
    """The demo cohort of the embedded database, so a fresh checkout has people to log in as."""
    with services().sessions.begin() as session:
        created = seed_demo(session)
    if created:
        click.echo("\nDemo accounts (shown only this once; keep them):")
        for email, role, password in created:
            click.echo(f"  {role:8} {email:20} password: {password}")
        click.echo("")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--processes", default=1, show_default=True, type=click.IntRange(min=1), help="Workers to run.")
def worker_command(burst: bool, processes: int) -> None:
    """Grade submissions from the queue until stopped; with --processes N, as N workers side by side."""
    if processes > 1:
        _supervise(start_workers(processes, burst=burst), burst=burst)
        return
    # These load the Docker SDK, which most commands never need.
    from grader.grading import jobs
    from grader.grading.caretaker import Caretaker
    from grader.grading.queue import queues_of
    from grader.grading.worker import GradingWorker
    from sandbox.pool import Pool

    require_redis()
    grading = prepared()
    process_services.use(grading)  # the jobs this worker runs share its engine and queue
    caretaker = Caretaker(grading.sessions, grading.queue)
    caretaker.run_once()
    if not burst:
        caretaker.start()
    settings = grading.settings
    pool = None
    signal.signal(signal.SIGTERM, _interrupt)  # until RQ sets its own: a stop before work() still cleans up
    try:
        if settings.sandbox_pool:
            pool = Pool(
                settings.sandbox_image,
                settings.sandbox_runtime,
                settings.default_limits,
                size=settings.sandbox_pool,
                idle_seconds=settings.sandbox_pool_idle_seconds,
            ).start()
            jobs.use_pool(pool)
        # It grades in this process: our job code is trusted, no fork keeps it fast, and the pool is here.
        worker = GradingWorker(
            queues_of(grading.queue),
            image=settings.sandbox_image,
            runtime=settings.sandbox_runtime,
            pool=pool,  # its state is published for the health page
            connection=grading.queue.connection,
        )
        worker.work(burst=burst)
    finally:
        if pool is not None:
            jobs.use_pool(None)
            pool.close()  # a stopped worker leaves no sandbox behind


def site_command(host: str, port: int) -> list[str]:
    """The command that serves the site as `autograder run` does: gunicorn, two processes of four threads."""
    return [sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}", "--workers", "2", "--threads", "4", SITE_APP]


def start_workers(count: int, *, burst: bool, quiet: bool = False) -> list[subprocess.Popen]:
    """Start count grading workers, each a process of its own with its own connections (quiet: no log)."""
    command = [sys.executable, "-m", "grader.cli", "worker", *(["--burst"] if burst else [])]
    log = subprocess.DEVNULL if quiet else None
    return [subprocess.Popen(command, stdout=log, stderr=log) for _ in range(count)]


def _supervise(workers: list[subprocess.Popen], *, burst: bool) -> None:
    """Wait for the workers: until all are done (burst), or until one stops or this command is stopped."""
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        while True:
            running = [worker.poll() is None for worker in workers]
            if not any(running) or (not burst and not all(running)):
                break
            time.sleep(0.5)
        if any(worker.returncode not in (0, None) for worker in workers):
            raise click.ClickException("a worker stopped with an error; see the messages above")
    except KeyboardInterrupt:
        click.echo("stopping: each worker finishes the submission in hand first")
    finally:
        _stop(workers)


def _interrupt(_signal: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _stop(children: list[subprocess.Popen]) -> None:
    """Stop the site and the worker; SIGTERM gives RQ a warm shutdown (the job in hand is finished)."""
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(timeout=WORKER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
