"""The database tables: users, tokens, exercises, submissions and their test results."""

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def column_length(column: Any) -> int:
    """The number of characters a String(n) column holds: PostgreSQL refuses more, SQLite would keep them."""
    length = column.property.columns[0].type.length
    assert isinstance(length, int)
    return length


def utcnow() -> datetime:
    """The current time in UTC, as stored in every timestamp column."""
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """Base of every table."""


class Role(StrEnum):
    """What a user may do."""

    LEARNER = "learner"
    COACH = "coach"
    AUTHOR = "author"
    ADMIN = "admin"


class Status(StrEnum):
    """Where a submission is on its way through grading."""

    QUEUED = "queued"
    RUNNING = "running"
    GRADED = "graded"


class Outcome(StrEnum):
    """The verdict of one graded submission."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"  # the learner's code did not load (syntax, import), or broke the harness
    TIMEOUT = "timeout"
    MEMORY = "memory"
    INFRASTRUCTURE = "infrastructure"  # our fault: retried, never charged to the learner


class TestStatus(StrEnum):
    """The result of one test."""

    __test__ = False  # not a pytest class

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    NOT_RUN = "not run"


class User(Base):
    """A person who logs in: learner, coach, author or admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(256))
    language: Mapped[str | None] = mapped_column(String(8))
    """The language the person chose for the site ('en', 'nl', 'fr'); None until they choose."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    """Moved on when the password changes or the person logs out on every device: sessions of an earlier one end."""

    # Flask-Login reads these; keeping them here avoids a web-only subclass.
    is_active = True
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        """What Flask-Login keeps in the session cookie: the id and the session epoch, as 'id:epoch'."""
        return f"{self.id}:{self.session_epoch}"


class ApiToken(Base):
    """A bearer token for the JSON API; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    """When it was made; it expires AUTOGRADER_TOKEN_DAYS later."""
    last_used_at: Mapped[datetime | None]
    """Its last use, to within a few minutes (grader/people/tokens.py USE_RESOLUTION)."""
    revoked_at: Mapped[datetime | None]
    """When its owner revoked it; a revoked token is kept, so a script using it is told why it stopped working."""

    user: Mapped[User] = relationship()


class Exercise(Base):
    """One exercise as loaded from its folder; tests are stored so workers need no checkout."""

    __tablename__ = "exercises"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    week: Mapped[int]
    day: Mapped[int] = mapped_column(default=1)
    max_score: Mapped[float]
    tags: Mapped[list] = mapped_column(JSON, default=list)
    difficulty: Mapped[str] = mapped_column(String(16), default="easy")
    language: Mapped[str] = mapped_column(String(32), default="python")
    statement: Mapped[str] = mapped_column(Text)
    files: Mapped[list] = mapped_column(JSON)
    """Names of the files a learner submits."""
    starter: Mapped[dict] = mapped_column(JSON)
    """File name → starter text shown in the editor."""
    tests: Mapped[dict] = mapped_column(JSON)
    """Path under tests/ ('visible/test_x.py') → source."""
    manifest: Mapped[list] = mapped_column(JSON)
    """Every test the exercise defines, in order: id, function, name, description, visibility, hint, points, …"""
    limits: Mapped[dict] = mapped_column(JSON)
    translations: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    """Language code → {"title": …, "statement": …} where the author translated them; English is the columns."""
    version: Mapped[str] = mapped_column(String(16))
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Submission(Base):
    """One learner's attempt at one exercise; the row is the truth, the queue only carries its id."""

    __tablename__ = "submissions"
    # Progress pages group a learner's submissions by exercise and time; the index covers those
    # queries, so they never read the wide rows (files, feedback).
    __table_args__ = (
        Index("ix_submissions_progress", "user_id", "exercise_id", "created_at", "status", "outcome", "score"),
        # The health page and /metrics: the oldest submission waiting in line, without reading the others.
        Index("ix_submissions_status_queued_at", "status", "queued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"), index=True)
    files: Mapped[dict] = mapped_column(JSON)
    status: Mapped[Status] = mapped_column(String(16), default=Status.QUEUED, index=True)
    attempt: Mapped[int] = mapped_column(default=1)
    """The current grading attempt, from 1; only the current attempt may store a result."""
    tries: Mapped[int] = mapped_column(default=0)
    """Attempts since the last deliberate (re)grade that failed for reasons of ours."""
    outcome: Mapped[Outcome | None] = mapped_column(String(16))
    score: Mapped[float | None]
    max_score: Mapped[float]
    notice: Mapped[dict | None] = mapped_column(JSON)
    """What the grader says about the whole run, as a message (text and values) the site translates."""
    feedback: Mapped[str] = mapped_column(Text, default="")
    """Python's own words about the whole run, shown under the notice: the syntax error with its line, …"""
    explanation: Mapped[dict | None] = mapped_column(JSON)
    """The mistake that kept the code from loading, in a beginner's terms (grader/grading/explanations.py)."""
    exercise_version: Mapped[str | None] = mapped_column(String(16))
    seconds: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    queued_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    """When the current attempt was put in line (at submission, at a regrade, at a new try after a failure of ours)."""
    started_at: Mapped[datetime | None]
    """When a worker claimed the current attempt; None while it waits."""
    finished_at: Mapped[datetime | None]
    """When the sandbox run of the current attempt ended (its retries within one job included); None before."""
    graded_at: Mapped[datetime | None] = mapped_column(index=True)
    """When the last verdict was stored. With the three above, the phases of the attempt that produced it:
    waited started_at - queued_at, ran finished_at - started_at (grader/grading/health.py)."""
    regrades: Mapped[int] = mapped_column(default=0)
    """How often the submission was graded again after its exercise changed."""

    user: Mapped[User] = relationship()
    exercise: Mapped[Exercise] = relationship()
    comments: Mapped[list["Comment"]] = relationship(order_by="Comment.created_at", cascade="all, delete-orphan")
    results: Mapped[list["TestResult"]] = relationship(order_by="TestResult.position", cascade="all, delete-orphan")


class StoredVerdict(Base):
    """One verdict stored on a submission: the audit that proves each attempt was graded once.

    Result rows are replaced when a submission is graded again; these rows are only ever added.
    """

    __tablename__ = "stored_verdicts"
    # Infrastructure failures in the last hour or day, and in all, counted from the index alone.
    __table_args__ = (Index("ix_stored_verdicts_outcome_stored_at", "outcome", "stored_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int]
    outcome: Mapped[str] = mapped_column(String(16))
    worker: Mapped[str] = mapped_column(String(120))
    """Host and process id of whoever stored it: a worker, or the reconciler giving up."""
    stored_at: Mapped[datetime] = mapped_column(default=utcnow)


class TestResult(Base):
    """The result of one test of one graded submission."""

    __tablename__ = "test_results"
    __test__ = False  # not a pytest class

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    hidden: Mapped[bool]
    status: Mapped[TestStatus] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text, default="")
    """What was expected and what came; empty for hidden tests, whose values stay secret."""
    hint: Mapped[str] = mapped_column(Text, default="")
    """The author's hint, shown when a hidden-with-hint test fails on its check."""
    explanation: Mapped[dict | None] = mapped_column(JSON)
    """Why the test failed, in a beginner's terms (grader/grading/explanations.py)."""
    output: Mapped[str] = mapped_column(Text, default="")


class ExerciseCheck(Base):
    """The last check of an exercise folder: its problems, or none; learners only get versions that passed."""

    __tablename__ = "exercise_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    version: Mapped[str | None] = mapped_column(String(16))
    ok: Mapped[bool]
    output: Mapped[str] = mapped_column(Text, default="")
    checked_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


DEFAULT_TIME_ZONE = "Europe/Brussels"
"""The time zone of a cohort that names none."""

WORKING_WEEK = [1, 2, 3, 4, 5]
"""ISO weekdays a cohort works on unless it says otherwise: Monday to Friday."""


class Cohort(Base):
    """A group of learners on one sprint, with its calendar and the thresholds of its at-risk signals."""

    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    start_date: Mapped[date]
    working_days: Mapped[list] = mapped_column(JSON, default=lambda: list(WORKING_WEEK))
    """ISO weekdays (1 = Monday) that count as sprint days."""
    inactive_days: Mapped[int] = mapped_column(default=2)
    """N: working days without a submission before a learner is flagged as quiet."""
    stuck_attempts: Mapped[int] = mapped_column(default=4)
    """K: failed attempts on one exercise within stuck_minutes that flag a learner as stuck."""
    stuck_minutes: Mapped[int] = mapped_column(default=30)
    """M: the window of stuck_attempts, in minutes."""
    behind_points: Mapped[int] = mapped_column(default=30)
    """X: points behind the plan before a learner is flagged."""
    time_zone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIME_ZONE, server_default=DEFAULT_TIME_ZONE)
    """The IANA time zone of the cohort's days and of the times its people read."""
    generation: Mapped[int] = mapped_column(default=0, server_default="0")
    """Counts changes to what the cohort's pages show, so a cached picture of it knows it is stale."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    coaches: Mapped[list[User]] = relationship(secondary="cohort_coaches")
    learners: Mapped[list[User]] = relationship(secondary="enrollments", order_by="User.name")


class CohortCoach(Base):
    """A coach of a cohort: coaches see only the cohorts they coach."""

    __tablename__ = "cohort_coaches"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class Enrollment(Base):
    """A learner in a cohort."""

    __tablename__ = "enrollments"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)


class PlanEntry(Base):
    """An exercise expected by a sprint day other than the one its week and day give."""

    __tablename__ = "plan_entries"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"), primary_key=True)
    due_day: Mapped[int]


class Invite(Base):
    """A one-time link that lets a new learner set their password; only its digest is kept."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class Comment(Base):
    """A coach's comment on a learner's work on an exercise, kept with the submission it was written under."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    """When the learner first saw it; until then their home page and the exercise point to it."""

    author: Mapped[User] = relationship()


class ScoreGain(Base):
    """Points a learner gained on one exercise on one day: the read model behind progress curves.

    Rebuilt from the pair's submissions whenever one of them is graded, so curves never scan
    every submission.
    """

    __tablename__ = "score_gains"
    # Covers the sum of gains per learner and day that every curve starts from.
    __table_args__ = (Index("ix_score_gains_curves", "user_id", "day", "gain"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    gain: Mapped[float]


class Standing(Base):
    """Where one learner stands on one exercise: the read model behind the matrix, statistics and signals.

    Rebuilt from the pair's graded submissions whenever one of them is graded, so progress pages
    read one row per pair instead of every submission and test result.
    """

    __tablename__ = "standings"
    # Covers the matrix, the last submission of each learner and the stuck candidates: they never read wide rows.
    __table_args__ = (
        Index("ix_standings_progress", "user_id", "exercise_id", "attempts", "solved_at", "last_at", "best_score"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"), primary_key=True)
    attempts: Mapped[int]
    """Graded attempts; runs that failed for reasons of ours are not the learner's and do not count."""
    attempts_to_solve: Mapped[int | None]
    """Attempts up to and including the first that passed; None while unsolved."""
    first_at: Mapped[datetime]
    last_at: Mapped[datetime]
    solved_at: Mapped[datetime | None]
    best_score: Mapped[float | None]
    last_outcome: Mapped[str] = mapped_column(String(16))
    last_error: Mapped[str] = mapped_column(Text, default="")
    """The line that says what went wrong in the latest attempt that went wrong, or empty."""
    last_error_at: Mapped[datetime | None]


class TestFailures(Base):
    """How often one test failed, having run, for one learner on one exercise before their first solve."""

    __tablename__ = "test_failures"
    __test__ = False  # not a pytest class

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"), primary_key=True)
    test: Mapped[str] = mapped_column(String(300), primary_key=True)
    """The test's description, or its name when it has none: what a coach reads."""
    failures: Mapped[int]


class SignalReview(Base):
    """A coach marked one of a learner's signals as seen; it stays quiet while its evidence is the same."""

    __tablename__ = "signal_reviews"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    evidence: Mapped[str] = mapped_column(String(200), primary_key=True)
    """What the signal rested on when seen (the last submission, the exercise and its latest attempt, …)."""
    seen_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
