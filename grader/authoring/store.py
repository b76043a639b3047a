"""Store what was read and checked: one Exercise row per spec, and the last check of each folder."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.authoring.spec import CheckResult, ExerciseSpec
from grader.grading.standings import touch_cohort
from grader.models import Exercise, ExerciseCheck, utcnow


def store_specs(session: Session, specs: list[ExerciseSpec]) -> dict[str, list[str]]:
    """Insert or update one row per spec; say which slugs were added, changed or unchanged."""
    existing = {exercise.slug: exercise for exercise in session.scalars(select(Exercise))}
    changes: dict[str, list[str]] = {"added": [], "changed": [], "unchanged": []}
    for spec in specs:
        row = existing.get(spec.slug)
        if row is not None and row.version == spec.version:
            changes["unchanged"].append(spec.slug)
            continue
        if row is None:
            row = Exercise(slug=spec.slug)
            session.add(row)
            changes["added"].append(spec.slug)
        else:
            changes["changed"].append(spec.slug)
        for name in (
            "title",
            "week",
            "day",
            "tags",
            "difficulty",
            "language",
            "statement",
            "translations",
            "files",
            "starter",
        ):
            setattr(row, name, getattr(spec, name))
        for name in ("tests", "manifest", "limits", "version"):
            setattr(row, name, getattr(spec, name))
        row.max_score = spec.points
    if changes["added"] or changes["changed"]:
        touch_cohort(session)  # every cohort's plan shows every exercise
    return changes


def record_check(session: Session, result: CheckResult) -> None:
    """Keep the latest check of a slug for the authors' page."""
    row = session.scalar(select(ExerciseCheck).where(ExerciseCheck.slug == result.slug))
    if row is None:
        row = ExerciseCheck(slug=result.slug)
        session.add(row)
    row.version, row.ok, row.output, row.checked_at = result.version, result.ok, result.text(), utcnow()
