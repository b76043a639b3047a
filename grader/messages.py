"""Words the grader has for people: English text and values, translated when the site shows them.

`say` and `say_plural` mark texts for the message catalogs (pybabel extracts them from grader/ too);
the web translates a Message when it shows it, the command line prints it in English.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeAlias


@dataclass(frozen=True)
class Message:
    """An English text with %(name)s placeholders, its values, and for a plural, the plural text and the count."""

    text: str
    values: dict[str, Value] = field(default_factory=dict)
    plural: str | None = None
    count: int | None = None

    def __str__(self) -> str:
        """The message in English, as the command line and the logs show it."""
        text = self.plural if self.plural is not None and self.count != 1 else self.text
        return text % {"num": self.count, **self.values} if (self.values or self.count is not None) else text

    def to_json(self) -> dict[str, Any]:
        """A form to store in a JSON column; dates become ISO text."""
        values = {key: value.isoformat() if isinstance(value, date) else value for key, value in self.values.items()}
        return {"text": self.text, "values": values, "plural": self.plural, "count": self.count}

    @classmethod
    def from_json(cls, data: object) -> Message | None:
        """The message stored by to_json, or None for anything else (an older or damaged row)."""
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            return None
        values = data.get("values")
        plural, count = data.get("plural"), data.get("count")
        return cls(
            data["text"],
            dict(values) if isinstance(values, dict) else {},
            plural if isinstance(plural, str) else None,
            count if isinstance(count, int) else None,
        )


Value: TypeAlias = str | int | float | date | datetime | Message
"""What a message may carry: the web formats numbers and dates for the reader's language, and translates a Message."""


def say(text: str, **values: Value) -> Message:
    """A message for a person; the text is a msgid of the catalogs."""
    return Message(text, values)


def say_plural(singular: str, plural: str, count: int, **values: Value) -> Message:
    """A message whose wording depends on a count, written %(num)d in both texts."""
    return Message(singular, values, plural, count)


class Refusal(ValueError):
    """A request refused for a reason the person can fix, told as a Message; str() is the English text."""

    def __init__(self, message: Message):
        super().__init__(str(message))
        self.message = message
