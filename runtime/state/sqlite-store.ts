// SqliteStateStore: the default state store, one SQLite file (the CLI uses
// `.aiw-state/runs.db`) through Node's built-in `node:sqlite` (no native addon).
//
// Schema (schema_version 1):
//   meta(key PRIMARY KEY, value)         application = 'aiwork-state', schema_version = '1'
//   runs(id PRIMARY KEY, flow, status, created_at, updated_at)
//   run_meta(id PRIMARY KEY, meta JSON, ir_hash)  the metadata without its IR,
//                                          apart from runs: `runs` rows are
//                                          updated after every task, and SQLite
//                                          rewrites a whole row
//   irs(hash PRIMARY KEY, ir JSON)        each IR once (a server runs the same
//                                          flow thousands of times; an IR can be MBs)
//   log(run_id, seq, record JSON, PRIMARY KEY (run_id, seq))   append-only
//
// Safety of the user's files comes first: the file is inspected before anything
// is written to it. A file that is not SQLite (wrong header), a corrupt SQLite
// file, an SQLite database of some other program (tables but no AIWork marker)
// and a database of a newer schema are all refused with a StateStoreError, and
// nothing is written to them (not even the switch to WAL, which rewrites the
// header). Only an empty file or database, or one carrying our marker, is used.
//
// Concurrency: node:sqlite is synchronous, so inside one process every method
// runs to completion before the next starts. Between processes, SQLite's file
// locks apply; `busy_timeout` makes a writer wait for another's transaction
// instead of failing at once, and every write is a `BEGIN IMMEDIATE`
// transaction (takes the write lock up front, so two appenders never both read
// the same next seq).

import { mkdirSync, openSync, readSync, closeSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import type { DatabaseSync as DatabaseSyncType, StatementSync } from "node:sqlite";
import type { JsonValue } from "../../compiler/ir.ts";
import type { LogRecord, RunMeta, RunStatus, RunSummary, StateStore, StoredRun } from "./store.ts";
import { StateStoreError } from "./store.ts";

const APPLICATION = "aiwork-state";
const SCHEMA_VERSION = 1;
const SQLITE_HEADER = "SQLite format 3\0";

export interface SqliteStoreOptions {
  /** How long a write waits for another process's transaction (ms). Default 5000. */
  readonly busyTimeoutMs?: number;
}

// --------------------------------------------------------------- node:sqlite
// Node 24 loads node:sqlite silently; Node 22 and 23 emit "ExperimentalWarning:
// SQLite is an experimental feature" once, on stderr, which would pollute every
// CLI run's output. We load the module with a synchronous require and, for the
// duration of that one call only, drop exactly that warning (type
// ExperimentalWarning, message about SQLite); every other warning passes
// through, and process.emitWarning is restored before the call returns. A
// static `import` could not do this: the warning is emitted while modules link,
// before any code of ours runs.
let sqliteModule: typeof import("node:sqlite") | undefined;
function loadSqlite(): typeof import("node:sqlite") {
  if (sqliteModule !== undefined) return sqliteModule;
  const require = createRequire(import.meta.url);
  const original = process.emitWarning;
  process.emitWarning = function (this: NodeJS.Process, warning: string | Error, ...rest: unknown[]): void {
    const opt = rest[0];
    const type = typeof opt === "string" ? opt : (opt as { type?: unknown } | undefined)?.type;
    const text = typeof warning === "string" ? warning : warning.message;
    const isSqliteNotice = (type === "ExperimentalWarning" || (warning instanceof Error && warning.name === "ExperimentalWarning")) && /\bSQLite\b/.test(text);
    if (isSqliteNotice) return;
    (original as (...a: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    sqliteModule = require("node:sqlite") as typeof import("node:sqlite");
  } catch (err) {
    throw new StateStoreError(
      `the SQLite state store needs node:sqlite (Node >= 22.13); this is Node ${process.versions.node}: ${(err as Error).message}`,
      { cause: err },
    );
  } finally {
    process.emitWarning = original;
  }
  return sqliteModule;
}

/** node:sqlite errors carry SQLite's primary result code in `errcode` (extended codes in the low byte). */
function sqliteCode(err: unknown): number | undefined {
  const code = (err as { errcode?: unknown } | null)?.errcode;
  return typeof code === "number" ? code & 0xff : undefined;
}
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_CORRUPT = 11;
const SQLITE_NOTADB = 26;

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

type Row = Record<string, unknown>;

export class SqliteStateStore implements StateStore {
  readonly path: string;
  readonly #db: DatabaseSyncType;
  readonly #stmts: {
    readonly insertRun: StatementSync;
    readonly insertMeta: StatementSync;
    readonly insertIr: StatementSync;
    readonly runExists: StatementSync;
    readonly lastSeq: StatementSync;
    readonly runAndSeq: StatementSync;
    readonly insertLog: StatementSync;
    readonly touchRun: StatementSync;
    readonly setStatus: StatementSync;
    readonly getRun: StatementSync;
    readonly getLog: StatementSync;
    readonly listRuns: StatementSync;
  };
  #closed = false;

  private constructor(path: string, db: DatabaseSyncType) {
    this.path = path;
    this.#db = db;
    this.#stmts = {
      insertRun: db.prepare("INSERT INTO runs (id, flow, status, created_at, updated_at) VALUES (?, ?, 'RUNNING', ?, ?) ON CONFLICT (id) DO NOTHING"),
      insertMeta: db.prepare("INSERT INTO run_meta (id, meta, ir_hash) VALUES (?, ?, ?)"),
      insertIr: db.prepare("INSERT OR IGNORE INTO irs (hash, ir) VALUES (?, ?)"),
      runExists: db.prepare("SELECT 1 AS x FROM runs WHERE id = ?"),
      lastSeq: db.prepare("SELECT COALESCE(MAX(seq), 0) AS seq FROM log WHERE run_id = ?"),
      runAndSeq: db.prepare("SELECT (SELECT 1 FROM runs WHERE id = ?) AS ok, (SELECT COALESCE(MAX(seq), 0) FROM log WHERE run_id = ?) AS seq"),
      insertLog: db.prepare("INSERT INTO log (run_id, seq, record) VALUES (?, ?, ?)"),
      touchRun: db.prepare("UPDATE runs SET updated_at = ? WHERE id = ?"),
      setStatus: db.prepare("UPDATE runs SET status = ?, updated_at = ? WHERE id = ?"),
      getRun: db.prepare("SELECT m.meta AS meta, i.ir AS ir, r.status AS status FROM runs r JOIN run_meta m ON m.id = r.id JOIN irs i ON i.hash = m.ir_hash WHERE r.id = ?"),
      getLog: db.prepare("SELECT seq, record FROM log WHERE run_id = ? ORDER BY seq"),
      // Ties on created_at are broken by id, the same rule as the Redis store.
      listRuns: db.prepare("SELECT id, flow, status, created_at, updated_at FROM runs ORDER BY created_at DESC, id DESC LIMIT ?"),
    };
  }

  /**
   * Opens (creating when missing) the state database at `path`. Throws
   * StateStoreError, leaving the file untouched, when the file is not an
   * AIWork state database or cannot be read.
   */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStateStore {
    const { DatabaseSync } = loadSqlite();
    const file = resolve(path);
    checkHeader(file);
    try {
      mkdirSync(dirname(file), { recursive: true });
    } catch (err) {
      throw new StateStoreError(`cannot create the folder of '${file}': ${message(err)}`, { cause: err });
    }
    let db: DatabaseSyncType;
    try {
      db = new DatabaseSync(file);
    } catch (err) {
      throw new StateStoreError(`cannot open '${file}': ${message(err)}`, { cause: err });
    }
    try {
      // Connection settings only: none of these writes to the file.
      db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
      db.exec("PRAGMA foreign_keys = ON");
      // Read-only inspection first: refuse foreign/newer/corrupt files before any write.
      const state = inspect(db, file);
      // WAL: readers never block the writer and a commit appends to the -wal
      // file instead of rewriting pages in place.
      // synchronous=NORMAL: in WAL mode SQLite then skips the fsync on each
      // commit and syncs only at checkpoints. A commit has still been written
      // to the OS (write() returned) before COMMIT returns, so a *process*
      // crash (SIGKILL, OOM, an exception) loses nothing that was acknowledged:
      // the kernel owns those pages. Only an OS crash or power loss can drop
      // the last few commits, and even then the database stays consistent
      // (never corrupt). That is the failure the resume feature targets; FULL
      // would add an fsync (milliseconds) to the checkpoint after every task.
      // (Should the file system refuse WAL, SQLite keeps its rollback journal:
      // still correct, only slower; so the reply is not checked.)
      db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = NORMAL");
      if (state !== "ready") initialise(db, file);
      return new SqliteStateStore(file, db);
    } catch (err) {
      try {
        db.close();
      } catch {
        // Already failing: the first error is the one to report.
      }
      if (err instanceof StateStoreError) throw err;
      throw describe(file, "cannot open", err);
    }
  }

  async createRun(meta: RunMeta): Promise<void> {
    const createdAt = normaliseDate(meta);
    const { ir, ...rest } = meta;
    const json = toJson(rest as unknown as JsonValue, () => `run '${meta.runId}': the run's metadata`);
    // An IR already stored (by this process) is not serialised again.
    const irJson = this.#knownIrs.has(meta.irHash) ? undefined : toJson(ir, () => `run '${meta.runId}': its IR`);
    return this.#write("create run", () => {
      const r = this.#stmts.insertRun.run(meta.runId, meta.flow, createdAt, new Date().toISOString());
      if (Number(r.changes) === 0) throw new StateStoreError(`run '${meta.runId}' already exists in '${this.path}'`);
      if (irJson !== undefined) this.#stmts.insertIr.run(meta.irHash, irJson);
      this.#stmts.insertMeta.run(meta.runId, json, meta.irHash);
      this.#knownIrs.add(meta.irHash);
    });
  }

  /** Hashes of IRs this store has written (irs rows are never deleted). */
  #knownIrs = new Set<string>();

  async append(runId: string, records: readonly LogRecord[]): Promise<void> {
    if (records.length === 0) return;
    return this.#write("append to run", () => {
      const found = this.#stmts.runAndSeq.get(runId, runId) as Row;
      if (found.ok === null) throw new StateStoreError(`no run '${runId}' in '${this.path}'`);
      let seq = Number(found.seq);
      // Each record is serialised just before its insert: should one fail
      // (e.g. a BigInt somewhere), the rows already inserted are rolled back
      // with the transaction, so the batch is stored entirely or not at all.
      records.forEach((record, i) => {
        seq += 1;
        this.#stmts.insertLog.run(runId, seq, toJson(record, () => `run '${runId}': record ${i + 1} of ${records.length}`));
      });
      this.#touched.add(runId);
    });
  }

  async setStatus(runId: string, status: RunStatus): Promise<void> {
    return this.#write("set the status of run", () => {
      const r = this.#stmts.setStatus.run(status, new Date().toISOString(), runId);
      if (Number(r.changes) === 0) throw new StateStoreError(`no run '${runId}' in '${this.path}'`);
    });
  }

  async loadRun(runId: string): Promise<StoredRun | undefined> {
    this.#checkOpen();
    this.#flush(); // read your own writes
    try {
      // One read transaction: the run and its log come from the same snapshot,
      // even while another process appends.
      this.#db.exec("BEGIN");
      try {
        const run = this.#stmts.getRun.get(runId) as Row | undefined;
        if (run === undefined) return undefined;
        const rest = parseJson(run.meta, () => `run '${runId}' in '${this.path}': its metadata`) as Record<string, unknown>;
        const ir = parseJson(run.ir, () => `run '${runId}' in '${this.path}': its IR`);
        // Put the IR back where RunMeta has it (after irHash), as it was written.
        const meta: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(rest)) {
          Object.defineProperty(meta, k, { value: v, enumerable: true, writable: true, configurable: true });
          if (k === "irHash") meta["ir"] = ir;
        }
        if (!Object.hasOwn(meta, "ir")) meta["ir"] = ir;
        const log = (this.#stmts.getLog.all(runId) as Row[]).map(
          (row) => parseJson(row.record, () => `run '${runId}' in '${this.path}': log record seq ${String(row.seq)}`) as unknown as LogRecord,
        );
        return { meta: meta as unknown as RunMeta, status: run.status as RunStatus, log };
      } finally {
        this.#db.exec("COMMIT");
      }
    } catch (err) {
      if (err instanceof StateStoreError) throw err;
      throw describe(this.path, `cannot load run '${runId}'`, err);
    }
  }

  async listRuns(limit?: number): Promise<RunSummary[]> {
    this.#checkOpen();
    this.#flush();
    try {
      // LIMIT -1 means no limit in SQLite.
      const rows = this.#stmts.listRuns.all(limit === undefined ? -1 : Math.max(0, Math.trunc(limit))) as Row[];
      return rows.map((r) => ({
        runId: String(r.id),
        flow: String(r.flow),
        status: r.status as RunStatus,
        createdAt: String(r.created_at),
        updatedAt: String(r.updated_at),
      }));
    } catch (err) {
      throw describe(this.path, "cannot list runs", err);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    try {
      this.#db.close();
    } catch (err) {
      throw describe(this.path, "cannot close", err);
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new StateStoreError(`the state store '${this.path}' is closed`);
  }

  /**
   * Queues `body` to run in a write transaction. Writes issued in the same
   * turn of the event loop share one transaction (group commit: with many runs
   * at once, as in `aiwc serve`, one commit per turn instead of one per write),
   * each inside its own savepoint, so one write failing rolls back only itself.
   * The promise resolves once the transaction has committed.
   */
  #write(what: string, body: () => void): Promise<void> {
    this.#checkOpen();
    return new Promise((resolve, reject) => {
      this.#queue.push({ what, body, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #queue: { what: string; body: () => void; resolve: () => void; reject: (e: unknown) => void }[] = [];
  /** Runs appended to in the current transaction: their updated_at is set once, at its end. */
  #touched = new Set<string>();
  #scheduled = false;

  /** Commits every queued write now (also before reads, so they see them). */
  #flush(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    try {
      this.#db.exec("BEGIN IMMEDIATE");
    } catch (err) {
      for (const op of batch) op.reject(describe(this.path, `cannot ${op.what}`, err));
      return;
    }
    const outcomes: (() => void)[] = [];
    this.#touched.clear();
    // A lone write needs no savepoint: the transaction is its own.
    const isolate = batch.length > 1;
    for (const op of batch) {
      try {
        if (isolate) this.#db.exec("SAVEPOINT aiw_write");
        op.body();
        if (isolate) this.#db.exec("RELEASE aiw_write");
        outcomes.push(op.resolve);
      } catch (err) {
        if (!isolate) {
          try {
            this.#db.exec("ROLLBACK");
          } catch {
            // SQLite rolls back on close anyway.
          }
          this.#touched.clear();
          this.#knownIrs.clear();
          op.reject(err instanceof StateStoreError ? err : describe(this.path, `cannot ${op.what}`, err));
          return;
        }
        try {
          this.#db.exec("ROLLBACK TO aiw_write");
          this.#db.exec("RELEASE aiw_write");
        } catch {
          // The transaction is beyond repair: the COMMIT below fails and says so.
        }
        const e = err instanceof StateStoreError ? err : describe(this.path, `cannot ${op.what}`, err);
        outcomes.push(() => op.reject(e));
      }
    }
    try {
      const now = new Date().toISOString();
      for (const runId of this.#touched) this.#stmts.touchRun.run(now, runId);
      this.#db.exec("COMMIT");
    } catch (err) {
      try {
        if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      } catch {
        // The original error matters more; SQLite rolls back on close anyway.
      }
      // IRs noted during the failed transaction were not stored after all.
      this.#knownIrs.clear();
      for (const op of batch) op.reject(describe(this.path, `cannot ${op.what}`, err));
      return;
    }
    for (const settle of outcomes) settle();
  }
}

// ------------------------------------------------------------------ helpers

/** Refuses, before SQLite touches it, a non-empty file that is not SQLite. */
function checkHeader(file: string): void {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return; // created later
    throw new StateStoreError(`cannot read '${file}': ${message(err)}`, { cause: err });
  }
  try {
    if (statSync(file).isDirectory()) throw new StateStoreError(`'${file}' is a folder, not an AIWork state database`);
    const head = Buffer.alloc(100);
    const n = readSync(fd, head, 0, head.length, 0);
    if (n === 0) return; // an empty file is an empty database
    if (n < head.length || head.toString("latin1", 0, 16) !== SQLITE_HEADER) {
      throw new StateStoreError(`'${file}' is not an AIWork state database: it is not an SQLite file at all (refusing to touch it)`);
    }
  } catch (err) {
    if (err instanceof StateStoreError) throw err;
    throw new StateStoreError(`cannot read '${file}': ${message(err)}`, { cause: err });
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads (never writes) what the database holds: "empty" (no tables at all),
 * "ours" (marker present; tables may need creating), or "ready". Throws for
 * foreign, newer or corrupt databases.
 */
function inspect(db: DatabaseSyncType, file: string): "empty" | "ours" | "ready" {
  let tables: string[];
  let objects: number;
  try {
    // Any table, view, index or trigger (SQLite's own internal ones aside) means the database is not empty.
    const rows = db.prepare("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name").all() as Row[];
    objects = rows.length;
    tables = rows.filter((r) => r.type === "table" || r.type === "view").map((r) => String(r.name));
  } catch (err) {
    throw describe(file, "cannot read", err);
  }
  if (objects === 0) return "empty";
  const foreign = (): StateStoreError =>
    new StateStoreError(
      `'${file}' is not an AIWork state database (it holds ${tables.length > 0 ? `the tables ${tables.map((t) => `'${t}'`).join(", ")}` : "other objects"} and no AIWork marker); refusing to touch it`,
    );
  if (!tables.includes("meta")) throw foreign();
  let marker: Map<string, string>;
  try {
    marker = new Map((db.prepare("SELECT key, value FROM meta").all() as Row[]).map((r) => [String(r.key), String(r.value)]));
  } catch (err) {
    const code = sqliteCode(err);
    if (code === SQLITE_CORRUPT || code === SQLITE_NOTADB) throw describe(file, "cannot read", err);
    throw foreign(); // a `meta` table of another shape
  }
  if (marker.get("application") !== APPLICATION) throw foreign();
  const version = Number(marker.get("schema_version"));
  if (!Number.isInteger(version) || version < 1) {
    throw new StateStoreError(`'${file}' has an invalid AIWork schema_version '${marker.get("schema_version") ?? ""}'`);
  }
  if (version > SCHEMA_VERSION) {
    throw new StateStoreError(
      `'${file}' was written by a newer AIWork (state schema_version ${version}; this one reads ${SCHEMA_VERSION}): upgrade AIWork to use it`,
    );
  }
  return ["runs", "log", "run_meta", "irs"].every((t) => tables.includes(t)) ? "ready" : "ours";
}

/** Creates the schema in one transaction (checked again inside: another process may have won). */
function initialise(db: DatabaseSyncType, file: string): void {
  db.exec("BEGIN IMMEDIATE");
  try {
    inspect(db, file);
    db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      INSERT OR IGNORE INTO meta (key, value) VALUES ('application', '${APPLICATION}'), ('schema_version', '${SCHEMA_VERSION}');
      CREATE TABLE IF NOT EXISTS runs (
        id TEXT PRIMARY KEY,
        flow TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS runs_by_creation ON runs (created_at DESC, id DESC);
      CREATE TABLE IF NOT EXISTS irs (
        hash TEXT PRIMARY KEY,
        ir TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS run_meta (
        id TEXT PRIMARY KEY REFERENCES runs (id),
        meta TEXT NOT NULL,
        ir_hash TEXT NOT NULL REFERENCES irs (hash)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS log (
        run_id TEXT NOT NULL REFERENCES runs (id),
        seq INTEGER NOT NULL,
        record TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
      ) WITHOUT ROWID;
    `);
    db.exec("COMMIT");
  } catch (err) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw err;
  }
}

/** Turns an SQLite error into a StateStoreError that says what it means. */
function describe(file: string, what: string, err: unknown): StateStoreError {
  const code = sqliteCode(err);
  const detail = message(err);
  if (code === SQLITE_CORRUPT || code === SQLITE_NOTADB) {
    return new StateStoreError(`'${file}' is a corrupt SQLite database (${detail}); it was left as it is`, { cause: err });
  }
  if (code === SQLITE_BUSY || code === SQLITE_LOCKED) {
    return new StateStoreError(`${what} '${file}': the database stayed locked by another process (${detail})`, { cause: err });
  }
  return new StateStoreError(`${what} '${file}': ${detail}`, { cause: err });
}

/** The sortable creation time (fixed-width ISO, UTC), or an error for a bad date. */
export function normaliseDate(meta: RunMeta): string {
  const ms = Date.parse(meta.createdAt);
  if (Number.isNaN(ms)) throw new StateStoreError(`run '${meta.runId}': createdAt '${meta.createdAt}' is not an ISO date-time`);
  return new Date(ms).toISOString();
}

export function toJson(value: unknown, what: () => string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    throw new StateStoreError(`${what()} cannot be stored as JSON: ${message(err)}`, { cause: err });
  }
  if (json === undefined) throw new StateStoreError(`${what()} cannot be stored as JSON`);
  return json;
}

export function parseJson(text: unknown, what: () => string): unknown {
  try {
    if (typeof text !== "string") throw new Error(`expected text, found ${typeof text}`);
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new StateStoreError(`${what()} is not valid JSON: ${message(err)}`, { cause: err });
  }
}
