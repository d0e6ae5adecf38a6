""""Posts" a notice to a team channel by appending it to outbox/<channel>.log in
the work folder. Uses the idempotency key so a retried task never posts the
same notice twice. Twin of examples/tools/notify.ts."""

import os
import re


def notify(channel: str, text: str, urgent: bool = False, *, ctx) -> dict:
    if not re.fullmatch(r"[a-z0-9-]+", channel):
        raise ValueError("notify: '%s' is not a channel name (a-z, 0-9, -)" % channel)
    folder = os.path.join(ctx.work_dir, "outbox")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "%s.log" % channel)
    try:
        with open(path, encoding="utf-8") as fh:
            existing = fh.read()
    except FileNotFoundError:
        existing = ""  # first notice on this channel
    marker = "[%s]" % ctx.idempotency_key
    if marker not in existing:
        line = "%s%s %s\n" % (marker, " URGENT" if urgent else "", text.replace("\n", " "))
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(line)
    return {"delivered": True, "channel": channel}
