"""Invite links also sent by email, through the mail server the settings name, in each learner's language."""

import logging
import smtplib
import socket
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from urllib.parse import urlsplit

from grader.locales import DEFAULT_LOCALE, offered
from grader.messages import Message, say, say_plural
from grader.models import User
from grader.settings import MailSecurity, Settings
from grader.translation import in_language

log = logging.getLogger(__name__)

ANSWER_LENGTH = 120
"""Characters of the mail server's own answer kept in a reason: its code and words, never a page of them."""


class MailError(Exception):
    """An email that was not sent; the reason is a short Message (str() is English, for the command line and logs)."""

    def __init__(self, reason: Message):
        super().__init__(str(reason))
        self.reason = reason


def can_send(settings: Settings) -> bool:
    """Whether the settings name a mail server; without one, links are only shown."""
    return bool(settings.smtp_host)


def send_invite(settings: Settings, user: User, link: str) -> None:
    """Email one learner their one-time link; MailError says why it was not sent."""
    problem = send_invites(settings, [(user, link)])[0]
    if problem is not None:
        raise problem


def send_invites(settings: Settings, invites: Sequence[tuple[User, str]]) -> list[MailError | None]:
    """Email each learner their link over one connection: for each, None once sent, else why it was not."""
    results: list[MailError | None] = []
    if not invites:
        return results
    try:
        with _connected(settings) as connection:
            for user, link in invites:
                results.append(_send_one(settings, connection, user, link))
    except MailError as error:
        results += [error] * (len(invites) - len(results))
    except OSError as error:  # smtplib's and ssl's errors are OSErrors too
        # Without a connection the rest cannot be sent either: a server that is down is asked once, not per learner.
        results += [MailError(_reason(settings, error))] * (len(invites) - len(results))
    except Exception as error:  # e.g. a password smtplib cannot encode: the links were made and must still be shown
        log.exception("sending invite emails failed")
        unexpected = say("Sending failed unexpectedly (%(error)s).", error=_short(f"{type(error).__name__}: {error}"))
        results += [MailError(unexpected)] * (len(invites) - len(results))
    for (user, _link), problem in zip(invites, results, strict=True):
        if problem is None:
            log.info("invite link sent by email to %s", user.email)
        else:
            log.warning("invite link not sent by email to %s: %s", user.email, problem)
    return results


def invite_email(settings: Settings, user: User, link: str) -> EmailMessage:
    """The plain-text email that gives a learner their link, in their language (English until they choose one)."""
    language = offered(user.language) or DEFAULT_LOCALE
    site = urlsplit(link).netloc or link
    paragraphs: list[Message | str] = [
        say("Hello %(name)s,", name=user.name),
        say(
            "%(site)s invites you to choose a password for your account %(email)s. Open this link:",
            site=site,
            email=user.email,
        ),
        link,
        say_plural(
            "The link works once, within %(num)d day. After that, ask your coach for a new one.",
            "The link works once, within %(num)d days. After that, ask your coach for a new one.",
            settings.invite_days,
        ),
        say("If you did not expect this email, you can ignore it."),
    ]
    email = EmailMessage()
    email["Subject"] = in_language(say("Choose your password for %(site)s", site=site), language)
    email["From"] = settings.mail_from
    email["To"] = Address(user.name, addr_spec=user.email)
    email["Date"] = formatdate(localtime=True)
    # The sender's domain, not this host's name: make_msgid would otherwise ask DNS for it.
    email["Message-ID"] = make_msgid(domain=parseaddr(settings.mail_from)[1].rpartition("@")[2])
    email.set_content(
        "\n\n".join(in_language(part, language) if isinstance(part, Message) else part for part in paragraphs) + "\n"
    )
    email["Content-Language"] = language  # after set_content, which clears every Content- header
    return email


def _send_one(settings: Settings, connection: smtplib.SMTP, user: User, link: str) -> MailError | None:
    try:
        email = invite_email(settings, user, link)
    except (ValueError, IndexError, MessageError):  # an address the email package cannot write
        return MailError(say("The address %(email)s cannot be written in an email.", email=user.email))
    try:
        connection.send_message(email, to_addrs=[user.email])
    except (
        smtplib.SMTPRecipientsRefused,
        smtplib.SMTPSenderRefused,
        smtplib.SMTPDataError,
        smtplib.SMTPNotSupportedError,
    ) as error:  # this email only: the connection still serves the next one
        return MailError(_reason(settings, error))
    return None


@contextmanager
def _connected(settings: Settings) -> Iterator[smtplib.SMTP]:
    host, port, timeout = settings.smtp_host, settings.smtp_port, settings.smtp_timeout
    server = f"{host}:{port}"
    connection: smtplib.SMTP
    if settings.smtp_security == MailSecurity.TLS:
        connection = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        connection = smtplib.SMTP(host, port, timeout=timeout)
    with connection:
        connection.ehlo_or_helo_if_needed()  # a small relay may know only HELO
        if settings.smtp_security == MailSecurity.STARTTLS:
            if not connection.has_extn("starttls"):  # never fall back to sending the password and links in the clear
                raise MailError(
                    say(
                        "The mail server %(server)s does not offer STARTTLS. "
                        "Ask whoever runs the site to set AUTOGRADER_SMTP_SECURITY to tls or none, as it expects.",
                        server=server,
                    )
                )
            connection.starttls(context=ssl.create_default_context())
            connection.ehlo()
        if settings.smtp_user:
            if not connection.has_extn("auth"):
                raise MailError(
                    say(
                        "The mail server %(server)s does not offer a login here. "
                        "Ask whoever runs the site to leave AUTOGRADER_SMTP_USER empty, or to use TLS.",
                        server=server,
                    )
                )
            connection.login(settings.smtp_user, settings.smtp_password)
        yield connection


def _reason(settings: Settings, error: OSError) -> Message:
    """Why sending failed, in a sentence for a coach: the server's answer, never a traceback."""
    server = f"{settings.smtp_host}:{settings.smtp_port}"
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return say(
            "The mail server %(server)s refused the login of %(user)s (%(answer)s).",
            server=server,
            user=settings.smtp_user,
            answer=_answer(error.smtp_code, error.smtp_error),
        )
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        address, (code, words) = next(iter(error.recipients.items()))
        return say(
            "The mail server refused the address %(email)s (%(answer)s).", email=address, answer=_answer(code, words)
        )
    if isinstance(error, smtplib.SMTPSenderRefused):
        return say(
            "The mail server refused the sender %(sender)s (%(answer)s).",
            sender=str(error.sender),
            answer=_answer(error.smtp_code, error.smtp_error),
        )
    if isinstance(error, smtplib.SMTPServerDisconnected) and isinstance(error.__context__, TimeoutError):
        error = error.__context__  # smtplib reports a read that timed out as a lost connection
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return say("The mail server %(server)s closed the connection.", server=server)
    if isinstance(error, smtplib.SMTPResponseException):
        return say(
            "The mail server %(server)s answered: %(answer)s.",
            server=server,
            answer=_answer(error.smtp_code, error.smtp_error),
        )
    if isinstance(error, smtplib.SMTPException):
        return say("The mail server %(server)s answered: %(answer)s.", server=server, answer=_short(str(error)))
    if isinstance(error, ssl.SSLError):
        detail = getattr(error, "verify_message", None) or error.reason or str(error)
        return say("The secure connection to %(server)s failed (%(error)s).", server=server, error=_short(str(detail)))
    if isinstance(error, TimeoutError):
        return say_plural(
            "The mail server %(server)s did not answer within %(num)d second.",
            "The mail server %(server)s did not answer within %(num)d seconds.",
            settings.smtp_timeout,
            server=server,
        )
    if isinstance(error, ConnectionRefusedError):
        return say("The mail server %(server)s refused the connection.", server=server)
    if isinstance(error, socket.gaierror):
        return say("The mail server %(host)s was not found.", host=settings.smtp_host)
    return say(
        "The mail server %(server)s could not be reached (%(error)s).",
        server=server,
        error=_short(error.strerror or str(error)),
    )


def _answer(code: int, words: bytes | str) -> str:
    text = words.decode("utf-8", "replace") if isinstance(words, bytes) else words
    return _short(f"{code} {' '.join(text.split())}")


def _short(text: str) -> str:
    return text if len(text) <= ANSWER_LENGTH else text[: ANSWER_LENGTH - 1] + "…"
