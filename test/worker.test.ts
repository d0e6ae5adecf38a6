// The Kafka worker against a real broker (test/helpers/kafka-broker.ts) with
// its state in a real Redis: requests in, results out; a poison message goes
// to the dead-letter topic and the worker goes on; a request sent twice runs
// and is answered once; two workers of one group share the load; a worker
// killed with SIGKILL mid-flow is replaced and every request ends with exactly
// one result; the broker stopped during a run and restarted loses nothing.

import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { compileSources } from "../compiler/compile.ts";
import { main } from "../cli/main.ts";
import { RedisStateStore } from "../runtime/state/redis-store.ts";
import { FlowPreparer } from "../server/flow-request.ts";
import { KafkaRequestQueue } from "../worker/kafka-queue.ts";
import type { DeadLetterMessage, FlowResultMessage } from "../worker/messages.ts";
import { FlowWorker } from "../worker/worker.ts";
import { callCount, resetCalls } from "./fixtures/serve/tools.ts";
import { useKafkaBroker } from "./helpers/kafka-broker.ts";
import { useRedisServer } from "./helpers/redis-server.ts";

const repo = path.resolve(import.meta.dirname, "..");
const kafka = useKafkaBroker();
const redis = useRedisServer();

const TOOLS = `
tool sleep(ms: number, tag: string) -> { tag: string, ms: number } { ts: "./test/fixtures/serve/tools.ts#sleep" }
tool shout(text: string) -> { text: string } { ts: "./test/fixtures/serve/tools.ts#shout" }
tool fail(message: string) -> { x: number } { ts: "./test/fixtures/serve/tools.ts#fail" }
`;
const GREET = `${TOOLS}
flow greet(name: string) {
  task up { run: shout(text: name) }
  return "hello " + up.text
}
`;
const STEPS = `${TOOLS}
flow steps(a: number, b: number, c: number) {
  task first { run: sleep(ms: a, tag: "first") }
  task second after first { run: sleep(ms: b, tag: "second") }
  task third after second { run: sleep(ms: c, tag: "third") }
  return third.tag
}
`;
const BROKEN = `${TOOLS}
flow broken() {
  task bad { run: fail(message: "no luck") }
}
`;

interface Topics {
  readonly requests: string;
  readonly results: string;
  readonly deadLetter: string;
  readonly group: string;
}

function topics(name: string): Topics {
  const id = `${name}-${randomBytes(3).toString("hex")}`;
  return { requests: `req-${id}`, results: `res-${id}`, deadLetter: `dlq-${id}`, group: `g-${id}` };
}

function client(): Kafka {
  return new Kafka({ clientId: "aiw-test", brokers: [kafka.brokers], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 3000 } });
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
}, 120_000);

beforeEach(() => resetCalls());

async function createTopics(t: Topics, partitions = 4): Promise<void> {
  const admin = client().admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [t.requests, t.results, t.deadLetter].map((topic) => ({ topic, numPartitions: partitions })) });
  await admin.disconnect();
}

async function send(topic: string, messages: { key?: string; value: string | Buffer | null }[]): Promise<void> {
  const producer = client().producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await producer.send({ topic, messages });
  await producer.disconnect();
}

function request(requestId: string, body: Record<string, unknown>): { key: string; value: string } {
  return { key: requestId, value: JSON.stringify({ requestId, ...body }) };
}

/**
 * Reads `topic` from the beginning (read_committed) until `count` messages
 * have arrived, then `settleMs` more (to catch any duplicate); returns them all.
 */
async function readTopic<T>(topic: string, count: number, timeoutMs: number, settleMs = 1500): Promise<{ key: string; value: T; partition: number }[]> {
  const consumer = client().consumer({ groupId: `read-${randomBytes(4).toString("hex")}`, maxWaitTimeInMs: 200, readUncommitted: false });
  const got: { key: string; value: T; partition: number }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message, partition }) => {
      got.push({ key: message.key?.toString() ?? "", value: JSON.parse(message.value!.toString()) as T, partition });
    },
  });
  const deadline = Date.now() + timeoutMs;
  while (got.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, settleMs));
  await consumer.disconnect();
  return got;
}

async function openStore(): Promise<RedisStateStore> {
  const store = await RedisStateStore.open(redis.url, { prefix: `w${randomBytes(3).toString("hex")}:` });
  cleanups.push(() => store.close());
  return store;
}

async function startWorker(t: Topics, store: RedisStateStore, options: { id?: string; concurrency?: number } = {}): Promise<FlowWorker> {
  // AIW_TEST_WORKER_LOG=1 prints the in-process workers' logs (batches, commits, answers) when a test needs looking into.
  const logger = process.env["AIW_TEST_WORKER_LOG"] ? { debug: (f: object, m: string) => console.error(m, JSON.stringify(f)), info: (f: object, m: string) => console.error(m, JSON.stringify(f)), warn: (f: object, m: string) => console.error(m, JSON.stringify(f)), error: (f: object, m: string) => console.error(m, JSON.stringify(f)) } : undefined;
  const queue = new KafkaRequestQueue({ brokers: [kafka.brokers], groupId: t.group, topic: t.requests, sessionTimeoutMs: 6000, heartbeatIntervalMs: 1000, ...(logger ? { logger } : {}) });
  const worker = new FlowWorker({
    queue,
    topics: { results: t.results, deadLetter: t.deadLetter },
    store,
    preparer: new FlowPreparer({ toolsDir: repo }),
    workRoot: realpathSync(mkdtempSync(path.join(tmpdir(), "aiw-worker-"))),
    concurrency: options.concurrency ?? 8,
    ...(logger ? { logger } : {}),
    ...(options.id !== undefined ? { workerId: options.id } : {}),
  });
  await worker.start();
  cleanups.push(() => worker.stop(0));
  return worker;
}

function irOf(source: string): unknown {
  const c = compileSources({ [path.join(repo, "flow.aiw")]: source });
  if (c.ir === undefined) throw new Error(c.diagnostics.map((d) => d.message).join("\n"));
  return JSON.parse(JSON.stringify(c.ir));
}

async function committedEqualsEnd(t: Topics): Promise<boolean> {
  const admin = client().admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(t.requests);
  const [committed] = await admin.fetchOffsets({ groupId: t.group, topics: [t.requests] });
  await admin.disconnect();
  return ends.every((e) => committed!.partitions.find((p) => p.partition === e.partition)?.offset === e.offset || (e.offset === "0" && committed!.partitions.find((p) => p.partition === e.partition)?.offset === "-1"));
}

describe("the Kafka worker on a real broker", () => {
  it("answers requests given as source and as IR, completed and failed, and commits their offsets", async () => {
    const t = topics("basic");
    await createTopics(t);
    const store = await openStore();
    await startWorker(t, store);
    await send(t.requests, [
      request("b-1", { source: GREET, inputs: { name: "ada" } }),
      request("b-2", { ir: irOf(GREET), inputs: { name: "bob" } }),
      request("b-3", { source: STEPS, inputs: { a: 10, b: 10, c: 10 } }),
      request("b-4", { source: BROKEN }),
    ]);
    const results = await readTopic<FlowResultMessage>(t.results, 4, 60_000);
    const byId = new Map(results.map((r) => [r.key, r.value]));
    expect(results).toHaveLength(4);
    expect(byId.get("b-1")).toMatchObject({ requestId: "b-1", runId: "req-b-1", status: "COMPLETED", output: "hello ADA" });
    expect(byId.get("b-2")).toMatchObject({ status: "COMPLETED", output: "hello BOB" });
    expect(byId.get("b-3")).toMatchObject({ status: "COMPLETED", output: "third", tasks: { first: { state: "COMPLETED" }, third: { state: "COMPLETED" } } });
    expect(byId.get("b-4")).toMatchObject({ status: "FAILED", error: "task 'bad' failed: no luck" });
    expect(await committedEqualsEnd(t)).toBe(true);
    // The runs are in the shared state store.
    expect((await store.loadRun("req-b-1"))?.status).toBe("COMPLETED");
  }, 120_000);

  it("sends poison messages to the dead-letter topic with the reason, and keeps going", async () => {
    const t = topics("poison");
    await createTopics(t, 1);
    const store = await openStore();
    await startWorker(t, store);
    await send(t.requests, [
      { key: "junk", value: Buffer.from([0xff, 0xfe, 0x00, 0x01]) },
      { value: "[1, 2, 3]" },
      { value: JSON.stringify({ source: GREET }) },
      request("p-ir", { ir: { irVersion: 1, flows: 7 } }),
      request("p-compile", { source: "flow f() { task t { run: nope } }" }),
      request("p-inputs", { source: GREET, inputs: { name: 42 } }),
      { key: "p-empty", value: null },
      request("p-good", { source: GREET, inputs: { name: "after" } }),
    ]);
    const letters = await readTopic<DeadLetterMessage>(t.deadLetter, 7, 60_000);
    expect(letters.map((l) => l.value.code)).toEqual(["NOT_JSON", "NOT_A_REQUEST", "NOT_A_REQUEST", "INVALID_IR", "COMPILE_ERROR", "INVALID_INPUTS", "EMPTY"]);
    expect(letters[0]!.value).toMatchObject({ reason: expect.stringMatching(/not JSON/), valueBase64: Buffer.from([0xff, 0xfe, 0x00, 0x01]).toString("base64"), source: { topic: t.requests, partition: 0, offset: "0", key: "junk" } });
    expect(letters[2]!.value.reason).toMatch(/requestId/);
    expect(letters[4]!.value).toMatchObject({ requestId: "p-compile", reason: expect.stringMatching(/unknown name 'nope'/), value: expect.stringContaining("nope") });
    const results = await readTopic<FlowResultMessage>(t.results, 5, 30_000);
    const byId = new Map(results.map((r) => [r.key, r.value]));
    expect([...byId.keys()].sort()).toEqual(["p-compile", "p-empty", "p-good", "p-inputs", "p-ir"]);
    expect(byId.get("p-ir")).toMatchObject({ status: "REJECTED", code: "INVALID_IR" });
    expect(byId.get("p-inputs")).toMatchObject({ status: "REJECTED", code: "INVALID_INPUTS" });
    expect(byId.get("p-good")).toMatchObject({ status: "COMPLETED", output: "hello AFTER" });
    expect(await committedEqualsEnd(t)).toBe(true);
  }, 120_000);

  it("runs and answers a request sent twice only once", async () => {
    const t = topics("dupe");
    await createTopics(t, 2);
    const store = await openStore();
    const worker = await startWorker(t, store);
    const twice = request("d-1", { source: GREET, inputs: { name: "once" } });
    await send(t.requests, [twice, request("d-2", { source: GREET, inputs: { name: "other" } }), twice]);
    const results = await readTopic<FlowResultMessage>(t.results, 2, 60_000, 3000);
    expect(results.map((r) => r.key).sort()).toEqual(["d-1", "d-2"]);
    expect(callCount("shout:once")).toBe(1);
    expect(worker.counts.duplicates).toBe(1);
    expect(await committedEqualsEnd(t)).toBe(true);
  }, 120_000);

  it("shares the load between two workers of one group", async () => {
    const t = topics("share");
    await createTopics(t, 4);
    const store = await openStore();
    await startWorker(t, store, { id: "worker-one", concurrency: 4 });
    await startWorker(t, store, { id: "worker-two", concurrency: 4 });
    await new Promise((r) => setTimeout(r, 3000)); // both joined
    const n = 40;
    await send(
      t.requests,
      Array.from({ length: n }, (_, i) => request(`s-${i}`, { source: STEPS, inputs: { a: 50, b: 50, c: 50 } })),
    );
    const results = await readTopic<FlowResultMessage>(t.results, n, 90_000);
    expect(new Set(results.map((r) => r.key)).size).toBe(n);
    expect(results).toHaveLength(n);
    expect(results.every((r) => r.value.status === "COMPLETED")).toBe(true);
    const perWorker = new Map<string, number>();
    for (const r of results) perWorker.set(r.value.worker, (perWorker.get(r.value.worker) ?? 0) + 1);
    expect([...perWorker.keys()].sort()).toEqual(["worker-one", "worker-two"]);
    for (const count of perWorker.values()) expect(count).toBeGreaterThanOrEqual(5);
  }, 180_000);
});

describe("faults", () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  });

  function spawnWorker(t: Topics, calls: string, name: string, env: Record<string, string> = {}): { child: ChildProcess; log: () => string; exited: Promise<void> } {
    const child = spawn(
      process.execPath,
      [
        path.join(repo, "bin/aiwc.js"),
        "worker",
        "--brokers", kafka.brokers,
        "--group", t.group,
        "--requests", t.requests,
        "--results", t.results,
        "--dead-letter", t.deadLetter,
        "--state", redis.url,
        "--tools-dir", repo,
        "--work-dir", realpathSync(mkdtempSync(path.join(tmpdir(), `aiw-${name}-`))),
        "--session-timeout", "6000",
        "--grace", "2000",
      ],
      { env: { ...process.env, AIW_TEST_CALLS: calls, ...env }, stdio: ["ignore", "ignore", "pipe"] },
    );
    children.push(child);
    let log = "";
    child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    return { child, log: () => log, exited };
  }

  function callLines(file: string): string[] {
    return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter((l) => l !== "") : [];
  }

  async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it("replaces a worker killed with SIGKILL mid-flow: every request ends with exactly one result, finished tasks are not redone", async () => {
    const t = topics("kill");
    await createTopics(t, 2);
    const calls = path.join(realpathSync(mkdtempSync(path.join(tmpdir(), "aiw-calls-"))), "calls.txt");
    const first = spawnWorker(t, calls, "first");
    await until("the first worker to join", () => first.log().includes("joined the group"), 60_000);
    const ids = Array.from({ length: 6 }, (_, i) => `k-${i}`);
    await send(t.requests, ids.map((id) => request(id, { source: STEPS, inputs: { a: 100, b: 2500, c: 100 } })));
    // Kill it once every flow is inside its second task (the first is checkpointed).
    await until("every flow to reach its second task", () => callLines(calls).filter((l) => l.endsWith(" second")).length === ids.length, 60_000);
    first.child.kill("SIGKILL");
    await first.exited;
    expect(callLines(calls).filter((l) => l.endsWith(" third"))).toEqual([]);

    const second = spawnWorker(t, calls, "second");
    const results = await readTopic<FlowResultMessage>(t.results, ids.length, 90_000, 3000);
    second.child.kill("SIGTERM");
    await second.exited;

    expect(results.map((r) => r.key).sort()).toEqual(ids);
    for (const r of results) expect(r.value).toMatchObject({ status: "COMPLETED", output: "third", resumed: true });
    const lines = callLines(calls);
    for (const id of ids) {
      // first ran once (checkpointed before the kill); second ran twice (cut off, then resumed); third once.
      expect(lines.filter((l) => l === `req-${id} first`)).toHaveLength(1);
      expect(lines.filter((l) => l === `req-${id} second`)).toHaveLength(2);
      expect(lines.filter((l) => l === `req-${id} third`)).toHaveLength(1);
    }
    expect(second.log()).toContain("resuming an interrupted run");
  }, 240_000);

  it("stops on SIGTERM with its flows checkpointed, and another worker resumes them", async () => {
    const t = topics("term");
    await createTopics(t, 2);
    const calls = path.join(realpathSync(mkdtempSync(path.join(tmpdir(), "aiw-calls-"))), "calls.txt");
    // In the first worker every sleep lasts 40x longer than asked: its second tasks take 20 s.
    const first = spawnWorker(t, calls, "term-first", { AIW_TEST_SLEEP_SCALE: "40" });
    await until("the first worker to join", () => first.log().includes("joined the group"), 60_000);
    const ids = ["t-0", "t-1", "t-2"];
    await send(t.requests, ids.map((id) => request(id, { source: STEPS, inputs: { a: 2, b: 500, c: 2 } })));
    await until("every flow to reach its second task", () => callLines(calls).filter((l) => l.endsWith(" second")).length === ids.length, 60_000);
    const stopped = Date.now();
    first.child.kill("SIGTERM"); // --grace 2000: the 20 s tasks are stopped, checkpointed
    await first.exited;
    expect(first.child.exitCode).toBe(0);
    expect(Date.now() - stopped).toBeLessThan(15_000);
    expect(first.log()).toContain("run interrupted by the stop");

    // Nothing was answered; the next worker (sleeps at normal speed) resumes the three runs.
    const second = spawnWorker(t, calls, "term-second");
    const results = await readTopic<FlowResultMessage>(t.results, ids.length, 90_000, 3000);
    second.child.kill("SIGTERM");
    await second.exited;
    expect(results.map((r) => r.key).sort()).toEqual(ids);
    for (const r of results) expect(r.value).toMatchObject({ status: "COMPLETED", resumed: true });
    for (const id of ids) expect(callLines(calls).filter((l) => l === `req-${id} first`)).toHaveLength(1);
  }, 240_000);

  it("loses no request when the broker stops during a run and comes back", async () => {
    const t = topics("outage");
    await createTopics(t, 2);
    const store = await openStore();
    const worker = await startWorker(t, store);
    const ids = Array.from({ length: 4 }, (_, i) => `o-${i}`);
    await send(t.requests, ids.map((id) => request(id, { source: STEPS, inputs: { a: 50, b: 3000, c: 50 } })));
    const deadline = Date.now() + 60_000;
    while (callCount("sleep:second") < ids.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(callCount("sleep:second")).toBe(ids.length);

    await kafka.broker.stop();
    await new Promise((r) => setTimeout(r, 4000)); // the flows finish while the broker is away
    expect(callCount("sleep:third")).toBe(ids.length);
    await kafka.broker.restart();

    const results = await readTopic<FlowResultMessage>(t.results, ids.length, 120_000, 3000);
    expect(results.map((r) => r.key).sort()).toEqual(ids);
    for (const r of results) expect(r.value).toMatchObject({ status: "COMPLETED", output: "third" });
    // Each flow ran once: the requests came again (nothing had been committed) and were answered from the state store.
    expect(callCount("sleep:third")).toBe(ids.length);
    expect(worker.counts.completed).toBe(ids.length);
    expect(await committedEqualsEnd(t)).toBe(true);
  }, 300_000);
});

describe("aiwc submit", () => {
  it("sends a request and waits for its result", async () => {
    const t = topics("submit");
    await createTopics(t, 2);
    const store = await openStore();
    await startWorker(t, store);
    const dir = realpathSync(mkdtempSync(path.join(tmpdir(), "aiw-submit-")));
    const file = path.join(dir, "hello.aiw");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(file, `flow hello(name: string) {\n  task greet { run: "hello " + name }\n  return greet\n}\n`);
    let out = "";
    let err = "";
    const io = { stdout: (s: string) => (out += s), stderr: (s: string) => (err += s), isTTY: false };
    const code = await main(["node", "aiwc", "submit", file, "--brokers", kafka.brokers, "--requests", t.requests, "--results", t.results, "--input", "name=kafka", "--id", "sub-1", "--wait", "--timeout", "60000"], io);
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ requestId: "sub-1", status: "COMPLETED", output: "hello kafka" });

    out = "";
    const noWait = await main(["node", "aiwc", "submit", file, "--brokers", kafka.brokers, "--requests", t.requests, "--input", "name=x"], io);
    expect(noWait).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ requestId: expect.stringMatching(/^[0-9a-f-]{36}$/), topic: t.requests });
  }, 120_000);
});
