"""Pulls vendor, amount, currency and line count out of a plain text invoice
("Vendor: ...", "Total: 1,234.50 EUR", lines starting "- "). Twin of
examples/tools/invoice.ts."""

import re

from ._js import LINE_ENDS, SPACE_CLASS, trim, trim_start

_NOT_LINE_END = "[^%s]" % "".join("\\u%04x" % ord(c) for c in LINE_ENDS)
_LINE_START = "(?:(?<=[%s])|\\A)" % "".join("\\u%04x" % ord(c) for c in LINE_ENDS)
_LINE_END = "(?=[%s]|\\Z)" % "".join("\\u%04x" % ord(c) for c in LINE_ENDS)

# /^vendor:\s*(.+)$/im and /^total:\s*([\d,]+(?:\.\d+)?)\s*([A-Z]{3})?\s*$/im
_VENDOR = re.compile(
    "%svendor:[%s]*(%s+)%s" % (_LINE_START, SPACE_CLASS, _NOT_LINE_END, _LINE_END),
    re.IGNORECASE,
)
_TOTAL = re.compile(
    "%stotal:[%s]*([0-9,]+(?:\\.[0-9]+)?)[%s]*([A-Z]{3})?[%s]*%s"
    % (_LINE_START, SPACE_CLASS, SPACE_CLASS, SPACE_CLASS, _LINE_END),
    re.IGNORECASE | re.ASCII,
)


def extract_fields(text: str) -> dict:
    vendor = _VENDOR.search(text)
    if vendor is None:
        raise ValueError("extract_fields: the invoice names no vendor (a 'Vendor:' line)")
    total = _TOTAL.search(text)
    if total is None:
        raise ValueError("extract_fields: the invoice has no 'Total:' line")
    amount = float(total.group(1).replace(",", ""))
    lines = sum(1 for line in text.split("\n") if trim_start(line).startswith("- "))
    return {
        "vendor": trim(vendor.group(1)),
        "amount": int(amount) if amount.is_integer() else amount,
        "currency": total.group(2) or "EUR",
        "lines": lines,
    }
