// The flow worker (`aiwc worker`): reads flow requests from the queue, runs
// them, and answers each on the results topic once; what cannot be run goes
// to the dead-letter topic with the reason, and the worker goes on.
//
// Once per request id: a request runs as run `req-<id>` in the state store,
// which also records where the request was read (topic, partition, offset).
// When a request arrives, the store decides:
//   no run yet                       run it
//   run started by this very message a redelivery (the worker that had it died
//                                    or stopped before committing): RUNNING
//                                    runs are resumed from their checkpoints,
//                                    finished ones answered from the store
//   run started by another message   a duplicate of a request already taken
//                                    care of: consumed, not answered again
// A batch's answers and its consumed offset are committed together (one Kafka
// transaction, see worker/kafka-queue.ts), in offset order, as soon as a
// prefix of the batch is done; flows of a batch run concurrently.

import { hostname } from "node:os";
import { mkdirSync, rmdirSync } from "node:fs";
import * as nodePath from "node:path";
import { Counter, type Registry } from "prom-client";
import type { ResultCache } from "../runtime/cache.ts";
import type { EventBus } from "../runtime/events.ts";
import { resumeRun, runFlow, type RunOptions, type RunResult } from "../runtime/run.ts";
import { StateStoreError, type RunMeta, type StateStore, type StoredRun } from "../runtime/state/store.ts";
import type { FlowPreparer } from "../server/flow-request.ts";
import { storedView } from "../server/runs.ts";
import { parseRequest, runIdOf, type DeadLetterMessage, type FlowRequestMessage, type FlowResultMessage } from "./messages.ts";
import type { InboundMessage, OutboundMessage, PartitionBatch, RequestQueue } from "./queue.ts";

export interface WorkerLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface WorkerOptions {
  readonly queue: RequestQueue;
  readonly topics: { readonly results: string; readonly deadLetter: string };
  readonly store: StateStore;
  readonly preparer: FlowPreparer;
  /** Runs that use files get `workRoot/<run id>`. */
  readonly workRoot: string;
  /** Flows running at once in this worker. Default 8. */
  readonly concurrency?: number;
  readonly taskConcurrency?: number;
  readonly cache?: ResultCache;
  /** Hosts http_request may reach in the flows this worker runs; undefined: any. */
  readonly httpAllow?: readonly string[];
  readonly events?: EventBus;
  readonly logger?: WorkerLogger;
  /** Named in every answer. Default host:pid. */
  readonly workerId?: string;
  readonly registry?: Registry;
}

/** Where a request was read; stored with its run to tell a redelivery from a duplicate. */
interface Origin {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

type Outcome = readonly OutboundMessage[] | "interrupted";

const silent: WorkerLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export class FlowWorker {
  readonly #o: WorkerOptions;
  readonly #log: WorkerLogger;
  readonly #id: string;
  readonly #slots: Slots;
  readonly #inflight = new Map<string, Promise<Outcome>>();
  readonly #controllers = new Set<AbortController>();
  readonly #outcomes: Counter<"outcome">;
  #stopping = false;
  readonly counts = { completed: 0, failed: 0, rejected: 0, deadLettered: 0, duplicates: 0, resumed: 0, replayed: 0 };

  constructor(options: WorkerOptions) {
    this.#o = options;
    this.#log = options.logger ?? silent;
    this.#id = options.workerId ?? `${hostname()}:${process.pid}`;
    this.#slots = new Slots(Math.max(1, options.concurrency ?? 8));
    this.#outcomes = new Counter({
      name: "aiwork_worker_requests_total",
      help: "Requests handled by this worker, by outcome (completed, failed, rejected, duplicate, replayed).",
      labelNames: ["outcome"],
      registers: options.registry !== undefined ? [options.registry] : [],
    });
  }

  start(): Promise<void> {
    return this.#o.queue.start((batch) => this.#handleBatch(batch));
  }

  /**
   * Stops taking requests; flows running get `graceMs` to finish (their answers
   * are committed), then are stopped with their tasks checkpointed: their
   * requests stay uncommitted and are resumed by whichever worker gets them next.
   */
  async stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    const timer = setTimeout(() => {
      for (const c of this.#controllers) c.abort(new Error("the worker is stopping"));
    }, Math.max(0, graceMs));
    try {
      await this.#o.queue.stop();
    } finally {
      clearTimeout(timer);
    }
  }

  async #handleBatch(batch: PartitionBatch): Promise<void> {
    const messages = batch.messages;
    const outs: (readonly OutboundMessage[] | undefined)[] = new Array(messages.length);
    let committed = 0;
    /** Messages from this index on are not committed (one was interrupted or failed). */
    let stopAt = messages.length;
    let failure: unknown;
    let flushing = Promise.resolve();
    // Commits the longest finished prefix, in order; one commit at a time.
    const flush = (): Promise<void> =>
      (flushing = flushing.then(async () => {
        if (failure !== undefined) return;
        const out: OutboundMessage[] = [];
        let k = committed;
        while (k < stopAt && outs[k] !== undefined) out.push(...outs[k++]!);
        if (k === committed) return;
        try {
          await batch.commit(out, messages[k - 1]!);
          committed = k;
        } catch (err) {
          // Nothing of this commit was written: the requests come again and are answered then.
          this.#log.warn({ err: err instanceof Error ? err.message : String(err), partition: batch.partition, through: messages[k - 1]!.offset }, "worker: could not commit answers; they will be redone");
          failure ??= err;
        }
      }));
    const running = new Set<Promise<void>>();
    let next = 0;
    while (next < messages.length && failure === undefined && next < stopAt) {
      if (!batch.active() || this.#stopping) break;
      await this.#slots.acquire();
      if (!batch.active() || this.#stopping || failure !== undefined) {
        this.#slots.release();
        break;
      }
      const i = next++;
      const p: Promise<void> = this.#process(messages[i]!)
        .then(
          (outcome) => {
            if (outcome === "interrupted") stopAt = Math.min(stopAt, i);
            else outs[i] = outcome;
          },
          (err: unknown) => {
            // The state store (or something else this worker needs) failed: not
            // the request's fault. Leave it uncommitted; it comes back.
            this.#log.error({ err: err instanceof Error ? err.message : String(err), offset: messages[i]!.offset }, "worker: could not handle a request");
            failure ??= err;
            stopAt = Math.min(stopAt, i);
          },
        )
        .finally(() => {
          this.#slots.release();
          running.delete(p);
          void flush();
        });
      running.add(p);
    }
    while (running.size > 0) await Promise.race(running);
    await flush();
    if (failure !== undefined) throw failure;
  }

  #process(msg: InboundMessage): Promise<Outcome> {
    const parsed = parseRequest(msg.value, msg.key);
    if (!parsed.ok) return Promise.resolve(this.#deadLetter(msg, parsed.code, parsed.reason, parsed.requestId));
    const id = parsed.request.requestId;
    // Two messages of one request in this process: the second waits for the first.
    const before: Promise<unknown> = this.#inflight.get(id) ?? Promise.resolve();
    const answer = (): Promise<Outcome> => this.#answer(msg, parsed.request);
    const work = before.then(answer, answer);
    this.#inflight.set(id, work);
    void work.finally(() => {
      if (this.#inflight.get(id) === work) this.#inflight.delete(id);
    }).catch(() => undefined);
    return work;
  }

  async #answer(msg: InboundMessage, request: FlowRequestMessage): Promise<Outcome> {
    const runId = runIdOf(request.requestId);
    const origin: Origin = { topic: msg.topic, partition: msg.partition, offset: msg.offset };
    const prepared = this.#o.preparer.prepare(request);
    if (!prepared.ok) {
      // A request that cannot run now but already has a run (it could, earlier): its run decides.
      const stored = await this.#o.store.loadRun(runId);
      if (stored !== undefined) return this.#again(stored, request, origin);
      return this.#deadLetter(msg, prepared.code, prepared.message, request.requestId, prepared.details);
    }
    // Most requests are new: try to create the run at once (createRun is atomic and
    // fails when the run exists); only then look at what is stored.
    let result: RunResult;
    const controller = new AbortController();
    try {
      result = await this.#execute(runId, controller, prepared.usesFiles ? nodePath.join(this.#o.workRoot, runId) : undefined, (options) =>
        runFlow(prepared.program, prepared.flow, prepared.inputs, { ...options, baseDir: prepared.baseDir, store: withOrigin(this.#o.store, origin) }),
      );
    } catch (err) {
      if (err instanceof StateStoreError && /already exists/.test(err.message)) {
        const now = await this.#o.store.loadRun(runId);
        return now !== undefined ? this.#again(now, request, origin) : [];
      }
      if (err instanceof StateStoreError) throw err;
      return this.#deadLetter(msg, "RUNTIME_ERROR", `the runtime failed on this request: ${err instanceof Error ? err.message : String(err)}`, request.requestId);
    }
    if (controller.signal.aborted) return this.#interrupted(runId);
    return [this.#resultMessage(request.requestId, result, false)];
  }

  /** A request whose run exists: a redelivery (resume or answer from the store) or a duplicate. */
  async #again(stored: StoredRun, request: FlowRequestMessage, origin: Origin): Promise<Outcome> {
    const runId = stored.meta.runId;
    const first = (stored.meta as RunMeta & { origin?: Origin }).origin;
    if (first === undefined || first.topic !== origin.topic || first.partition !== origin.partition || first.offset !== origin.offset) {
      this.counts.duplicates++;
      this.#outcomes.inc({ outcome: "duplicate" });
      this.#log.info({ requestId: request.requestId, runId, first: first ?? null, now: origin }, "worker: duplicate request, already taken care of");
      return [];
    }
    if (stored.status !== "RUNNING") {
      this.counts.replayed++;
      this.#outcomes.inc({ outcome: "replayed" });
      const view = storedView(stored.meta, stored.status, stored.log);
      this.#log.info({ requestId: request.requestId, runId, status: view.status }, "worker: redelivered request already run: answering from the state store");
      const answer: FlowResultMessage = {
        requestId: request.requestId,
        runId,
        status: view.status === "FAILED" ? "FAILED" : "COMPLETED",
        ...(view.output !== undefined ? { output: view.output } : {}),
        ...(view.error !== undefined ? { error: view.error } : {}),
        tasks: view.tasks,
        worker: this.#id,
      };
      return [this.#out(this.#o.topics.results, request.requestId, answer)];
    }
    this.counts.resumed++;
    this.#log.info({ requestId: request.requestId, runId }, "worker: resuming an interrupted run");
    const controller = new AbortController();
    // The run keeps the work folder it started with (resumeRun reads it from the store).
    const workDir = stored.meta.workDir ?? nodePath.join(this.#o.workRoot, runId);
    const result = await this.#execute(runId, controller, workDir, (options) => resumeRun(runId, { ...options, store: this.#o.store }));
    if (controller.signal.aborted) return this.#interrupted(runId);
    return [this.#resultMessage(request.requestId, result, true)];
  }

  /** Runs `body` under the worker's options; `filesDir`, when given, is created first and removed after when empty. */
  async #execute(runId: string, controller: AbortController, filesDir: string | undefined, body: (options: RunOptions) => Promise<RunResult>): Promise<RunResult> {
    const workDir = filesDir ?? nodePath.join(this.#o.workRoot, runId);
    if (filesDir !== undefined) mkdirSync(filesDir, { recursive: true });
    this.#controllers.add(controller);
    try {
      return await body({
        workDir,
        baseDir: this.#o.preparer.toolsDir ?? process.cwd(),
        runId,
        signal: controller.signal,
        ...(this.#o.events !== undefined ? { events: this.#o.events } : {}),
        ...(this.#o.cache !== undefined ? { cache: this.#o.cache } : {}),
        ...(this.#o.taskConcurrency !== undefined ? { concurrency: this.#o.taskConcurrency } : {}),
        ...(this.#o.httpAllow !== undefined ? { httpAllow: this.#o.httpAllow } : {}),
      });
    } finally {
      this.#controllers.delete(controller);
      if (filesDir !== undefined) {
        try {
          rmdirSync(workDir);
        } catch {
          // Not empty (the flow wrote files) or gone.
        }
      }
    }
  }

  /** A run stopped by stop(): marked RUNNING again so its redelivery resumes it; nothing is answered. */
  async #interrupted(runId: string): Promise<Outcome> {
    await this.#o.store.setStatus(runId, "RUNNING");
    this.#log.info({ runId }, "worker: run interrupted by the stop; it resumes on redelivery");
    return "interrupted";
  }

  #resultMessage(requestId: string, result: RunResult, resumed: boolean): OutboundMessage {
    if (result.status === "COMPLETED") this.counts.completed++;
    else this.counts.failed++;
    this.#outcomes.inc({ outcome: result.status === "COMPLETED" ? "completed" : "failed" });
    this.#log.info({ requestId, runId: result.runId, status: result.status, resumed, durationMs: result.durationMs }, "worker: answered");
    const answer: FlowResultMessage = {
      requestId,
      runId: result.runId,
      status: result.status,
      ...(result.output !== undefined ? { output: result.output } : {}),
      ...(result.error !== undefined ? { error: result.error } : {}),
      tasks: result.tasks,
      durationMs: result.durationMs,
      worker: this.#id,
      ...(resumed ? { resumed: true } : {}),
    };
    return this.#out(this.#o.topics.results, requestId, answer);
  }

  /** The dead letter, and, when the request has an id, a REJECTED answer so its sender is not left waiting. */
  #deadLetter(msg: InboundMessage, code: string, reason: string, requestId?: string, details?: readonly unknown[]): Outcome {
    this.counts.deadLettered++;
    this.#outcomes.inc({ outcome: "rejected" });
    this.#log.warn({ code, reason, requestId: requestId ?? null, partition: msg.partition, offset: msg.offset }, "worker: dead-lettered a request");
    const value = msg.value ?? Buffer.alloc(0);
    const text = value.toString("utf8");
    const utf8 = Buffer.from(text, "utf8").equals(value);
    const letter: DeadLetterMessage = {
      reason: details !== undefined && details.length > 0 ? `${reason} (${details.length} detail${details.length === 1 ? "" : "s"})` : reason,
      code,
      ...(requestId !== undefined ? { requestId } : {}),
      source: { topic: msg.topic, partition: msg.partition, offset: msg.offset, ...(msg.key !== undefined ? { key: msg.key } : {}) },
      ...(msg.value === null ? {} : utf8 ? { value: text } : { valueBase64: value.toString("base64") }),
      worker: this.#id,
      at: new Date().toISOString(),
    };
    const out = [this.#out(this.#o.topics.deadLetter, requestId ?? msg.key, letter, { "aiwork-dlq-code": code })];
    if (requestId !== undefined) {
      this.counts.rejected++;
      const answer: FlowResultMessage = { requestId, status: "REJECTED", code, error: reason, worker: this.#id };
      out.push(this.#out(this.#o.topics.results, requestId, answer));
    }
    return out;
  }

  #out(topic: string, key: string | undefined, value: object, headers: Record<string, string> = {}): OutboundMessage {
    return { topic, ...(key !== undefined ? { key } : {}), value: JSON.stringify(value), headers: { "aiwork-worker": this.#id, ...headers } };
  }
}

/** The state store with the request's origin added to the run's metadata (stores keep the metadata as JSON). */
function withOrigin(store: StateStore, origin: Origin): StateStore {
  return {
    createRun: (meta) => store.createRun({ ...meta, origin } as RunMeta),
    append: (runId, records) => store.append(runId, records),
    setStatus: (runId, status) => store.setStatus(runId, status),
    loadRun: (runId) => store.loadRun(runId),
    listRuns: (limit) => store.listRuns(limit),
    close: () => Promise.resolve(),
  };
}

/** A counting semaphore. */
class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(n: number) {
    this.#free = n;
  }
  acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
  release(): void {
    const next = this.#waiting.shift();
    if (next !== undefined) next();
    else this.#free++;
  }
}
