// Built-in `regex_extract(text, pattern)`. A user's pattern can backtrack for
// hours, and a running regex cannot be interrupted, so matching happens in a
// worker thread that is terminated when it exceeds the time limit.

import { Worker } from "node:worker_threads";
import { ToolError, type ToolFunction } from "./tool.ts";

export const REGEX_TIME_LIMIT_MS = 1000;
/** More matches than this is an error rather than a silently shortened list. */
export const REGEX_MAX_MATCHES = 100_000;
/**
 * Flags every pattern gets: `g` for the list of all matches, `u` so `.` and
 * classes see whole characters (not UTF-16 halves) and `\p{L}` works. `u` is
 * strict about needless escapes such as `\-` outside a class.
 */
const FLAGS = "gu";

interface Result {
  matched: boolean;
  match: string;
  groups: string[];
  all: string[];
}

type Reply = { ok: true; result: Result } | { ok: false; tooMany: true };

// Plain JavaScript (no types): it runs as the worker's own script.
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
parentPort.on("message", ({ text, pattern, flags, maxMatches }) => {
  const re = new RegExp(pattern, flags);
  let first = null;
  const all = [];
  // matchAll steps past empty matches itself, so \`a*\` on "bbb" cannot loop forever.
  for (const m of text.matchAll(re)) {
    if (first === null) first = m;
    if (all.length === maxMatches) { parentPort.postMessage({ ok: false, tooMany: true }); return; }
    all.push(m[0]);
  }
  const result = first === null
    ? { matched: false, match: "", groups: [], all }
    : { matched: true, match: first[0], groups: first.slice(1).map((g) => g ?? ""), all };
  parentPort.postMessage({ ok: true, result });
});
`;

let worker: Worker | undefined;
/** Calls run one at a time so each one's time limit measures only its own matching. */
let tail: Promise<unknown> = Promise.resolve();

export const regexExtract: ToolFunction = async (args, ctx) => {
  ctx.signal.throwIfAborted();
  const text = args["text"];
  const pattern = args["pattern"];
  if (typeof text !== "string") throw new ToolError("regex_extract: 'text' must be a string");
  if (typeof pattern !== "string") throw new ToolError("regex_extract: 'pattern' must be a string");
  try {
    // Compiling is cheap and cannot hang; doing it here reports syntax errors without a worker round trip.
    new RegExp(pattern, FLAGS);
  } catch (e) {
    throw new ToolError(`regex_extract: invalid pattern: ${(e as Error).message}`);
  }
  const signal = ctx.signal;
  const turn = tail.then(() => {
    signal.throwIfAborted();
    return match(text, pattern, signal);
  });
  tail = turn.catch(() => {});
  const reply = await raceAbort(turn, signal);
  if (!reply.ok) throw new ToolError(`regex_extract: the pattern matches more than ${REGEX_MAX_MATCHES} times; make it more specific`);
  return { matched: reply.result.matched, match: reply.result.match, groups: reply.result.groups, all: reply.result.all };
};

/** Stops the warm worker (tests and shutdown); the next call starts a new one. */
export async function closeRegexWorker(): Promise<void> {
  const w = worker;
  worker = undefined;
  if (w !== undefined) await w.terminate();
}

function warmWorker(): Worker {
  if (worker === undefined) {
    // `resourceLimits`: a pattern with millions of matches should fail the call, not the process.
    const w = new Worker(WORKER_SOURCE, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 512 } });
    // An idle worker must not keep the process alive; a pending call keeps it alive through its timer.
    w.unref();
    // Errors are reported to the call that is waiting; between calls there is no one to tell.
    w.on("error", () => {});
    w.on("exit", () => {
      if (worker === w) worker = undefined;
    });
    worker = w;
  }
  return worker;
}

function match(text: string, pattern: string, signal: AbortSignal): Promise<Reply> {
  const w = warmWorker();
  return new Promise<Reply>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      w.off("message", onMessage);
      w.off("error", onError);
      w.off("exit", onExit);
      signal.removeEventListener("abort", onAbort);
    };
    // Terminating is the only way to stop a regex that is running; the next call starts a fresh worker.
    const kill = () => {
      if (worker === w) worker = undefined;
      void w.terminate();
    };
    const onMessage = (reply: Reply) => {
      done();
      resolve(reply);
    };
    const onError = (e: Error) => {
      done();
      kill();
      const oom = (e as NodeJS.ErrnoException).code === "ERR_WORKER_OUT_OF_MEMORY";
      reject(new ToolError(oom ? "regex_extract: matching needed too much memory" : `regex_extract: matching failed: ${e.message}`));
    };
    const onExit = () => {
      done();
      reject(new ToolError("regex_extract: the matching worker stopped unexpectedly"));
    };
    const onAbort = () => {
      done();
      kill();
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      done();
      kill();
      reject(new ToolError(`regex_extract: the pattern took longer than ${REGEX_TIME_LIMIT_MS} ms`));
    }, REGEX_TIME_LIMIT_MS);
    w.on("message", onMessage);
    w.on("error", onError);
    w.on("exit", onExit);
    signal.addEventListener("abort", onAbort, { once: true });
    w.postMessage({ text, pattern, flags: FLAGS, maxMatches: REGEX_MAX_MATCHES });
  });
}

/** Rejects as soon as the signal fires, even while the call still waits for its turn. */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}
