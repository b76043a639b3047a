"""Load the exercise bank into the database so that only exercises that pass their checks reach learners.

An exercise whose folder is broken, or whose reference fails in the sandbox, is refused and the
loaded bank keeps its previous version. Sandbox checks are remembered by version, so loading an
unchanged bank runs nothing.
"""

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from grader.authoring.checking import check_folders
from grader.authoring.reader import exercise_folders, read_exercise
from grader.authoring.spec import CheckResult, ExerciseInvalid
from grader.authoring.store import record_check, store_specs
from grader.models import ExerciseCheck
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
        for checked, result in results:
            record_check(session, result)
            if result.ok and checked is not None:
                ready.append(checked)
            else:
                report.refused.append(result)
        changes = store_specs(session, sorted(ready, key=lambda spec: spec.slug))
    report.added, report.changed, report.unchanged = changes["added"], changes["changed"], changes["unchanged"]
    return report


def _folders(bank: Path, slugs: list[str] | None) -> list[Path]:
    folders = exercise_folders(bank)
    if slugs:
        wanted = set(slugs)
        folders = [folder for folder in folders if folder.name in wanted]
        missing = wanted - {folder.name for folder in folders}
        if missing:
            raise FileNotFoundError(f"no exercise folder named {', '.join(sorted(missing))} in {bank}")
    return folders
