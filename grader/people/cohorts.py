"""Cohorts and their people: create, find, enrol one by one or from a CSV file (all or nothing)."""

import csv
import io
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo

import pytz
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.grading.gains import rebuild_all_gains
from grader.grading.standings import move_on, touch_cohort, touch_cohorts_of
from grader.grading.turns import lock_learners
from grader.messages import Message, Refusal, say, say_plural
from grader.models import DEFAULT_TIME_ZONE, Cohort, CohortCoach, Enrollment, PlanEntry, Role, Submission, User
from grader.people.access import may_enrol
from grader.people.accounts import EMAIL_PATTERN, find_user, role_name
from grader.people.calendar import last_day, latest_cohort, next_working_day, sprint_length
from grader.people.invites import create_invite, reissue_invite

NO_PASSWORD = "!"
"""Password hash of a user who has not accepted their invite yet: no password matches it."""

MAX_HEADER_CHARS = 1000
"""Characters of a CSV's first line read to find its separator; a header is short."""

MAX_CSV_LEARNERS = 500
"""Learners one file may add: a cohort, not a school."""

MAX_CSV_BYTES = 200_000
"""Largest CSV of learners accepted (thousands of lines)."""


MAX_NAME_CHARS = 120
"""Longest name of a cohort or a person (the columns hold 120)."""

MAX_EMAIL_CHARS = 254
"""Longest email address (the longest a mail server accepts)."""

MAX_TIME_ZONE_CHARS = 64
"""Longest time zone name kept (the column's width)."""

THRESHOLDS = {
    "inactive_days": (1, 30),
    "stuck_attempts": (2, 50),
    "stuck_minutes": (1, 600),
    "behind_points": (1, 1000),
}
"""Each at-risk threshold a coach may set, with its lowest and highest value."""


class CohortError(Refusal):
    """A request about a cohort that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class LineError:
    """A problem on one line of an uploaded CSV."""

    line: int
    """The line's number, from 1; 0 for a problem of the whole file."""
    message: Message

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else str(self.message)


class CsvRejected(Exception):
    """The CSV has problems; nothing of it was imported."""

    def __init__(self, errors: list[LineError]):
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


def create_cohort(
    session: Session,
    *,
    name: str,
    start_date: date,
    coach: User,
    working_days: list[int],
    time_zone: str = DEFAULT_TIME_ZONE,
) -> Cohort:
    """A new cohort coached by coach."""
    _check_calendar(name, start_date, working_days)
    if not is_time_zone(time_zone):
        raise CohortError(say("Give a time zone such as Europe/Brussels."))
    cohort = Cohort(
        name=name.strip(), start_date=start_date, working_days=sorted(set(working_days)), time_zone=time_zone
    )
    session.add(cohort)
    session.flush()
    session.add(CohortCoach(cohort_id=cohort.id, user_id=coach.id))
    return cohort


def set_calendar(
    session: Session, cohort: Cohort, *, name: str, start_date: date, working_days: list[int]
) -> list[Message]:
    """Change the cohort's name, first day and working days; the plan follows. Say how the sprint changed."""
    days = sorted(set(working_days))
    moved_later = start_date > cohort.start_date
    # A cohort made before first days had to be working days may still be renamed without fixing that.
    _check_calendar(name, start_date, days, first_day=(start_date, days) != (cohort.start_date, cohort.working_days))
    # Which cohort is a learner's latest, and so the zone their points per day count in, may change.
    learners = _hold_for_recount(session, cohort) if start_date != cohort.start_date else None
    if learners is None:
        touch_cohort(session, cohort.id)
    cohort.name, cohort.start_date, cohort.working_days = name.strip(), start_date, days
    if learners is not None:
        _recount(session, learners)
    length = sprint_length(cohort)
    changes = [
        say_plural(
            "The sprint now runs from %(start)s to %(end)s: %(num)d working day.",
            "The sprint now runs from %(start)s to %(end)s: %(num)d working days.",
            length,
            start=start_date,
            end=last_day(cohort),
        )
    ]
    # Due days past the new last day move to it: nothing of the plan falls off the end.
    late = list(session.scalars(select(PlanEntry).where(PlanEntry.cohort_id == cohort.id, PlanEntry.due_day > length)))
    for entry in late:
        entry.due_day = length
    if late:
        changes.append(
            say_plural(
                "%(num)d exercise was due after the new last day; it is now due on the last day.",
                "%(num)d exercises were due after the new last day; they are now due on the last day.",
                len(late),
            )
        )
    first_moment = datetime.combine(start_date, time.min, tzinfo=ZoneInfo(cohort.time_zone))
    earlier = session.scalar(
        select(func.count())
        .select_from(Submission)
        .join(Enrollment, Enrollment.user_id == Submission.user_id)
        .where(Enrollment.cohort_id == cohort.id)
        .where(Submission.created_at < first_moment.astimezone(UTC).replace(tzinfo=None))
    )
    if earlier and moved_later:
        changes.append(
            say_plural(
                "%(num)d submission came before the new first day: it is kept, and its points count on day 1.",
                "%(num)d submissions came before the new first day: they are kept, and their points count on day 1.",
                earlier,
            )
        )
    session.flush()
    return changes


def _check_calendar(name: str, start_date: date, working_days: list[int], *, first_day: bool = True) -> None:
    """Refuse a nameless cohort, one without working days, or (when first_day) one whose first day is not one."""
    if not name.strip():
        raise CohortError(say("Give the cohort a name."))
    if len(name.strip()) > MAX_NAME_CHARS:
        raise CohortError(say("Give the cohort a name of at most %(count)s characters.", count=MAX_NAME_CHARS))
    if not working_days or not set(working_days) <= set(range(1, 8)):
        raise CohortError(say("Choose at least one working day."))
    if first_day and start_date.isoweekday() not in working_days:
        raise CohortError(
            say(
                "The first day, %(day)s, is not one of the working days. Choose a working day, such as %(next)s.",
                day=start_date,
                next=next_working_day(start_date, working_days),
            )
        )


def cohort_of_learner(session: Session, user: User) -> Cohort | None:
    """The learner's most recent cohort, if any."""
    return session.scalar(latest_cohort(Cohort, user.id))


def enrol(session: Session, cohort: Cohort, *, name: str, email: str, by: User | None) -> tuple[User, str | None]:
    """Add a learner to the cohort, creating the account if new; return it and an invite token if one was made.

    by is the coach or admin who asks (None: the operator, trusted): a learner of a cohort they do not coach
    is refused, since the cohort's coach would then read all their work.
    """
    email = email.strip().lower()
    problem = _person_problem(name, email)
    if problem:
        raise CohortError(problem)
    user = find_user(session, email)
    if user is not None:  # first: a second request enrolling them waits here, then sees the first one's enrolment
        lock_learners(session, [user.id])
        session.refresh(user)  # as it is after the wait: they may have chosen a password meanwhile
    token = None
    if user is None:
        user = User(email=email, name=name.strip(), role=Role.LEARNER, password_hash=NO_PASSWORD)
        session.add(user)
        session.flush()
        token = create_invite(session, user)
    elif user.role != Role.LEARNER:
        raise CohortError(not_a_learner(email, user.role))
    elif by is not None and not may_enrol(session, by, user.id):
        raise CohortError(only_an_admin(email))
    elif user.password_hash == NO_PASSWORD:  # never chose a password: a new link, the old one may be lost or expired
        token = reissue_invite(session, user)
    if session.get(Enrollment, (cohort.id, user.id)) is None:
        has_work = token is None  # someone with work already: their points per day follow this cohort's zone now
        if has_work:
            _hold_for_recount(session, cohort, [user.id])
        else:
            touch_cohort(session, cohort.id)
        session.add(Enrollment(cohort_id=cohort.id, user_id=user.id))
        if has_work:
            _recount(session, [user.id])
    return user, token


def enrol_csv(session: Session, cohort: Cohort, data: bytes, *, by: User | None) -> list[tuple[User, str | None]]:
    """Enrol every learner of a CSV with columns name and email, as enrol does for by; any problem rejects the
    whole file."""
    if len(data) > MAX_CSV_BYTES:
        raise CsvRejected([LineError(0, say("The file is larger than %(size)s kB.", size=MAX_CSV_BYTES // 1000))])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CsvRejected(
            [LineError(line, say("This line is not UTF-8 text; save the file as 'CSV UTF-8'."))]
        ) from None
    header, rows, header_line = _rows_of(text)
    name_at, email_at = header.index("name"), header.index("email")
    errors: list[LineError] = []
    people: list[tuple[str, str]] = []
    known: list[int] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=header_line + 1):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(name_at, email_at):
            errors.append(LineError(number, say("Too few columns.")))
            continue
        name, email = row[name_at].strip(), row[email_at].strip().lower()
        problem = _person_problem(name, email)
        if problem:
            errors.append(LineError(number, problem))
        elif email in seen:
            errors.append(LineError(number, say("%(email)s is also on line %(line)s.", email=email, line=seen[email])))
        elif (existing := find_user(session, email)) is not None and existing.role != Role.LEARNER:
            errors.append(LineError(number, not_a_learner(email, existing.role)))
        elif existing is not None and by is not None and not may_enrol(session, by, existing.id):
            errors.append(LineError(number, only_an_admin(email)))
        else:
            seen[email] = number
            people.append((name, email))
            if existing is not None:
                known.append(existing.id)
    if errors:
        raise CsvRejected(errors)
    if not people:
        raise CsvRejected([LineError(header_line + 1, say("There are no learners in the file."))])
    _hold_for_recount(session, cohort, known)  # all at once: each enrolment after the first holds this cohort
    return [enrol(session, cohort, name=name, email=email, by=by) for name, email in people]


def _rows_of(text: str) -> tuple[list[str], list[list[str]], int]:
    """The CSV's header (lower case), the rows under it and the header's line number, checked: a clear refusal
    for anything that is not name and email."""
    skipped, separator, text = _header_and_separator(text)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=separator))
    except csv.Error as error:
        unreadable = say("The file is not a CSV file this site can read (%(error)s).", error=str(error))
        raise CsvRejected([LineError(0, unreadable)]) from None
    if not rows:
        raise CsvRejected([LineError(skipped + 1, say("The file is empty; the first line must be: name,email"))])
    header = [column.strip().lower() for column in rows[0]]
    missing = [column for column in ("name", "email") if column not in header]
    if missing:
        message = say(
            "Missing column %(columns)s. The first line was read as %(header)s, with '%(separator)s' between "
            "columns. It must be: name,email (or name;email).",
            columns=", ".join(repr(column) for column in missing),
            header=" | ".join(column.strip() for column in rows[0]) or "–",
            separator="Tab" if separator == "\t" else separator,
        )
        raise CsvRejected([LineError(skipped + 1, message)])
    if len(rows) - 1 > MAX_CSV_LEARNERS:
        too_many = say(
            "A file may add at most %(count)s learners; split it into smaller files.", count=MAX_CSV_LEARNERS
        )
        raise CsvRejected([LineError(0, too_many)])
    return header, rows[1:], skipped + 1


def not_a_learner(email: str, role: str) -> Message:
    """Why someone with another role cannot be enrolled."""
    return say("%(email)s belongs to a %(role)s, not a learner.", email=email, role=role_name(role))


def only_an_admin(email: str) -> Message:
    """Why a coach cannot add a learner who is in a cohort of another coach."""
    return say(
        "%(email)s is already in a cohort you do not coach; only an admin can add them to this one.", email=email
    )


def _header_and_separator(text: str) -> tuple[int, str, str]:
    """Skip blank lines and Excel's 'sep=' line; return how many lines were skipped, the separator and the rest.

    The separator is the one that splits the header into columns that include name and email, as the csv
    module reads it (a semicolon as Excel saves it in Belgium, a tab, or a comma); else the one that splits it
    into the most columns, so the refusal can say how the line was read.
    """
    skipped, separator = 0, ""
    while True:
        line, newline, rest = text.partition("\n")
        hint = line.rstrip("\r")
        if not hint.strip() and newline:
            skipped, text = skipped + 1, rest
        elif hint.lower().startswith("sep=") and len(hint) == 5 and not separator:
            skipped, text, separator = skipped + 1, rest, hint[4]
        else:
            break
    if separator:
        return skipped, separator, text
    header = text.partition("\n")[0][:MAX_HEADER_CHARS]
    readings = {mark: [c.strip().lower() for c in next(csv.reader([header], delimiter=mark), [])] for mark in ",;\t"}
    fitting = [mark for mark, columns in readings.items() if {"name", "email"} <= set(columns)]
    return skipped, (fitting or [max(readings, key=lambda mark: len(readings[mark]))])[0], text


def _hold_for_recount(session: Session, cohort: Cohort, user_ids: list[int] | None = None) -> list[int]:
    """Hold these learners (by default the cohort's), then this and all their cohorts in one ordered lock; return them.

    Before anything changes, in the order of every writer of a learner's data (grader.grading.turns): a cohort
    locked alone first, then the others, could be the row another writer holds while it waits for ours.
    """
    with session.no_autoflush:  # a change already made to the cohort must not lock its row first
        if user_ids is None:
            user_ids = list(session.scalars(select(Enrollment.user_id).where(Enrollment.cohort_id == cohort.id)))
        lock_learners(session, user_ids)
        touch_cohorts_of(session, user_ids, also=cohort.id)
    return user_ids


def _recount(session: Session, user_ids: list[int]) -> None:
    """Count these learners' points per day again (their zone changed); _hold_for_recount has held them."""
    session.flush()
    rebuild_all_gains(session, user_ids)


def is_time_zone(name: str) -> bool:
    """Whether name is an IANA time zone this machine knows, such as Europe/Brussels."""
    # Both libraries must know it: zoneinfo counts days, Babel (through pytz) writes times.
    return isinstance(name, str) and len(name) <= MAX_TIME_ZONE_CHARS and name in _time_zones()


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(pytz.all_timezones_set & zoneinfo.available_timezones())


def _person_problem(name: str, email: str) -> Message | None:
    if not name.strip():
        return say("The name is empty.")
    if len(name) > MAX_NAME_CHARS:
        return say("The name is longer than %(count)s characters.", count=MAX_NAME_CHARS)
    if len(email) > MAX_EMAIL_CHARS:
        return say("The email is longer than %(count)s characters.", count=MAX_EMAIL_CHARS)
    if not EMAIL_PATTERN.match(email):
        return say("'%(email)s' is not an email address.", email=email)
    return None


def set_time_zone(session: Session, cohort: Cohort, name: str) -> None:
    """Change the zone of the cohort's days and times; its learners' points per day are counted again."""
    if not is_time_zone(name):
        raise CohortError(say("Give a time zone such as Europe/Brussels."))
    if name != cohort.time_zone:
        learners = _hold_for_recount(session, cohort)
        cohort.time_zone = name
        _recount(session, learners)


def set_thresholds(cohort: Cohort, values: Mapping[str, int]) -> None:
    """Change the thresholds of the cohort's at-risk signals; refuse any outside its range, changing none."""
    for name, (low, high) in THRESHOLDS.items():
        value = values.get(name, getattr(cohort, name))
        if type(value) is not int or not low <= value <= high:
            raise CohortError(
                say(
                    "%(name)s must be a whole number from %(low)s to %(high)s.",
                    name=name.replace("_", " "),
                    low=low,
                    high=high,
                )
            )
    for name in THRESHOLDS:
        setattr(cohort, name, values.get(name, getattr(cohort, name)))
    move_on(cohort)
