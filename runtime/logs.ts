// Structured JSON logs (pino), one line per run event, fed from the event stream.

import pino, { type Logger } from "pino";
import type { EventBus } from "./events.ts";

/** Logs to a file path, or to stderr for "-". Returns a function that flushes and detaches. */
export function attachJsonLog(bus: EventBus, destination: string): () => Promise<void> {
  const dest = pino.destination({ dest: destination === "-" ? 2 : destination, sync: false, mkdir: true });
  const log: Logger = pino({ base: { service: "aiwork" }, timestamp: pino.stdTimeFunctions.isoTime }, dest);
  const off = bus.on((e) => {
    const { type, ...rest } = e;
    const level = type === "task.fail" || (type === "run.end" && e.status === "FAILED") ? "error" : type === "task.retry" ? "warn" : "info";
    log[level]({ event: type, ...rest }, type);
  });
  return () =>
    new Promise((resolve) => {
      off();
      // end() flushes what is buffered, even when the file is not open yet
      // (flushSync would throw then); resolve once the stream is closed.
      dest.once("close", () => resolve());
      dest.once("error", () => resolve());
      dest.end();
    });
}
