"""Every form of the site as a WTForms class: the first check of what people type; the core has the final word."""

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from babel.dates import get_day_names
from flask import flash
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
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
from wtforms.widgets import CheckboxInput, ListWidget

from grader.models import DEFAULT_TIME_ZONE, Cohort, Exercise
from grader.people.accounts import MIN_PASSWORD_LENGTH
from grader.people.calendar import default_due_day, sprint_length
from grader.people.cohorts import MAX_EMAIL_CHARS, MAX_NAME_CHARS, THRESHOLDS, is_time_zone
from grader.people.comments import MAX_COMMENT_CHARS

T = TypeVar("T")

WEEKDAYS = range(1, 8)
"""The working days a cohort may have, numbered 1 (Monday) to 7 as the core counts them."""


def _stripped(value: object) -> object:
    # A filter also sees None: the data of a field the request did not send.
    return value.strip() if isinstance(value, str) else value


def _time_zone(_form: FlaskForm, field: Field) -> None:
    """A validator: an IANA time zone name such as Europe/Brussels."""
    if not is_time_zone(field.data or ""):
        raise ValidationError(_l("Give a time zone such as Europe/Brussels."))


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField(_l("Email"), validators=[DataRequired(_l("Write your email address."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Write your password."))])


class InviteForm(FlaskForm):
    """The password an invited learner chooses."""

    password = PasswordField(
        _l("Password"),
        validators=[
            InputRequired(_l("Choose a password of at least %(count)s characters.", count=MIN_PASSWORD_LENGTH)),
            Length(
                min=MIN_PASSWORD_LENGTH,
                message=_l("Choose a password of at least %(count)s characters.", count=MIN_PASSWORD_LENGTH),
            ),
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
        message = _l("%(label)s must be a whole number from %(low)s to %(high)s.", label=label, low=low, high=high)
        super().__init__(label, [InputRequired(message), NumberRange(low, high, message)], **kwargs)
        self.invalid_value_message = message  # read by WTForms 3.3; its stubs do not take it as an argument yet


class CalendarForm(FlaskForm):
    """A cohort's calendar: its name, its first day and the weekdays it works."""

    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Give the cohort a name.")),
            Length(
                max=MAX_NAME_CHARS,
                message=_l("Give the cohort a name of at most %(count)s characters.", count=MAX_NAME_CHARS),
            ),
        ],
    )
    start_date = DayField(_l("First day"), _l("Give a start date such as 2026-11-23."))
    working_days = SelectMultipleField(
        _l("Working days"),
        coerce=int,
        default=[1, 2, 3, 4, 5],
        # Length, not DataRequired: DataRequired would mark every checkbox required in the browser.
        validators=[Length(min=1, message=_l("Choose at least one working day."))],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = get_day_names("abbreviated", locale=get_locale())
        self.working_days.choices = [SelectChoice(str(day), names[day - 1]) for day in WEEKDAYS]


class CohortForm(CalendarForm):
    """A new cohort: its calendar and its time zone."""

    time_zone = StringField(_l("Time zone"), default=DEFAULT_TIME_ZONE, filters=[_stripped], validators=[_time_zone])


class LearnerForm(FlaskForm):
    """One learner to enrol: name and email."""

    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("The name is empty.")),
            Length(
                max=MAX_NAME_CHARS, message=_l("The name is longer than %(count)s characters.", count=MAX_NAME_CHARS)
            ),
        ],
    )
    email = EmailField(
        _l("Email"),
        validators=[
            DataRequired(_l("The email is empty.")),
            Length(
                max=MAX_EMAIL_CHARS, message=_l("The email is longer than %(count)s characters.", count=MAX_EMAIL_CHARS)
            ),
        ],
    )


class LearnersCsvForm(FlaskForm):
    """A CSV file of learners, with the columns name and email."""

    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file first."))])


class ThresholdsForm(FlaskForm):
    """The thresholds of a cohort's at-risk signals, each within the range a coach may set."""

    inactive_days = WholeNumberField(_l("Working days before quiet"), *THRESHOLDS["inactive_days"])
    stuck_attempts = WholeNumberField(_l("Failed attempts before stuck"), *THRESHOLDS["stuck_attempts"])
    stuck_minutes = WholeNumberField(_l("Minutes of those attempts"), *THRESHOLDS["stuck_minutes"])
    behind_points = WholeNumberField(_l("Points behind the plan"), *THRESHOLDS["behind_points"])
    time_zone = StringField(_l("Time zone"), filters=[_stripped], validators=[_time_zone])


class CommentForm(FlaskForm):
    """A coach's comment on a learner's work on an exercise."""

    text = TextAreaField(
        _l("Comment"),
        filters=[_stripped],
        validators=[
            DataRequired(_l("Write a comment of 1 to %(count)s characters.", count=MAX_COMMENT_CHARS)),
            Length(
                max=MAX_COMMENT_CHARS,
                message=_l("Write a comment of 1 to %(count)s characters.", count=MAX_COMMENT_CHARS),
            ),
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

    upload = MultipleFileField(_l("Or upload your files"))
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


def flash_errors(form: FlaskForm, prefix: str = "", category: str = "error") -> None:
    """Flash the problems of the whole form, then the first problem of each field, in the order of the form."""
    for error in form.form_errors:
        flash(prefix + error, category)
    for field in form:
        if field.errors:
            flash(prefix + field.errors[0], category)


def _due_day(title: str, length: int) -> Callable[[FlaskForm, Field], None]:
    """A validator: the box is blank or holds a sprint day of this cohort."""

    def check(_form: FlaskForm, field: Field) -> None:
        raw = field.data or ""
        if raw and not 1 <= (_whole_number(raw) or 0) <= length:
            raise ValidationError(
                _l(
                    "The day for '%(title)s' must be a whole number from 1 to %(length)s, not '%(given)s'.",
                    title=title,
                    length=length,
                    given=raw[:20],
                )
            )

    return check


def _whole_number(text: str) -> int | None:
    # isdecimal refuses signs, spaces and '²'; the length cap keeps int() away from huge inputs.
    return int(text) if text.isdecimal() and len(text) <= 6 else None
