// RedisStateStore: the state store on a Redis server (node-redis v5), for runs
// that several machines must see, or resume on another machine.
//
// Keys (prefix default `aiw:`; run ids are URI-encoded in keys, so an id such
// as `x:log` cannot collide with the log of run `x`):
//   aiw:schema          string  "aiwork-state/1", set on first use; any other
//                               value means the prefix holds someone else's
//                               data (or a newer AIWork's) and is refused
//   aiw:run:{id}        hash    meta (JSON), flow, status, created_at, updated_at
//   aiw:run:{id}:log    list    one JSON record per entry, in append order
//   aiw:runs            zset    run ids scored by creation time (ms)
//
// Atomicity: a run is created by one MULTI/EXEC of HSETNX per field plus
// ZADD NX, so it appears entirely or not at all, and creating an existing id
// changes nothing (every field is already there: HSETNX is then a no-op, which
// its reply tells us). An append is one MULTI/EXEC holding a single RPUSH of the
// whole batch (so a batch is contiguous, never interleaved with another
// writer's) and the updated_at bump. Runs are never deleted, so checking that a
// run exists before the MULTI cannot be invalidated by another client.
// Not for Redis Cluster: a MULTI touches keys of different hash slots.
//
// Durability is the server's: with Redis's default snapshots a server crash
// can lose the last minutes of checkpoints; for resumable runs configure the
// server with `appendonly yes` (appendfsync everysec loses at most ~1 s).
//
// Failure: the client reconnects a bounded number of times, then rejects every
// waiting command, and each operation has its own deadline, so a Redis that
// goes away yields a StateStoreError (with the URL, password masked) instead of
// a hang. After that the store is dead; a new one must be opened.

import { createClient } from "redis";
import type { LogRecord, RunMeta, RunStatus, RunSummary, StateStore, StoredRun } from "./store.ts";
import { StateStoreError } from "./store.ts";
import { normaliseDate, parseJson, toJson } from "./sqlite-store.ts";

const SCHEMA_MARK = "aiwork-state/1";
const SCHEMA_PREFIX = "aiwork-state/";

export interface RedisStoreOptions {
  /** Key prefix, default `aiw:`. */
  readonly prefix?: string;
  /** Time to establish a TCP connection (ms). Default 5000. */
  readonly connectTimeoutMs?: number;
  /** Reconnect attempts after a lost connection before giving up. Default 5 (about 3 s with back-off). */
  readonly reconnectAttempts?: number;
  /** Deadline of each store operation (ms). Default 30000. */
  readonly operationTimeoutMs?: number;
}

type Client = ReturnType<typeof createClient>;

/** The URL with its password replaced, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = "***";
    return u.toString().replace(/\/$/, "");
  } catch {
    return url.replace(/\/\/[^@/]*@/, "//***@");
  }
}

export class RedisStateStore implements StateStore {
  readonly url: string;
  readonly prefix: string;
  readonly #client: Client;
  readonly #secret: string;
  readonly #timeoutMs: number;
  #lastError: Error | undefined;
  #closed = false;

  private constructor(client: Client, url: string, secret: string, prefix: string, timeoutMs: number) {
    this.#client = client;
    this.url = url;
    this.#secret = secret;
    this.prefix = prefix;
    this.#timeoutMs = timeoutMs;
    // node-redis emits 'error' for every failed (re)connection attempt; an
    // unhandled 'error' event would kill the process. We keep the last one to
    // explain the failure of the command it causes.
    client.on("error", (err: Error) => {
      this.#lastError = err;
    });
    client.on("ready", () => {
      this.#lastError = undefined;
    });
  }

  /** Connects, checks (or sets) the schema marker, and returns the store. */
  static async open(url: string, options: RedisStoreOptions = {}): Promise<RedisStateStore> {
    const shown = redactUrl(url);
    let secret = "";
    try {
      secret = decodeURIComponent(new URL(url).password);
    } catch {
      throw new StateStoreError(`'${shown}' is not a valid Redis URL (expected redis://[user:password@]host[:port][/db])`);
    }
    const attempts = options.reconnectAttempts ?? 5;
    let client: Client;
    try {
      client = createClient({
        url,
        socket: {
          connectTimeout: options.connectTimeoutMs ?? 5000,
          // Bounded back-off: 100, 200, 400, 800, 1000 ms..., then give up
          // (node-redis then rejects all waiting commands).
          reconnectStrategy: (retries: number, cause: Error) =>
            retries >= attempts ? new Error(`gave up after ${retries} reconnection attempts: ${cause.message}`) : Math.min(100 * 2 ** retries, 1000),
        },
      });
    } catch (err) {
      throw new StateStoreError(`cannot use Redis at '${shown}': ${scrub(err, secret)}`, { cause: err });
    }
    const store = new RedisStateStore(client, shown, secret, options.prefix ?? "aiw:", options.operationTimeoutMs ?? 30_000);
    try {
      await store.#op("connect to", () => client.connect());
      await store.#checkSchema();
    } catch (err) {
      destroy(client);
      throw err;
    }
    return store;
  }

  async createRun(meta: RunMeta): Promise<void> {
    const createdAt = normaliseDate(meta);
    const json = toJson(meta, () => `run '${meta.runId}': the run's metadata`);
    const key = this.#runKey(meta.runId);
    const now = new Date().toISOString();
    const replies = await this.#op(`create run '${meta.runId}' in`, () =>
      this.#client
        .multi()
        .hSetNX(key, "meta", json)
        .hSetNX(key, "flow", meta.flow)
        .hSetNX(key, "status", "RUNNING")
        .hSetNX(key, "created_at", createdAt)
        .hSetNX(key, "updated_at", now)
        .zAdd(this.#runsKey, { score: Date.parse(createdAt), value: meta.runId }, { condition: "NX" })
        .exec(),
    );
    if (Number(replies[0]) === 0) throw new StateStoreError(`run '${meta.runId}' already exists in Redis at '${this.url}'`);
  }

  async append(runId: string, records: readonly LogRecord[]): Promise<void> {
    if (records.length === 0) return;
    // Serialise everything before sending anything: a record that is not JSON
    // (e.g. holds a BigInt) fails the whole batch with nothing written.
    const lines = records.map((r, i) => toJson(r, () => `run '${runId}': record ${i + 1} of ${records.length}`));
    const key = this.#runKey(runId);
    await this.#op(`append to run '${runId}' in`, async () => {
      await this.#mustExist(runId);
      await this.#client.multi().rPush(`${key}:log`, lines).hSet(key, "updated_at", new Date().toISOString()).exec();
    });
  }

  async setStatus(runId: string, status: RunStatus): Promise<void> {
    const key = this.#runKey(runId);
    await this.#op(`set the status of run '${runId}' in`, async () => {
      await this.#mustExist(runId);
      await this.#client.hSet(key, { status, updated_at: new Date().toISOString() });
    });
  }

  async loadRun(runId: string): Promise<StoredRun | undefined> {
    const key = this.#runKey(runId);
    // One MULTI: the run and its log are read at the same instant.
    const [hash, lines] = await this.#op(`load run '${runId}' from`, () =>
      this.#client.multi().hGetAll(key).lRange(`${key}:log`, 0, -1).exec(),
    );
    const fields = hash as unknown as Record<string, string>;
    if (fields.meta === undefined) return undefined;
    const meta = parseJson(fields.meta, () => `run '${runId}' in Redis at '${this.url}': its metadata`) as unknown as RunMeta;
    const log = (lines as unknown as string[]).map(
      (line, i) => parseJson(line, () => `run '${runId}' in Redis at '${this.url}': log record seq ${i + 1}`) as unknown as LogRecord,
    );
    return { meta, status: fields.status as RunStatus, log };
  }

  async listRuns(limit?: number): Promise<RunSummary[]> {
    return this.#op("list runs in", async () => {
      const count = limit === undefined ? undefined : Math.max(0, Math.trunc(limit));
      if (count === 0) return [];
      // Newest first; equal scores come in descending id order (as in SQLite).
      const ids = await this.#client.zRange(this.#runsKey, "+inf", "-inf", {
        BY: "SCORE",
        REV: true,
        ...(count === undefined ? {} : { LIMIT: { offset: 0, count } }),
      });
      if (ids.length === 0) return [];
      const multi = this.#client.multi();
      for (const id of ids) multi.hmGet(this.#runKey(id), ["flow", "status", "created_at", "updated_at"]);
      const rows = (await multi.exec()) as unknown as (string | null)[][];
      return ids.map((runId, i) => {
        const [flow, status, createdAt, updatedAt] = rows[i] ?? [];
        return { runId, flow: flow ?? "", status: (status ?? "RUNNING") as RunStatus, createdAt: createdAt ?? "", updatedAt: updatedAt ?? "" };
      });
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      // close() sends QUIT after the pending commands: nothing in flight is lost.
      if (this.#client.isOpen) await this.#client.close();
    } catch {
      // Already disconnected (e.g. the server went away): nothing left to flush.
      destroy(this.#client);
    }
  }

  get #runsKey(): string {
    return `${this.prefix}runs`;
  }

  #runKey(runId: string): string {
    return `${this.prefix}run:${encodeURIComponent(runId)}`;
  }

  async #mustExist(runId: string): Promise<void> {
    if (!(await this.#client.hExists(this.#runKey(runId), "meta"))) {
      throw new StateStoreError(`no run '${runId}' in Redis at '${this.url}'`);
    }
  }

  async #checkSchema(): Promise<void> {
    const key = `${this.prefix}schema`;
    const found = await this.#op("check the schema of", async () => {
      if ((await this.#client.set(key, SCHEMA_MARK, { condition: "NX" })) === "OK") return SCHEMA_MARK;
      try {
        return await this.#client.get(key);
      } catch (err) {
        if (/WRONGTYPE/.test(String(err))) return "(a value that is not a string)";
        throw err;
      }
    });
    if (found === SCHEMA_MARK) return;
    const version = found?.startsWith(SCHEMA_PREFIX) ? Number(found.slice(SCHEMA_PREFIX.length)) : NaN;
    if (Number.isInteger(version) && version > 1) {
      throw new StateStoreError(
        `Redis at '${this.url}' (prefix '${this.prefix}') was written by a newer AIWork (state schema ${found}; this one reads ${SCHEMA_MARK}): upgrade AIWork to use it`,
      );
    }
    throw new StateStoreError(
      `Redis at '${this.url}': the prefix '${this.prefix}' holds data that is not AIWork state ('${key}' is ${JSON.stringify(found)}, expected "${SCHEMA_MARK}"); use another prefix or database`,
    );
  }

  /**
   * Runs one store operation against Redis with a deadline, turning every
   * failure into a StateStoreError that names the server (never its password).
   */
  async #op<T>(what: string, body: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new StateStoreError(`cannot ${what} Redis at '${this.url}': the store is closed`);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // The connection is in an unknown state: drop it, so later calls fail fast.
        destroy(this.#client);
        reject(new StateStoreError(`cannot ${what} Redis at '${this.url}': no answer within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
    });
    try {
      return await Promise.race([body(), deadline]);
    } catch (err) {
      if (err instanceof StateStoreError) throw err;
      const cause = this.#lastError !== undefined && this.#lastError !== err ? ` (last connection error: ${scrub(this.#lastError, this.#secret)})` : "";
      throw new StateStoreError(`cannot ${what} Redis at '${this.url}': ${scrub(err, this.#secret)}${cause}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Drops the connection; node-redis throws when the client is already closed, which is fine here. */
function destroy(client: Client): void {
  try {
    client.destroy();
  } catch {
    // Already closed.
  }
}

/** An error's message with the password (if any) masked. */
function scrub(err: unknown, secret: string): string {
  const text = err instanceof Error ? err.message || err.name : String(err);
  return secret === "" ? text : text.split(secret).join("***");
}
