// Example tool: "posts" a notice to a team channel by appending it to
// outbox/<channel>.log in the work folder. Uses the idempotency key so a
// retried or resumed task never posts the same notice twice.

import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { ToolContext } from "../../runtime/tools/tool.ts";

export function notify(args: { channel: string; text: string; urgent: boolean }, ctx: ToolContext): { delivered: boolean; channel: string } {
  if (!/^[a-z0-9-]+$/.test(args.channel)) throw new Error(`notify: '${args.channel}' is not a channel name (a-z, 0-9, -)`);
  const dir = path.join(ctx.workDir, "outbox");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${args.channel}.log`);
  let existing = "";
  try {
    existing = readFileSync(file, "utf8");
  } catch {
    // first notice on this channel
  }
  const marker = `[${ctx.idempotencyKey}]`;
  if (!existing.includes(marker)) appendFileSync(file, `${marker}${args.urgent ? " URGENT" : ""} ${args.text.replace(/\n/g, " ")}\n`);
  return { delivered: true, channel: args.channel };
}
