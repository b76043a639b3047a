"""`autograder users …` and `autograder tokens …`: accounts made from the command line."""

import click

from grader.cli.context import prepared, services
from grader.models import Role
from grader.people.accounts import AccountError, create_user, find_user
from grader.people.invites import reissue_invite
from grader.people.mail import MailError, can_send, send_invite
from grader.people.tokens import create_token


@click.group("users")
def users_group() -> None:
    """Manage users."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice([str(role) for role in Role]))
@click.option("--password", required=True)
def create_user_command(email: str, name: str, role: str, password: str) -> None:
    """Create a user who can log in."""
    prepared()
    try:
        with services().sessions.begin() as session:
            user = create_user(session, email=email, name=name, role=role, password=password)
            click.echo(f"created {user.role} {user.email}")
    except AccountError as error:
        raise click.ClickException(str(error)) from error


@users_group.command("invite")
@click.argument("email")
@click.option("--site", help="The site's address as learners reach it, e.g. https://grader.example.org")
def invite_command(email: str, site: str | None) -> None:
    """Print a new one-time link for a lost link or password (emailed too with a mail server); old ones stop working."""
    prepared()
    settings = services().settings
    site = site or settings.site_url
    if not site:
        raise click.ClickException(
            "give --site https://… (the site's address as learners reach it) or set AUTOGRADER_SITE_URL"
        )
    with services().sessions.begin() as session:
        user = find_user(session, email)
        if user is None:
            raise click.ClickException(f"no user with email {email}")
        token = reissue_invite(session, user)
    link = f"{site.rstrip('/')}/invite/{token}"  # committed above: a link that is emailed must exist
    click.echo(link)
    click.echo(f"valid for {settings.invite_days} day(s), once; {user.email} chooses a new password with it")
    if can_send(settings):
        try:
            send_invite(settings, user, link)
        except MailError as error:  # the link is printed: it can still be handed over another way
            click.echo(f"not sent by email to {user.email}: {error}", err=True)
        else:
            click.echo(f"sent by email to {user.email}")


@click.group("tokens")
def tokens_group() -> None:
    """Manage API tokens."""


@tokens_group.command("create")
@click.argument("email")
def create_token_command(email: str) -> None:
    """Print a new API token for the user with this email."""
    with services().sessions.begin() as session:
        user = find_user(session, email)
        if user is None:
            raise click.ClickException(f"no user with email {email}")
        click.echo(create_token(session, user))
