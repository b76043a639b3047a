"""Load the exercise bank into the database so that only exercises that pass their checks reach learners.

An exercise whose folder is broken, or whose reference fails in the sandbox, is refused and the
loaded bank keeps its previous version. Sandbox checks are remembered by version, so loading an
unchanged bank runs nothing.
"""

from dataclasses import dataclass, field
from pathlib import Path

from rq import Queue
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from grader.catalog import ExerciseInvalid, exercise_folders, read_exercise, store_specs
from grader.checking import CheckResult, check_folders
from grader.models import Exercise, ExerciseCheck, Status, Submission, utcnow
from grader.queue import enqueue_grading
from grader.settings import Settings


@dataclass
class LoadReport:
    """What one load did, slug by slug."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[CheckResult] = field(default_factory=list)


def load_bank(sessions: sessionmaker[Session], settings: Settings, *, slugs: list[str] | None = None) -> LoadReport:
    """Check and load the bank's exercises (or only those named); refuse the broken ones."""
    folders = _folders(settings.exercises_dir, slugs)
    with sessions() as session:
        passed = {
            (check.slug, check.version)
            for check in session.scalars(select(ExerciseCheck).where(ExerciseCheck.ok.is_(True)))
        }
    to_check, read, ready = [], {}, []
    for folder in folders:
        try:
            spec = read_exercise(folder)
        except ExerciseInvalid:
            to_check.append(folder)  # check_folders reads it again, to report its problems
            continue
        if (spec.slug, spec.version) in passed:
            ready.append(spec)
        else:
            to_check.append(folder)
            read[folder] = spec
    report = LoadReport()
    results = check_folders(to_check, settings, read)
    with sessions.begin() as session:
        for spec, result in results:
            record_check(session, result)
            if result.ok:
                ready.append(spec)
            else:
                report.refused.append(result)
        changes = store_specs(session, sorted(ready, key=lambda spec: spec.slug))
    report.added, report.changed, report.unchanged = changes["added"], changes["changed"], changes["unchanged"]
    return report


def record_check(session: Session, result: CheckResult) -> None:
    """Keep the latest check of a slug for the authors' page."""
    row = session.scalar(select(ExerciseCheck).where(ExerciseCheck.slug == result.slug))
    if row is None:
        row = ExerciseCheck(slug=result.slug)
        session.add(row)
    row.version, row.ok, row.output, row.checked_at = result.version, result.ok, result.text(), utcnow()


def regrade(session: Session, queue: Queue, exercise: Exercise) -> int:
    """Grade every submission of the exercise again with its current tests; return how many.

    Submissions still waiting or running get a new attempt too, so a run against the old
    tests cannot store its result. One UPDATE raises every attempt at once.
    """
    session.execute(
        update(Submission)
        .where(Submission.exercise_id == exercise.id)
        .values(
            attempt=Submission.attempt + 1,
            status=Status.QUEUED,
            started_at=None,
            tries=0,
            regrades=Submission.regrades + 1,
            max_score=exercise.max_score,
        )
    )
    queued = session.execute(
        select(Submission.id, Submission.attempt).where(Submission.exercise_id == exercise.id)
    ).all()
    session.commit()  # the worker must find the new attempts
    for submission_id, attempt in queued:
        enqueue_grading(queue, submission_id, attempt)
    return len(queued)


def _folders(bank: Path, slugs: list[str] | None) -> list[Path]:
    folders = exercise_folders(bank)
    if slugs:
        wanted = set(slugs)
        folders = [folder for folder in folders if folder.name in wanted]
        missing = wanted - {folder.name for folder in folders}
        if missing:
            raise FileNotFoundError(f"no exercise folder named {', '.join(sorted(missing))} in {bank}")
    return folders
