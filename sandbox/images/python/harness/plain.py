"""Encode values for the other side of the boundary: plain values by value, anything else by reference.

Both processes use this. Plain values are None, bool, int, float, complex, str, bytes, range,
Python's own exceptions and exception classes, and lists, tuples, dicts, sets and frozensets of
plain values; their types are checked exactly, never with isinstance, so a subclass with a forged
__eq__ cannot pass for one. Anything else stays in the process that owns it and crosses as a
reference, {"$ref": n, ...}, that only the owner can act on.
Decoding builds plain values and asks its caller to resolve references; it never unpickles or
evaluates anything.

Mutable containers (list, dict, set) are numbered in the order they are met, the same on both
sides, so the receiver can send back what a call changed in them ({"$m": i} names the i-th).
"""

import base64
import builtins
import math
from json import dumps as _json_dumps
from json import loads as _json_loads

from plain_library import FROM_LIBRARY, LIBRARY, builtin_by_name, library_parts, name_of_builtin
from plain_library import malformed as _malformed
from plain_library import part_list as _list
from plain_library import part_pair as _pair
from plain_library import part_text as _text

# Bound at import, before any learner code runs: patching json.dumps later changes nothing here.

MAX_DEPTH = 50
"""Deepest nesting of containers (and references within references) that may cross."""

MAX_ITEMS = 200_000
"""Most values one message may hold."""

MAX_INT_HEX_DIGITS = 100_000
"""Longest integer that may cross, in hexadecimal digits (hexadecimal has no conversion limit in Python)."""

MAX_TEXT_CHARS = 11_000_000
"""Longest encoded text inside a value (bytes in base64, a big integer): a message is 8 MB at most anyway."""

MUTABLE = (list, dict, set)
"""Containers a call may change in place; their new content is sent back after the call."""


class NotPlain(ValueError):
    """The data cannot cross: not a plain value and no reference may be made, or malformed."""


def dumps(message) -> bytes:
    """A message as compact UTF-8 JSON."""
    return _json_dumps(message, separators=(",", ":"), allow_nan=False).encode("utf-8")


def loads(raw: bytes):
    """A message from UTF-8 JSON; raise NotPlain if it is not."""
    try:
        return _json_loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise NotPlain(f"not a valid message: {error}") from None


def encode(value):
    """A plain value as JSON-ready data; raise NotPlain for anything that would need a reference."""
    return Encoder().encode(value)


def decode(data):
    """Data made by encode back into the plain value; raise NotPlain for references or malformed data."""
    return Decoder().decode(data)


class Encoder:
    """Encodes the values of one message; export(value) makes the reference of a value that is not plain."""

    def __init__(self, export=None, known=None):
        self.export = export
        self.known = known or {}
        """id() of a mutable container of the request → its number, to send it back as {"$m": number}."""
        self.mutables = []
        """The mutable containers met, in order: the receiver numbers its copies alike."""
        self.budget = MAX_ITEMS

    def encode(self, value, depth=0):
        """Encode one value and everything in it."""
        self.budget -= 1
        if self.budget < 0:
            raise NotPlain("too many values")
        if depth > MAX_DEPTH:
            raise NotPlain("nested too deeply")
        kind = type(value)
        if value is None or kind is bool or kind is str:
            return value
        if kind is int:
            return value if abs(value) < 2**53 else {"$int": hex(value)}
        if kind is float:
            return value if math.isfinite(value) else {"$float": repr(value)}
        if kind in MUTABLE and id(value) in self.known:
            return {"$m": self.known[id(value)]}
        return self._container(value, kind, depth)

    def state(self, container):
        """The content of one of the request's own containers, the containers inside it named by number."""
        return self._container(container, type(container), 0)

    def _container(self, value, kind, depth):
        if kind in MUTABLE:
            self.mutables.append(value)
        if kind is list:
            return [self.encode(item, depth + 1) for item in value]
        if kind is tuple:
            return {"$tuple": [self.encode(item, depth + 1) for item in value]}
        if kind is set or kind is frozenset:
            return {"$set": [self.encode(item, depth + 1) for item in value], "frozen": kind is frozenset}
        if kind is dict:
            return {"$dict": [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in value.items()]}
        if kind is bytes:
            return {"$bytes": base64.b64encode(value).decode("ascii")}
        if kind is complex:
            return {"$complex": [value.real, value.imag]}
        if kind is slice:
            return {"$slice": [self.encode(part, depth + 1) for part in (value.start, value.stop, value.step)]}
        if kind is range:
            return {"$range": [self.encode(value.start), self.encode(value.stop), self.encode(value.step)]}
        if isinstance(value, type) and value is _builtin_exception(value.__name__):
            return {"$exctype": value.__name__}
        name = name_of_builtin(value)
        if name is not None:
            return {"$builtin": name}
        if kind in LIBRARY:
            return {LIBRARY[kind]: library_parts(self, value, depth)}
        if isinstance(value, tuple) and type(getattr(kind, "_fields", None)) is tuple:  # a namedtuple
            fields = [self.encode(field) for field in kind._fields]
            return {"$ntuple": [kind.__name__, fields, [self.encode(item, depth + 1) for item in value]]}
        if kind is _builtin_exception(kind.__name__):
            return {"$exc": kind.__name__, "args": [self.encode(arg, depth + 1) for arg in exception_args(value)]}
        if self.export is None:
            raise NotPlain(f"a value of type {kind.__name__}")
        return self.export(value, self, depth)


class Decoder:
    """Decodes the values of one message; resolve(ref, decoder, depth) turns a reference into an object."""

    def __init__(self, resolve=None, originals=()):
        self.resolve = resolve
        self.originals = originals
        """The sender's own mutable containers of the request, which {"$m": i} names."""
        self.mutables = []
        """The mutable containers made, in the order the sender met them."""
        self.budget = MAX_ITEMS

    def decode(self, data, depth=0):
        """Decode one value and everything in it."""
        self.budget -= 1
        if self.budget < 0:
            raise NotPlain("too many values")
        if depth > MAX_DEPTH:
            raise NotPlain("nested too deeply")
        kind = type(data)
        if data is None or kind is bool or kind is str or kind is int or kind is float:
            return data
        if kind is list:
            made = []
            self.mutables.append(made)
            made.extend(self.decode(item, depth + 1) for item in data)
            return made
        if kind is not dict:
            raise NotPlain("malformed value")
        try:
            return self._tagged(data, depth)
        except (TypeError, ValueError, KeyError, IndexError) as error:
            raise NotPlain(f"malformed value: {error}") from None

    def _tagged(self, data, depth):
        if "$ref" in data:
            if self.resolve is None:
                raise NotPlain("a reference where only plain values may be")
            return self.resolve(data, self, depth)
        if len(data) not in (1, 2):
            raise NotPlain("malformed value")
        if "$m" in data:
            number = data["$m"]
            if type(number) is not int or not 0 <= number < len(self.originals):
                raise NotPlain("malformed value")
            return self.originals[number]
        if "$int" in data:
            return int(_text(data["$int"], MAX_INT_HEX_DIGITS + 3), 16)
        if "$float" in data and data["$float"] in ("nan", "inf", "-inf"):
            return float(data["$float"])
        if "$tuple" in data:
            return tuple(self.decode(item, depth + 1) for item in _list(data["$tuple"]))
        if "$set" in data:
            frozen = data.get("frozen") is True
            made = None if frozen else set()
            if made is not None:
                self.mutables.append(made)
            items = [self.decode(item, depth + 1) for item in _list(data["$set"])]
            if made is None:
                return frozenset(items)
            made.update(items)
            return made
        if "$dict" in data:
            made = {}
            self.mutables.append(made)
            for pair in _list(data["$dict"]):
                key, value = _pair(pair)
                made[self.decode(key, depth + 1)] = self.decode(value, depth + 1)
            return made
        if "$bytes" in data:
            return base64.b64decode(_text(data["$bytes"], MAX_TEXT_CHARS), validate=True)
        if "$builtin" in data:
            return builtin_by_name(data["$builtin"])
        tag = next(iter(data))
        if tag in FROM_LIBRARY:
            return FROM_LIBRARY[tag](self, _list(data[tag]), depth)
        if "$slice" in data:
            return slice(*(self.decode(part, depth + 1) for part in _list(data["$slice"])[:3]))
        if "$range" in data:
            start, stop, step = (self.decode(part, depth + 1) for part in _list(data["$range"]))
            if not (type(start) is int and type(stop) is int and type(step) is int):
                raise NotPlain("malformed value")
            return range(start, stop, step)
        if "$exctype" in data:
            return _builtin_exception(data["$exctype"]) or _malformed()
        if "$exc" in data:
            kind = _builtin_exception(data["$exc"]) or _malformed()
            args = tuple(self.decode(arg, depth + 1) for arg in _list(data.get("args")))
            try:
                return kind(*args)
            except Exception:  # a kind that wants other arguments: keep them as they came
                made = kind.__new__(kind)
                made.args = args
                return made
        if "$complex" in data:
            real, imag = _list(data["$complex"])
            if type(real) not in (int, float) or type(imag) not in (int, float):
                raise NotPlain("malformed value")
            return complex(real, imag)
        raise NotPlain("malformed value")


def refill(container, content) -> None:
    """Give one of the request's own containers the content the other side left in its copy."""
    if type(container) is not type(content):
        raise NotPlain("malformed change")
    if type(container) is list:
        container[:] = content
    else:
        container.clear()
        container.update(content)


def exception_args(error):
    """The arguments that rebuild an exception: its args, and an OSError's file names too."""
    named = isinstance(error, OSError) and (error.filename is not None or error.filename2 is not None)
    if named and len(error.args) == 2:
        return (*error.args, error.filename, None, error.filename2)
    return error.args


def _builtin_exception(name):
    """Python's own exception class of that name, or None."""
    kind = getattr(builtins, name, None) if type(name) is str else None
    return kind if isinstance(kind, type) and issubclass(kind, BaseException) else None
