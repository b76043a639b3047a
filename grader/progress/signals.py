"""At-risk signals: who has gone quiet, who is stuck, who is behind the plan, each with the reason in words."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.grading.standings import said_of
from grader.messages import Message, say, say_plural
from grader.models import Cohort, Exercise, Outcome, Standing, Submission, User
from grader.people.calendar import working_days_between
from grader.progress.curves import CohortProgress
from grader.progress.queries import as_date, members

STUCK_LOOKBACK = timedelta(hours=24)
"""How far back stuck signals look: coaches act on who is stuck now, not last week."""


@dataclass
class Signal:
    """Why a learner needs a coach's attention, in words."""

    user_id: int
    name: str
    kind: str
    reason: Message
    evidence: str = ""
    """What the signal rests on: a coach who marked it seen hears of it again only when this changes."""


@dataclass
class Attention:
    """One learner who needs a coach's attention, with every reason at once."""

    user_id: int
    name: str
    signals: list[Signal]

    @property
    def kinds(self) -> list[str]:
        """The kinds of reason, each once, in the order found."""
        return list(dict.fromkeys(signal.kind for signal in self.signals))


def by_learner(found: list[Signal]) -> list[Attention]:
    """One row per learner, with all their reasons, by name: a learner quiet and behind is one person."""
    rows: dict[int, Attention] = {}
    for signal in found:
        rows.setdefault(signal.user_id, Attention(signal.user_id, signal.name, [])).signals.append(signal)
    return sorted(rows.values(), key=lambda row: (row.name.casefold(), row.user_id))


def signals(
    session: Session, cohort: Cohort, learners: list[User], progress: CohortProgress, today: date
) -> list[Signal]:
    """Learners who have gone quiet, are stuck, or are behind the plan, each with the reason in words."""
    names = {user.id: user.name for user in learners}
    found: list[Signal] = []
    if progress.today <= 0:
        return found  # the sprint has not started
    # Any submission counts, graded or not: a learner whose runs failed on our side has not gone quiet.
    last_seen = dict(
        session.execute(
            select(Submission.user_id, func.max(Submission.created_at))
            .where(Submission.user_id.in_(members(cohort)))
            .group_by(Submission.user_id)
        ).all()
    )
    for user in learners:
        seen = last_seen.get(user.id)
        if seen is None:
            quiet = working_days_between(cohort, cohort.start_date, today) + 1
            if quiet >= cohort.inactive_days:
                found.append(
                    Signal(
                        user.id,
                        user.name,
                        "quiet",
                        say_plural(
                            "No submission yet, %(num)d working day into the sprint.",
                            "No submission yet, %(num)d working days into the sprint.",
                            quiet,
                        ),
                        "none",
                    )
                )
            continue
        quiet = working_days_between(cohort, as_date(seen, cohort.time_zone), today)
        if quiet >= cohort.inactive_days:
            found.append(
                Signal(
                    user.id,
                    user.name,
                    "quiet",
                    say_plural(
                        "No submission for %(num)d working day (last on %(last)s).",
                        "No submission for %(num)d working days (last on %(last)s).",
                        quiet,
                        last=as_date(seen, cohort.time_zone),
                    ),
                    str(seen),
                )
            )
    found += _stuck(session, cohort, names, today)
    for curve in progress.curves:
        planned = progress.pace[progress.today - 1] if progress.pace else 0.0
        earned = curve.points[-1] if curve.points else 0.0
        if planned - earned > cohort.behind_points:
            found.append(
                Signal(
                    curve.user_id,
                    curve.name,
                    "behind",
                    say(
                        "Behind the plan by %(gap)s points (%(earned)s of %(planned)s by day %(day)s).",
                        gap=round(planned - earned, 1),
                        earned=round(earned, 1),
                        planned=round(planned, 1),
                        day=progress.today,
                    ),
                    # Heard of again only once another X points behind, not every day the gap stays.
                    str(int((planned - earned) // max(cohort.behind_points, 1))),
                )
            )
    return found


def _stuck(session: Session, cohort: Cohort, names: dict[int, str], today: date) -> list[Signal]:
    """K failed attempts on one unsolved exercise within M minutes, or the same error K times, in the last day."""
    # The end of today in the cohort's zone, as the UTC time stored in created_at.
    end_of_today = datetime.combine(today, time.max, tzinfo=ZoneInfo(cohort.time_zone))
    since = end_of_today.astimezone(UTC).replace(tzinfo=None) - STUCK_LOOKBACK
    # Only pairs never solved, tried often enough, lately: an exercise once solved is not one to be stuck on.
    candidates = {
        (user_id, exercise_id)
        for user_id, exercise_id in session.execute(
            select(Standing.user_id, Standing.exercise_id)
            .where(Standing.user_id.in_(members(cohort)), Standing.solved_at.is_(None))
            .where(Standing.attempts >= cohort.stuck_attempts, Standing.last_at >= since)
        )
    }
    if not candidates:
        return []
    ranked = (
        select(
            Submission.user_id,
            Submission.exercise_id,
            Submission.created_at,
            Submission.notice,
            Submission.feedback,
            func.row_number()
            .over(partition_by=(Submission.user_id, Submission.exercise_id), order_by=Submission.created_at.desc())
            .label("rank"),
        )
        .where(Submission.user_id.in_({user for user, _ in candidates}))
        .where(Submission.exercise_id.in_({exercise for _, exercise in candidates}))
        .where(Submission.created_at >= since, Submission.outcome.is_not(None))  # graded, or its regrade on its way
        .where(Submission.outcome != Outcome.INFRASTRUCTURE)  # our failures are not the learner's
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.user_id, ranked.c.exercise_id, ranked.c.created_at, ranked.c.notice, ranked.c.feedback).where(
            ranked.c.rank <= cohort.stuck_attempts
        )
    ).all()
    recent: dict[tuple[int, int], list] = defaultdict(list)
    for user_id, exercise_id, created_at, notice, feedback in rows:
        if (user_id, exercise_id) in candidates:
            recent[(user_id, exercise_id)].append((created_at, said_of(feedback, notice)))
    titles = dict(session.execute(select(Exercise.id, Exercise.title)).all())
    found = []
    for (user_id, exercise_id), attempts in recent.items():
        if len(attempts) < cohort.stuck_attempts:
            continue
        title = titles.get(exercise_id, "an exercise")
        errors = {error for _, error in attempts}
        span = (max(a[0] for a in attempts) - min(a[0] for a in attempts)).total_seconds() / 60
        # Heard of again when stuck on another exercise, with another error or on another day, not at every attempt.
        began = min(a[0] for a in attempts)
        evidence = f"{exercise_id}:{as_date(began, cohort.time_zone)}:{next(iter(errors)) if len(errors) == 1 else ''}"
        evidence = evidence[:200]
        if len(errors) == 1 and next(iter(errors)):
            found.append(
                Signal(
                    user_id,
                    names.get(user_id, "?"),
                    "stuck",
                    say(
                        "The same error %(count)s times in a row on '%(title)s': %(error)s",
                        count=len(attempts),
                        title=title,
                        error=next(iter(errors)),
                    ),
                    evidence,
                )
            )
        elif span <= cohort.stuck_minutes:
            found.append(
                Signal(
                    user_id,
                    names.get(user_id, "?"),
                    "stuck",
                    say_plural(
                        "%(attempts)s failed attempts on '%(title)s' within %(num)d minute.",
                        "%(attempts)s failed attempts on '%(title)s' within %(num)d minutes.",
                        max(1, round(span)),
                        attempts=len(attempts),
                        title=title,
                    ),
                    evidence,
                )
            )
    return found
