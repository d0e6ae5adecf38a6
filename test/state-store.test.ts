// The state store contract (runtime/state/store.ts), run against every
// implementation: SQLite in a temporary folder and Redis on a real
// redis-server started for this file (test/helpers/redis-server.ts). Then what
// only one of them can do wrong (foreign/corrupt files, a foreign prefix, a
// server going away), openStateStore's URL forms, and crash injection through
// a child process killed by AIW_STATE_FAULT.

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { createClient } from "redis";
import { afterAll, describe, expect, it } from "vitest";
import type { JsonValue } from "../compiler/ir.ts";
import { faultBetweenTasks, parseFault, withFaults } from "../runtime/state/faults.ts";
import { openStateStore } from "../runtime/state/open-store.ts";
import { RedisStateStore } from "../runtime/state/redis-store.ts";
import { SqliteStateStore } from "../runtime/state/sqlite-store.ts";
import { type LogRecord, type RunMeta, type StateStore, StateStoreError } from "../runtime/state/store.ts";
import { startRedisServer, useRedisServer } from "./helpers/redis-server.ts";

const redis = useRedisServer();
const scratch = mkdtempSync(join(tmpdir(), "aiw-state-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let counter = 0;
const unique = (stem: string): string => `${stem}-${process.pid}-${++counter}`;

/** Raw access to a Redis server, for what the store itself will not do (corrupt, inspect). */
async function withRedis<T>(body: (c: ReturnType<typeof createClient>) => Promise<T>): Promise<T> {
  const c = createClient({ url: redis.url });
  c.on("error", () => {});
  await c.connect();
  try {
    return await body(c);
  } finally {
    await c.close();
  }
}

// A store "location": a SQLite file, or a key prefix on the shared Redis server
// (a fresh prefix per test keeps the tests independent of each other).
interface Kind {
  readonly name: string;
  fresh(): string;
  open(where: string): Promise<StateStore>;
  /** Replaces log record `seq` (1-based) of `runId` by text that is not JSON. */
  corruptRecord(where: string, runId: string, seq: number): Promise<void>;
}

const kinds: Kind[] = [
  {
    name: "sqlite",
    fresh: () => join(scratch, unique("db"), "runs.db"),
    open: async (file) => SqliteStateStore.open(file),
    corruptRecord: async (file, runId, seq) => {
      const db = new DatabaseSync(file);
      db.prepare("UPDATE log SET record = '{\"kind\": \"task\", ' WHERE run_id = ? AND seq = ?").run(runId, seq);
      db.close();
    },
  },
  {
    name: "redis",
    fresh: () => `${unique("t")}:`,
    open: async (prefix) => RedisStateStore.open(redis.url, { prefix }),
    corruptRecord: (prefix, runId, seq) => withRedis(async (c) => void (await c.lSet(`${prefix}run:${runId}:log`, seq - 1, '{"kind": "task", '))),
  },
];

function meta(runId: string, createdAt = new Date().toISOString(), extra: Partial<RunMeta> = {}): RunMeta {
  return { runId, flow: "triage", irHash: "abc123", ir: { version: 1, tasks: [{ id: "a" }] }, inputs: { n: 3 }, createdAt, ...extra };
}

const task = (taskId: string, output: JsonValue = null): LogRecord => ({ kind: "task", taskId, state: "COMPLETED", attempts: 1, durationMs: 5, output });

describe.each(kinds)("StateStore contract: $name", (kind) => {
  it("round-trips a run: meta, records in order, JSON exactly", async () => {
    const where = kind.fresh();
    const store = await kind.open(where);
    try {
      // `__proto__` as an own key: only JSON.parse makes one (a literal would set the prototype).
      const tricky = JSON.parse(
        '{"__proto__": {"polluted": true}, "constructor": "c", "nested": {"deep": [1, 2.5, -0.125, 1e300, null, true, false, "", {"a": []}]},' +
          ' "unicode": "héllo wörld · 漢字 · 🎉👩‍💻 · e\u0301 · \\u0000 nul · \\ud800 lone surrogate · \\"quoted\\" · back\\\\slash · tab\\t"}',
      ) as JsonValue;
      const m = meta("run-1", "2026-01-02T03:04:05.678Z", { ir: tricky, inputs: { text: "ünïcödé 🚀", list: [1, [2, [3]]], obj: tricky } });
      await store.createRun(m);
      const records: LogRecord[] = [
        task("a", tricky),
        { kind: "item", taskId: "fan", index: 0, output: { x: "ä" }, attempts: 2 },
        { kind: "inject", injector: "planner", template: "step", taskId: "step#1" },
        { kind: "memory", agent: "writer", text: "line 1\nline 2 — 🧠" },
        { kind: "task", taskId: "b", state: "FAILED", attempts: 3, durationMs: 12, error: "boom", guardFailures: ["too long", "not JSON"] },
      ];
      await store.append("run-1", records.slice(0, 2));
      await store.append("run-1", records.slice(2));
      const loaded = await store.loadRun("run-1");
      expect(loaded).toBeDefined();
      expect(loaded!.status).toBe("RUNNING");
      expect(JSON.stringify(loaded!.meta)).toBe(JSON.stringify(m));
      expect(JSON.stringify(loaded!.log)).toBe(JSON.stringify(records));
      expect(loaded!.log).toEqual(records);
      const out = (loaded!.log[0] as { output: Record<string, unknown> }).output;
      expect(Object.hasOwn(out, "__proto__")).toBe(true);
      expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(await store.loadRun("no-such-run")).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it("refuses to create a run twice and keeps the first", async () => {
    const store = await kind.open(kind.fresh());
    try {
      await store.createRun(meta("dup", "2026-01-01T00:00:00.000Z"));
      await store.append("dup", [task("a")]);
      const again = store.createRun(meta("dup", "2027-01-01T00:00:00.000Z", { flow: "other" }));
      await expect(again).rejects.toBeInstanceOf(StateStoreError);
      await expect(again).rejects.toThrow(/'dup' already exists/);
      const loaded = await store.loadRun("dup");
      expect(loaded!.meta.flow).toBe("triage");
      expect(loaded!.meta.createdAt).toBe("2026-01-01T00:00:00.000Z");
      expect(loaded!.log).toEqual([task("a")]);
      expect((await store.listRuns()).map((r) => r.runId)).toEqual(["dup"]);
    } finally {
      await store.close();
    }
  });

  it("lists runs newest first with their status, and honours the limit", async () => {
    const store = await kind.open(kind.fresh());
    try {
      // Created out of order: the list follows createdAt, not insertion.
      await store.createRun(meta("mid", "2026-03-01T00:00:00.000Z"));
      await store.createRun(meta("old", "2026-01-01T00:00:00.000Z"));
      await store.createRun(meta("new", "2026-05-01T00:00:00.000Z", { flow: "report" }));
      await store.setStatus("old", "COMPLETED");
      await store.setStatus("mid", "FAILED");
      const all = await store.listRuns();
      expect(all.map((r) => [r.runId, r.flow, r.status, r.createdAt])).toEqual([
        ["new", "report", "RUNNING", "2026-05-01T00:00:00.000Z"],
        ["mid", "triage", "FAILED", "2026-03-01T00:00:00.000Z"],
        ["old", "triage", "COMPLETED", "2026-01-01T00:00:00.000Z"],
      ]);
      for (const r of all) expect(Number.isNaN(Date.parse(r.updatedAt))).toBe(false);
      expect((await store.listRuns(2)).map((r) => r.runId)).toEqual(["new", "mid"]);
      expect(await store.listRuns(0)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("sets the status, and refuses unknown runs", async () => {
    const store = await kind.open(kind.fresh());
    try {
      await store.createRun(meta("s"));
      const before = (await store.listRuns())[0]!.updatedAt;
      await new Promise((r) => setTimeout(r, 5));
      await store.setStatus("s", "COMPLETED");
      expect((await store.loadRun("s"))!.status).toBe("COMPLETED");
      const after = (await store.listRuns())[0]!;
      expect(after.status).toBe("COMPLETED");
      expect(after.updatedAt > before).toBe(true);
      await expect(store.setStatus("ghost", "FAILED")).rejects.toThrow(StateStoreError);
      await expect(store.append("ghost", [task("a")])).rejects.toThrow(/no run 'ghost'/);
      await expect(store.createRun(meta("bad-date", "yesterday"))).rejects.toThrow(StateStoreError);
    } finally {
      await store.close();
    }
  });

  it("appends a batch entirely or not at all", async () => {
    const where = kind.fresh();
    const store = await kind.open(where);
    try {
      await store.createRun(meta("atomic"));
      await store.append("atomic", [task("first")]);
      // The third record cannot be serialised (BigInt): the SQLite store has by
      // then inserted the second inside its transaction, so this also checks
      // the rollback; Redis serialises the batch before sending anything.
      const bad = { ...task("bad"), output: { n: 10n } } as unknown as LogRecord;
      const failing = store.append("atomic", [task("second"), task("also"), bad, task("never")]);
      await expect(failing).rejects.toBeInstanceOf(StateStoreError);
      await expect(failing).rejects.toThrow(/record 3 of 4 cannot be stored as JSON/);
      expect((await store.loadRun("atomic"))!.log).toEqual([task("first")]);
      await store.append("atomic", [task("next")]);
      expect((await store.loadRun("atomic"))!.log).toEqual([task("first"), task("next")]);
    } finally {
      await store.close();
    }
    if (kind.name === "sqlite") {
      // The failed batch left no gap: seq stays dense.
      const db = new DatabaseSync(where);
      expect(db.prepare("SELECT seq FROM log WHERE run_id = 'atomic' ORDER BY seq").all().map((r) => r.seq)).toEqual([1, 2]);
      db.close();
    }
  });

  it("keeps 200 parallel appends from two connections, batches whole, each writer's order kept", async () => {
    const where = kind.fresh();
    const a = await kind.open(where);
    const b = await kind.open(where);
    let log: Extract<LogRecord, { kind: "task" }>[] = [];
    try {
      await a.createRun(meta("busy"));
      // Each append is a batch of two records; the writers alternate.
      await Promise.all(
        Array.from({ length: 200 }, (_, i) => {
          const w = i % 2 === 0 ? "A" : "B";
          return (w === "A" ? a : b).append("busy", [task(`${w}${i}`, i), task(`${w}${i}`, 1000 + i)]);
        }),
      );
      log = (await a.loadRun("busy"))!.log as Extract<LogRecord, { kind: "task" }>[];
      expect(log).toHaveLength(400);
      for (let k = 0; k < 400; k += 2) {
        // The two records of a batch are adjacent (never interleaved with another batch).
        expect(log[k]!.taskId).toBe(log[k + 1]!.taskId);
        expect(log[k + 1]!.output).toBe(1000 + (log[k]!.output as number));
      }
      const firsts = log.filter((_, k) => k % 2 === 0).map((r) => r.output as number);
      expect([...firsts].sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i));
      for (const w of ["A", "B"]) {
        const mine = log.filter((r, k) => k % 2 === 0 && r.taskId.startsWith(w)).map((r) => r.output as number);
        expect(mine).toEqual([...mine].sort((x, y) => x - y)); // in the order this writer issued them
      }
    } finally {
      await a.close();
      await b.close();
    }
    if (kind.name === "sqlite") {
      const db = new DatabaseSync(where);
      const rows = db.prepare("SELECT seq, record FROM log WHERE run_id = 'busy' ORDER BY seq").all();
      db.close();
      // seq is dense and strictly increasing, and the log is read back in seq order.
      expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
      expect(rows.map((r) => JSON.parse(String(r.record)) as unknown)).toEqual(log);
    } else {
      const n = await withRedis((c) => c.lLen(`${where}run:busy:log`));
      expect(n).toBe(400);
    }
  });

  it("persists across close and reopen, and goes on appending after it", async () => {
    const where = kind.fresh();
    const first = await kind.open(where);
    await first.createRun(meta("p", "2026-02-02T02:02:02.002Z"));
    await first.append("p", [task("a", { v: "é" }), task("b")]);
    await first.setStatus("p", "FAILED");
    await first.close();
    await first.close(); // closing twice is harmless

    const second = await kind.open(where);
    try {
      const loaded = await second.loadRun("p");
      expect(loaded).toEqual({ meta: meta("p", "2026-02-02T02:02:02.002Z"), status: "FAILED", log: [task("a", { v: "é" }), task("b")] });
      await second.append("p", [task("c")]);
      expect((await second.loadRun("p"))!.log.map((r) => (r as { taskId: string }).taskId)).toEqual(["a", "b", "c"]);
      expect((await second.listRuns()).map((r) => [r.runId, r.status])).toEqual([["p", "FAILED"]]);
    } finally {
      await second.close();
    }
    await expect(first.loadRun("p")).rejects.toThrow(/closed/);
  });

  it("reports a log record that is not JSON, naming the run and the seq", async () => {
    const where = kind.fresh();
    const store = await kind.open(where);
    try {
      await store.createRun(meta("broken"));
      await store.append("broken", [task("a"), task("b"), task("c")]);
      await kind.corruptRecord(where, "broken", 2);
      const load = store.loadRun("broken");
      await expect(load).rejects.toBeInstanceOf(StateStoreError);
      await expect(load).rejects.toThrow(/run 'broken'.*log record seq 2 is not valid JSON/);
    } finally {
      await store.close();
    }
  });
});

// ------------------------------------------------------------------- SQLite

describe("SqliteStateStore: files that are not its own", () => {
  /** Expects opening `file` to fail with `pattern` and to leave its bytes as they were. */
  async function refusedUnchanged(file: string, pattern: RegExp): Promise<void> {
    const before = readFileSync(file);
    expect(() => SqliteStateStore.open(file)).toThrow(StateStoreError);
    expect(() => SqliteStateStore.open(file)).toThrow(pattern);
    await expect(openStateStore(file, scratch)).rejects.toThrow(pattern);
    expect(readFileSync(file).equals(before)).toBe(true);
  }

  it("refuses another program's database and leaves it unchanged", async () => {
    const file = join(scratch, unique("foreign") + ".db");
    const db = new DatabaseSync(file);
    db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ada'), ('linus');");
    db.close();
    await refusedUnchanged(file, /is not an AIWork state database.*'users'/);
    expect(existsSync(file + "-wal")).toBe(false);
  });

  it("refuses a database with a `meta` table of another shape or another application", async () => {
    const shape = join(scratch, unique("meta-shape") + ".db");
    let db = new DatabaseSync(shape);
    db.exec("CREATE TABLE meta (id INTEGER, blob BLOB)");
    db.close();
    await refusedUnchanged(shape, /is not an AIWork state database/);

    const other = join(scratch, unique("meta-other") + ".db");
    db = new DatabaseSync(other);
    db.exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES ('application', 'someone-else'), ('schema_version', '1');");
    db.close();
    await refusedUnchanged(other, /is not an AIWork state database/);
  });

  it("refuses a file that is not SQLite at all and leaves it unchanged", async () => {
    const file = join(scratch, unique("random") + ".db");
    writeFileSync(file, randomBytes(8192));
    await refusedUnchanged(file, /is not an AIWork state database: it is not an SQLite file/);
    const text = join(scratch, unique("notes") + ".txt");
    writeFileSync(text, "remember the milk\n");
    await refusedUnchanged(text, /not an SQLite file/);
  });

  it("refuses a corrupt database and leaves it unchanged", async () => {
    const file = join(scratch, unique("corrupt") + ".db");
    const store = SqliteStateStore.open(file);
    await store.createRun(meta("r"));
    await store.close();
    const bytes = readFileSync(file);
    randomBytes(4096 - 100).copy(bytes, 100); // the schema page, after the valid header
    writeFileSync(file, bytes);
    await refusedUnchanged(file, /is a corrupt SQLite database/);
  });

  it("refuses a database of a newer schema version and leaves it unchanged", async () => {
    const file = join(scratch, unique("newer") + ".db");
    await (await openStateStore(file, scratch)).close();
    const db = new DatabaseSync(file);
    db.exec("UPDATE meta SET value = '2' WHERE key = 'schema_version'");
    db.close();
    await refusedUnchanged(file, /newer AIWork \(state schema_version 2; this one reads 1\)/);
  });

  it("creates its folder, uses WAL and the schema marker, and takes an empty file", async () => {
    const file = join(scratch, unique("fresh"), "deeper", "runs.db");
    await SqliteStateStore.open(file).close();
    const db = new DatabaseSync(file);
    expect(db.prepare("PRAGMA journal_mode").get()!.journal_mode).toBe("wal");
    expect(db.prepare("SELECT key, value FROM meta ORDER BY key").all().map((r) => ({ ...r }))).toEqual([
      { key: "application", value: "aiwork-state" },
      { key: "schema_version", value: "1" },
    ]);
    db.close();
    const empty = join(scratch, unique("empty") + ".db");
    writeFileSync(empty, "");
    const store = SqliteStateStore.open(empty);
    await store.createRun(meta("e"));
    expect((await store.loadRun("e"))!.status).toBe("RUNNING");
    await store.close();
  });

  it("is shared by two processes appending at once (busy_timeout)", async () => {
    const file = join(scratch, unique("shared") + ".db");
    const store = SqliteStateStore.open(file);
    await store.createRun(meta("shared"));
    const [x, y] = await Promise.all([runWriter([file, "shared", "100", "--writer", "X"]), runWriter([file, "shared", "100", "--writer", "Y"])]);
    expect([x.code, x.signal, y.code, y.signal]).toEqual([0, null, 0, null]);
    const log = (await store.loadRun("shared"))!.log;
    await store.close();
    expect(log).toHaveLength(400); // 100 memory + 100 task records from each
    for (const w of ["X", "Y"]) {
      const ids = log.flatMap((r) => (r.kind === "task" && r.taskId.startsWith(w) ? [r.taskId] : []));
      expect(ids).toEqual(Array.from({ length: 100 }, (_, i) => `${w}-${i + 1}`));
    }
  });
});

// -------------------------------------------------------------------- Redis

describe("RedisStateStore: foreign data and a server that goes away", () => {
  it("refuses a prefix whose schema key holds something else", async () => {
    const prefix = `${unique("foreign")}:`;
    await withRedis((c) => c.set(`${prefix}schema`, "my-app/3"));
    await expect(RedisStateStore.open(redis.url, { prefix })).rejects.toThrow(/holds data that is not AIWork state/);
    expect(await withRedis((c) => c.get(`${prefix}schema`))).toBe("my-app/3");

    const hashed = `${unique("foreign")}:`;
    await withRedis((c) => c.hSet(`${hashed}schema`, "x", "y"));
    await expect(RedisStateStore.open(redis.url, { prefix: hashed })).rejects.toThrow(/holds data that is not AIWork state/);

    const newer = `${unique("newer")}:`;
    await withRedis((c) => c.set(`${newer}schema`, "aiwork-state/2"));
    await expect(RedisStateStore.open(redis.url, { prefix: newer })).rejects.toThrow(/newer AIWork/);
  });

  it("marks a fresh prefix on first use", async () => {
    const prefix = `${unique("mark")}:`;
    await (await RedisStateStore.open(redis.url, { prefix })).close();
    expect(await withRedis((c) => c.get(`${prefix}schema`))).toBe("aiwork-state/1");
    await (await RedisStateStore.open(redis.url, { prefix })).close(); // and accepts it again
  });

  it("fails with StateStoreError, not a hang, when the server goes away", async () => {
    const server = await startRedisServer();
    let store: RedisStateStore | undefined;
    try {
      store = await RedisStateStore.open(server.url, { reconnectAttempts: 3, connectTimeoutMs: 1000 });
      await store.createRun(meta("doomed"));
      await server.stop();
      const started = Date.now();
      const append = store.append("doomed", [task("a")]);
      await expect(append).rejects.toBeInstanceOf(StateStoreError);
      await expect(append).rejects.toThrow(new RegExp(`cannot append to run 'doomed' in Redis at '${server.url}'`));
      await expect(store.loadRun("doomed")).rejects.toThrow(StateStoreError);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      await server.stop();
      await store?.close(); // must not throw or hang either
    }
  });

  it("fails fast, without the password, when nothing listens", async () => {
    const server = await startRedisServer();
    const port = server.port;
    await server.stop(); // a port that was just free, now closed
    const started = Date.now();
    const open = RedisStateStore.open(`redis://admin:s3cr3t-pw@127.0.0.1:${port}/0`, { reconnectAttempts: 2, connectTimeoutMs: 1000 });
    await expect(open).rejects.toBeInstanceOf(StateStoreError);
    const message = await open.then(
      () => "",
      (e: Error) => e.message,
    );
    expect(message).toContain(`redis://admin:***@127.0.0.1:${port}/0`);
    expect(message).not.toContain("s3cr3t");
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

// ----------------------------------------------------------- openStateStore

describe("openStateStore", () => {
  it("defaults to .aiw-state/runs.db under cwd", async () => {
    const cwd = join(scratch, unique("cwd"));
    const store = await openStateStore(undefined, cwd);
    expect(store).toBeInstanceOf(SqliteStateStore);
    await store.close();
    expect(existsSync(join(cwd, ".aiw-state", "runs.db"))).toBe(true);
  });

  it("takes sqlite:PATH and plain paths (relative to cwd) and Redis URLs", async () => {
    const cwd = join(scratch, unique("cwd"));
    for (const [spec, file] of [
      ["sqlite:a/one.db", join(cwd, "a", "one.db")],
      [`sqlite://${join(cwd, "two.db")}`, join(cwd, "two.db")],
      ["three.db", join(cwd, "three.db")],
      [join(cwd, "four.db"), join(cwd, "four.db")],
    ] as const) {
      const store = await openStateStore(spec, cwd);
      expect((store as SqliteStateStore).path).toBe(file);
      await store.close();
    }
    const r = await openStateStore(redis.url, cwd);
    expect(r).toBeInstanceOf(RedisStateStore);
    await r.close();
  });

  it("refuses an unknown scheme, listing the accepted forms", async () => {
    const open = openStateStore("mongodb://user:pw@db.example/runs", scratch);
    await expect(open).rejects.toBeInstanceOf(StateStoreError);
    await expect(open).rejects.toThrow(/unknown state store 'mongodb:'.*accepted: .*sqlite:PATH, redis:\/\//);
    await expect(open).rejects.not.toThrow(/:pw@/);
  });
});

// ----------------------------------------------------------- crash injection

const writerScript = fileURLToPath(new URL("./fixtures/state-writer.ts", import.meta.url));

function runWriter(args: string[], fault?: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const env = { ...process.env };
  delete env.AIW_STATE_FAULT;
  if (fault !== undefined) env.AIW_STATE_FAULT = fault;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writerScript, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe("fault injection (AIW_STATE_FAULT)", () => {
  async function crash(fault: string): Promise<LogRecord[]> {
    const file = join(scratch, unique("crash") + ".db");
    const r = await runWriter([file, "crash", "10", "--create"], fault);
    expect(r.signal, r.stderr).toBe("SIGKILL");
    const store = SqliteStateStore.open(file);
    try {
      const run = await store.loadRun("crash");
      expect(run!.status).toBe("RUNNING");
      return run!.log.slice();
    } finally {
      await store.close();
    }
  }
  const tasks = (log: LogRecord[]): string[] => log.flatMap((r) => (r.kind === "task" ? [r.taskId] : []));

  it("before-write:3 dies before the third task append: two are stored", async () => {
    const log = await crash("before-write:3");
    expect(tasks(log)).toEqual(["t-1", "t-2"]);
    expect(log.at(-1)).toEqual({ kind: "memory", agent: "t", text: "before 3" }); // non-task appends do not count
  });

  it("after-write:3 dies right after the third task append: three are stored", async () => {
    const log = await crash("after-write:3");
    expect(tasks(log)).toEqual(["t-1", "t-2", "t-3"]);
    expect(log.at(-1)!.kind).toBe("task");
  });

  it("between-tasks:3 dies after the third acknowledged checkpoint", async () => {
    expect(tasks(await crash("between-tasks:3"))).toEqual(["t-1", "t-2", "t-3"]);
  });

  it("does nothing without the variable, and rejects a malformed one", async () => {
    const saved = process.env.AIW_STATE_FAULT;
    delete process.env.AIW_STATE_FAULT;
    try {
      const store = SqliteStateStore.open(join(scratch, unique("nofault") + ".db"));
      expect(withFaults(store)).toBe(store);
      faultBetweenTasks(1); // and does not kill this process
      await store.close();
    } finally {
      if (saved !== undefined) process.env.AIW_STATE_FAULT = saved;
    }
    expect(parseFault("after-write:12")).toEqual({ point: "after-write", n: 12 });
    expect(() => parseFault("after-write:0")).toThrow(/not understood/);
    expect(() => parseFault("sometimes")).toThrow(/not understood/);
    const file = join(scratch, unique("badfault") + ".db");
    const r = await runWriter([file, "crash", "3", "--create"], "during-lunch:1");
    expect(r.signal).toBeNull();
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/AIW_STATE_FAULT='during-lunch:1' is not understood/);
  });
});
