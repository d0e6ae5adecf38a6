// The differential test between the two engines: every example (and three
// flows about guards, skips and other semantics, in test/airflow/flows) is compiled with `aiwc compile --target
// airflow`, imported by Airflow (no import errors), and run for real with
// `dag.test()` in one Python process on SQLite (test/airflow/harness.py); the
// same inputs go through `aiwc run --json`; task states, attempts, outputs,
// the flow's output and the files written must be the same.
//
// Needs the pinned environment (scripts/python-env.sh airflow); skipped with
// the reason when it cannot be made. The model examples run when their model
// files exist (scripts/setup.sh builds them), and are skipped otherwise.

import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { homedir, tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { airflowVenv, compileFiles, EXAMPLES, REPO, runProgram, venvProblem, writeFiles } from "./airflow/helpers.ts";

const venv = airflowVenv();
if (venv === null) console.warn(`airflow-dags tests skipped: ${venvProblem}`);

const CLASSIFIER = path.join(REPO, "models/build/text_classifier.xml");
const MINILM = path.join(REPO, "models/build/minilm/all-minilm-l6-v2.onnx");
const TOKENIZERS_LIB = findTokenizersLib();
const missingModel = existsSync(CLASSIFIER) ? "" : `no ${path.relative(REPO, CLASSIFIER)} (bash scripts/setup.sh builds it)`;
const missingEmbedder = !existsSync(MINILM) ? `no ${path.relative(REPO, MINILM)} (bash scripts/setup.sh builds it)` : TOKENIZERS_LIB === undefined ? "no libopenvino_tokenizers.so in .venv/ml (bash scripts/setup-openvino.sh)" : "";
if (missingModel !== "") console.warn(`support_ticket_routing left out of the differential test: ${missingModel}`);
if (missingEmbedder !== "") console.warn(`similar_tickets left out of the differential test: ${missingEmbedder}`);

/** The openvino_tokenizers extension beside the ml environment's openvino (the TypeScript runtime finds the same one). */
function findTokenizersLib(): string | undefined {
  const lib = path.join(REPO, ".venv/ml/lib");
  if (!existsSync(lib)) return undefined;
  for (const py of readdirSync(lib)) {
    const file = path.join(lib, py, "site-packages/openvino_tokenizers/lib/libopenvino_tokenizers.so");
    if (existsSync(file)) return file;
  }
  return undefined;
}

/**
 * A migrated Airflow database in `home`: `airflow db migrate` once per pinned
 * environment, cached under $AIW_CACHE, then copied (each test run has its own
 * SQLite file, so runs never share a writer).
 */
async function migratedDatabase(env: NodeJS.ProcessEnv, home: string): Promise<void> {
  const cacheDir = path.join(process.env["AIW_CACHE"] ?? path.join(homedir(), ".cache/aiwork"), "airflow-db");
  const cached = path.join(cacheDir, `${path.basename(venv!)}.sqlite`);
  mkdirSync(home, { recursive: true });
  if (!existsSync(cached)) {
    const fresh = mkdtempSync(path.join(tmpdir(), "aiw-airflow-db-"));
    const migrate = await runProgram(path.join(venv!, "bin/airflow"), ["db", "migrate"], { env: { ...env, AIRFLOW_HOME: fresh }, timeoutMs: 300_000 });
    if (migrate.status !== 0) throw new Error(`airflow db migrate failed:\n${migrate.stdout}\n${migrate.stderr}`);
    mkdirSync(cacheDir, { recursive: true });
    const partial = `${cached}.${process.pid}.tmp`;
    copyFileSync(path.join(fresh, "airflow.db"), partial);
    renameSync(partial, cached);
    rmSync(fresh, { recursive: true, force: true });
  }
  copyFileSync(cached, path.join(home, "airflow.db"));
}

interface Scenario {
  readonly label: string;
  readonly file: string;
  readonly dagId: string;
  readonly inputs: Record<string, unknown>;
  readonly skip?: string;
}

const CHANGELOG = "# Changelog\n\n## 1.2.0\n- Added dark mode\n- Fixed the login bug\n\n## 1.1.0\n- First public release\n";

function scenarios(port: number): Scenario[] {
  const url = `http://127.0.0.1:${port}/CHANGELOG.md`;
  return [
    { label: "invoice: small, filed", file: "examples/invoice_triage.aiw", dagId: "process_invoice", inputs: { document: "invoice-acme.txt" } },
    { label: "invoice: big, escalated", file: "examples/invoice_triage.aiw", dagId: "process_invoice", inputs: { document: "invoice-big.txt" } },
    { label: "invoice: big under a raised limit", file: "examples/invoice_triage.aiw", dagId: "process_invoice", inputs: { document: "invoice-big.txt", limit: 60000 } },
    { label: "document: severity", file: "examples/document_summary.aiw", dagId: "summarise_document", inputs: { path: "handbook.md", topic: "severity incidents" } },
    { label: "document: deployments", file: "examples/document_summary.aiw", dagId: "summarise_document", inputs: { path: "handbook.md", topic: "deployments on weekdays" } },
    { label: "document: missing file fails", file: "examples/document_summary.aiw", dagId: "summarise_document", inputs: { path: "missing.md", topic: "x" } },
    { label: "nightly: three sources", file: "examples/nightly_report.aiw", dagId: "nightly_report", inputs: { sources: ["api", "web", "batch"] } },
    { label: "nightly: alert", file: "examples/nightly_report.aiw", dagId: "nightly_report", inputs: { sources: ["api", "web", "batch"], threshold: 0.99 } },
    { label: "nightly: unknown source fails after retries", file: "examples/nightly_report.aiw", dagId: "nightly_report", inputs: { sources: ["api", "nope"] } },
    { label: "incident: severity 1 injects three steps", file: "examples/incident_response.aiw", dagId: "respond", inputs: { report: "Checkout is down for all customers" } },
    { label: "incident: severity 3 injects one step", file: "examples/incident_response.aiw", dagId: "respond", inputs: { report: "Typo on the pricing page" } },
    { label: "release notes: 1.2.0", file: "examples/release_notes.aiw", dagId: "release_notes", inputs: { changelog_url: url, version: "1.2.0" } },
    { label: "release notes: unknown version", file: "examples/release_notes.aiw", dagId: "release_notes", inputs: { changelog_url: url, version: "9.9.9", title: "Nine" } },
    { label: "tickets: billing", file: "examples/support_ticket_routing.aiw", dagId: "route_ticket", inputs: { ticket: "I was charged twice for my subscription in March, please refund me." }, skip: missingModel },
    { label: "tickets: technical", file: "examples/support_ticket_routing.aiw", dagId: "route_ticket", inputs: { ticket: "The mobile app crashes with error 500 when I open the search bar." }, skip: missingModel },
    {
      label: "similar tickets",
      file: "examples/similar_tickets.aiw",
      dagId: "similar_tickets",
      inputs: { ticket: "I cannot log in, the password reset mail never arrives", history: ["Refund my last invoice please", "Password reset email is not arriving", "The app crashes on start"] },
      skip: missingEmbedder,
    },
    { label: "guard: retried, then failed", file: "test/airflow/flows/guard_retry.aiw", dagId: "guard_retry", inputs: {} },
    { label: "when: false skips downstream", file: "test/airflow/flows/when_skip.aiw", dagId: "when_skip", inputs: {} },
    { label: "when: true runs everything", file: "test/airflow/flows/when_skip.aiw", dagId: "when_skip", inputs: { go: true, empty: [4, 5] } },
    { label: "semantics: a failure retries cannot fix", file: "test/airflow/flows/semantics.aiw", dagId: "semantics", inputs: { settings: { name: "x" } } },
    { label: "semantics: empty fan-out, no failure", file: "test/airflow/flows/semantics.aiw", dagId: "semantics", inputs: { settings: { name: "y", level: 30 }, items: [] } },
  ];
}

interface TaskResult {
  state: string;
  attempts?: number;
  output?: unknown;
}

interface EngineResult {
  status: string;
  output?: unknown;
  tasks: Record<string, TaskResult>;
  files: Record<string, string>;
  error?: string;
  airflowStates?: Record<string, string>;
}

/** Every file under `root` with its text, as relative paths with forward slashes. */
function filesUnder(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!d.isFile()) continue;
    const rel = path.relative(root, path.join(d.parentPath, d.name)).split(path.sep).join("/");
    out[rel] = readFileSync(path.join(root, rel), "utf8");
  }
  return out;
}

const DATA_FILES = filesUnder(path.join(REPO, "examples/data"));

/** What a run wrote (data files left out), with run ids in notify's markers replaced. */
function written(work: string, runId: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [rel, text] of Object.entries(filesUnder(work))) {
    if (DATA_FILES[rel] === text) continue;
    out[rel] = text.split(`[${runId}:`).join("[RUN:");
  }
  return out;
}

/**
 * What both engines must agree on. HTTP response headers are reduced to
 * content-type: the two HTTP clients send different headers (keep-alive),
 * so servers answer with different connection headers and dates.
 */
function comparable(r: EngineResult): object {
  const tasks: Record<string, TaskResult> = {};
  for (const [id, t] of Object.entries(r.tasks)) {
    let output = t.output;
    if (output !== null && typeof output === "object" && "headers" in output && "status" in output) {
      const o = output as { headers: Record<string, string> };
      output = { ...o, headers: { "content-type": o.headers["content-type"] } };
    }
    tasks[id] = { state: t.state, ...(t.state === "COMPLETED" || t.state === "FAILED" ? { attempts: t.attempts } : {}), ...(t.state === "COMPLETED" ? { output } : {}) };
  }
  return { status: r.status, output: r.output, tasks, files: r.files };
}

describe.skipIf(venv === null)("compiled DAGs in real Airflow give the results of aiwc run", () => {
  let root: string;
  let server: Server;
  let list: Scenario[] = [];
  const airflow = new Map<string, EngineResult>();
  const runtime = new Map<string, EngineResult>();
  let importErrors: Record<string, string> = {};
  let dagIds: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === "/CHANGELOG.md") {
        res.writeHead(200, { "content-type": "text/markdown; charset=utf-8" });
        res.end(CHANGELOG);
      } else {
        res.writeHead(404, { "content-type": "text/plain" });
        res.end("not found");
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    list = scenarios((server.address() as AddressInfo).port).filter((s) => !s.skip);

    root = mkdtempSync(path.join(tmpdir(), "aiw-airflow-"));
    const dags = path.join(root, "dags");
    const examples = compileFiles(EXAMPLES, dags);
    const flows = compileFiles(["test/airflow/flows/guard_retry.aiw", "test/airflow/flows/when_skip.aiw", "test/airflow/flows/semantics.aiw"], dags);
    expect([...examples.diagnostics, ...flows.diagnostics]).toEqual([]);
    writeFiles(dags, [...examples.files, ...flows.files]);

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AIRFLOW_HOME: path.join(root, "home"),
      AIRFLOW__CORE__LOAD_EXAMPLES: "False",
      AIRFLOW__CORE__DAGS_FOLDER: dags,
      PYTHONPATH: path.join(REPO, "examples/python"),
      PYTHONWARNINGS: "ignore",
      // The project the DAGs were compiled in: model paths are relative to it.
      AIWORK_PROJECT_DIR: REPO,
      ...(TOKENIZERS_LIB !== undefined ? { AIW_OPENVINO_TOKENIZERS_LIB: TOKENIZERS_LIB } : {}),
    };
    const started = performance.now();
    await migratedDatabase(env, path.join(root, "home"));
    const migrated = performance.now();

    const runs = list.map((s, i) => {
      const work = path.join(root, `airflow-${i}`);
      cpSync(path.join(REPO, "examples/data"), work, { recursive: true });
      return { label: s.label, dag_id: s.dagId, conf: s.inputs, work_dir: work };
    });
    writeFileSync(path.join(root, "request.json"), JSON.stringify({ runs }));
    const harness = runProgram(path.join(venv!, "bin/python"), [path.join(REPO, "test/airflow/harness.py"), path.join(root, "request.json"), path.join(root, "result.json")], { env, timeoutMs: 900_000 });

    // Meanwhile, the same inputs through the runtime, one run at a time (two cores).
    for (const [i, s] of list.entries()) {
      const work = path.join(root, `runtime-${i}`);
      cpSync(path.join(REPO, "examples/data"), work, { recursive: true });
      writeFileSync(path.join(root, `inputs-${i}.json`), JSON.stringify(s.inputs));
      const args = [path.join(REPO, "bin/aiwc.js"), "run", s.file, "--flow", s.dagId, "--json", "--work-dir", work, "--state", `sqlite:${path.join(root, `state-${i}.db`)}`, "--inputs", path.join(root, `inputs-${i}.json`)];
      const r = await runProgram(process.execPath, args, { timeoutMs: 120_000 });
      let json: { runId: string; status: string; output?: unknown; error?: string; tasks: Record<string, TaskResult> };
      try {
        json = JSON.parse(r.stdout) as typeof json;
      } catch {
        throw new Error(`aiwc run for '${s.label}' printed no JSON (exit ${String(r.status)}):\n${r.stderr}`);
      }
      runtime.set(s.label, { status: json.status, ...(json.output !== undefined ? { output: json.output } : {}), tasks: json.tasks, files: written(work, json.runId), ...(json.error !== undefined ? { error: json.error } : {}) });
    }

    const done = await harness;
    console.info(`airflow-dags: database ${((migrated - started) / 1000).toFixed(1)} s, runtime and Airflow runs ${((performance.now() - migrated) / 1000).toFixed(1)} s`);
    if (!existsSync(path.join(root, "result.json"))) throw new Error(`the Airflow harness failed (exit ${String(done.status)}):\n${done.stdout.slice(-4000)}\n${done.stderr.slice(-4000)}`);
    const result = JSON.parse(readFileSync(path.join(root, "result.json"), "utf8")) as {
      import_errors: Record<string, string>;
      dag_ids: string[];
      runs: Record<string, { error?: string; status: string; output?: unknown; tasks: Record<string, TaskResult>; airflow_states: Record<string, string>; run_id: string }>;
    };
    importErrors = result.import_errors;
    dagIds = result.dag_ids;
    for (const [i, s] of list.entries()) {
      const r = result.runs[s.label];
      if (r === undefined || r.error !== undefined) throw new Error(`Airflow run '${s.label}' failed in the harness: ${r?.error ?? "no result"}`);
      const files = written(path.join(root, `airflow-${i}`), r.run_id);
      airflow.set(s.label, { status: r.status, ...(r.output !== undefined && r.output !== null ? { output: r.output } : {}), tasks: r.tasks, files, airflowStates: r.airflow_states });
    }
  }, 900_000);

  afterAll(async () => {
    // Kept with AIW_KEEP_AIRFLOW=1 (Airflow's home, the DAGs, each run's work folder).
    if (root !== undefined && process.env["AIW_KEEP_AIRFLOW"] !== "1") rmSync(root, { recursive: true, force: true });
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it("imports every DAG with no import errors", () => {
    expect(importErrors).toEqual({});
    expect(dagIds).toEqual(expect.arrayContaining(["process_invoice", "summarise_document", "nightly_report", "respond", "release_notes", "route_ticket", "similar_tickets", "guard_retry", "when_skip", "semantics"]));
  });

  for (const s of scenarios(0)) {
    it.skipIf(s.skip !== undefined && s.skip !== "")(`${s.label}: same states, attempts, outputs and files`, () => {
      const a = airflow.get(s.label)!;
      const r = runtime.get(s.label)!;
      expect(comparable(a)).toEqual(comparable(r));
    });
  }

  it("a failing guard makes Airflow retry the task and then fail it, as the runtime does", () => {
    const a = airflow.get("guard: retried, then failed")!;
    const r = runtime.get("guard: retried, then failed")!;
    expect(r.status).toBe("FAILED");
    expect(a.status).toBe("FAILED");
    expect(r.tasks["checked"]).toMatchObject({ state: "FAILED", attempts: 3 });
    expect(a.tasks["checked"]).toMatchObject({ state: "FAILED", attempts: 3 });
    expect(a.airflowStates!["checked"]).toBe("failed");
    // Downstream of the failure: not run (Airflow: upstream_failed; the runtime: skipped).
    expect(a.airflowStates!["after_checked"]).toBe("upstream_failed");
    expect(r.tasks["after_checked"]!.state).toBe("SKIPPED");
    expect(a.tasks["unrelated"]).toMatchObject({ state: "COMPLETED", output: "still runs" });
  });

  it("a false `when` skips the task and what depends on it in both engines", () => {
    const a = airflow.get("when: false skips downstream")!;
    const r = runtime.get("when: false skips downstream")!;
    for (const id of ["maybe", "reads_maybe", "after_maybe", "fan_when", "after_fan"]) {
      expect(r.tasks[id]!.state, id).toBe("SKIPPED");
      expect(a.tasks[id]!.state, id).toBe("SKIPPED");
    }
    expect(a.airflowStates!["maybe"]).toBe("skipped");
    expect(a.airflowStates!["reads_maybe"]).toBe("skipped");
    expect(a.tasks["join"]).toMatchObject({ state: "COMPLETED", output: "begin joined" });
    // Airflow skips a task mapped over an empty list; the backend still gives its output as [].
    expect(a.airflowStates!["none"]).toBe("skipped");
    expect(a.tasks["none"]).toMatchObject({ state: "COMPLETED", output: [] });
    expect(a.tasks["count_none"]).toMatchObject({ state: "COMPLETED", output: 0 });
    expect(a.output).toEqual({ joined: "begin joined", counted: 0, maybe: null });
  });
});
