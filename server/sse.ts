// Server-sent events: a run's events as `text/event-stream`, one message per
// event (`id` = its sequence number in the run, `event` = its type, `data` =
// the event as JSON). A client that reconnects with Last-Event-ID gets what
// it missed; the stream ends after `run.end`.

import type { ServerResponse } from "node:http";
import type { RunEvent } from "../runtime/events.ts";

export interface EventSource {
  /** Calls the listener with each event after sequence number `after` (replayed, then live); returns the unsubscriber. */
  subscribe(after: number, listener: (seq: number, event: RunEvent) => void): () => void;
  /** No event will follow those replayed: the stream ends after them. */
  readonly complete?: boolean;
}

/** A client that stops reading is cut off rather than buffered for without bound. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * Streams `source` to `res` (whose head is not written yet) until `run.end`,
 * the client going away, or `stop` firing. Resolves when the stream is over.
 */
export function streamEvents(res: ServerResponse, source: EventSource, after: number, options: { heartbeatMs?: number; stop?: AbortSignal } = {}): Promise<void> {
  return new Promise((resolve) => {
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.write(": aiwork run events\n\n");
    let ended = false;
    let unsubscribe: () => void = () => undefined;
    const end = (): void => {
      if (ended) return;
      ended = true;
      unsubscribe();
      clearInterval(heartbeat);
      options.stop?.removeEventListener("abort", end);
      if (!res.writableEnded) res.end();
      resolve();
    };
    const heartbeat = setInterval(() => {
      if (!ended) res.write(": ping\n\n");
    }, options.heartbeatMs ?? 15_000);
    heartbeat.unref();
    res.once("close", end);
    options.stop?.addEventListener("abort", end, { once: true });
    unsubscribe = source.subscribe(after, (seq, event) => {
      if (ended) return;
      res.write(`id: ${seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      if (event.type === "run.end" || res.writableLength > MAX_BUFFERED_BYTES) end();
    });
    if (source.complete === true || options.stop?.aborted) end();
  });
}

/** An event source over a fixed list (a run rebuilt from the state store). */
export function listSource(events: readonly RunEvent[]): EventSource {
  return {
    complete: true,
    subscribe(after, listener) {
      for (let i = Math.max(0, after); i < events.length; i++) listener(i + 1, events[i]!);
      return () => undefined;
    },
  };
}
