"""`autograder exercises …`: load, check, scaffold, regrade and import exercises."""

import sys
from pathlib import Path

import click
from sqlalchemy import select

from grader.authoring.exercism import import_exercism
from grader.authoring.reader import exercise_folders
from grader.authoring.scaffold import ScaffoldError, scaffold
from grader.cli.context import prepared, services
from grader.grading.submissions import regrade
from grader.models import Exercise


@click.group("exercises")
def exercises_group() -> None:
    """Manage the exercise bank (AUTOGRADER_EXERCISES_DIR)."""


def _bank() -> Path:
    bank = services().settings.exercises_dir
    if not bank.is_dir():
        raise click.ClickException(f"the exercise bank {bank} is not a folder (AUTOGRADER_EXERCISES_DIR)")
    return bank


@exercises_group.command("load")
@click.argument("slugs", nargs=-1)
def load_command(slugs: tuple[str, ...]) -> None:
    """Check and load exercises (all, or those named); broken ones are refused and listed."""
    prepared()
    if not load_and_report(list(slugs)):
        sys.exit(1)


def load_and_report(slugs: list[str] | None = None) -> bool:
    """Load the bank, print what changed and every problem; true when nothing was refused."""
    from grader.authoring.bank import load_bank  # loads the Docker SDK, which most commands never need

    bank = _bank()
    click.echo(f"loading exercises from {bank}: new or changed ones are checked in the sandbox first")
    try:
        report = load_bank(services().sessions, services().settings, slugs=slugs or None)
    except FileNotFoundError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"exercises: {len(report.added)} added, {len(report.changed)} changed, "
        f"{len(report.unchanged)} unchanged, {len(report.refused)} refused"
    )
    for kind, slugs_of_kind in (("added", report.added), ("changed", report.changed)):
        for slug in slugs_of_kind:
            click.echo(f"  {kind}: {slug}")
    for result in report.refused:
        click.echo(f"  refused: {result.slug} (learners keep the version loaded before, if any)", err=True)
        for problem in result.problems:
            click.echo(f"    {problem}", err=True)
    return not report.refused


@exercises_group.command("check")
@click.argument("slugs", nargs=-1)
def check_command(slugs: tuple[str, ...]) -> None:
    """Check exercises without loading them: format, then reference and starter in the sandbox."""
    from grader.authoring.checking import check_folders  # loads the Docker SDK, which most commands never need

    folders = exercise_folders(_bank())
    if slugs:
        unknown = set(slugs) - {folder.name for folder in folders}
        if unknown:
            raise click.ClickException(f"no exercise folder named {', '.join(sorted(unknown))}")
        folders = [folder for folder in folders if folder.name in slugs]
    results = check_folders(folders, services().settings)
    failed = [result for _, result in results if not result.ok]
    for _, result in results:
        click.echo(result.text(), err=not result.ok)
    click.echo(f"exercises: {len(results) - len(failed)} passed, {len(failed)} failed")
    if failed:
        sys.exit(1)


@exercises_group.command("new")
@click.argument("slug")
@click.option("--week", default=1, show_default=True)
@click.option("--day", default=1, show_default=True)
def new_command(slug: str, week: int, day: int) -> None:
    """Create a new exercise folder that already passes its checks; then edit it."""
    try:
        folder = scaffold(_bank(), slug, week=week, day=day)
    except ScaffoldError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"created {folder}")
    click.echo(f"next: edit it, then run `autograder exercises check {slug}` and `autograder exercises load {slug}`")


@exercises_group.command("regrade")
@click.argument("slug")
def regrade_command(slug: str) -> None:
    """Grade every submission of an exercise again with its current tests."""
    with services().sessions() as session:
        exercise = session.scalar(select(Exercise).where(Exercise.slug == slug))
        if exercise is None:
            raise click.ClickException(f"no loaded exercise called {slug}")
        count = regrade(session, services().queue, exercise)
    click.echo(f"queued {count} submission(s) of {slug} for regrading with version {exercise.version}")


@exercises_group.command("import-exercism")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--dest", type=click.Path(file_okay=False, path_type=Path), help="Default: the bank.")
@click.option("--week", default=1, show_default=True, help="Week of the sprint for the imported exercises.")
def import_exercism_command(path: Path, dest: Path | None, week: int) -> None:
    """Convert Exercism-format Python exercises (one folder, or a folder of them) into our format."""
    result = import_exercism(path, dest or _bank(), week=week)
    for slug in result.imported:
        click.echo(f"imported: {slug}")
    for slug, reason in result.skipped:
        click.echo(f"not imported: {slug}: {reason}", err=True)
    click.echo(f"{len(result.imported)} imported, {len(result.skipped)} not imported")
    if result.imported:
        click.echo("next: `autograder exercises check` runs the imported reference solutions in the sandbox")
