"""Every form of the site as a WTForms class: the first check of what people type; the core has the final word."""

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from flask import flash
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.datastructures import FileStorage
from wtforms import (
    DateField,
    EmailField,
    Field,
    IntegerField,
    MultipleFileField,
    PasswordField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice  # type: ignore[attr-defined]  # new in WTForms 3.3; not in its 3.2 stubs
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from grader.models import Cohort, Exercise
from grader.people.accounts import MIN_PASSWORD_LENGTH
from grader.people.calendar import default_due_day, sprint_length
from grader.people.cohorts import MAX_EMAIL_CHARS, MAX_NAME_CHARS, THRESHOLDS
from grader.people.comments import MAX_COMMENT_CHARS

T = TypeVar("T")

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
"""The working days a cohort may have, numbered 1 (Monday) to 7 as the core counts them."""


def _stripped(value: object) -> object:
    # A filter also sees None: the data of a field the request did not send.
    return value.strip() if isinstance(value, str) else value


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


class InviteForm(FlaskForm):
    """The password an invited learner chooses."""

    password = PasswordField(
        "Password",
        validators=[
            InputRequired(f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters."),
            Length(min=MIN_PASSWORD_LENGTH, message=f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters."),
        ],
    )


class DayField(DateField):
    """A date written YYYY-MM-DD; a missing or unreadable one gets the message given."""

    def __init__(self, label: str, message: str, **kwargs: Any) -> None:
        super().__init__(label, [InputRequired(message)], **kwargs)
        self.invalid_value_message = message  # read by WTForms 3.3; its stubs do not take it as an argument yet


class WholeNumberField(IntegerField):
    """A whole number from low to high; anything else, unreadable input included, gets one plain message."""

    def __init__(self, label: str, low: int, high: int, **kwargs: Any) -> None:
        message = f"{label} must be a whole number from {low} to {high}."
        super().__init__(label, [InputRequired(message), NumberRange(low, high, message)], **kwargs)
        self.invalid_value_message = message  # read by WTForms 3.3; its stubs do not take it as an argument yet


class CohortForm(FlaskForm):
    """A new cohort: its name, its first day and the weekdays it works."""

    name = StringField(
        "Name",
        validators=[
            DataRequired("Give the cohort a name."),
            Length(max=MAX_NAME_CHARS, message=f"Give the cohort a name of at most {MAX_NAME_CHARS} characters."),
        ],
    )
    start_date = DayField("First day", "Give a start date such as 2026-11-23.")
    working_days = SelectMultipleField(
        "Working days",
        choices=[SelectChoice(str(number), name) for number, name in enumerate(DAY_NAMES, start=1)],
        coerce=int,
        default=[1, 2, 3, 4, 5],
        # Length, not DataRequired: DataRequired would mark every checkbox required in the browser.
        validators=[Length(min=1, message="Choose at least one working day.")],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


class LearnerForm(FlaskForm):
    """One learner to enrol: name and email."""

    name = StringField(
        "Name",
        validators=[
            DataRequired("the name is empty"),
            Length(max=MAX_NAME_CHARS, message=f"the name is longer than {MAX_NAME_CHARS} characters"),
        ],
    )
    email = EmailField(
        "Email",
        validators=[
            DataRequired("the email is empty"),
            Length(max=MAX_EMAIL_CHARS, message=f"the email is longer than {MAX_EMAIL_CHARS} characters"),
        ],
    )


class LearnersCsvForm(FlaskForm):
    """A CSV file of learners, with the columns name and email."""

    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file first.")])


class ThresholdsForm(FlaskForm):
    """The thresholds of a cohort's at-risk signals, each within the range a coach may set."""

    inactive_days = WholeNumberField("Working days before quiet", *THRESHOLDS["inactive_days"])
    stuck_attempts = WholeNumberField("Failed attempts before stuck", *THRESHOLDS["stuck_attempts"])
    stuck_minutes = WholeNumberField("Minutes of those attempts", *THRESHOLDS["stuck_minutes"])
    behind_points = WholeNumberField("Points behind the plan", *THRESHOLDS["behind_points"])


class CommentForm(FlaskForm):
    """A coach's comment on a submission, and the cohort the coach is looking at it from."""

    cohort_id = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    text = TextAreaField(
        "Comment",
        filters=[_stripped],
        validators=[
            DataRequired(f"Write a comment of 1 to {MAX_COMMENT_CHARS} characters."),
            Length(max=MAX_COMMENT_CHARS, message=f"Write a comment of 1 to {MAX_COMMENT_CHARS} characters."),
        ],
    )


class PlanForm(FlaskForm):
    """A cohort's plan; plan_form adds one box named due-<exercise id> per exercise."""

    length: int
    """Sprint days of the cohort: the largest day a box may hold."""

    defaults: dict[int, int]
    """Exercise id → the day its week and day give."""

    def changes(self) -> dict[int, int | None]:
        """Exercise id → the day asked for, or None where the box is blank."""
        return {exercise_id: _whole_number(self[f"due-{exercise_id}"].data or "") for exercise_id in self.defaults}


def plan_form(cohort: Cohort, exercises: Sequence[Exercise], due: Mapping[int, int]) -> PlanForm:
    """The plan form of a cohort, each box showing the cohort's own day where it differs from the default."""
    length = sprint_length(cohort)
    defaults = {exercise.id: default_due_day(cohort, exercise) for exercise in exercises}
    boxes = {
        f"due-{exercise.id}": StringField(
            exercise.title,
            validators=[_due_day(exercise.title, length)],
            filters=[_stripped],
        )
        for exercise in exercises
    }
    own = {f"due-{id_}": str(due[id_]) for id_, default in defaults.items() if due.get(id_, default) != default}
    form_class = type("CohortPlanForm", (PlanForm,), {**boxes, "length": length, "defaults": defaults})
    return form_class(data=own)


class SubmissionForm(FlaskForm):
    """A learner's code: one editor box named code:<file> per file, or uploaded files; submission_form adds them."""

    upload = MultipleFileField("Or upload your files")
    names: list[str]
    """The files of the exercise, in order."""

    def files(self) -> dict[str, str | bytes]:
        """File name → content: uploads win, the editor's text counts for files not uploaded.

        Nothing is judged here: the core checks the files and says plainly what is wrong.
        """
        files: dict[str, str | bytes] = {}
        for upload in self.upload.data or []:
            if isinstance(upload, FileStorage) and upload.filename:
                files[upload.filename] = upload.read()
        for name in self.names:
            text = self[f"code:{name}"].raw_data
            if name not in files and text:
                files[name] = text[0]
        return files


def submission_form(names: Sequence[str]) -> SubmissionForm:
    """The submission form of an exercise with these files."""
    boxes = {f"code:{name}": TextAreaField(name) for name in names}
    return type("ExerciseSubmissionForm", (SubmissionForm,), {**boxes, "names": list(names)})()


def filled(data: T | None) -> T:
    """The data of a field that validation made sure is there; None means a view skipped validation."""
    if data is None:
        raise ValueError("a view read a form field before validating the form")
    return data


def flash_errors(form: FlaskForm, prefix: str = "") -> None:
    """Flash the problems of the whole form, then the first problem of each field, in the order of the form."""
    for error in form.form_errors:
        flash(prefix + error, "error")
    for field in form:
        if field.errors:
            flash(prefix + field.errors[0], "error")


def _due_day(title: str, length: int) -> Callable[[FlaskForm, Field], None]:
    """A validator: the box is blank or holds a sprint day of this cohort."""

    def check(_form: FlaskForm, field: Field) -> None:
        raw = field.data or ""
        if raw and not 1 <= (_whole_number(raw) or 0) <= length:
            raise ValidationError(f"the day for '{title}' must be a whole number from 1 to {length}, not '{raw[:20]}'")

    return check


def _whole_number(text: str) -> int | None:
    # isdecimal refuses signs, spaces and '²'; the length cap keeps int() away from huge inputs.
    return int(text) if text.isdecimal() and len(text) <= 6 else None
