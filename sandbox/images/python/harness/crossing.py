"""What one process may ask the other to do with an object the other owns, and the proxy that asks it.

A request names one of OPERATIONS; its first argument is the object asked about. A Remote stands
for an object of the other process: every use of it (a call, an attribute, an operator…) becomes
such a request through its endpoint.
"""

import builtins
import copy
import operator

import plain


def _call(function, /, *args, **kwargs):
    return function(*args, **kwargs)


def _special(value, name):
    """A special method as `with` finds it: on the class, bound to the value (a mock's may be no function)."""
    method = getattr(type(value), name)
    return method.__get__(value, type(value)) if hasattr(method, "__get__") else method


def _exact_text(make):
    # A __str__ may return a subclass of str with a forged __eq__; str.__str__ copies it into a true str.
    return lambda value, *args: str.__str__(make(value, *args))


BINARY = (
    "add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul",
    "and_", "or_", "xor", "lshift", "rshift", "lt", "le", "gt", "ge", "eq", "ne",
)  # fmt: skip
"""Operators of two values, by their name in the operator module."""

IN_PLACE = tuple(f"i{name.rstrip('_')}" for name in BINARY[:13])
"""Their in-place forms (+= and the like), which may change the left value."""

UNARY = ("neg", "pos", "invert")
"""Operators of one value."""

OPERATIONS = {
    "call": _call,
    "getattr": getattr,
    "setattr": setattr,
    "delattr": delattr,
    "len": len,
    "iter": iter,
    "next": next,
    "reversed": reversed,
    "bool": bool,
    "str": _exact_text(str),
    "repr": _exact_text(repr),
    "format": _exact_text(format),
    "hash": hash,
    "int": int,
    "float": float,
    "index": operator.index,
    "round": round,
    "abs": abs,
    "divmod": divmod,
    "contains": operator.contains,
    "getitem": operator.getitem,
    "setitem": operator.setitem,
    "delitem": operator.delitem,
    "isinstance": isinstance,
    "issubclass": issubclass,
    "enter": lambda value: _special(value, "__enter__")(),
    "exit": lambda value, *details: _special(value, "__exit__")(*details),
    "copy": copy.copy,
    "deepcopy": copy.deepcopy,
    **{name: getattr(operator, name) for name in (*BINARY, *IN_PLACE, *UNARY)},
}
"""What one side may ask the other to do; the first argument is always the object asked about."""

CHANGING = frozenset({"setattr", "delattr", "setitem", "delitem", *IN_PLACE})
"""Operations that change the object they are asked about."""


FORWARDED_DUNDERS = frozenset({"__name__", "__qualname__", "__doc__"})
"""Names with underscores a proxy still asks the other side for: functools.wraps and messages read them."""


class Remote:
    """An object of the other process: using it sends a request and gives back the answer's value."""

    __slots__ = ("__weakref__", "_r_end", "_r_kind", "_r_ref", "_r_type")

    def __init__(self, end, ref: int, type_name: str, kind: str):
        object.__setattr__(self, "_r_end", end)
        object.__setattr__(self, "_r_ref", ref)
        object.__setattr__(self, "_r_type", type_name)
        object.__setattr__(self, "_r_kind", kind)

    def _r(self, operation, *args, **kwargs):
        return self._r_end.perform(operation, *args, **kwargs)

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__") and name not in FORWARDED_DUNDERS:
            raise AttributeError(name)
        return self._r("getattr", self, name)

    def __setattr__(self, name, value):
        self._r("setattr", self, name, value)

    def __delattr__(self, name):
        self._r("delattr", self, name)

    def __call__(self, *args, **kwargs):
        return self._r("call", self, *args, **kwargs)

    def __repr__(self):
        return self._r("repr", self)

    def __str__(self):
        return self._r("str", self)

    def __format__(self, spec):
        return self._r("format", self, spec)

    def __bool__(self):
        return self._r("bool", self)

    def __eq__(self, other):
        return self._r("eq", self, other)

    def __ne__(self, other):
        return self._r("ne", self, other)

    def __hash__(self):
        return self._r("hash", self)

    def __len__(self):
        return self._r("len", self)

    def __iter__(self):
        return self._r("iter", self)

    def __next__(self):
        return self._r("next", self)

    def __reversed__(self):
        return self._r("reversed", self)

    def __contains__(self, item):
        return self._r("contains", self, item)

    def __getitem__(self, key):
        return self._r("getitem", self, key)

    def __setitem__(self, key, value):
        self._r("setitem", self, key, value)

    def __delitem__(self, key):
        self._r("delitem", self, key)

    def __copy__(self):
        return self._r("copy", self)

    def __deepcopy__(self, memo):
        return self._r("deepcopy", self)

    def __reduce_ex__(self, protocol):
        raise TypeError("an object of the other process cannot be pickled; compare or copy it instead")

    def __enter__(self):
        return self._r("enter", self)

    def __exit__(self, kind, error, trace):
        return self._r("exit", self, kind, error, None)

    def __instancecheck__(self, instance):
        return self._r("isinstance", instance, self)

    def __subclasscheck__(self, subclass):
        return self._r("issubclass", subclass, self)

    def __int__(self):
        return self._r("int", self)

    def __float__(self):
        return self._r("float", self)

    def __index__(self):
        return self._r("index", self)

    def __round__(self, digits=None):
        return self._r("round", self) if digits is None else self._r("round", self, digits)

    def __abs__(self):
        return self._r("abs", self)

    def __divmod__(self, other):
        return self._r("divmod", self, other)

    def __rdivmod__(self, other):
        return self._r("divmod", other, self)


def _forward(name, reflected=False):
    if reflected:
        return lambda self, other: self._r(name, other, self)
    return lambda self, *others: self._r(name, self, *others)


for _name in (*BINARY, *IN_PLACE, *UNARY):
    _dunder = f"__{_name.rstrip('_')}__"
    if _dunder not in Remote.__dict__:  # __eq__ and __ne__ are written out above
        setattr(Remote, _dunder, _forward(_name))
for _name in BINARY[:13]:
    setattr(Remote, f"__r{_name.rstrip('_')}__", _forward(_name, reflected=True))


def plain_args(error: BaseException) -> dict:
    """{"args": …} when the exception's arguments are plain values (so it can be rebuilt exactly), else {}."""
    try:
        return {"args": plain.encode(plain.exception_args(error))}
    except (plain.NotPlain, RecursionError):
        return {}


def rebuilt_args(error: dict, message: str) -> tuple:
    """The arguments to rebuild an exception with: its own when they came, else its message."""
    try:
        args = plain.decode(error["args"]) if "args" in error else (message,)
    except (plain.NotPlain, RecursionError):
        args = (message,)
    return args if type(args) is tuple else (message,)


def is_builtin(kind: type) -> bool:
    """Whether the class is one of Python's own (ValueError, int…), not a class of some module."""
    return getattr(builtins, kind.__name__, None) is kind
