"""Encode and decode plain values (numbers, text, lists, dicts, …) as JSON, refusing anything else.

Both sides of the learner/test boundary use this. Types are checked exactly, never with
isinstance, so a subclass with a forged __eq__ cannot cross. Decoding builds only plain values.
"""

import base64
import math
from json import dumps as _json_dumps
from json import loads as _json_loads

# Bound at import, before any learner code runs: patching json.dumps later changes nothing here.

MAX_DEPTH = 50
"""Deepest nesting of containers that may cross."""

MAX_ITEMS = 200_000
"""Most values one message may hold."""


class NotPlain(ValueError):
    """The value is not a plain value, so it cannot cross the boundary."""


def encode(value):
    """Turn a plain value into JSON-ready data; raise NotPlain for anything else."""
    budget = [MAX_ITEMS]
    return _encode(value, 0, budget)


def decode(data):
    """Turn data made by encode back into the plain value; raise NotPlain if it is malformed."""
    budget = [MAX_ITEMS]
    return _decode(data, 0, budget)


def dumps(message) -> bytes:
    """A message as compact UTF-8 JSON."""
    return _json_dumps(message, separators=(",", ":"), allow_nan=False).encode("utf-8")


def loads(raw: bytes):
    """A message from UTF-8 JSON; raise NotPlain if it is not."""
    try:
        return _json_loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise NotPlain(f"not a valid message: {error}") from None


def _spend(budget):
    budget[0] -= 1
    if budget[0] < 0:
        raise NotPlain("too many values")


def _encode(value, depth, budget):
    _spend(budget)
    if depth > MAX_DEPTH:
        raise NotPlain("nested too deeply")
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return value if abs(value) < 2**53 else {"$int": str(value)}
    if kind is float:
        return value if math.isfinite(value) else {"$float": repr(value)}
    if kind is list:
        return [_encode(item, depth + 1, budget) for item in value]
    if kind is tuple:
        return {"$tuple": [_encode(item, depth + 1, budget) for item in value]}
    if kind is set or kind is frozenset:
        return {"$set": [_encode(item, depth + 1, budget) for item in value], "frozen": kind is frozenset}
    if kind is dict:
        return {"$dict": [[_encode(k, depth + 1, budget), _encode(v, depth + 1, budget)] for k, v in value.items()]}
    if kind is bytes:
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if kind is complex:
        return {"$complex": [value.real, value.imag]}
    raise NotPlain(f"a value of type {kind.__name__}")


def _decode(data, depth, budget):
    _spend(budget)
    if depth > MAX_DEPTH:
        raise NotPlain("nested too deeply")
    kind = type(data)
    if data is None or kind in (bool, str, int, float):
        return data
    if kind is list:
        return [_decode(item, depth + 1, budget) for item in data]
    if kind is not dict or len(data) not in (1, 2):
        raise NotPlain("malformed value")
    try:
        if "$int" in data:
            return int(data["$int"])
        if "$float" in data and data["$float"] in ("nan", "inf", "-inf"):
            return float(data["$float"])
        if "$tuple" in data:
            return tuple(_decode(item, depth + 1, budget) for item in _list(data["$tuple"]))
        if "$set" in data:
            items = [_decode(item, depth + 1, budget) for item in _list(data["$set"])]
            return frozenset(items) if data.get("frozen") is True else set(items)
        if "$dict" in data:
            pairs = [_pair(pair) for pair in _list(data["$dict"])]
            return {_decode(k, depth + 1, budget): _decode(v, depth + 1, budget) for k, v in pairs}
        if "$bytes" in data:
            return base64.b64decode(data["$bytes"], validate=True)
        if "$complex" in data:
            real, imag = _list(data["$complex"])
            return complex(float(real), float(imag))
    except (TypeError, ValueError) as error:
        raise NotPlain(f"malformed value: {error}") from None
    raise NotPlain("malformed value")


def _list(data):
    if type(data) is not list:
        raise NotPlain("malformed value")
    return data


def _pair(data):
    if type(data) is not list or len(data) != 2:
        raise NotPlain("malformed value")
    return data
