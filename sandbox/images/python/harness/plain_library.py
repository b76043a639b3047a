"""Values of Python's library that cross by value: its safe functions and types by name, and dates,
decimals, fractions, counters and named tuples by their parts, each rebuilt and checked on arrival.

Tests compare such values with == (a date, an amount of money, a Counter of words), so they must
arrive as the same kind of value, never as a handle. Anything malformed raises ValueError, which
plain.py reports as a malformed value.
"""

import builtins
import collections
import datetime
import decimal
import fractions
import types

SAFE_BUILTINS = frozenset(
    [
        "abs",
        "all",
        "any",
        "ascii",
        "bin",
        "bool",
        "bytes",
        "callable",
        "chr",
        "complex",
        "dict",
        "divmod",
        "enumerate",
        "filter",
        "float",
        "frozenset",
        "hash",
        "hex",
        "int",
        "isinstance",
        "issubclass",
        "iter",
        "len",
        "list",
        "map",
        "max",
        "min",
        "next",
        "oct",
        "ord",
        "pow",
        "print",
        "range",
        "repr",
        "reversed",
        "round",
        "set",
        "slice",
        "sorted",
        "str",
        "sum",
        "tuple",
        "zip",
    ]
)
"""Python's own functions and types that cross by name (a test passing len or str.upper gets them back as
they are): none of them reaches beyond its arguments."""

SAFE_TYPES = ("bool", "bytes", "complex", "dict", "float", "frozenset", "int", "list", "set", "str", "tuple")
"""Types whose methods cross by name too (str.upper, list.append), all but format and format_map."""


NAMED_KINDS = (type, types.BuiltinFunctionType, types.MethodDescriptorType, types.WrapperDescriptorType)
"""Exact types of what may cross by name; nothing else is even asked its name (a handle would ask across)."""


def name_of_builtin(value):
    """The name a safe function, type or method of Python's crosses by (len, str, str.upper), or None."""
    if type(value) not in NAMED_KINDS:
        return None
    name = getattr(value, "__name__", None)
    if type(name) is str and name in SAFE_BUILTINS and getattr(builtins, name) is value:
        return name
    owner = getattr(value, "__objclass__", None)
    known_owner = type(owner) is type and owner.__name__ in SAFE_TYPES and getattr(builtins, owner.__name__) is owner
    if known_owner and type(name) is str and builtin_by_name(f"{owner.__name__}.{name}", quiet=True) is value:
        return f"{owner.__name__}.{name}"
    return None


def builtin_by_name(name, quiet=False):
    """The safe function, type or method of Python's with that name."""
    owner, _, method = name.partition(".") if type(name) is str else ("", "", "")
    if owner in SAFE_BUILTINS and not method:
        return getattr(builtins, owner)
    if owner in SAFE_TYPES and method.isidentifier() and not method.startswith("_") and "format" not in method:
        found = getattr(getattr(builtins, owner), method, None)
        if found is not None:
            return found
    if quiet:
        return None
    raise ValueError("no such function of Python's here")


# Values of Python's library that tests compare with == (dates, money, fractions, counts), by value.
# Each is rebuilt from plain parts, its type checked exactly on the way out.

LIBRARY = {
    datetime.date: "$date",
    datetime.time: "$time",
    datetime.datetime: "$datetime",
    datetime.timedelta: "$timedelta",
    decimal.Decimal: "$decimal",
    fractions.Fraction: "$fraction",
    collections.Counter: "$counter",
    collections.OrderedDict: "$odict",
    collections.defaultdict: "$ddict",
}
"""Library types that cross by value, and the tag of each."""


def library_parts(encoder, value, depth):
    """The plain parts of a library value, by which it is rebuilt on the other side."""
    kind = type(value)
    if kind is datetime.date:
        return [value.year, value.month, value.day]
    if kind is datetime.time:
        return [value.hour, value.minute, value.second, value.microsecond, value.fold, _zone(value.tzinfo)]
    if kind is datetime.datetime:
        clock = [value.hour, value.minute, value.second, value.microsecond, value.fold]
        return [value.year, value.month, value.day, *clock, _zone(value.tzinfo)]
    if kind is datetime.timedelta:
        return [value.days, value.seconds, value.microseconds]
    if kind is decimal.Decimal:
        return [str(value)]
    if kind is fractions.Fraction:
        return [encoder.encode(value.numerator, depth + 1), encoder.encode(value.denominator, depth + 1)]
    pairs = [[encoder.encode(k, depth + 1), encoder.encode(v, depth + 1)] for k, v in value.items()]
    if kind is collections.defaultdict:
        factory = name_of_builtin(value.default_factory) if value.default_factory is not None else None
        return [factory, pairs]
    return pairs


def _zone(tzinfo):
    if tzinfo is None:
        return None
    if type(tzinfo) is not datetime.timezone:
        raise TypeError("a time in a time zone other than a fixed offset")
    offset = tzinfo.utcoffset(None)
    return [offset.days * 86_400 + offset.seconds, offset.microseconds, tzinfo.tzname(None)]


def _zone_from(data):
    if data is None:
        return None
    seconds, microseconds, name = part_list(data)
    if type(seconds) is not int or type(microseconds) is not int or type(name) is not str:
        raise ValueError("malformed value")
    return datetime.timezone(datetime.timedelta(seconds=seconds, microseconds=microseconds), name)


def _ints(parts, count):
    if len(parts) != count or not all(type(part) is int for part in parts):
        raise ValueError("malformed value")
    return parts


def _pairs(decoder, parts, depth):
    return [(decoder.decode(k, depth + 1), decoder.decode(v, depth + 1)) for k, v in map(part_pair, parts)]


FROM_LIBRARY = {
    "$date": lambda d, parts, depth: datetime.date(*_ints(parts, 3)),
    "$time": lambda d, parts, depth: _time(parts),
    "$datetime": lambda d, parts, depth: _datetime(parts),
    "$timedelta": lambda d, parts, depth: datetime.timedelta(*_ints(parts, 3)),
    "$decimal": lambda d, parts, depth: _decimal(part_text(parts[0], 10_000)),
    "$fraction": lambda d, parts, depth: _fraction(d.decode(parts[0], depth + 1), d.decode(parts[1], depth + 1)),
    "$counter": lambda d, parts, depth: collections.Counter(dict(_pairs(d, parts, depth))),
    "$odict": lambda d, parts, depth: collections.OrderedDict(_pairs(d, parts, depth)),
    "$ddict": lambda d, parts, depth: _defaultdict(d, parts, depth),
    "$ntuple": lambda d, parts, depth: _namedtuple(d, parts, depth),
}
"""Tag → how to rebuild the value from its parts; every part is checked, anything else is malformed."""


def _fraction(numerator, denominator):
    if type(numerator) is not int or type(denominator) is not int or denominator == 0:
        raise ValueError("malformed value")
    return fractions.Fraction(numerator, denominator)


def _defaultdict(decoder, parts, depth):
    factory_name, pairs = part_pair(parts)
    factory = None if factory_name is None else builtin_by_name(factory_name)
    return collections.defaultdict(factory, _pairs(decoder, part_list(pairs), depth))


def _namedtuple(decoder, parts, depth):
    name, fields, values = parts if len(parts) == 3 else malformed()
    fields = part_list(fields)
    if type(name) is not str or not name.isidentifier() or len(fields) > 255:
        raise ValueError("malformed value")
    if not all(type(field) is str and field.isidentifier() and not field.startswith("_") for field in fields):
        raise ValueError("malformed value")
    kind = _named_tuple_type(name, tuple(fields))
    items = [decoder.decode(item, depth + 1) for item in part_list(values)]
    return kind(*items) if len(items) == len(fields) else malformed()


_named_tuple_types = {}


def _named_tuple_type(name, fields):
    """One class per name and fields, so two values of the same kind compare and hash alike."""
    key = (name, fields)
    if key not in _named_tuple_types:
        _named_tuple_types[key] = collections.namedtuple(name, fields)
    return _named_tuple_types[key]


def _datetime(parts):
    year, month, day, hour, minute, second, microsecond, fold = _ints(parts[:8], 8)
    clock = (hour, minute, second, microsecond)
    return datetime.datetime(year, month, day, *clock, tzinfo=_zone_from(parts[8]), fold=fold)


def _time(parts):
    hour, minute, second, microsecond, fold = _ints(parts[:5], 5)
    return datetime.time(hour, minute, second, microsecond, tzinfo=_zone_from(parts[5]), fold=fold)


def _decimal(text):
    try:
        return decimal.Decimal(text)
    except decimal.InvalidOperation:
        raise ValueError("malformed value") from None


def part_list(data):
    """The data if it is a list, else malformed."""
    if type(data) is not list:
        raise ValueError("malformed value")
    return data


def part_pair(data):
    """The data if it is a list of two, else malformed."""
    if type(data) is not list or len(data) != 2:
        raise ValueError("malformed value")
    return data


def part_text(data, limit):
    """The data if it is text of at most limit characters, else malformed."""
    if type(data) is not str or len(data) > limit:
        raise ValueError("malformed value")
    return data


def malformed():
    """Refuse data that is not what its tag promises."""
    raise ValueError("malformed value")
