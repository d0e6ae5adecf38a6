"""What the example tools need to behave like their JavaScript versions."""

# JavaScript's \s and String.prototype.trim: white space and line terminators.
SPACE = (
    "\t\n\x0b\x0c\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
SPACE_CLASS = "".join("\\u%04x" % ord(c) for c in SPACE)
# JavaScript's line terminators: what `.`, `^` and `$` (with the m flag) stop at.
LINE_ENDS = "\n\r\u2028\u2029"


def trim(s: str) -> str:
    return s.strip(SPACE)


def trim_start(s: str) -> str:
    return s.lstrip(SPACE)
