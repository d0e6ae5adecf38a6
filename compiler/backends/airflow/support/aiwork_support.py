# Support module for flows compiled by aiwc to Airflow. Written next to the
# generated Airflow files by `aiwc compile --target airflow`; do not edit it
# there (a new compile overwrites it).
#
# It gives the generated tasks the semantics of the AIWork runtime
# (runtime/*.ts): values and their types, the expression operators and
# built-in functions, skips, guards and injection, and the built-in tools.
# Where JavaScript and Python differ (numbers as text, string order, regular
# expressions, whitespace, rounding), this module follows JavaScript, so both
# engines give the same results.
#
# Only the standard library is imported at module level: the scheduler's file
# processor imports this module, so heavy imports (numpy, openvino, the task
# SDK's context) happen inside the functions that need them.

from __future__ import annotations

import json
import math
import os
import re

SUPPORT_VERSION = 1

MAX_LENGTH = 10_000_000
"""Longest string or list an expression may build (runtime/expressions.ts)."""


class EvaluationError(Exception):
    """An expression could not be evaluated (fails the task without retries)."""


class ToolError(Exception):
    """A tool failed on purpose, with a message for the user (retried)."""


class GuardFailed(Exception):
    """A guard or the output's shape rejected an attempt (retried)."""


class InputError(Exception):
    """The flow's inputs do not fit its declaration."""


# ---------------------------------------------------------------- values

_JS_SPACE = (
    "\t\n\x0b\x0c\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
"""JavaScript's white space and line terminators (String.prototype.trim, \\s)."""


def _is_num(v):
    t = type(v)
    return t is int or t is float


def _is_record(v):
    return type(v) is dict


def _canon(x):
    """A number as JavaScript holds it: a double, kept as an int when whole."""
    if type(x) is int:
        if -(10**21) < x < 10**21 and float(x) == x:
            return x
        x = float(x)
    if x != x or x in (math.inf, -math.inf):
        return x
    if x.is_integer() and abs(x) < 1e21:
        return int(x)
    return x


def _finite(x):
    if type(x) is float and (x != x or x in (math.inf, -math.inf)):
        raise EvaluationError("the result is not a finite number")
    return _canon(x)


def format_number(x):
    """Number.prototype.toString: integers without a point, else the shortest exact form."""
    if type(x) is int:
        if -(2**53) <= x <= 2**53:
            return str(x)
        x = float(x)
    if x != x:
        return "NaN"
    if x == math.inf:
        return "Infinity"
    if x == -math.inf:
        return "-Infinity"
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) <= 2**53:
        return str(int(x))
    # Above 2**53 JavaScript too writes the shortest digits (then zeros).
    text = repr(x)
    sign = ""
    if text[0] == "-":
        sign, text = "-", text[1:]
    mantissa, _, exp = text.partition("e")
    whole, _, frac = mantissa.partition(".")
    all_digits = whole + frac
    stripped = all_digits.lstrip("0")
    n = len(whole) - (len(all_digits) - len(stripped)) + (int(exp) if exp else 0)
    digits = stripped.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = n - 1
    head = digits[0] + ("." + digits[1:] if k > 1 else "")
    return sign + head + "e" + ("+" if e >= 0 else "-") + str(abs(e))


def _json_string(s):
    out = ['"']
    for ch in s:
        c = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif c < 0x20 or 0xD800 <= c <= 0xDFFF:
            out.append(_JSON_ESCAPES.get(ch) or "\\u%04x" % c)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


_JSON_ESCAPES = {"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _is_array_index(key):
    return (
        key.isascii()
        and key.isdigit()
        and str(int(key)) == key
        and int(key) < 4294967295
    )


def _js_keys(record):
    """Object key order in JavaScript: array-index keys ascending, then insertion order."""
    keys = list(record)
    index = [k for k in keys if _is_array_index(k)]
    if not index:
        return keys
    index.sort(key=int)
    return index + [k for k in keys if not _is_array_index(k)]


def stable_json(v):
    """JSON.stringify: no spaces, numbers and key order as JavaScript writes them."""
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if _is_num(v):
        if type(v) is float and (v != v or v in (math.inf, -math.inf)):
            return "null"
        return format_number(v)
    if type(v) is str:
        return _json_string(v)
    if type(v) is list:
        return "[" + ",".join(stable_json(x) for x in v) + "]"
    if type(v) is dict:
        parts = [_json_string(k) + ":" + stable_json(v[k]) for k in _js_keys(v)]
        return "{" + ",".join(parts) + "}"
    raise EvaluationError("not JSON data: " + type(v).__name__)


def to_text(v):
    """How a value becomes text in interpolations and to_string (values.ts toText)."""
    if type(v) is str:
        return v
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if _is_num(v):
        return format_number(v)
    return stable_json(v)


def describe(v):
    if v is None:
        return "null"
    if type(v) is list:
        return "a list"
    if type(v) is float and (v != v or v in (math.inf, -math.inf)):
        return format_number(v)
    if type(v) is dict:
        return "a record"
    if type(v) is bool:
        return "boolean"
    if _is_num(v):
        return "number"
    if type(v) is str:
        return "string"
    return "a record"


def _utf16(s):
    """A sort key in UTF-16 code unit order, as JavaScript compares strings."""
    if not s or max(s) <= "\uffff":
        return s
    return s.encode("utf-16-be", "surrogatepass")


def _utf16_len(s):
    return len(s) + sum(1 for ch in s if ch > "\uffff")


def _utf16_head(s, units):
    """The first `units` UTF-16 code units of s (String.prototype.slice(0, units))."""
    data = s.encode("utf-16-le", "surrogatepass")[: 2 * units]
    return data.decode("utf-16-le", "surrogatepass")


def from_python(v, depth=0):
    """A value returned by Python code as JSON data (tuples as lists, whole floats as ints)."""
    if depth > 256:
        return v
    if v is None or type(v) is bool or type(v) is str:
        return v
    if _is_num(v):
        return _canon(v)
    if isinstance(v, (list, tuple)):
        return [from_python(x, depth + 1) for x in v]
    if isinstance(v, dict):
        return {k: from_python(x, depth + 1) for k, x in v.items()}
    if isinstance(v, bool):
        return bool(v)
    if isinstance(v, int):
        return _canon(int(v))
    if isinstance(v, float):
        return _canon(float(v))
    if isinstance(v, str):
        return str(v)
    item = getattr(v, "item", None)  # numpy scalars
    if callable(item):
        return from_python(item(), depth + 1)
    return v


# ---------------------------------------------------------------- types

STRING = {"kind": "string"}
NUMBER = {"kind": "number"}
BOOLEAN = {"kind": "boolean"}
NULL = {"kind": "null"}
JSON = {"kind": "json"}

_NO_DEFAULT = object()


def list_of(element):
    return {"kind": "list", "element": element}


def optional(inner):
    return {"kind": "optional", "inner": inner}


def named(name):
    return {"kind": "named", "name": name}


def field(name, type_, default=_NO_DEFAULT, doc=None):
    """A record field, a flow input or a parameter: name, type, optional default."""
    f = {"name": name, "type": type_}
    if default is not _NO_DEFAULT:
        f["default"] = default
    if doc is not None:
        f["doc"] = doc
    return f


def record(*fields):
    return {"kind": "record", "fields": list(fields)}


def check_value(value, type_, types, path="", depth=0):
    """values.ts checkValue: None when the value fits, else where and how it does not."""
    if depth > 64:
        return None
    at = "" if path == "" else path + ": "
    kind = type_["kind"]
    if kind == "json":
        return None if _is_json(value, 0) else at + "not JSON data"
    if kind == "null":
        return None if value is None else at + "expected null, found " + describe(value)
    if kind == "string":
        return (
            None
            if type(value) is str
            else at + "expected string, found " + describe(value)
        )
    if kind == "number":
        ok = _is_num(value) and not (
            type(value) is float and (value != value or value in (math.inf, -math.inf))
        )
        return None if ok else at + "expected number, found " + describe(value)
    if kind == "boolean":
        return (
            None
            if type(value) is bool
            else at + "expected boolean, found " + describe(value)
        )
    if kind == "optional":
        if value is None:
            return None
        return check_value(value, type_["inner"], types, path, depth + 1)
    if kind == "list":
        if type(value) is not list:
            return at + "expected a list, found " + describe(value)
        for i, item in enumerate(value):
            m = check_value(
                item, type_["element"], types, "%s[%d]" % (path, i), depth + 1
            )
            if m is not None:
                return m
        return None
    if kind == "named":
        t = types.get(type_["name"])
        return None if t is None else check_value(value, t, types, path, depth + 1)
    if kind == "record":
        if type(value) is not dict:
            return at + "expected a record, found " + describe(value)
        for f in type_["fields"]:
            name = f["name"]
            if name not in value:
                ftype = f["type"]["kind"]
                if "default" in f or ftype in ("optional", "json"):
                    continue
                return ("" if path == "" else path + ".") + name + ": missing"
            sub = name if path == "" else path + "." + name
            m = check_value(value[name], f["type"], types, sub, depth + 1)
            if m is not None:
                return m
        return None
    return None


def _is_json(v, depth):
    if depth > 256:
        return False
    if v is None or type(v) is str or type(v) is bool:
        return True
    if _is_num(v):
        return not (type(v) is float and (v != v or v in (math.inf, -math.inf)))
    if type(v) is list:
        return all(_is_json(x, depth + 1) for x in v)
    if type(v) is dict:
        return all(type(k) is str and _is_json(x, depth + 1) for k, x in v.items())
    return False


def with_defaults(value, type_, types, depth=0):
    """values.ts withDefaults: a copy with missing defaulted record fields filled in."""
    if depth > 64 or value is None:
        return value
    kind = type_["kind"]
    if kind == "named":
        t = types.get(type_["name"])
        return value if t is None else with_defaults(value, t, types, depth + 1)
    if kind == "optional":
        return with_defaults(value, type_["inner"], types, depth + 1)
    if kind == "list" and type(value) is list:
        return [with_defaults(v, type_["element"], types, depth + 1) for v in value]
    if kind == "record" and type(value) is dict:
        out = dict(value)
        for f in type_["fields"]:
            name = f["name"]
            if name not in out and "default" in f:
                out[name] = f["default"]
            elif name in out:
                out[name] = with_defaults(out[name], f["type"], types, depth + 1)
        return out
    return value


def type_name(t):
    kind = t["kind"]
    if kind == "list":
        return type_name(t["element"]) + "[]"
    if kind == "optional":
        return type_name(t["inner"]) + "?"
    if kind == "named":
        return t["name"]
    if kind == "record":
        inner = ", ".join(f["name"] + ": " + type_name(f["type"]) for f in t["fields"])
        return "{ " + inner + " }"
    return kind


# ---------------------------------------------------------------- expressions
# The operators and built-in functions of runtime/expressions.ts, with the same
# checks and messages. The generated code calls them; `and`/`or` take their
# right operand as a function so that it is only evaluated when needed.


def _check_length(n, what):
    if n > MAX_LENGTH:
        raise EvaluationError(
            "%s too large: %d exceeds the limit of %d" % (what, n, MAX_LENGTH)
        )


def get(obj, *fields):
    """`obj.a.b`: null propagates; a missing field is null."""
    for name in fields:
        if obj is None:
            return None
        if type(obj) is not dict:
            raise EvaluationError(
                "cannot read field '%s' of %s" % (name, describe(obj))
            )
        obj = obj.get(name)
    return obj


def index(obj, i):
    """`obj[i]`: list items and string characters (code points), from 0."""
    if obj is None:
        return None
    if not _is_num(i) or (type(i) is float and not i.is_integer()):
        raise EvaluationError("an index must be a whole number, found " + describe(i))
    if type(obj) is list or type(obj) is str:
        n = int(i)
        if n < 0 or n >= len(obj):
            raise EvaluationError(
                "index %s is out of range (length %d)" % (format_number(i), len(obj))
            )
        return obj[n]
    raise EvaluationError("cannot index " + describe(obj))


def _bool(v, op):
    if type(v) is not bool:
        raise EvaluationError("'%s' needs booleans, found %s" % (op, describe(v)))
    return v


def and_(left, *rights):
    """`a and b and c`: each operand a boolean, evaluated only while all are true."""
    value = _bool(left, "and")
    for right in rights:
        if not value:
            return value
        value = _bool(right(), "and")
    return value


def or_(left, *rights):
    value = _bool(left, "or")
    for right in rights:
        if value:
            return value
        value = _bool(right(), "or")
    return value


def not_(v):
    if type(v) is not bool:
        raise EvaluationError("'not' needs a boolean, found " + describe(v))
    return not v


def neg(v):
    if not _is_num(v):
        raise EvaluationError("'-' needs a number, found " + describe(v))
    return _canon(-v)


def deep_equal(a, b):
    if a is None or b is None:
        return a is b
    if type(a) is bool or type(b) is bool:
        return type(a) is type(b) and a == b
    if _is_num(a):
        return _is_num(b) and a == b
    if type(a) is str:
        return type(b) is str and a == b
    if type(a) is list:
        return type(b) is list and len(a) == len(b) and all(map(deep_equal, a, b))
    if type(a) is dict:
        if type(b) is not dict or len(a) != len(b):
            return False
        return all(k in b and deep_equal(a[k], b[k]) for k in a)
    return False


def eq(a, b):
    return deep_equal(a, b)


def ne(a, b):
    return not deep_equal(a, b)


def _ordered(op, a, b):
    if _is_num(a) and _is_num(b):
        return a, b
    if type(a) is str and type(b) is str:
        return _utf16(a), _utf16(b)
    raise EvaluationError(
        "'%s' compares two numbers or two strings, found %s and %s"
        % (op, describe(a), describe(b))
    )


def lt(a, b):
    x, y = _ordered("<", a, b)
    return x < y


def le(a, b):
    x, y = _ordered("<=", a, b)
    return x <= y


def gt(a, b):
    x, y = _ordered(">", a, b)
    return x > y


def ge(a, b):
    x, y = _ordered(">=", a, b)
    return x >= y


def _contains(container, item):
    if container is None:
        return False
    if type(container) is str:
        if type(item) is not str:
            raise EvaluationError(
                "'in' on a string needs a string, found " + describe(item)
            )
        return item in container
    if type(container) is list:
        return any(deep_equal(x, item) for x in container)
    raise EvaluationError(
        "'in' needs a list or a string on its right, found " + describe(container)
    )


def in_(item, container):
    return _contains(container, item)


def not_in(item, container):
    return not _contains(container, item)


def _add2(a, b):
    if _is_num(a) and _is_num(b):
        return _finite(float(a) + float(b))
    if type(a) is str and type(b) is str:
        _check_length(len(a) + len(b), "string")
        return a + b
    if type(a) is list and type(b) is list:
        _check_length(len(a) + len(b), "list")
        return a + b
    raise EvaluationError(
        "'+' adds numbers or joins strings or lists, found %s and %s"
        % (describe(a), describe(b))
    )


def add(first, *rest):
    """`a + b + c`, left to right."""
    value = first
    for b in rest:
        value = _add2(value, b)
    return value


def _numbers(op, a, b):
    if not _is_num(a) or not _is_num(b):
        raise EvaluationError(
            "'%s' needs numbers, found %s and %s" % (op, describe(a), describe(b))
        )
    return float(a), float(b)


def sub(first, *rest):
    value = first
    for b in rest:
        x, y = _numbers("-", value, b)
        value = _finite(x - y)
    return value


def mul(first, *rest):
    value = first
    for b in rest:
        x, y = _numbers("*", value, b)
        value = _finite(x * y)
    return value


def div(first, *rest):
    value = first
    for b in rest:
        x, y = _numbers("/", value, b)
        if y == 0:
            raise EvaluationError("division by zero")
        value = _finite(x / y)
    return value


def mod(first, *rest):
    value = first
    for b in rest:
        x, y = _numbers("%", value, b)
        if y == 0:
            raise EvaluationError("division by zero")
        value = _finite(math.fmod(x, y))
    return value


def concat(*parts):
    """String interpolation: every part as text, joined."""
    out = []
    total = 0
    for p in parts:
        s = to_text(p)
        total += len(s)
        _check_length(total, "string")
        out.append(s)
    return "".join(out)


def list_(*items):
    _check_length(len(items), "list")
    return list(items)


def guard(condition, message):
    """A guard `condition else message`: None when it holds, else the message as text."""
    if condition is True:
        return None
    return to_text(message())


# Built-in functions (compiler/builtins.ts), named fn_<name>.


def _str(v, fn, what="a string"):
    if type(v) is not str:
        raise EvaluationError("%s needs %s, found %s" % (fn, what, describe(v)))
    return v


def _num(v, fn):
    if not _is_num(v):
        raise EvaluationError("%s needs a number, found %s" % (fn, describe(v)))
    return v


def _number_list(v, fn):
    if type(v) is not list:
        raise EvaluationError(
            "%s needs a list of numbers, found %s" % (fn, describe(v))
        )
    return [_num(x, fn) for x in v]


def fn_len(v):
    if type(v) is str or type(v) is list:
        return len(v)
    raise EvaluationError("len needs a string or a list, found " + describe(v))


def fn_lower(v):
    return _str(v, "lower").lower()


def fn_upper(v):
    return _str(v, "upper").upper()


def js_trim(s):
    return s.strip(_JS_SPACE)


def fn_trim(v):
    return js_trim(_str(v, "trim"))


def fn_contains(haystack, needle):
    return _contains(haystack, needle)


def fn_starts_with(text, prefix):
    return _str(text, "starts_with").startswith(_str(prefix, "starts_with"))


def fn_ends_with(text, suffix):
    return _str(text, "ends_with").endswith(_str(suffix, "ends_with"))


def fn_replace(text, old, new):
    text = _str(text, "replace")
    old = _str(old, "replace")
    new = _str(new, "replace")
    if old == "":
        raise EvaluationError("replace: the text to replace is empty")
    count = text.count(old)
    _check_length(len(text) + count * (len(new) - len(old)), "string")
    return text.replace(old, new)


def fn_split(text, separator):
    text = _str(text, "split")
    separator = _str(separator, "split")
    if separator == "":
        raise EvaluationError("split: the separator is empty")
    parts = text.split(separator)
    _check_length(len(parts), "list")
    return parts


def fn_join(items, separator):
    if type(items) is not list:
        raise EvaluationError("join needs a list, found " + describe(items))
    separator = _str(separator, "join")
    out = separator.join(to_text(x) for x in items)
    _check_length(len(out), "string")
    return out


def fn_to_string(v):
    out = to_text(v)
    _check_length(len(out), "string")
    return out


_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_RADIX = re.compile(r"0(?:[xX][0-9a-fA-F]+|[oO][0-7]+|[bB][01]+)\Z")
_INFINITY = re.compile(r"[+-]?Infinity\Z")


def js_number(text):
    """Number(text) for text already trimmed: NaN when it is not a number."""
    if _DECIMAL.match(text):
        return float(text)
    if _RADIX.match(text):
        return float(int(text[2:], {"x": 16, "o": 8, "b": 2}[text[1].lower()]))
    if _INFINITY.match(text):
        return -math.inf if text[0] == "-" else math.inf
    return math.nan


def fn_to_number(v):
    if _is_num(v):
        return v
    s = js_trim(_str(v, "to_number", "a string or a number"))
    n = math.nan if s == "" else js_number(s)
    if n != n or n in (math.inf, -math.inf):
        shown = _utf16_head(s, 40) + "..." if _utf16_len(s) > 40 else s
        raise EvaluationError("to_number: '%s' is not a number" % shown)
    return _canon(n)


def js_round(x):
    """Math.round: to the nearest integer, halves toward +infinity."""
    if x != x or x in (math.inf, -math.inf):
        return x
    r = math.floor(x)
    return float(r + 1) if x - r >= 0.5 else float(r)


def fn_round(x, digits=0):
    """Round half away from zero to `digits` decimals, in decimal terms (roundHalfAway)."""
    x = _num(x, "round")
    digits = _num(digits, "round")
    if (type(digits) is float and not digits.is_integer()) or digits < 0 or digits > 15:
        raise EvaluationError("round: digits must be a whole number from 0 to 15")
    d = format_number(digits)
    sign = -1 if x < 0 else 1
    shifted = js_number(format_number(abs(x)) + "e" + d)
    rounded = js_number(format_number(js_round(shifted)) + "e-" + d)
    return _canon(sign * rounded)


def fn_floor(x):
    return _canon(float(math.floor(_num(x, "floor"))))


def fn_ceil(x):
    return _canon(float(math.ceil(_num(x, "ceil"))))


def fn_abs(x):
    return _canon(abs(_num(x, "abs")))


def fn_min(xs):
    ns = _number_list(xs, "min")
    if not ns:
        raise EvaluationError("min of an empty list")
    best = ns[0]
    for n in ns[1:]:
        if n < best:
            best = n
    return best


def fn_max(xs):
    ns = _number_list(xs, "max")
    if not ns:
        raise EvaluationError("max of an empty list")
    best = ns[0]
    for n in ns[1:]:
        if n > best:
            best = n
    return best


def fn_sum(xs):
    total = 0.0
    for n in _number_list(xs, "sum"):
        total += float(n)  # left to right, as Array.reduce: no compensated summation
    return _finite(total)


def fn_keys(r):
    if type(r) is not dict:
        raise EvaluationError("keys needs a record, found " + describe(r))
    return sorted(r, key=_utf16)


def fn_coalesce(value, fallback):
    return fallback if value is None else value


# ---------------------------------------------------------------- declarations
# The generated file describes its flow with these; `Flow` is the one object a
# task needs to find everything else.


class Flow:
    def __init__(
        self,
        *,
        name,
        dag_id,
        project_dir,
        inputs,
        types,
        tools,
        agents,
        tasks,
        version=SUPPORT_VERSION,
    ):
        if version != SUPPORT_VERSION:
            raise RuntimeError(
                "this file was generated for aiwork_support version %s, "
                "but version %s is installed next to it: compile again with aiwc"
                % (version, SUPPORT_VERSION)
            )
        self.name = name
        self.dag_id = dag_id
        self.project_dir = project_dir
        self.inputs = inputs
        self.types = types
        self.tools = tools
        self.agents = agents
        self.tasks = {t.name: t for t in tasks}
        for t in tasks:
            if t.output is None:  # a tool task's output is its tool's return type
                t.output = tools[t.tool]["returns"] if t.tool is not None else JSON

    def prepare_inputs(self, raw):
        """runtime/run.ts prepareInputs: check the inputs, fill in defaults."""
        problems = []
        out = {}
        declared = {p["name"] for p in self.inputs}
        for name in raw:
            if name not in declared:
                names = ", ".join(p["name"] for p in self.inputs) or "none"
                problems.append(
                    "'%s' is not an input of flow '%s' (its inputs: %s)"
                    % (name, self.name, names)
                )
        for p in self.inputs:
            name = p["name"]
            given = from_python(raw.get(name))
            required = "default" not in p and p["type"]["kind"] != "optional"
            if given is None and (name not in raw or required):
                if "default" in p:
                    out[name] = p["default"]
                elif p["type"]["kind"] == "optional":
                    out[name] = None
                else:
                    problems.append(
                        "input '%s' is required (%s)" % (name, type_name(p["type"]))
                    )
                continue
            m = check_value(given, p["type"], self.types)
            if m is not None:
                problems.append("input '%s': %s" % (name, m))
            else:
                out[name] = with_defaults(given, p["type"], self.types)
        if problems:
            raise InputError("; ".join(problems))
        return out

    def project_path(self, relative):
        """A path of the project (where aiwc compiled) on this machine."""
        root = os.environ.get("AIWORK_PROJECT_DIR") or self.project_dir
        return os.path.normpath(os.path.join(root, relative))


def beside(file, relative):
    """A folder given relative to the folder of `file` (the generated DAG file)."""
    return os.path.normpath(
        os.path.join(os.path.dirname(os.path.abspath(file)), relative)
    )


class Task:
    """One task of the flow (an injected copy of a template is a task too)."""

    def __init__(
        self,
        name,
        task_id,
        *,
        output=None,
        tool=None,
        agent=None,
        items_id=None,
        check_skipped=(),
        inject=None,
        injected_by=None,
    ):
        self.name = name
        self.task_id = task_id
        self.output = output
        self.tool = tool
        self.agent = agent
        self.items_id = items_id
        self.check_skipped = tuple(check_skipped)
        self.inject = inject or {}
        self.injected_by = injected_by


def builtin_tool(name, returns=JSON):
    return {"kind": "builtin", "name": name, "returns": returns}


def python_tool(target, returns=JSON):
    return {"kind": "python", "target": target, "returns": returns}


def model_tool(**spec):
    return dict(spec, kind="model")


def agent(*, role, goal, backstory=None, memory_top_k=None):
    return {
        "role": role,
        "goal": goal,
        "backstory": backstory,
        "memory_top_k": memory_top_k,
    }


# ---------------------------------------------------------------- running a task


def _fail(message):
    """Fails the task now, without retries (the runtime's permanent failures)."""
    from airflow.sdk.exceptions import AirflowFailException

    raise AirflowFailException(message)


def _skip(reason):
    from airflow.sdk.exceptions import AirflowSkipException

    raise AirflowSkipException(reason)


INJECT_KEY = "aiwork_inject"
MEMORY_KEY = "aiwork_memory"


class ToolContext:
    """What a tool may use: runtime/tools/tool.ts ToolContext."""

    def __init__(self, **fields):
        self.__dict__.update(fields)


_NO_ITEM = object()


def begin(flow, name=None, item=_NO_ITEM):
    """The start of every generated task: its context and inputs.

    `begin(FLOW, "t")` for a task (it also applies the skips the trigger rule
    cannot decide), `begin(FLOW, "t", item=item)` for one item of a fan-out
    task, `begin(FLOW)` for the task that computes the flow's return value.
    """
    from airflow.sdk import get_current_context

    node = None if name is None else flow.tasks[name]
    return Scope(flow, node, get_current_context(), checks=item is _NO_ITEM)


def chosen_templates(flow, name):
    """For the branch after an injecting task: the Airflow ids of the templates it chose."""
    from airflow.sdk import get_current_context

    node = flow.tasks[name]
    ti = get_current_context()["ti"]
    chosen = ti.xcom_pull(task_ids=node.task_id, key=INJECT_KEY, map_indexes=-1)
    return [node.inject[n] for n in chosen or []]


class Scope:
    def __init__(self, flow, node, context, checks):
        self.flow = flow
        self.node = node
        self.ti = context["ti"]
        self.run_id = context["run_id"]
        self._outputs = {}
        try:
            self.inputs = flow.prepare_inputs(dict(context["params"]))
        except InputError as e:
            _fail("the inputs do not fit the flow: %s" % e)
        if checks and node is not None and node.check_skipped:
            self._skip_if_a_read_task_was_skipped()

    def _skip_if_a_read_task_was_skipped(self):
        # The trigger rule tolerates skipped upstream tasks; reading one skips this task.
        ids = {}
        for name in self.node.check_skipped:
            other = self.flow.tasks[name]
            ids[other.items_id or other.task_id] = name
        states = self.ti.get_task_states(
            dag_id=self.ti.dag_id,
            task_ids=list(ids),
            run_ids=[self.run_id],
            map_index=-1,
        ).get(self.run_id, {})
        for task_id, name in ids.items():
            if states.get(task_id) == "skipped":
                _skip("it reads '%s', which was skipped" % name)

    # values --------------------------------------------------------------

    def input(self, name):
        if name not in self.inputs:
            raise EvaluationError("no input '%s'" % name)
        return self.inputs[name]

    def output(self, name):
        """The output of another task: a skipped task's is null, a fan-out task's a list."""
        if name in self._outputs:
            return self._outputs[name]
        other = self.flow.tasks.get(name)
        if other is None:
            raise EvaluationError("task '%s' has no output yet" % name)
        if other.items_id is not None:
            items = self.ti.xcom_pull(task_ids=other.items_id, map_indexes=-1)
            if items is None:
                value = None
            elif not items:
                value = []  # Airflow skips a task mapped over nothing; its output is []
            else:
                value = self.ti.xcom_pull(
                    task_ids=other.task_id, map_indexes=list(range(len(items)))
                )
        else:
            value = self.ti.xcom_pull(task_ids=other.task_id, map_indexes=-1)
        self._outputs[name] = value
        return value

    # phases ------------------------------------------------------------------

    def when(self, condition):
        try:
            go = condition()
        except EvaluationError as e:
            _fail("'when' could not be evaluated: %s" % e)
        if go is not True:
            _skip("its 'when' condition is false")

    def items(self, expression):
        try:
            items = expression()
        except EvaluationError as e:
            _fail("the fan-out list could not be evaluated: %s" % e)
        if type(items) is not list:
            _fail("the fan-out value is not a list")
        return items

    def value(self, expression):
        """A task whose run is an expression."""
        try:
            return expression()
        except EvaluationError as e:
            _fail(str(e))

    def tool(self, arguments):
        """A task whose run calls a tool: arguments first, then the call."""
        try:
            args = arguments()
        except EvaluationError as e:
            _fail("argument could not be evaluated: %s" % e)
        return _call_tool(self, self.node.tool, args)

    def finish(self, value, *guards, inject=None):
        """The output's shape, then the guards (a failure is retried), then injection."""
        node = self.node
        value = from_python(value)
        out = with_defaults(value, node.output, self.flow.types)
        shape = check_value(out, node.output, self.flow.types)
        if shape is not None:
            what = "tool '%s'" % node.tool if node.tool else "the run expression"
            raise GuardFailed("%s returned the wrong shape: %s" % (what, shape))
        for g in guards:
            try:
                message = g(out)
            except EvaluationError as e:
                message = "a guard could not be evaluated: %s" % e
            if message is not None:
                raise GuardFailed("guard failed: %s" % message)
        if inject is not None:
            self._inject(out, inject)
        return out

    def _inject(self, out, choose):
        try:
            chosen = choose(out)
        except EvaluationError as e:
            _fail("'inject' could not be evaluated: %s" % e)
        allowed = self.node.inject
        names = (
            [chosen]
            if type(chosen) is str
            else chosen
            if type(chosen) is list
            else None
        )
        bad = None
        if names is None:
            bad = "a value that is not template names"
        else:
            for n in names:
                if type(n) is not str or n not in allowed:
                    bad = "'%s'" % n if type(n) is str else stable_json(n)
                    break
        if bad is not None:
            _fail(
                "'inject' chose %s, which is not one of its templates (%s)"
                % (bad, ", ".join(allowed))
            )
        unique = list(dict.fromkeys(names))
        self.ti.xcom_push(key=INJECT_KEY, value=unique)

    def flow_output(self, expression):
        try:
            return from_python(expression())
        except EvaluationError as e:
            _fail("the flow's return value could not be evaluated: %s" % e)

    # tools -------------------------------------------------------------------

    def tool_context(self):
        node = self.node
        key = "%s:%s" % (self.run_id, node.name)
        if self.ti.map_index is not None and self.ti.map_index >= 0:
            key += ":%d" % self.ti.map_index
        agent_info = None
        if node.agent is not None:
            persona = self.flow.agents[node.agent]
            agent_info = {"name": node.agent, "persona": persona}
            if persona.get("memory_top_k") is not None:
                agent_info["memory"] = XComMemory(self, node.agent)
        return ToolContext(
            work_dir=work_dir(),
            source_dir=self.flow.project_path("."),
            run_id=self.run_id,
            task_id=node.name,
            attempt=self.ti.try_number,
            idempotency_key=key,
            agent=agent_info,
        )


def work_dir():
    """The folder file tools read and write: $AIWORK_WORK_DIR, else the current folder."""
    return os.path.abspath(os.environ.get("AIWORK_WORK_DIR") or os.getcwd())


_LOADED = {}


def _call_tool(scope, name, args):
    spec = scope.flow.tools[name]
    kind = spec["kind"]
    ctx = scope.tool_context()
    if kind == "builtin":
        fn = BUILTIN_TOOLS.get(spec["name"])
        if fn is None:
            raise ToolError(
                "tool '%s': there is no built-in tool '%s'" % (name, spec["name"])
            )
        return fn(args, ctx)
    if kind == "python":
        return from_python(_call_python(name, spec, args, ctx))
    if kind == "model":
        return _run_model(scope.flow, name, spec, args)
    raise ToolError("tool '%s' has an unknown binding" % name)


def _call_python(name, spec, args, ctx):
    target = spec.get("target")
    if not target:
        raise ToolError(
            "tool '%s' has no Python binding (python: \"package.module:function\"); "
            "it can only run on the built-in runtime" % name
        )
    fn = _LOADED.get(target)
    if fn is None:
        import importlib
        import inspect

        module_name, _, attr = target.partition(":")
        if not module_name or not attr:
            raise ToolError(
                'tool \'%s\': python: "%s" should look like "package.module:function"'
                % (name, target)
            )
        try:
            module = importlib.import_module(module_name)
        except ImportError as e:
            raise ToolError(
                "tool '%s': cannot import '%s': %s" % (name, module_name, e)
            )
        fn = getattr(module, attr, None)
        if not callable(fn):
            raise ToolError(
                "tool '%s': '%s' has no function '%s'" % (name, module_name, attr)
            )
        try:
            takes_ctx = "ctx" in inspect.signature(fn).parameters
        except (TypeError, ValueError):
            takes_ctx = False
        fn = (fn, takes_ctx)
        _LOADED[target] = fn
    function, takes_ctx = fn
    return function(**args, ctx=ctx) if takes_ctx else function(**args)


# ---------------------------------------------------------------- built-in tools
# runtime/tools/*.ts, with the same arguments, results and messages.

READ_TEXT_MAX_BYTES = 10 * 1024 * 1024


def _is_absolute(p):
    """Absolute in either flavour (POSIX, or Windows drive/UNC), as work-dir.ts refuses."""
    if p[:1] in ("/", "\\"):
        return True
    return (
        len(p) >= 3
        and p[0].isascii()
        and p[0].isalpha()
        and p[1] == ":"
        and p[2] in "/\\"
    )


def resolve_inside(work, rel, who="path"):
    """work-dir.ts resolveInside: the real path of rel inside the work folder, or a ToolError."""
    shown = "'%s'" % rel
    if "\0" in rel:
        raise ToolError("%s: %s contains a NUL character" % (who, _json_string(rel)))
    if rel == "":
        raise ToolError("%s: the path is empty" % who)
    if _is_absolute(rel):
        raise ToolError(
            "%s: %s is an absolute path; give a path relative to the work folder"
            % (who, shown)
        )
    if not os.path.isdir(work):
        raise ToolError("%s: the work folder '%s' does not exist" % (who, work))
    root = os.path.realpath(work)
    target = os.path.normpath(os.path.join(root, rel))
    if not _within(root, target):
        raise ToolError("%s: %s is outside the work folder" % (who, shown))
    rest = []
    existing = target
    while not os.path.exists(existing):
        if os.path.islink(existing):
            raise ToolError("%s: %s goes through a broken symbolic link" % (who, shown))
        rest.insert(0, os.path.basename(existing))
        parent = os.path.dirname(existing)
        if parent == existing:
            raise ToolError("%s: %s is outside the work folder" % (who, shown))
        existing = parent
    try:
        real = os.path.realpath(existing, strict=True)
    except OSError:
        raise ToolError("%s: %s goes through a loop of symbolic links" % (who, shown))
    resolved = os.path.join(real, *rest)
    if not _within(root, resolved):
        raise ToolError(
            "%s: %s is outside the work folder (through a symbolic link)" % (who, shown)
        )
    return resolved


def _within(root, p):
    return p == root or p.startswith(root if root.endswith(os.sep) else root + os.sep)


def read_text(args, ctx):
    rel = args.get("path")
    if type(rel) is not str:
        raise ToolError("read_text: 'path' must be a string")
    file = resolve_inside(ctx.work_dir, rel, "read_text")
    if os.path.isdir(file):
        raise ToolError("read_text: '%s' is a folder, not a file" % rel)
    if not os.path.exists(file):
        raise ToolError("read_text: no file '%s' in the work folder" % rel)
    if not os.path.isfile(file):
        raise ToolError("read_text: '%s' is not a regular file" % rel)
    size = os.path.getsize(file)
    if size > READ_TEXT_MAX_BYTES:
        raise _too_large(rel, size)
    try:
        with open(file, "rb") as fh:
            data = fh.read(READ_TEXT_MAX_BYTES + 1)
    except PermissionError:
        raise ToolError("read_text: no permission to read '%s'" % rel)
    if len(data) > READ_TEXT_MAX_BYTES:
        raise _too_large(rel, len(data))
    try:
        # utf-8-sig drops a byte order mark, as TextDecoder does.
        return {"text": data.decode("utf-8-sig")}
    except UnicodeDecodeError:
        raise ToolError("read_text: '%s' is not UTF-8 text" % rel)


def _too_large(rel, size):
    return ToolError(
        "read_text: '%s' is %d bytes, more than the limit of %d bytes (10 MiB)"
        % (rel, size, READ_TEXT_MAX_BYTES)
    )


def _display_path(rel):
    return os.path.normpath(rel).replace(os.sep, "/")


def write_text(args, ctx):
    rel = args.get("path")
    text = args.get("text")
    if type(rel) is not str:
        raise ToolError("write_text: 'path' must be a string")
    if type(text) is not str:
        raise ToolError("write_text: 'text' must be a string")
    if rel.endswith("/") or rel.endswith("\\"):
        raise ToolError("write_text: '%s' names a folder, not a file" % rel)
    file = resolve_inside(ctx.work_dir, rel, "write_text")
    if file == resolve_inside(ctx.work_dir, ".", "write_text"):
        raise ToolError("write_text: '%s' is the work folder itself, not a file" % rel)
    data = text.encode("utf-8", "surrogatepass")
    folder = os.path.dirname(file)
    temp = os.path.join(
        folder, ".%s.%s.tmp" % (os.path.basename(file), os.urandom(6).hex())
    )
    try:
        os.makedirs(folder, exist_ok=True)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.write(fd, data)
            os.fdatasync(fd)
        finally:
            os.close(fd)
        os.replace(temp, file)
    except IsADirectoryError:
        _unlink(temp)
        raise ToolError("write_text: '%s' is a folder, not a file" % rel)
    except (NotADirectoryError, FileExistsError):
        _unlink(temp)
        raise ToolError(
            "write_text: cannot create '%s': part of its folder path is a file" % rel
        )
    except PermissionError:
        _unlink(temp)
        raise ToolError("write_text: no permission to write '%s'" % rel)
    except BaseException:
        _unlink(temp)
        raise
    return {"path": _display_path(rel), "bytes": len(data)}


def _unlink(p):
    try:
        os.unlink(p)
    except OSError:
        pass


def lookup_path(value, segments):
    """json-extract.ts lookupPath: record keys and list indexes, or _MISSING."""
    cur = value
    for seg in segments:
        if type(cur) is list:
            if re.fullmatch(r"0|[1-9][0-9]*", seg) and int(seg) < len(cur):
                cur = cur[int(seg)]
            else:
                return _MISSING
        elif type(cur) is dict:
            if seg not in cur:
                return _MISSING
            cur = cur[seg]
        else:
            return _MISSING
    return cur


_MISSING = object()


def _parse_json(text):
    """JSON.parse: standard JSON only (no NaN or Infinity), numbers as doubles."""

    def constant(name):
        raise ValueError("unexpected " + name)

    return json.loads(
        text,
        parse_constant=constant,
        parse_int=lambda s: _canon(int(s)),
        parse_float=lambda s: _canon(float(s)),
    )


def json_extract(args, ctx):
    text = args.get("text")
    path = args.get("path")
    if path is None:
        path = ""
    if type(text) is not str:
        raise ToolError("json_extract: 'text' must be a string")
    if type(path) is not str:
        raise ToolError("json_extract: 'path' must be a string")
    segments = [] if path == "" else path.split(".")
    if "" in segments:
        raise ToolError(
            "json_extract: path '%s' has an empty part "
            "(write names and indexes separated by single dots)" % path
        )
    try:
        doc = _parse_json(text)
    except (ValueError, RecursionError) as e:
        raise ToolError(
            "json_extract: invalid JSON: %s" % _describe_json_error(text, e)
        )
    found = lookup_path(doc, segments)
    if found is _MISSING:
        return {"found": False, "value": None}
    return {"found": True, "value": found}


def _describe_json_error(text, e):
    err = locate_json_error(text)
    if err is None:
        return str(e)
    at, what = err
    before = text[:at]
    line = before.count("\n") + 1
    column = at - (before.rfind("\n") + 1) + 1
    return "line %d column %d (position %d): %s" % (line, column, at, what)


_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_JSON_LITERAL = re.compile(r"true|false|null")


def locate_json_error(s):
    """json-extract.ts locateJsonError: the first syntax error as (offset, what)."""
    stack = []
    expect = "value"
    i = 0
    n = len(s)

    def string(i):
        j = i + 1
        while j < n:
            c = s[j]
            if c == '"':
                return j + 1, None
            if ord(c) < 0x20:
                return (
                    j,
                    "control character in a string (write it as an escape such as \\n)",
                )
            if c != "\\":
                j += 1
            elif (
                s[j + 1 : j + 2] in ('"', "\\", "/", "b", "f", "n", "r", "t")
                and j + 1 < n
            ):
                j += 2
            elif re.fullmatch(r"u[0-9a-fA-F]{4}", s[j + 1 : j + 6]):
                j += 6
            else:
                return j, "invalid escape in a string"
        return n, "unterminated string"

    while True:
        while i < n and s[i] in " \t\n\r":
            i += 1
        if i >= n:
            if expect == "after" and not stack:
                return None
            return i, "unexpected end of the text"
        c = s[i]
        shown = _json_string(c)
        if expect in ("first-value", "value"):
            if expect == "first-value" and c == "]":
                stack.pop()
                i += 1
                expect = "after"
            elif c in "{[":
                stack.append(c)
                i += 1
                expect = "first-key" if c == "{" else "first-value"
            elif c == '"':
                i, bad = string(i)
                if bad is not None:
                    return i, bad
                expect = "after"
            else:
                m = _JSON_NUMBER.match(s, i) or _JSON_LITERAL.match(s, i)
                if not m or m.end() == i:
                    return i, "unexpected %s, expected a value" % shown
                i = m.end()
                expect = "after"
        elif expect in ("first-key", "key"):
            if expect == "first-key" and c == "}":
                stack.pop()
                i += 1
                expect = "after"
                continue
            if c != '"':
                return (
                    i,
                    "unexpected %s, expected a property name in double quotes" % shown,
                )
            i, bad = string(i)
            if bad is not None:
                return i, bad
            while i < n and s[i] in " \t\n\r":
                i += 1
            if s[i : i + 1] != ":":
                return i, "expected ':' after the property name"
            i += 1
            expect = "value"
        else:
            if not stack:
                return i, "unexpected %s after the end of the JSON value" % shown
            top = stack[-1]
            close = "}" if top == "{" else "]"
            if c == ",":
                i += 1
                expect = "key" if top == "{" else "value"
            elif c == close:
                stack.pop()
                i += 1
            else:
                return i, "unexpected %s, expected ',' or '%s'" % (shown, close)


RENDER_MAX_CHARS = 10 * 1024 * 1024
_WS_CLASS = "".join("\\u%04x" % ord(c) for c in _JS_SPACE)
_PLACEHOLDER = re.compile(
    r"\{\{[%s]*([^{}%s.]+(?:\.[^{}%s.]+)*)[%s]*\}\}" % ((_WS_CLASS,) * 4)
)


def render_template(args, ctx):
    template = args.get("template")
    values = args.get("values")
    if type(template) is not str:
        raise ToolError("render_template: 'template' must be a string")
    out = []
    size = 0
    last = 0
    for m in _PLACEHOLDER.finditer(template):
        name = m.group(1)
        value = lookup_path(values, name.split("."))
        if value is _MISSING:
            raise ToolError("render_template: no value for {{%s}}" % name)
        piece = template[last : m.start()] + to_text(value)
        out.append(piece)
        size += _utf16_len(piece)
        last = m.end()
        if size > RENDER_MAX_CHARS:
            raise _render_too_large()
    tail = template[last:]
    if size + _utf16_len(tail) > RENDER_MAX_CHARS:
        raise _render_too_large()
    out.append(tail)
    return {"text": "".join(out)}


def _render_too_large():
    return ToolError(
        "render_template: the result is longer than %d characters (10 MiB)"
        % RENDER_MAX_CHARS
    )


# regex_extract: JavaScript patterns (flags "gu") translated to Python's re.

REGEX_TIME_LIMIT_S = 1.0
REGEX_MAX_MATCHES = 100_000
_SPACE_RANGES = (
    "\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
)
_NOT_SPACE_RANGES = (
    "\\x00-\\x08\\x0e-\\x1f!-\\x9f\\xa1-\\u167f\\u1681-\\u1fff\\u200b-\\u2027"
    "\\u202a-\\u202e\\u2030-\\u205e\\u2060-\\u2fff\\u3001-\\ufefe\\uff00-\\U0010ffff"
)
_SYNTAX = set("^$\\.*+?()[]{}|/")


def js_regex_to_python(pattern):
    """A JavaScript regular expression (flags gu) as a Python pattern with the same matches.

    Compile the result with re.ASCII, so that \\d, \\w and \\b are ASCII as in
    JavaScript; \\s, `.`, `$` and the escapes that differ are rewritten here.
    """
    out = []
    i = 0
    n = len(pattern)
    in_class = False
    class_start = False
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                raise ValueError("\\ at end of pattern")
            e = pattern[i + 1]
            i += 2
            if e in "sS":
                if in_class:
                    out.append(_SPACE_RANGES if e == "s" else _NOT_SPACE_RANGES)
                else:
                    out.append(
                        "[%s]" % (_SPACE_RANGES if e == "s" else _NOT_SPACE_RANGES)
                    )
            elif e in "dDwWbBfnrtv" or e.isdigit() and e != "0":
                if e.isdigit():
                    j = i
                    while j < n and pattern[j].isdigit():
                        j += 1
                    out.append("\\" + e + pattern[i:j])
                    i = j
                else:
                    out.append("\\" + e)
            elif e == "0":
                out.append("\\x00")
            elif e == "c" and i < n and pattern[i].isascii() and pattern[i].isalpha():
                out.append("\\x%02x" % (ord(pattern[i]) % 32))
                i += 1
            elif e == "x":
                out.append("\\x" + pattern[i : i + 2])
                i += 2
            elif e == "u":
                if pattern[i : i + 1] == "{":
                    end = pattern.index("}", i)
                    cp = int(pattern[i + 1 : end], 16)
                    i = end + 1
                else:
                    cp = int(pattern[i : i + 4], 16)
                    i += 4
                    if 0xD800 <= cp <= 0xDBFF and pattern[i : i + 2] == "\\u":
                        low = int(pattern[i + 2 : i + 6], 16)
                        if 0xDC00 <= low <= 0xDFFF:
                            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00)
                            i += 6
                out.append("\\U%08x" % cp)
            elif e == "k" and pattern[i : i + 1] == "<":
                end = pattern.index(">", i)
                out.append("(?P=%s)" % pattern[i + 1 : end])
                i = end + 1
            elif e in "pP":
                end = pattern.find("}", i)
                if pattern[i : i + 1] != "{" or end < 0:
                    raise ValueError("\\%s needs {...}" % e)
                ranges = _category_ranges(pattern[i + 1 : end])
                i = end + 1
                if in_class and e == "P":
                    raise ValueError(
                        "\\P{...} inside [...] is not supported by the Airflow support module"
                    )
                if in_class:
                    out.append(ranges)
                else:
                    out.append("[%s%s]" % ("^" if e == "P" else "", ranges))
            elif e in _SYNTAX or e == "-":
                out.append("\\" + e)
            else:
                raise ValueError("invalid escape \\" + e)
            class_start = False
            continue
        if in_class:
            if c == "]" and not class_start:
                in_class = False
                out.append("]")
            elif c in "[&~|":
                out.append("\\" + c)
            else:
                out.append(c)
            class_start = False
            i += 1
            continue
        if c == "[":
            if pattern.startswith("[^]", i):
                out.append("[\\s\\S]")
                i += 3
                continue
            if pattern.startswith("[]", i):
                out.append("(?!)")
                i += 2
                continue
            in_class = True
            class_start = True
            out.append("[")
            i += 1
            if pattern[i : i + 1] == "^":
                out.append("^")
                i += 1
            continue
        if c == ".":
            out.append("[^\\n\\r\\u2028\\u2029]")
        elif c == "$":
            out.append("\\Z")
        elif (
            c == "("
            and pattern.startswith("(?<", i)
            and pattern[i + 3 : i + 4] not in ("=", "!")
        ):
            out.append("(?P<")
            i += 3
            continue
        else:
            out.append(c)
        i += 1
    if in_class:
        raise ValueError("unterminated character class")
    return "".join(out)


_GC_NAMES = {
    "Letter": "L",
    "Cased_Letter": "LC",
    "Uppercase_Letter": "Lu",
    "Lowercase_Letter": "Ll",
    "Titlecase_Letter": "Lt",
    "Modifier_Letter": "Lm",
    "Other_Letter": "Lo",
    "Mark": "M",
    "Combining_Mark": "M",
    "Nonspacing_Mark": "Mn",
    "Spacing_Mark": "Mc",
    "Enclosing_Mark": "Me",
    "Number": "N",
    "Decimal_Number": "Nd",
    "digit": "Nd",
    "Letter_Number": "Nl",
    "Other_Number": "No",
    "Punctuation": "P",
    "punct": "P",
    "Connector_Punctuation": "Pc",
    "Dash_Punctuation": "Pd",
    "Open_Punctuation": "Ps",
    "Close_Punctuation": "Pe",
    "Initial_Punctuation": "Pi",
    "Final_Punctuation": "Pf",
    "Other_Punctuation": "Po",
    "Symbol": "S",
    "Math_Symbol": "Sm",
    "Currency_Symbol": "Sc",
    "Modifier_Symbol": "Sk",
    "Other_Symbol": "So",
    "Separator": "Z",
    "Space_Separator": "Zs",
    "Line_Separator": "Zl",
    "Paragraph_Separator": "Zp",
    "Other": "C",
    "Control": "Cc",
    "cntrl": "Cc",
    "Format": "Cf",
    "Surrogate": "Cs",
    "Private_Use": "Co",
    "Unassigned": "Cn",
}
_CATEGORY_RANGES = {}


def _category_ranges(spec):
    """\\p{...} of a General_Category value (L, Lu, Letter, gc=Lu, ...) as class ranges.

    Other Unicode properties (scripts, binary properties) are not supported.
    """
    import unicodedata

    key, _, value = spec.rpartition("=")
    if key not in ("", "General_Category", "gc"):
        raise ValueError(
            "\\p{%s} is not supported by the Airflow support module" % spec
        )
    if value == "Any":
        return "\\x00-\\U0010ffff"
    if value == "ASCII":
        return "\\x00-\\x7f"
    short = _GC_NAMES.get(value, value)
    known = short == "LC" or (
        len(short) in (1, 2)
        and short[0] in "LMNPSZC"
        and short.isascii()
        and short.isalpha()
    )
    if not known:
        raise ValueError(
            "\\p{%s} is not supported by the Airflow support module" % spec
        )
    cached = _CATEGORY_RANGES.get(short)
    if cached is not None:
        return cached
    wanted = ("Lu", "Ll", "Lt") if short == "LC" else (short,)
    parts = []
    start = None
    for cp in range(0x110001):
        cat = unicodedata.category(chr(cp)) if cp < 0x110000 else ""
        hit = cat != "" and (
            cat.startswith(wanted) if len(short) == 1 else cat in wanted
        )
        if hit and start is None:
            start = cp
        elif not hit and start is not None:
            last = cp - 1
            if start == last:
                parts.append("\\U%08x" % start)
            else:
                parts.append("\\U%08x-\\U%08x" % (start, last))
            start = None
    ranges = "".join(parts)
    _CATEGORY_RANGES[short] = ranges
    return ranges


_REGEX_CHILD = r"""
import json, re, sys
req = json.load(sys.stdin)
rx = re.compile(req["pattern"], re.ASCII)
first = None
found = []
for m in rx.finditer(req["text"]):
    if first is None:
        first = m
    if len(found) == req["max"]:
        json.dump({"tooMany": True}, sys.stdout)
        sys.exit(0)
    found.append(m.group(0))
if first is None:
    out = {"matched": False, "match": "", "groups": [], "all": found}
else:
    groups = ["" if g is None else g for g in first.groups()]
    out = {"matched": True, "match": first.group(0), "groups": groups, "all": found}
json.dump(out, sys.stdout)
"""


def regex_extract(args, ctx):
    import subprocess
    import sys

    text = args.get("text")
    pattern = args.get("pattern")
    if type(text) is not str:
        raise ToolError("regex_extract: 'text' must be a string")
    if type(pattern) is not str:
        raise ToolError("regex_extract: 'pattern' must be a string")
    try:
        translated = js_regex_to_python(pattern)
        re.compile(translated, re.ASCII)
    except (ValueError, re.error) as e:
        raise ToolError("regex_extract: invalid pattern: %s" % e)
    request = json.dumps(
        {"pattern": translated, "text": text, "max": REGEX_MAX_MATCHES}
    )
    # A regular expression cannot be interrupted in-process: it runs in a child
    # that is killed at the time limit (plus the child's start-up).
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-S", "-c", _REGEX_CHILD],
            input=request.encode("utf-8", "surrogatepass"),
            capture_output=True,
            timeout=REGEX_TIME_LIMIT_S + 2.0,
        )
    except subprocess.TimeoutExpired:
        raise ToolError(
            "regex_extract: the pattern took longer than %d ms"
            % int(REGEX_TIME_LIMIT_S * 1000)
        )
    if done.returncode != 0:
        raise ToolError(
            "regex_extract: matching failed: %s"
            % done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        )
    reply = json.loads(done.stdout)
    if reply.get("tooMany"):
        raise ToolError(
            "regex_extract: the pattern matches more than %d times; make it more specific"
            % REGEX_MAX_MATCHES
        )
    return reply


# http_request

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_WHATWG_LABELS = {
    "latin1": "cp1252",
    "iso-8859-1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
}


def http_request(args, ctx):
    import urllib.error
    import urllib.parse
    import urllib.request

    raw_url = args.get("url")
    method = args.get("method", "GET")
    body = args.get("body")
    headers = args.get("headers")
    timeout_ms = args.get("timeout_ms", 10000)
    max_bytes = args.get("max_bytes", 1048576)
    method = "GET" if method is None else method
    headers = {} if headers is None else headers
    timeout_ms = 10000 if timeout_ms is None else timeout_ms
    max_bytes = 1048576 if max_bytes is None else max_bytes
    if type(raw_url) is not str:
        raise ToolError("http_request: 'url' must be a string")
    parsed = urllib.parse.urlsplit(raw_url)
    if not parsed.scheme or not parsed.netloc and parsed.scheme in ("http", "https"):
        raise ToolError("http_request: '%s' is not a valid URL" % raw_url)
    if parsed.scheme not in ("http", "https"):
        raise ToolError(
            "http_request: only http: and https: URLs are allowed, not '%s:'"
            % parsed.scheme
        )
    shown = _redact(parsed)
    if type(method) is not str or not _TOKEN.match(method):
        raise ToolError(
            'http_request: \'method\' must be an HTTP method such as "GET" or "POST"'
        )
    if body is not None and type(body) is not str:
        raise ToolError("http_request: 'body' must be a string or null")
    upper = method.upper()
    if body is not None and upper in ("GET", "HEAD"):
        raise ToolError("http_request: a %s request cannot have a body" % upper)
    if not _is_num(timeout_ms) or not timeout_ms > 0 or timeout_ms == math.inf:
        raise ToolError("http_request: 'timeout_ms' must be a positive number")
    if not _is_num(max_bytes) or not max_bytes >= 0 or max_bytes == math.inf:
        raise ToolError("http_request: 'max_bytes' must be a number of at least 0")
    if type(headers) is not dict:
        raise ToolError(
            "http_request: 'headers' must be a record of header names to text"
        )
    request_headers = {
        "Accept-Encoding": "gzip, deflate",
        "User-Agent": "aiwork-airflow",
    }
    for name, v in headers.items():
        if not _TOKEN.match(name):
            raise ToolError("http_request: '%s' is not a valid header name" % name)
        if v is None or type(v) not in (str, int, float, bool):
            kind = "null" if v is None else "object"
            raise ToolError(
                "http_request: header '%s' must be text, not %s" % (name, kind)
            )
        text = to_text(v)
        if "\r" in text or "\n" in text or "\0" in text:
            raise ToolError(
                "http_request: header '%s' has an invalid value (line breaks are not allowed)"
                % name
            )
        request_headers[name] = text
    data = None if body is None else body.encode("utf-8", "surrogatepass")
    request = urllib.request.Request(
        raw_url, data=data, method=upper, headers=request_headers
    )
    seconds = math.ceil(timeout_ms) / 1000.0
    try:
        try:
            response = urllib.request.urlopen(request, timeout=seconds)
        except urllib.error.HTTPError as e:
            response = e  # a non-2xx status is a result, not a failure
        try:
            raw = response.read(int(max_bytes) + 1)
        finally:
            response.close()
    except TimeoutError:
        raise ToolError(
            "http_request: no response from %s within %s ms"
            % (shown, format_number(timeout_ms))
        )
    except urllib.error.URLError as e:
        reason = e.reason
        if isinstance(reason, TimeoutError):
            raise ToolError(
                "http_request: no response from %s within %s ms"
                % (shown, format_number(timeout_ms))
            )
        raise ToolError("http_request: %s %s failed: %s" % (upper, shown, reason))
    except OSError as e:
        raise ToolError("http_request: %s %s failed: %s" % (upper, shown, e))
    if len(raw) > max_bytes:
        raise ToolError(
            "http_request: the response from %s is larger than max_bytes (%s bytes)"
            % (shown, format_number(max_bytes))
        )
    encoding = (response.headers.get("content-encoding") or "").strip().lower()
    if encoding in ("gzip", "deflate"):
        import zlib

        raw = zlib.decompress(raw, 47 if encoding == "gzip" else 15)
        if len(raw) > max_bytes:
            raise ToolError(
                "http_request: the response from %s is larger than max_bytes (%s bytes)"
                % (shown, format_number(max_bytes))
            )
    out_headers = {}
    for name in sorted({k.lower() for k in response.headers.keys()}):
        values = response.headers.get_all(name) or []
        out_headers[name] = ", ".join(values)
    charset = _charset(response.headers.get("content-type"))
    try:
        text = raw.decode(charset, "replace")
    except LookupError:
        text = raw.decode("utf-8", "replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    return {"status": response.status, "body": text, "headers": out_headers}


def _charset(content_type):
    m = re.search(r"charset\s*=\s*\"?([^\";\s]+)", content_type or "", re.I)
    label = (m.group(1) if m else "utf-8").lower()
    return _WHATWG_LABELS.get(label, label)


def _redact(parsed):
    if parsed.username is None and parsed.password is None:
        return parsed.geturl()
    host = parsed.hostname or ""
    if parsed.port:
        host += ":%d" % parsed.port
    return parsed._replace(netloc=host).geturl()


# remember / recall: agent memory in XCom, ranked like runtime/memory.ts
# (MiniSearch 7, BM25+ with k=1.2, b=0.7, d=0.5).


class XComMemory:
    """An agent's memory in this run: the texts its `remember` tasks pushed to
    XCom, in task order (then item order), whatever order Airflow ran them in."""

    def __init__(self, scope, agent_name):
        self.scope = scope
        self.agent = agent_name

    def _sources(self):
        flow = self.scope.flow
        for node in flow.tasks.values():
            if node.agent == self.agent and node.tool is not None:
                spec = flow.tools.get(node.tool, {})
                if spec.get("kind") == "builtin" and spec.get("name") == "remember":
                    yield node

    def _texts_of(self, node):
        found = self.scope.ti.xcom_pull(task_ids=[node.task_id], key=MEMORY_KEY)
        return [t for t in found or [] if t is not None]

    def texts(self):
        out = []
        for node in self._sources():
            out.extend(self._texts_of(node))
        return out

    def remember(self, text):
        """Stores the text; returns its place in the memory (the runtime's count after storing)."""
        ti = self.scope.ti
        ti.xcom_push(key=MEMORY_KEY, value=text)
        before = 0
        for node in self._sources():
            if node is self.scope.node:
                break
            before += len(self._texts_of(node))
        return before + max(ti.map_index, 0) + 1

    def recall(self, query, top_k):
        return bm25_recall(self.texts(), query, top_k)


def _tokens(text):
    """MiniSearch's tokenizer: split on runs of \\n, \\r, \\p{Z} and \\p{P}."""
    import unicodedata

    out = []
    cur = []
    in_sep = False
    for ch in text:
        sep = ch in "\n\r" or unicodedata.category(ch)[0] in "ZP"
        if sep:
            if not in_sep:
                out.append("".join(cur))
                cur = []
            in_sep = True
        else:
            cur.append(ch)
            in_sep = False
    out.append("".join(cur))
    return out


def bm25_recall(texts, query, top_k):
    k1, b, d = 1.2, 0.7, 0.5
    index = {}
    lengths = []
    average = 0.0
    for doc_id, text in enumerate(texts):
        tokens = _tokens(text)
        length = len(set(tokens))
        average = (average * doc_id + length) / (doc_id + 1)
        lengths.append(length)
        for t in tokens:
            term = t.lower()
            if term:
                docs = index.setdefault(term, {})
                docs[doc_id] = docs.get(doc_id, 0) + 1
    count = len(texts)
    scores = {}
    matched_terms = {}
    for term in [t.lower() for t in _tokens(query)]:
        if not term:
            continue
        docs = index.get(term)
        if not docs:
            continue
        matching = len(docs)
        idf = math.log(1 + (count - matching + 0.5) / (matching + 0.5))
        for doc_id, tf in docs.items():
            score = idf * (
                d + tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths[doc_id] / average))
            )
            scores[doc_id] = scores.get(doc_id, 0.0) + score
            matched_terms.setdefault(doc_id, set()).add(term)
    ranked = sorted(
        (
            (score * len(matched_terms[doc_id]), doc_id)
            for doc_id, score in scores.items()
        ),
        key=lambda r: (-r[0], r[1]),
    )
    k = max(1, math.floor(top_k))
    return [
        {"text": texts[doc_id], "score": _canon(js_round(score * 1e6) / 1e6)}
        for score, doc_id in ranked[:k]
    ]


def _memory_of(ctx, tool):
    if ctx.agent is None:
        raise ToolError(
            "%s: the task has no agent, so there is no memory to use (add agent: NAME to the task)"
            % tool
        )
    memory = ctx.agent.get("memory")
    if memory is None:
        raise ToolError(
            "%s: agent '%s' has no memory (add memory: recall(top_k: 3) to it)"
            % (tool, ctx.agent["name"])
        )
    return memory


def remember(args, ctx):
    memory = _memory_of(ctx, "remember")
    text = args.get("text")
    if type(text) is not str:
        raise ToolError("remember: 'text' must be a string")
    return {"stored": memory.remember(text)}


def recall(args, ctx):
    memory = _memory_of(ctx, "recall")
    query = args.get("query")
    top_k = args.get("top_k")
    if top_k is None:
        top_k = ctx.agent["persona"].get("memory_top_k") or 3
    if type(query) is not str:
        raise ToolError("recall: 'query' must be a string")
    if (
        not _is_num(top_k)
        or (type(top_k) is float and not top_k.is_integer())
        or top_k < 1
    ):
        raise ToolError("recall: 'top_k' must be a whole number of at least 1")
    return {"hits": memory.recall(query, top_k)}


BUILTIN_TOOLS = {
    "read_text": read_text,
    "write_text": write_text,
    "http_request": http_request,
    "regex_extract": regex_extract,
    "json_extract": json_extract,
    "render_template": render_template,
    "remember": remember,
    "recall": recall,
}


# ---------------------------------------------------------------- model tools
# OpenVINO's Python API; the preprocessing and postprocessing the IR names.

_COMPILED = {}
"""Compiled models by tool name, for the life of the worker process."""
_TOKENIZERS = {}
_OPENVINO = {}


def _fnv1a32(data):
    h = 2166136261
    for byte in data:
        h ^= byte
        h = (h * 16777619) & 0xFFFFFFFF
    return h


def hashed_words(text, dim):
    """Bag of hashed words: lowercase, split on [^a-z0-9]+, FNV-1a mod dim, L2-normalised."""
    import numpy as np

    v = np.zeros(dim, dtype=np.float64)
    for token in re.split(r"[^a-z0-9]+", text.lower()):
        if token:
            v[_fnv1a32(token.encode("utf-8", "surrogatepass")) % dim] += 1.0
    norm = float(np.linalg.norm(v))
    if norm > 0:
        v /= norm
    return v.astype(np.float32).reshape(1, dim)


def _core():
    import openvino as ov

    if "core" not in _OPENVINO:
        _OPENVINO["core"] = ov.Core()
    return _OPENVINO["core"]


def _load_tokenizers_extension(core):
    """openvino_tokenizers' custom operations: its Python package, or $AIW_OPENVINO_TOKENIZERS_LIB."""
    if _OPENVINO.get("tokenizers"):
        return
    lib = os.environ.get("AIW_OPENVINO_TOKENIZERS_LIB")
    if lib:
        core.add_extension(lib)
    else:
        try:
            import openvino_tokenizers  # noqa: F401  (registers its operations)
        except ImportError:
            raise ToolError(
                "tokenizer models need the openvino-tokenizers package "
                "(or AIW_OPENVINO_TOKENIZERS_LIB set to libopenvino_tokenizers.so)"
            ) from None
    _OPENVINO["tokenizers"] = True


def _compiled(flow, name, spec):
    compiled = _COMPILED.get(name)
    if compiled is not None:
        return compiled
    core = _core()
    config = {
        "PERFORMANCE_HINT": "THROUGHPUT" if spec["hint"] == "throughput" else "LATENCY"
    }
    if spec.get("precision"):
        config["INFERENCE_PRECISION_HINT"] = spec["precision"]
    if spec.get("cache_dir"):
        config["CACHE_DIR"] = flow.project_path(spec["cache_dir"])
    path = flow.project_path(spec["source"])
    if not os.path.exists(path):
        raise ToolError("tool '%s': the model file '%s' does not exist" % (name, path))
    compiled = core.compile_model(path, spec["device"], config)
    _COMPILED[name] = compiled
    return compiled


def _tokenize(flow, spec, text):
    import numpy as np

    path = flow.project_path(spec["pre"]["path"])
    tokenizer = _TOKENIZERS.get(path)
    if tokenizer is None:
        core = _core()
        _load_tokenizers_extension(core)
        tokenizer = core.compile_model(path, "CPU")
        _TOKENIZERS[path] = tokenizer
    out = tokenizer([text])
    return {o.get_any_name(): np.asarray(out[o]) for o in tokenizer.outputs}


def _run_model(flow, name, spec, args):
    """A model tool (runtime/inference: preprocess.ts, postprocess.ts)."""
    import numpy as np

    pre = spec["pre"]
    value = args.get(pre["param"])
    compiled = _compiled(flow, name, spec)
    names = [p.get_any_name() for p in compiled.inputs]
    if pre["kind"] == "hashed_words":
        if type(value) is not str:
            raise ToolError(
                "tool '%s': '%s' must be a string for hashed_words"
                % (name, pre["param"])
            )
        inputs = [hashed_words(value, pre["dim"])]
    elif pre["kind"] == "numbers":
        try:
            tensor = np.asarray(value, dtype=np.float32)
        except (TypeError, ValueError):
            raise ToolError(
                "tool '%s': '%s' must be a list of numbers" % (name, pre["param"])
            ) from None
        inputs = [tensor.reshape(1, -1) if tensor.ndim == 1 else tensor]
    else:
        if type(value) is not str:
            raise ToolError(
                "tool '%s': '%s' must be a string for the tokenizer"
                % (name, pre["param"])
            )
        by_name = _tokenize(flow, spec, value)
        missing = [n for n in names if n not in by_name]
        if missing:
            raise ToolError(
                "tool '%s': the tokenizer gives no '%s'" % (name, missing[0])
            )
        inputs = [by_name[n] for n in names]
    result = compiled(inputs)
    output = np.asarray(result[compiled.outputs[0]])
    post = spec["post"]
    labels = spec.get("labels")
    if post in ("argmax", "scores"):
        if output.ndim > 1 and output.shape[0] != 1:
            raise ToolError(
                "tool '%s': %s gives one result, but the output has %d rows"
                % (name, post, output.shape[0])
            )
        row = [float(x) for x in output.reshape(-1)]
        if labels is None:
            raise ToolError("tool '%s': the model declares no labels" % name)
        if len(labels) != len(row):
            raise ToolError(
                "tool '%s': the model declares %d labels but its output has %d classes"
                % (name, len(labels), len(row))
            )
        if post == "scores":
            return {"labels": list(labels), "scores": [_canon(x) for x in row]}
        best = 0
        for i in range(1, len(row)):
            if row[i] > row[best]:
                best = i
        return {"label": labels[best], "score": _canon(row[best])}
    if post == "embedding":
        mask = None
        if "attention_mask" in names:
            mask = inputs[names.index("attention_mask")].reshape(-1)
        return {"vector": _embedding(output, mask)}
    return {
        "values": [_canon(float(x)) for x in output.reshape(-1)],
        "shape": [int(s) for s in output.shape],
    }


def _embedding(out, mask):
    """Mean pooling over the kept tokens, then L2 normalisation, summed in the runtime's order."""
    import numpy as np

    if out.ndim == 2 and out.shape[0] == 1:
        vector = out[0].astype(np.float64)
    elif out.ndim == 3 and out.shape[0] == 1:
        vector = np.zeros(out.shape[2], dtype=np.float64)
        kept = 0.0
        for t in range(out.shape[1]):
            w = 1.0 if mask is None else float(mask[t]) if t < len(mask) else 0.0
            if w == 0:
                continue
            kept += w
            vector += out[0, t].astype(np.float64) * w
        vector /= max(kept, 1e-9)
    else:
        raise ToolError(
            "an embedding needs an output of shape [1, hidden] or [1, tokens, hidden]"
        )
    norm = 0.0
    for v in vector.tolist():
        norm += v * v
    norm = max(math.sqrt(norm), 1e-12)
    return [_canon(v / norm) for v in vector.tolist()]
