"""The `autograder` command: plain click over Services, so no command imports Flask."""

import click

from grader.cli.database import db_group
from grader.cli.exercises import exercises_group
from grader.cli.people import tokens_group, users_group
from grader.cli.system import run_command, worker_command


@click.group()
def cli() -> None:
    """Run and manage the autograder."""


for command in (run_command, worker_command, db_group, exercises_group, users_group, tokens_group):
    cli.add_command(command)


def main() -> None:
    """Entry point of the console script."""
    cli()
