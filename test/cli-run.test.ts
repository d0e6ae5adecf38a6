// The command-line contract of `aiwc run` and `aiwc runs`, through the real
// CLI (node bin/aiwc.js, spawned with a timeout): exit codes (0 completed,
// 1 failed flow, 2 usage/compile/input/state errors), how inputs are read,
// plain progress vs --json, the live view (attachLiveView driven directly,
// and the CLI under a real pseudo-terminal via util-linux `script`),
// --metrics (Prometheus text), --log (JSON lines), listing runs (SQLite and a
// real redis-server), state files that are not ours (refused, left
// byte-for-byte unchanged), and --resume of completed and failed runs.
//
// Flows and their tools are written to a temp folder per test file; every run
// gets its own work folder and state file. Bugs found here are kept as
// regression tests (each names the input and what should happen).

import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { attachLiveView, attachPlainView } from "../cli/progress.ts";
import { EventBus, type RunEvent } from "../runtime/events.ts";
import { useRedisServer } from "./helpers/redis-server.ts";

const repo = path.resolve(import.meta.dirname, "..");
const AIWC = path.join(repo, "bin/aiwc.js");

// ------------------------------------------------------------------ fixtures

const TOOLS_TS = `
import { appendFileSync, existsSync } from "node:fs";
import * as path from "node:path";

type Ctx = { workDir: string; signal: AbortSignal };

/** Appends its name to ticks.log in the work folder: one line per invocation. */
export function tick(args: { name: string }, ctx: Ctx): { name: string } {
  appendFileSync(path.join(ctx.workDir, "ticks.log"), args.name + "\\n");
  return { name: args.name };
}

/** Like tick, but fails unless the work folder holds go.flag. */
export function gate(args: { name: string }, ctx: Ctx): { ok: boolean } {
  appendFileSync(path.join(ctx.workDir, "ticks.log"), args.name + "\\n");
  if (!existsSync(path.join(ctx.workDir, "go.flag"))) throw new Error(args.name + ": no go.flag in the work folder");
  return { ok: true };
}

export function fail(args: { message: string }): never {
  throw new Error(args.message);
}

export function slow(args: { ms: number }, ctx: Ctx): Promise<{ ms: number }> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => resolve({ ms: args.ms }), args.ms);
    ctx.signal.addEventListener("abort", () => { clearTimeout(t); reject(new Error("aborted")); }, { once: true });
  });
}
`;

const FLOWS: Record<string, string> = {
  "tools.aiw": `
tool tick(name: string) -> { name: string } { ts: "./tools.ts#tick" }
tool gate(name: string) -> { ok: boolean } { ts: "./tools.ts#gate" }
tool fail(message: string) -> { x: number } { ts: "./tools.ts#fail" }
tool slow(ms: number) -> { ms: number } { ts: "./tools.ts#slow" }
`,
  // a -> b -> c, and d that only runs for n > 100.
  "ok.aiw": `import "./tools.aiw"
flow ok(n: number, label: string, tags: string[] = []) {
  task a { run: tick(name: "a:\${label}") }
  task b { run: tick(name: "b:\${a.name}") }
  task c after b { run: tick(name: "c") }
  task d when n > 100 { run: tick(name: "d") }
  return { n: n, label: label, tags: tags, b: b.name }
}
`,
  // b fails until go.flag exists; c reads b (skipped when b fails); a is independent.
  "gated.aiw": `import "./tools.aiw"
flow gated() {
  task a { run: tick(name: "a") }
  task b { run: gate(name: "b") }
  task c { run: tick(name: "c:\${b.ok}") }
  return { a: a.name, c: c.name }
}
`,
  "boom.aiw": `import "./tools.aiw"
flow boom(message: string) {
  task x { run: fail(message: message) }
}
`,
  "staged.aiw": `import "./tools.aiw"
flow staged() {
  task one { run: slow(ms: 300) }
  task two { run: slow(ms: 600) }
  task three after one { run: slow(ms: 100) }
}
`,
  // Slow enough that a --log file is open before the run ends (see the pinned bug).
  "logged.aiw": `import "./tools.aiw"
flow logged() {
  task wait { run: slow(ms: 400) }
  task a after wait { run: tick(name: "a") }
  task b after wait { run: gate(name: "b") }
  task c { run: tick(name: "c:\${b.ok}") }
}
`,
  "two.aiw": `flow first() {
  task a { run: 1 }
}
flow second() {
  task a { run: 2 }
  return a
}
`,
  "broken.aiw": `flow broken() {
  task a { run: nosuch(x: 1) }
}
`,
};

let project: string;
beforeAll(() => {
  project = realpathSync(mkdtempSync(path.join(tmpdir(), "aiw-cli-project-")));
  writeFileSync(path.join(project, "tools.ts"), TOOLS_TS);
  for (const [name, text] of Object.entries(FLOWS)) writeFileSync(path.join(project, name), text);
});

function flow(name: string): string {
  return path.join(project, name);
}

/** A fresh folder with an empty work folder and a state file path. */
function sandbox(): { dir: string; work: string; db: string; state: string } {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), "aiw-cli-")));
  const work = path.join(dir, "work");
  mkdirSync(work);
  const db = path.join(dir, "s.db");
  return { dir, work, db, state: `sqlite:${db}` };
}

function ticks(work: string): string[] {
  const f = path.join(work, "ticks.log");
  return existsSync(f) ? readFileSync(f, "utf8").split("\n").filter((l) => l !== "") : [];
}

function sha256(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

// ---------------------------------------------------------------- the CLI

interface CliResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cliEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith("AIW_") || k === "NO_COLOR") delete env[k];
  return env;
}

/** Spawns `command args` (stdout and stderr piped, so not a terminal), killed after `timeoutMs`. */
function spawnIt(command: string, args: readonly string[], cwd: string, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: cliEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

/** `aiwc ...args`, run from `cwd` (a sandbox, so a default .aiw-state never lands in the repository). */
function aiwc(args: readonly string[], cwd: string): Promise<CliResult> {
  return spawnIt(process.execPath, [AIWC, ...args], cwd);
}

/** `aiwc run FILE --work-dir W --state S ...` in a sandbox. */
function run(box: ReturnType<typeof sandbox>, file: string, ...args: string[]): Promise<CliResult> {
  return aiwc(["run", flow(file), "--work-dir", box.work, "--state", box.state, ...args], box.dir);
}

interface RunJson {
  runId: string;
  flow: string;
  status: string;
  durationMs: number;
  error?: string;
  output?: unknown;
  tasks: Record<string, { state: string; attempts: number; durationMs: number; output?: unknown; error?: string; reason?: string }>;
}

function parseJson(r: CliResult): RunJson {
  try {
    return JSON.parse(r.stdout) as RunJson;
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${String(r.status)}):\n${r.stdout}\n--- stderr:\n${r.stderr}`);
  }
}

function stderrLines(r: CliResult): string[] {
  return r.stderr.split("\n").filter((l) => l !== "");
}

/** The run id from the plain view's first line. */
function runIdOf(r: CliResult): string {
  const id = /^run (\S+): flow \S+ started/m.exec(r.stderr)?.[1];
  if (id === undefined) throw new Error(`no run id in:\n${r.stderr}`);
  return id;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

// ESC [ params letter: colours (m), line clear (K), cursor to previous line (F).
const CSI = /\x1b\[[0-9;]*[A-Za-z]/g;
function stripAnsi(s: string): string {
  return s.replace(CSI, "");
}

// ---------------------------------------------------------------- exit codes

describe("aiwc run: exit codes", () => {
  it("exits 0 when the flow completes", async () => {
    const box = sandbox();
    const r = await run(box, "ok.aiw", "--input", "n=1", "--input", "label=x");
    expect(r.status, r.stderr).toBe(0);
    expect(ticks(box.work)).toEqual(["a:x", "b:a:x", "c"]);
  });

  it("exits 1 when a task fails, naming the task on stderr", async () => {
    const box = sandbox();
    const r = await run(box, "gated.aiw");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error: task 'b' failed: b: no go.flag in the work folder\n");
  });

  it("exits 2 on compile errors and prints the diagnostics with their location", async () => {
    const box = sandbox();
    const r = await run(box, "broken.aiw");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("error[AIW0101]: unknown tool 'nosuch'");
    expect(r.stderr).toContain(`${flow("broken.aiw")}:2:17`);
    expect(r.stdout).toBe("");
  });

  it("exits 2 for a file that does not exist", async () => {
    const box = sandbox();
    const r = await run(box, "nope.aiw");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`error: cannot read '${flow("nope.aiw")}': no such file\n`);
  });

  it("exits 2 for an unknown --flow, listing the flows", async () => {
    const box = sandbox();
    const r = await run(box, "two.aiw", "--flow", "third");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("error: no flow 'third'; the file declares: first, second\n");
  });

  it("exits 2 for a file with several flows and no --flow, and runs the one --flow names", async () => {
    const box = sandbox();
    const r = await run(box, "two.aiw");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("error: the file declares several flows (first, second): choose one with --flow\n");
    const ok = await run(box, "two.aiw", "--flow", "second", "--json");
    expect(ok.status, ok.stderr).toBe(0);
    expect(parseJson(ok)).toMatchObject({ flow: "second", status: "COMPLETED", output: 2 });
  });

  it("exits 2 for a missing required input, before anything runs", async () => {
    const box = sandbox();
    const r = await run(box, "ok.aiw", "--input", "label=x");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("error: the inputs do not fit the flow:\n  - input 'n' is required (number)\n");
    expect(ticks(box.work)).toEqual([]);
  });

  it("exits 2 for an ill-typed input (a bare word or a quoted string for a number)", async () => {
    const box = sandbox();
    const word = await run(box, "ok.aiw", "--input", "n=abc", "--input", "label=x");
    expect(word.status).toBe(2);
    expect(word.stderr).toBe("error: --input n: 'abc' is not valid JSON (the input is not a string)\n");
    const quoted = await run(box, "ok.aiw", "--input", 'n="3"', "--input", "label=x");
    expect(quoted.status).toBe(2);
    expect(quoted.stderr).toContain("input 'n': expected number, found string");
    expect(ticks(box.work)).toEqual([]);
  });

  it("exits 2 for an input the flow does not declare", async () => {
    const box = sandbox();
    const r = await run(box, "ok.aiw", "--input", "n=1", "--input", "label=x", "--input", "colour=1");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("'colour' is not an input of flow 'ok' (its inputs: n, label, tags)");
  });

  it("exits 2 for an --inputs file that is not JSON, not an object, or missing", async () => {
    const box = sandbox();
    const notJson = path.join(box.dir, "bad.json");
    writeFileSync(notJson, "{ n: 1 ");
    const list = path.join(box.dir, "list.json");
    writeFileSync(list, "[1, 2]");
    for (const [file, message] of [
      [notJson, "JSON"],
      [list, "it is not a JSON object"],
      [path.join(box.dir, "missing.json"), "ENOENT"],
    ] as const) {
      const r = await run(box, "ok.aiw", "--inputs", file);
      expect(r.status, file).toBe(2);
      expect(r.stderr, file).toContain(`error: cannot read inputs from '${file}': `);
      expect(r.stderr, file).toContain(message);
    }
  });

  it("exits 2 for --concurrency 0 (and other non-whole numbers)", async () => {
    const box = sandbox();
    for (const c of ["0", "-1", "1.5", "many"]) {
      const r = await run(box, "ok.aiw", "--input", "n=1", "--input", "label=x", "--concurrency", c);
      expect(r.status, c).toBe(2);
      expect(r.stderr, c).toBe(`error: --concurrency must be a whole number of at least 1, not '${c}'\n`);
    }
    expect(ticks(box.work)).toEqual([]);
  });

  it("exits 2 for a file together with --resume, and for neither", async () => {
    const box = sandbox();
    const both = await run(box, "ok.aiw", "--resume", "some-run");
    expect(both.status).toBe(2);
    expect(both.stderr).toBe("error: give either a file or --resume, not both\n");
    const neither = await aiwc(["run", "--state", box.state], box.dir);
    expect(neither.status).toBe(2);
    expect(neither.stderr).toBe("error: give a .aiw file to run, or --resume RUN_ID\n");
  });

  it("exits 2 for an unknown --state scheme, hiding a password in it", async () => {
    const box = sandbox();
    const r = await aiwc(["run", flow("ok.aiw"), "--input", "n=1", "--input", "label=x", "--state", "mongodb://user:secret@db:27017/x"], box.dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("error: unknown state store 'mongodb:'");
    expect(r.stderr).not.toContain("secret");
  });

  it("exits 2 for --resume of a run id the store does not have", async () => {
    const box = sandbox();
    const r = await aiwc(["run", "--resume", "20990101-000000-abcdef", "--state", box.state], box.dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("error: no run '20990101-000000-abcdef' in the state store\n");
  });

  it("exits 2 for an unknown option", async () => {
    const box = sandbox();
    const r = await run(box, "ok.aiw", "--colour");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown option '--colour'");
  });

  // BUG: the state store is opened (and created) before the file is checked,
  // so `aiwc run typo.aiw` leaves a fresh state database behind (by default
  // .aiw-state/runs.db in the current folder). files.ts promises the check
  // happens "before any work".
  it("a missing file is reported without creating the state database", async () => {
    const box = sandbox();
    const r = await run(box, "nope.aiw");
    expect(r.status).toBe(2);
    expect(existsSync(box.db)).toBe(false);
  });
});

// -------------------------------------------------------------------- inputs

describe("aiwc run: inputs", () => {
  it("merges --inputs with --input (the pair wins); strings are taken raw, the rest parsed as JSON", async () => {
    const box = sandbox();
    const file = path.join(box.dir, "in.json");
    writeFileSync(file, JSON.stringify({ n: 1, label: "from the file", tags: ["file"] }));
    const r = await run(box, "ok.aiw", "--inputs", file, "--input", "label=42", "--input", "n=7", "--json");
    expect(r.status, r.stderr).toBe(0);
    // label is a string input: "42" stays text; n is a number; tags comes from the file.
    expect(parseJson(r).output).toEqual({ n: 7, label: "42", tags: ["file"], b: "b:a:42" });
  });

  it("parses lists as JSON, keeps '=' inside a string value, and fills in defaults", async () => {
    const box = sandbox();
    const r = await run(box, "ok.aiw", "--input", "n=2.5", "--input", "label=a=b {x}", "--input", 'tags=["p","q"]', "--json");
    expect(r.status, r.stderr).toBe(0);
    expect(parseJson(r).output).toEqual({ n: 2.5, label: "a=b {x}", tags: ["p", "q"], b: "b:a:a=b {x}" });
    const defaults = await run(box, "ok.aiw", "--input", "n=2", "--input", "label=", "--json");
    expect(defaults.status, defaults.stderr).toBe(0);
    expect(parseJson(defaults).output).toEqual({ n: 2, label: "", tags: [], b: "b:a:" });
  });

  it("takes the last of repeated --input pairs", async () => {
    const box = sandbox();
    const r = await run(box, "ok.aiw", "--input", "n=1", "--input", "label=first", "--input", "label=second", "--json");
    expect(r.status, r.stderr).toBe(0);
    expect((parseJson(r).output as { label: string }).label).toBe("second");
  });
});

// -------------------------------------------------------------------- output

describe("aiwc run: output when not on a terminal", () => {
  it("prints one plain line per event on stderr, in order, without escape sequences", async () => {
    const box = sandbox();
    const r = await run(box, "ok.aiw", "--input", "n=1", "--input", "label=x");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    const lines = stderrLines(r);
    const id = runIdOf(r);
    expect(lines[0]).toBe(`run ${id}: flow ok started (4 tasks)`);
    expect(lines.at(-1)).toMatch(new RegExp(`^run ${id}: COMPLETED in \\S+$`));
    // 1 start + 3 x (running, completed) + 1 skip + 1 end.
    expect(lines).toHaveLength(9);
    expect(lines).toContain("d: skipped: its 'when' condition is false");
    const at = (re: RegExp) => {
      const i = lines.findIndex((l) => re.test(l));
      expect(i, String(re)).toBeGreaterThan(0);
      return i;
    };
    const order = [/^a: running$/, /^a: completed in /, /^b: running$/, /^b: completed in /, /^c: running$/, /^c: completed in /].map(at);
    expect([...order].sort((x, y) => x - y)).toEqual(order);
  });

  it("ends a failed run's progress with the error, after the run's last line", async () => {
    const box = sandbox();
    const r = await run(box, "gated.aiw");
    expect(r.status).toBe(1);
    const lines = stderrLines(r);
    expect(lines).toContain("b: FAILED after 1 attempt: b: no go.flag in the work folder");
    expect(lines).toContain("c: skipped: 'b' failed");
    expect(lines.at(-2)).toMatch(/^run \S+: FAILED in \S+$/);
    expect(lines.at(-1)).toBe("error: task 'b' failed: b: no go.flag in the work folder");
  });

  it("--json prints exactly one JSON document on stdout with the run, per-task results and outputs", async () => {
    const box = sandbox();
    const r = await run(box, "ok.aiw", "--input", "n=1", "--input", "label=x", "--json");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    const j = parseJson(r);
    expect(r.stdout).toBe(`${JSON.stringify(j, null, 2)}\n`);
    expect(j.runId).toMatch(/^\d{8}-\d{6}-[0-9a-f]{12}$/);
    expect(j).toMatchObject({ flow: "ok", status: "COMPLETED", output: { n: 1, label: "x", tags: [], b: "b:a:x" } });
    expect(Object.keys(j.tasks)).toEqual(["a", "b", "c", "d"]);
    for (const [id, t] of Object.entries(j.tasks)) {
      expect(typeof t.durationMs, id).toBe("number");
      expect(t.durationMs, id).toBeGreaterThanOrEqual(0);
    }
    expect(j.tasks.a).toMatchObject({ state: "COMPLETED", attempts: 1, output: { name: "a:x" } });
    expect(j.tasks.c).toMatchObject({ state: "COMPLETED", attempts: 1, output: { name: "c" } });
    expect(j.tasks.d).toMatchObject({ state: "SKIPPED", attempts: 0, reason: "its 'when' condition is false" });
  });

  it("--json of a failed run: status FAILED, the error, the failed and skipped tasks; exit 1", async () => {
    const box = sandbox();
    const r = await run(box, "gated.aiw", "--json");
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("");
    const j = parseJson(r);
    expect(j.status).toBe("FAILED");
    expect(j.error).toBe("task 'b' failed: b: no go.flag in the work folder");
    expect(j.output).toBeUndefined();
    expect(j.tasks.a).toMatchObject({ state: "COMPLETED", attempts: 1 });
    expect(j.tasks.b).toMatchObject({ state: "FAILED", attempts: 1, error: "b: no go.flag in the work folder" });
    expect(j.tasks.c).toMatchObject({ state: "SKIPPED", reason: "'b' failed" });
  });

  it("neutralises control characters of a task error in the progress lines", async () => {
    const box = sandbox();
    const r = await run(box, "boom.aiw", "--input", "message=bad \x1b[2J\r\x1b[31mred\x07");
    expect(r.status).toBe(1);
    const progress = stderrLines(r).filter((l) => !l.startsWith("error:"));
    expect(progress.join("\n")).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    expect(progress).toContain("x: FAILED after 1 attempt: bad  [2J  [31mred ");
  });

  // BUG: the last line `error: task 'x' failed: ...` (cli/commands/run.ts,
  // after the run) prints the task's error as it is, so a tool message can
  // clear the screen or move the cursor, in plain and live mode alike; the
  // progress lines above it are cleaned. Expected: cleaned the same way.
  it("the final error line neutralises control characters of the task error", async () => {
    const box = sandbox();
    const r = await run(box, "boom.aiw", "--input", "message=bad \x1b[2J\r\x1b[31mred");
    expect(r.status).toBe(1);
    expect(r.stderr).not.toContain("\x1b");
    expect(r.stderr).not.toContain("\r");
  });

  // BUG: RunOptions.workDir says the folder is "created if missing by the
  // caller", but `aiwc run --work-dir NEW` neither creates it nor refuses it:
  // the run starts and every file tool fails ("the work folder ... does not
  // exist"), exit 1. Expected: the folder is created and the run completes.
  it("--work-dir names a folder that does not exist yet: it is created", async () => {
    const box = sandbox();
    const work = path.join(box.dir, "new-work");
    const r = await aiwc(["run", flow("ok.aiw"), "--work-dir", work, "--state", box.state, "--input", "n=1", "--input", "label=x"], box.dir);
    expect(r.status, r.stderr).toBe(0);
    expect(ticks(work)).toEqual(["a:x", "b:a:x", "c"]);
  });
});

// ----------------------------------------------------------------- live view

describe("the live view (attachLiveView)", () => {
  const RUN = "r-1";
  const T0 = 1_000_000;

  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function view() {
    const bus = new EventBus();
    const writes: string[] = [];
    const detach = attachLiveView(bus, (s) => writes.push(s), 100);
    const emit = (e: Record<string, unknown>) => bus.emit({ runId: RUN, at: Date.now(), ...e } as RunEvent);
    /** The rows of the last drawing, escape sequences removed. */
    const frame = () => stripAnsi(writes.at(-1) ?? "").split("\n").slice(0, -1);
    return { bus, writes, detach, emit, frame };
  }

  it("redraws the table in place: cursor up over the last drawing, each line cleared", () => {
    const v = view();
    v.emit({ type: "run.start", flow: "demo", tasks: ["fetch", "parse"], resumed: false });
    vi.advanceTimersByTime(100);
    expect(v.writes).toHaveLength(1);
    const first = v.writes[0]!;
    expect(first).not.toMatch(/\x1b\[\d+F/);
    expect(first.endsWith("\n")).toBe(true);
    // Title and two rows, each line starting with "clear line".
    expect(first.split("\n").slice(0, -1).every((l) => l.startsWith("\x1b[2K"))).toBe(true);
    expect(v.frame()).toHaveLength(3);

    v.emit({ type: "task.start", taskId: "fetch", attempt: 1 });
    vi.advanceTimersByTime(100);
    expect(v.writes).toHaveLength(2);
    const second = v.writes[1]!;
    expect(second.startsWith("\x1b[3F\x1b[2K")).toBe(true);
    expect(second.split("\n").slice(0, -1).every((l) => /^(\x1b\[3F)?\x1b\[2K/.test(l))).toBe(true);

    v.emit({ type: "task.complete", taskId: "fetch", attempts: 1, durationMs: 150 });
    vi.advanceTimersByTime(100);
    const n = v.writes.length;

    // The end of the run draws at once, without waiting for the timer.
    v.emit({ type: "task.skip", taskId: "parse", reason: "not needed" });
    v.emit({ type: "run.end", flow: "demo", status: "COMPLETED", durationMs: 250 });
    expect(v.writes).toHaveLength(n + 1);
    expect(v.writes.at(-1)!.startsWith("\x1b[3F")).toBe(true);
    expect(v.frame()[0]).toBe("run r-1 of flow demo: COMPLETED in 250ms");
    v.detach();
  });

  it("shows each task's status, attempt and time", () => {
    const v = view();
    v.emit({ type: "run.start", flow: "demo", tasks: ["fetch", "parse", "report"], resumed: false });
    v.emit({ type: "task.start", taskId: "fetch", attempt: 1 });
    vi.advanceTimersByTime(100);
    expect(v.frame()[0]).toBe("run r-1 of flow demo");
    expect(v.frame()[1]).toMatch(/^ {2}fetch {3}RUNNING +100ms$/);
    expect(v.frame()[2]).toMatch(/^ {2}parse {3}PENDING *$/);
    expect(v.writes.at(-1)).toContain("\x1b[36mRUNNING");

    v.emit({ type: "task.retry", taskId: "fetch", attempt: 1, error: "HTTP 503", delayMs: 200 });
    vi.advanceTimersByTime(100);
    expect(v.frame()[1]).toMatch(/^ {2}fetch {3}RETRYING +200ms {2}HTTP 503$/);

    v.emit({ type: "task.start", taskId: "fetch", attempt: 2 });
    vi.advanceTimersByTime(100);
    expect(v.frame()[1]).toMatch(/^ {2}fetch {3}RUNNING +300ms attempt 2 {2}HTTP 503$/);

    v.emit({ type: "task.complete", taskId: "fetch", attempts: 2, durationMs: 420 });
    v.emit({ type: "task.start", taskId: "parse", attempt: 1 });
    v.emit({ type: "task.fail", taskId: "parse", attempts: 1, durationMs: 1500, error: "bad JSON" });
    v.emit({ type: "task.skip", taskId: "report", reason: "'parse' failed" });
    v.emit({ type: "run.end", flow: "demo", status: "FAILED", durationMs: 2000 });
    const rows = v.frame();
    expect(rows).toHaveLength(4);
    expect(rows[0]).toBe("run r-1 of flow demo: FAILED in 2.0s");
    // (The row keeps the note of the last retry after completing.)
    expect(rows[1]).toMatch(/^ {2}fetch {3}COMPLETED {4}420ms attempt 2\b/);
    expect(rows[2]).toBe("  parse   FAILED        1.5s  bad JSON");
    expect(rows[3]).toBe("  report  SKIPPED             'parse' failed");
    expect(v.writes.at(-1)).toContain("\x1b[32mCOMPLETED");
    expect(v.writes.at(-1)).toContain("\x1b[31mFAILED");
    v.detach();
  });

  it("adds injected tasks as rows and marks tasks restored from an earlier run", () => {
    const v = view();
    v.emit({ type: "run.start", flow: "demo", tasks: ["triage"], resumed: true });
    v.emit({ type: "task.complete", taskId: "triage", attempts: 1, durationMs: 5, restored: true });
    v.emit({ type: "task.inject", injector: "triage", taskId: "triage.page", template: "page" });
    vi.advanceTimersByTime(100);
    expect(v.frame()).toEqual([
      "run r-1 of flow demo (resumed)",
      "  triage       COMPLETED      5ms  from an earlier run",
      "  triage.page  PENDING             injected by triage",
    ]);
    v.detach();
  });

  it("neutralises control characters in task errors and skip reasons", () => {
    const v = view();
    const nasty = "boom\x1b[2J\r\x1b]0;owned\x07\u009b31m\u202eevil\nnext";
    v.emit({ type: "run.start", flow: "demo", tasks: ["a", "b", "c"], resumed: false });
    v.emit({ type: "task.start", taskId: "a", attempt: 1 });
    v.emit({ type: "task.retry", taskId: "a", attempt: 1, error: nasty, delayMs: 10 });
    vi.advanceTimersByTime(100);
    v.emit({ type: "task.fail", taskId: "a", attempts: 2, durationMs: 30, error: nasty });
    v.emit({ type: "task.fail", taskId: "b", attempts: 1, durationMs: 1, error: "\x1b[1A\x1b[2K\x1b[H" });
    v.emit({ type: "task.skip", taskId: "c", reason: "\x1b[2J\r" });
    v.emit({ type: "run.end", flow: "demo", status: "FAILED", durationMs: 40 });
    v.detach();
    const all = v.writes.join("");
    for (const bad of ["\x1b[2J", "\r", "\x07", "\u009b", "\u202e", "\x1b]", "\x1b[1A", "\x1b[H"]) expect(all, JSON.stringify(bad)).not.toContain(bad);
    // Only the view's own sequences remain: colours, line clears, cursor to previous line.
    expect(all.replace(/\x1b\[(\d+F|2K|\d*(;\d+)*m)/g, "")).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    // One line per row: the newline in the error did not add a line.
    expect(v.frame()).toHaveLength(4);
    expect(v.frame()[1]).toContain("boom [2J  ]0;owned");
  });

  it("stops drawing once detached (a last drawing, then nothing)", () => {
    const v = view();
    v.emit({ type: "run.start", flow: "demo", tasks: ["a"], resumed: false });
    v.detach();
    const n = v.writes.length;
    expect(n).toBe(1);
    v.emit({ type: "task.start", taskId: "a", attempt: 1 });
    vi.advanceTimersByTime(1000);
    expect(v.writes).toHaveLength(n);
  });

  // BUG: draw() returns early unless an event arrived since the last drawing,
  // so the time of a RUNNING task is frozen between events: a single task that
  // runs 1.5 s shows "RUNNING 100ms" the whole time (see also the pty test
  // below). Expected: the running time advances at each redraw interval.
  it("the time of a running task advances without new events", () => {
    const v = view();
    v.emit({ type: "run.start", flow: "demo", tasks: ["fetch"], resumed: false });
    v.emit({ type: "task.start", taskId: "fetch", attempt: 1 });
    vi.advanceTimersByTime(1500);
    expect(v.frame()[1]).toMatch(/^ {2}fetch {2}RUNNING +1\.5s$/);
    v.detach();
  });

  it("the plain view (one line per event) neutralises control characters too", () => {
    const bus = new EventBus();
    const out: string[] = [];
    const off = attachPlainView(bus, (s) => out.push(s));
    bus.emit({ type: "task.fail", runId: RUN, taskId: "a", attempts: 1, durationMs: 1, error: "x\x1b[2J\ry\u009b", at: 0 });
    bus.emit({ type: "task.retry", runId: RUN, taskId: "a", attempt: 1, error: "\x1b[H", delayMs: 1500, at: 0 });
    off();
    expect(out).toEqual(["a: FAILED after 1 attempt: x [2J y \n", "a: attempt 1 failed:  [H; retrying in 1.5s\n"]);
  });
});

// ------------------------------------------------- the CLI in a pseudo-terminal

describe("aiwc run in a pseudo-terminal (script)", () => {
  /** Runs a shell command line under util-linux `script`, which gives it a pty as stdout and stderr. */
  async function inPty(commandLine: string, cwd: string): Promise<CliResult> {
    const r = await spawnIt("script", ["-qfec", commandLine, "/dev/null"], cwd);
    return r;
  }

  function aiwcLine(box: ReturnType<typeof sandbox>, file: string): string {
    return [process.execPath, AIWC, "run", flow(file), "--work-dir", box.work, "--state", box.state].map(shellQuote).join(" ");
  }

  it("redraws the table of tasks in place while the flow runs", async () => {
    const box = sandbox();
    const r = await inPty(`stty cols 100 rows 40; exec ${aiwcLine(box, "staged.aiw")}`, box.dir);
    expect(r.status, r.stdout).toBe(0);
    const out = r.stdout.replace(/\r\n/g, "\n");
    // Several drawings of title + 3 rows, each after the first moving back up 4 lines.
    expect(out.match(/\x1b\[4F/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
    expect(out).toContain("\x1b[2K");
    // While `two` was still running, `one` had finished (a drawing showed both).
    const frames = out.split("\x1b[4F").map(stripAnsi);
    expect(frames.some((f) => /one +COMPLETED/.test(f) && /two +RUNNING/.test(f))).toBe(true);
    const last = frames.at(-1)!;
    expect(last).toMatch(/^run \S+ of flow staged: COMPLETED in \S+\n/);
    for (const t of ["one", "two", "three"]) expect(last).toMatch(new RegExp(`^ {2}${t} +COMPLETED +\\d`, "m"));
    // No plain progress lines on a terminal.
    expect(out).not.toMatch(/: running\n/);
  });

  // BUG: under a pty whose size is unknown (0 columns: `script` without a
  // terminal on stdin, serial consoles, some CI runners) process.stdout.columns
  // is 0, `0 ?? 120` stays 0, and truncate() cuts every line to nothing: the
  // live view draws only empty lines. Expected: fall back to a default width.
  it("with a terminal of unknown width (0 columns) the table still shows the tasks", async () => {
    const box = sandbox();
    const r = await inPty(`stty cols 0 rows 0; exec ${aiwcLine(box, "staged.aiw")}`, box.dir);
    expect(r.status, r.stdout).toBe(0);
    expect(stripAnsi(r.stdout)).toMatch(/one +COMPLETED/);
  });
});

// ------------------------------------------------------------------ --metrics

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Parses the Prometheus text format strictly enough to reject anything else. */
function parseProm(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type !== null) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$/.test(line)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) throw new Error(`not a Prometheus line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    const body = m[2] ?? "";
    const rest = body.replace(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g, (_, k: string, v: string) => {
      labels[k] = v;
      return "";
    });
    if (rest !== "") throw new Error(`bad labels in ${JSON.stringify(line)}`);
    const value = m[3] === "+Inf" ? Infinity : Number(m[3]);
    if (Number.isNaN(value)) throw new Error(`bad value in ${JSON.stringify(line)}`);
    samples.push({ name: m[1]!, labels, value });
  }
  return { samples, types };
}

describe("aiwc run --metrics", () => {
  it("writes Prometheus text: a duration histogram per task and task counts by status", async () => {
    const box = sandbox();
    const file = path.join(box.dir, "metrics.prom");
    const r = await run(box, "ok.aiw", "--input", "n=1", "--input", "label=x", "--metrics", file);
    expect(r.status, r.stderr).toBe(0);
    const { samples, types } = parseProm(readFileSync(file, "utf8"));
    expect(types.get("aiwork_task_duration_seconds")).toBe("histogram");
    expect(types.get("aiwork_tasks_total")).toBe("counter");
    const find = (name: string, labels: Record<string, string>) => samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

    expect(find("aiwork_tasks_total", { flow: "ok", status: "COMPLETED" }).map((s) => s.value)).toEqual([3]);
    expect(find("aiwork_tasks_total", { flow: "ok", status: "SKIPPED" }).map((s) => s.value)).toEqual([1]);
    expect(find("aiwork_tasks_total", { status: "FAILED" })).toEqual([]);
    expect(find("aiwork_runs_total", { flow: "ok", status: "COMPLETED" }).map((s) => s.value)).toEqual([1]);

    // One histogram per completed task (a skipped task has no duration).
    const histTasks = new Set(find("aiwork_task_duration_seconds_count", { flow: "ok" }).map((s) => s.labels.task));
    expect([...histTasks].sort()).toEqual(["a", "b", "c"]);
    for (const task of ["a", "b", "c"]) {
      const buckets = find("aiwork_task_duration_seconds_bucket", { flow: "ok", task, status: "COMPLETED" });
      expect(buckets.length, task).toBeGreaterThan(1);
      expect(buckets.at(-1)!.labels.le, task).toBe("+Inf");
      const values = buckets.map((b) => b.value);
      expect(values, task).toEqual([...values].sort((x, y) => x - y));
      expect(values.at(-1), task).toBe(1);
      expect(find("aiwork_task_duration_seconds_count", { task }).map((s) => s.value), task).toEqual([1]);
      expect(find("aiwork_task_duration_seconds_sum", { task })[0]!.value, task).toBeGreaterThanOrEqual(0);
    }
  });

  it("counts failed and skipped tasks of a failed run", async () => {
    const box = sandbox();
    const file = path.join(box.dir, "metrics.prom");
    const r = await run(box, "gated.aiw", "--metrics", file);
    expect(r.status).toBe(1);
    const { samples } = parseProm(readFileSync(file, "utf8"));
    const total = (status: string) => samples.find((s) => s.name === "aiwork_tasks_total" && s.labels.status === status)?.value;
    expect([total("COMPLETED"), total("FAILED"), total("SKIPPED")]).toEqual([1, 1, 1]);
    expect(samples.find((s) => s.name === "aiwork_runs_total")?.labels).toEqual({ flow: "gated", status: "FAILED" });
    expect(samples.some((s) => s.name === "aiwork_task_duration_seconds_bucket" && s.labels.task === "b" && s.labels.status === "FAILED")).toBe(true);
  });

  // BUG: the metrics file is written with writeFileSync after the run; a path
  // in a folder that does not exist throws ENOENT out of the command: an
  // uncaught exception with a stack trace, and --json prints nothing (the run
  // itself completed and is stored). --log creates missing folders
  // (mkdir: true). Expected: the folder is created, or a one-line `error:`.
  it("--metrics in a folder that does not exist: no stack trace, the folder is created", async () => {
    const box = sandbox();
    const file = path.join(box.dir, "out", "metrics.prom");
    const r = await run(box, "ok.aiw", "--input", "n=1", "--input", "label=x", "--metrics", file, "--json");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.status).toBe(0);
    expect(existsSync(file)).toBe(true);
  });
});

// ---------------------------------------------------------------------- --log

describe("aiwc run --log", () => {
  it("writes one JSON line per event, with the event, run and task, and level error for failures", async () => {
    const box = sandbox();
    const file = path.join(box.dir, "logs", "run.jsonl");
    const r = await run(box, "logged.aiw", "--log", file);
    expect(r.status, r.stderr).toBe(1);
    const id = runIdOf(r);
    const records = readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // The plain view prints one line per event too (the last stderr line is the error).
    expect(records).toHaveLength(stderrLines(r).length - 1);
    expect(records.every((rec) => rec.runId === id)).toBe(true);
    expect(records[0]).toMatchObject({ event: "run.start", flow: "logged", tasks: ["wait", "a", "b", "c"] });
    expect(records.at(-1)).toMatchObject({ event: "run.end", status: "FAILED", level: 50 });
    for (const rec of records.filter((x) => String(x.event).startsWith("task."))) expect(typeof rec.taskId, JSON.stringify(rec)).toBe("string");
    const failed = records.filter((x) => x.event === "task.fail");
    // pino levels: 30 info, 40 warn, 50 error.
    expect(failed).toEqual([expect.objectContaining({ taskId: "b", level: 50, error: "b: no go.flag in the work folder" })]);
    expect(records.filter((x) => x.event === "task.skip")).toEqual([expect.objectContaining({ taskId: "c", level: 30, reason: "'b' failed" })]);
    const completed = records.filter((x) => x.event === "task.complete").map((x) => x.taskId);
    expect(completed.sort()).toEqual(["a", "wait"]);
    for (const rec of records) expect(typeof rec.time, JSON.stringify(rec)).toBe("string");
  });

  // BUG: attachJsonLog opens the file asynchronously (pino.destination with
  // sync: false) and the detach function calls dest.flushSync(), which throws
  // "sonic boom is not ready yet" when the run ended before the file was open.
  // Any fast run with --log FILE dies with that uncaught exception: exit 1
  // even though the flow completed, no --json output, no log file.
  it("--log FILE on a run that finishes at once: exit 0 and the events logged", async () => {
    const box = sandbox();
    const file = path.join(box.dir, "run.jsonl");
    // Expression tasks only: the run ends before the log file's open returns.
    const r = await run(box, "two.aiw", "--flow", "second", "--log", file, "--json");
    expect(r.stderr).not.toContain("sonic boom");
    expect(r.status).toBe(0);
    expect(parseJson(r).status).toBe("COMPLETED");
    const events = readFileSync(file, "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { event: string }).event);
    expect(events[0]).toBe("run.start");
    expect(events.at(-1)).toBe("run.end");
  });
});

// ---------------------------------------------------------------- aiwc runs

describe("aiwc runs", () => {
  /** Three runs in one store: completed, failed, completed (oldest first). */
  async function threeRuns(box: ReturnType<typeof sandbox>, state: string): Promise<string[]> {
    const ids: string[] = [];
    for (const [file, inputs] of [
      ["ok.aiw", ["--input", "n=1", "--input", "label=x"]],
      ["gated.aiw", []],
      ["ok.aiw", ["--input", "n=2", "--input", "label=y"]],
    ] as const) {
      const r = await aiwc(["run", flow(file), "--work-dir", box.work, "--state", state, "--json", ...inputs], box.dir);
      ids.push(parseJson(r).runId);
    }
    return ids;
  }

  it("lists the runs newest first with flow and status", async () => {
    const box = sandbox();
    const [first, second, third] = await threeRuns(box, box.state);
    const r = await aiwc(["runs", "--state", box.state], box.dir);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^RUN +FLOW +STATUS +UPDATED$/);
    expect(lines.slice(1).map((l) => l.split(/ +/).slice(0, 3))).toEqual([
      [third, "ok", "COMPLETED"],
      [second, "gated", "FAILED"],
      [first, "ok", "COMPLETED"],
    ]);
    const limited = await aiwc(["runs", "--state", box.state, "--limit", "1"], box.dir);
    expect(limited.stdout.trimEnd().split("\n")).toHaveLength(2);
  });

  it("--json gives the same list as JSON", async () => {
    const box = sandbox();
    const ids = await threeRuns(box, box.state);
    const r = await aiwc(["runs", "--state", box.state, "--json"], box.dir);
    expect(r.status, r.stderr).toBe(0);
    const { runs } = JSON.parse(r.stdout) as { runs: { runId: string; flow: string; status: string; createdAt: string; updatedAt: string }[] };
    expect(runs.map((x) => [x.runId, x.flow, x.status])).toEqual([
      [ids[2], "ok", "COMPLETED"],
      [ids[1], "gated", "FAILED"],
      [ids[0], "ok", "COMPLETED"],
    ]);
    for (const x of runs) expect(Date.parse(x.updatedAt)).toBeGreaterThanOrEqual(Date.parse(x.createdAt));
  });

  it("says so when there are no runs, and exits 2 for a bad --limit", async () => {
    const box = sandbox();
    const r = await aiwc(["runs", "--state", box.state], box.dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe("no runs yet\n");
    const bad = await aiwc(["runs", "--state", box.state, "--limit", "0"], box.dir);
    expect(bad.status).toBe(2);
  });

  describe("with a Redis store", () => {
    const redis = useRedisServer();

    it("runs flows on redis:// and lists them newest first", async () => {
      const box = sandbox();
      const ids = await threeRuns(box, redis.url);
      const r = await aiwc(["runs", "--state", redis.url, "--json"], box.dir);
      expect(r.status, r.stderr).toBe(0);
      const { runs } = JSON.parse(r.stdout) as { runs: { runId: string; status: string }[] };
      expect(runs.map((x) => [x.runId, x.status])).toEqual([
        [ids[2], "COMPLETED"],
        [ids[1], "FAILED"],
        [ids[0], "COMPLETED"],
      ]);
      // Nothing was written to a local default store.
      expect(existsSync(path.join(box.dir, ".aiw-state"))).toBe(false);
    });
  });
});

// --------------------------------------------- state files that are not ours

describe("a --state file that is not an AIWork state database", () => {
  function foreignDb(file: string): void {
    const db = new DatabaseSync(file);
    db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL); INSERT INTO users (name) VALUES ('ann'), ('bo');");
    db.close();
  }

  const CASES: { name: string; make: (file: string) => void; message: RegExp }[] = [
    { name: "random bytes", make: (f) => writeFileSync(f, randomBytes(8192)), message: /is not an AIWork state database: it is not an SQLite file at all/ },
    {
      name: "an SQLite header followed by garbage",
      make: (f) => writeFileSync(f, Buffer.concat([Buffer.from("SQLite format 3\0", "latin1"), randomBytes(8176)])),
      message: /is a corrupt SQLite database .*it was left as it is|is not an AIWork state database/,
    },
    { name: "another program's SQLite database", make: foreignDb, message: /is not an AIWork state database \(it holds the tables 'users' and no AIWork marker\); refusing to touch it/ },
  ];

  it.each(CASES)("$name: run and runs exit 2 with a clear message; the file is unchanged", async ({ make, message }) => {
    const box = sandbox();
    make(box.db);
    const before = sha256(box.db);
    const siblings = readdirSync(box.dir).sort();

    const r = await run(box, "ok.aiw", "--input", "n=1", "--input", "label=x");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: '/);
    expect(r.stderr).toContain(box.db);
    expect(r.stderr).toMatch(message);
    expect(ticks(box.work)).toEqual([]);

    const listed = await aiwc(["runs", "--state", box.db], box.dir);
    expect(listed.status).toBe(2);
    expect(listed.stderr).toMatch(message);

    const resumed = await aiwc(["run", "--resume", "x", "--state", box.state], box.dir);
    expect(resumed.status).toBe(2);

    expect(sha256(box.db)).toBe(before);
    // No -wal, -shm or -journal file was left next to it.
    expect(readdirSync(box.dir).sort()).toEqual(siblings);
  });
});

// ------------------------------------------------------------------ --resume

describe("aiwc run --resume", () => {
  it("of a completed run runs nothing again and gives the same output", async () => {
    const box = sandbox();
    const first = await run(box, "ok.aiw", "--input", "n=1", "--input", "label=x", "--json");
    expect(first.status, first.stderr).toBe(0);
    const j1 = parseJson(first);
    const log = readFileSync(path.join(box.work, "ticks.log"));

    const again = await aiwc(["run", "--resume", j1.runId, "--state", box.state, "--json"], box.dir);
    expect(again.status, again.stderr).toBe(0);
    const j2 = parseJson(again);
    expect(readFileSync(path.join(box.work, "ticks.log"))).toEqual(log);
    expect(j2.runId).toBe(j1.runId);
    expect(j2.status).toBe("COMPLETED");
    expect(j2.output).toEqual(j1.output);
    for (const [id, t] of Object.entries(j1.tasks)) expect({ ...j2.tasks[id], durationMs: 0 }, id).toEqual({ ...t, durationMs: 0 });

    const plain = await aiwc(["run", "--resume", j1.runId, "--state", box.state], box.dir);
    expect(plain.status, plain.stderr).toBe(0);
    const lines = stderrLines(plain);
    expect(lines[0]).toBe(`run ${j1.runId}: flow ok resumed (4 tasks)`);
    for (const t of ["a", "b", "c"]) expect(lines).toContain(`${t}: completed in an earlier run`);
    expect(lines.some((l) => l.endsWith(": running"))).toBe(false);
    expect(readFileSync(path.join(box.work, "ticks.log"))).toEqual(log);
  });

  it("of a failed run runs the failed task and what it skipped, once the cause is fixed", async () => {
    const box = sandbox();
    const failed = await run(box, "gated.aiw", "--json");
    expect(failed.status).toBe(1);
    const runId = parseJson(failed).runId;
    expect(ticks(box.work).sort()).toEqual(["a", "b"]);

    // Still broken: fails the same way, a is not run again.
    const still = await aiwc(["run", "--resume", runId, "--state", box.state, "--json"], box.dir);
    expect(still.status).toBe(1);
    expect(parseJson(still).tasks.b!.state).toBe("FAILED");
    expect(ticks(box.work).filter((t) => t === "a")).toHaveLength(1);

    writeFileSync(path.join(box.work, "go.flag"), "");
    const fixed = await aiwc(["run", "--resume", runId, "--state", box.state, "--json"], box.dir);
    expect(fixed.status, fixed.stderr).toBe(0);
    const j = parseJson(fixed);
    expect(j.runId).toBe(runId);
    expect(j.status).toBe("COMPLETED");
    expect(j.output).toEqual({ a: "a", c: "c:true" });
    expect(Object.fromEntries(Object.entries(j.tasks).map(([id, t]) => [id, t.state]))).toEqual({ a: "COMPLETED", b: "COMPLETED", c: "COMPLETED" });
    // a ran once in all; b once per run (3); c only in the last.
    const t = ticks(box.work);
    expect(t.filter((x) => x === "a")).toHaveLength(1);
    expect(t.filter((x) => x === "b")).toHaveLength(3);
    expect(t.filter((x) => x === "c:true")).toHaveLength(1);

    const listed = await aiwc(["runs", "--state", box.state, "--json"], box.dir);
    expect((JSON.parse(listed.stdout) as { runs: { runId: string; status: string }[] }).runs).toEqual([expect.objectContaining({ runId, status: "COMPLETED" })]);
  });

  it("uses the work folder the run started with, whatever the current folder", async () => {
    const box = sandbox();
    const failed = await run(box, "gated.aiw", "--json");
    const runId = parseJson(failed).runId;
    writeFileSync(path.join(box.work, "go.flag"), "");
    const elsewhere = realpathSync(mkdtempSync(path.join(tmpdir(), "aiw-cli-elsewhere-")));
    const r = await aiwc(["run", "--resume", runId, "--state", box.state, "--json"], elsewhere);
    expect(r.status, r.stderr).toBe(0);
    expect(ticks(box.work)).toContain("c:true");
    expect(readdirSync(elsewhere)).toEqual([]);
  });
});

describe("aiwc run --http-allow", () => {
  it("refuses a host that is not allowed as the task's failure (exit 1), and a list that is not host names as a usage error (exit 2)", async () => {
    const box = sandbox();
    const file = path.join(box.dir, "fetch.aiw");
    writeFileSync(file, `flow fetch(url: string) {\n  task get { run: http_request(url: url) }\n  return get.status\n}\n`);
    const refused = await aiwc(["run", file, "--work-dir", box.work, "--state", box.state, "--json", "--http-allow", "api.example.com,*.example.org", "--input", "url=http://127.0.0.1:9/"], box.dir);
    expect(refused.status).toBe(1);
    expect(parseJson(refused).tasks["get"]).toMatchObject({ state: "FAILED", error: "http_request: '127.0.0.1' is not among the hosts flows may reach here; they are set with --http-allow" });
    const usage = await aiwc(["run", file, "--http-allow", "not a host", "--input", "url=http://127.0.0.1:9/"], box.dir);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain("'not a host' is not a host name");
  });
});
