// End-to-end runs of every example in examples/ through the real CLI:
// `node bin/aiwc.js run examples/X.aiw --work-dir <copy of examples/data>
// --state sqlite:<temp>/s.db --json --input ...`, from the repository root.
// Each test checks the exact task states and outputs, the flow's output, and
// the files the tools wrote in the work folder (and that nothing else was
// written). Runs are also checked for determinism (same outputs twice, and
// with --concurrency 1). release_notes talks to a real local HTTP server.
// support_ticket_routing and similar_tickets run real OpenVINO models built by
// models/build.sh (scripts/setup.sh runs it; without them they are skipped).

import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repo = path.resolve(import.meta.dirname, "..");
const AIWC = path.join(repo, "bin/aiwc.js");
const DATA = path.join(repo, "examples/data");

interface CliResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface TaskJson {
  state: string;
  attempts: number;
  durationMs: number;
  output?: unknown;
  error?: string;
  reason?: string;
  guardFailures?: string[];
  injectedBy?: string;
}

interface RunJson {
  runId: string;
  flow: string;
  status: string;
  durationMs: number;
  error?: string;
  output?: unknown;
  tasks: Record<string, TaskJson>;
}

/** The environment of the CLI: ours, without test-only fault switches or NO_COLOR. */
function cliEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith("AIW_") || k === "NO_COLOR") delete env[k];
  return env;
}

/** Runs `aiwc` asynchronously (a local HTTP server in this process must keep answering). */
function aiwc(args: readonly string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AIWC, ...args], { cwd: repo, env: cliEnv(), stdio: ["ignore", "pipe", "pipe"] });
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

/** A fresh temp folder holding a copy of examples/data as `work`, and the state file path. */
function sandbox(): { dir: string; work: string; state: string } {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), "aiw-example-")));
  const work = path.join(dir, "work");
  cpSync(DATA, work, { recursive: true });
  return { dir, work, state: `sqlite:${path.join(dir, "s.db")}` };
}

/** Every file under `root`, as sorted relative paths with forward slashes. */
function filesUnder(root: string): string[] {
  return (readdirSync(root, { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[])
    .filter((d) => d.isFile())
    .map((d) => path.relative(root, path.join(d.parentPath, d.name)).split(path.sep).join("/"))
    .sort();
}

const ORIGINAL_FILES = filesUnder(DATA);

/** The files a run added to the work folder (the copied data files excluded). */
function writtenFiles(work: string): string[] {
  return filesUnder(work).filter((f) => !ORIGINAL_FILES.includes(f));
}

function read(work: string, rel: string): string {
  return readFileSync(path.join(work, rel), "utf8");
}

/** Runs an example with --json in a fresh sandbox; returns the parsed document too. */
async function runExample(
  file: string,
  inputs: readonly string[],
  extra: readonly string[] = [],
): Promise<{ r: CliResult; json: RunJson; work: string; dir: string }> {
  const box = sandbox();
  const args = ["run", `examples/${file}`, "--work-dir", box.work, "--state", box.state, "--json", ...extra];
  for (const i of inputs) args.push("--input", i);
  const r = await aiwc(args);
  let json: RunJson;
  try {
    json = JSON.parse(r.stdout) as RunJson;
  } catch {
    throw new Error(`aiwc ${args.join(" ")} printed no JSON (exit ${String(r.status)}):\n${r.stdout}\n${r.stderr}`);
  }
  return { r, json, work: box.work, dir: box.dir };
}

/** Task id -> state, in the order of the JSON document. */
function states(json: RunJson): Record<string, string> {
  return Object.fromEntries(Object.entries(json.tasks).map(([id, t]) => [id, t.state]));
}

/** What must not change between two runs of the same inputs: everything but timings and the run id. */
function stable(json: RunJson): unknown {
  return {
    status: json.status,
    output: json.output,
    tasks: Object.fromEntries(Object.entries(json.tasks).map(([id, t]) => [id, { ...t, durationMs: undefined }])),
  };
}

// ------------------------------------------------------------ invoice_triage

describe("invoice_triage", () => {
  it("files a small invoice and does not escalate it", async () => {
    const { r, json, work } = await runExample("invoice_triage.aiw", ["document=invoice-acme.txt"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect(json.flow).toBe("process_invoice");
    expect(json.status).toBe("COMPLETED");
    expect(states(json)).toEqual({ read: "COMPLETED", extract: "COMPLETED", file_it: "COMPLETED", escalate: "SKIPPED" });
    expect(json.output).toEqual({ vendor: "ACME Tools GmbH", amount: 1234.5, currency: "EUR", lines: 3 });
    expect(json.tasks.extract!.output).toEqual(json.output);
    expect(json.tasks.extract!.attempts).toBe(1);
    expect(json.tasks.read!.output).toEqual({ text: read(work, "invoice-acme.txt") });
    expect(json.tasks.file_it!.output).toEqual({ path: "filed/ACME Tools GmbH.txt", bytes: 27 });
    expect(json.tasks.escalate!.reason).toBe("its 'when' condition is false");
    expect(writtenFiles(work)).toEqual(["filed/ACME Tools GmbH.txt"]);
    expect(read(work, "filed/ACME Tools GmbH.txt")).toBe("ACME Tools GmbH: 1234.5 EUR");
  });

  it("escalates an invoice above the limit to finance-approvals and skips filing it", async () => {
    const { r, json, work } = await runExample("invoice_triage.aiw", ["document=invoice-big.txt"]);
    expect(r.status, r.stderr).toBe(0);
    expect(states(json)).toEqual({ read: "COMPLETED", extract: "COMPLETED", file_it: "SKIPPED", escalate: "COMPLETED" });
    expect(json.output).toEqual({ vendor: "Northwind Heavy Machinery", amount: 50500, currency: "USD", lines: 2 });
    expect(json.tasks.escalate!.output).toEqual({ delivered: true, channel: "finance-approvals" });
    expect(json.tasks.file_it!.reason).toBe("its 'when' condition is false");
    expect(writtenFiles(work)).toEqual(["outbox/finance-approvals.log"]);
    // notify marks each notice with the task's idempotency key (run id and task).
    expect(read(work, "outbox/finance-approvals.log")).toBe(
      `[${json.runId}:escalate] URGENT Invoice from Northwind Heavy Machinery needs approval: 50500 USD\n`,
    );
  });

  it("files the big invoice too when the limit is raised above its amount", async () => {
    const { r, json, work } = await runExample("invoice_triage.aiw", ["document=invoice-big.txt", "limit=60000"]);
    expect(r.status, r.stderr).toBe(0);
    expect(states(json)).toEqual({ read: "COMPLETED", extract: "COMPLETED", file_it: "COMPLETED", escalate: "SKIPPED" });
    expect(writtenFiles(work)).toEqual(["filed/Northwind Heavy Machinery.txt"]);
    expect(read(work, "filed/Northwind Heavy Machinery.txt")).toBe("Northwind Heavy Machinery: 50500 USD");
  });
});

// ---------------------------------------------------------- document_summary

describe("document_summary", () => {
  const HANDBOOK_SECTIONS = 5;

  it("summarises each section, recalls the best two for the topic in score order and writes the report", async () => {
    const { r, json, work } = await runExample("document_summary.aiw", ["path=handbook.md", "topic=severity incidents"]);
    expect(r.status, r.stderr).toBe(0);
    expect(json.flow).toBe("summarise_document");
    expect(states(json)).toEqual({
      read: "COMPLETED",
      sections: "COMPLETED",
      summaries: "COMPLETED",
      remember_all: "COMPLETED",
      about_topic: "COMPLETED",
      notes: "COMPLETED",
      report: "COMPLETED",
    });
    const sections = json.tasks.sections!.output as string[];
    expect(sections).toHaveLength(HANDBOOK_SECTIONS);
    expect(sections[1]).toBe("Incidents are graded by severity. Severity one means customers cannot use the product at all.");
    // Fan-out: outputs in item order; attempts are the most-tried item's.
    expect(json.tasks.summaries!.attempts).toBe(1);
    expect((json.tasks.summaries!.output as { summary: string }[]).map((s) => s.summary)).toEqual([
      "Our on-call rotation runs weekly, starting on Monday at 09:00.",
      "Incidents are graded by severity.",
      "Billing questions go to the finance team.",
      "Deployments happen on weekdays before 16:00.",
      "The status page is updated within fifteen minutes of any severity one incident.",
    ]);
    expect((json.tasks.summaries!.output as { words: number }[]).map((s) => s.words)).toEqual([18, 15, 16, 12, 13]);
    expect(json.tasks.remember_all!.output).toEqual([1, 2, 3, 4, 5].map((n) => ({ stored: n })));

    const out = json.output as { sections: number; best: { text: string; score: number }[] };
    expect(out.sections).toBe(HANDBOOK_SECTIONS);
    expect(out.best.map((h) => h.text)).toEqual([
      "Incidents are graded by severity.",
      "The status page is updated within fifteen minutes of any severity one incident.",
    ]);
    // BM25 scores, best first.
    expect(out.best[0]!.score).toBeGreaterThan(out.best[1]!.score);
    expect(out.best[1]!.score).toBeGreaterThan(0);
    expect(out.best.map((h) => Math.round(h.score * 100) / 100)).toEqual([7.54, 1.18]);

    expect(json.tasks.notes!.output).toEqual([
      "- Incidents are graded by severity. (score 7.54)",
      "- The status page is updated within fifteen minutes of any severity one incident. (score 1.18)",
    ]);
    expect(writtenFiles(work)).toEqual(["summaries/report.md"]);
    expect(read(work, "summaries/report.md")).toBe(
      "# Notes on severity incidents\n\n" +
        "- Incidents are graded by severity. (score 7.54)\n" +
        "- The status page is updated within fifteen minutes of any severity one incident. (score 1.18)\n",
    );
    expect(json.tasks.report!.output).toEqual({ path: "summaries/report.md", bytes: Buffer.byteLength(read(work, "summaries/report.md")) });
  });

  it("recalls different sections for a different topic", async () => {
    const { r, json, work } = await runExample("document_summary.aiw", ["path=handbook.md", "topic=deployments on weekdays"]);
    expect(r.status, r.stderr).toBe(0);
    const best = (json.output as { best: { text: string; score: number }[] }).best;
    expect(best[0]!.text).toBe("Deployments happen on weekdays before 16:00.");
    expect(best.length).toBeLessThanOrEqual(2);
    for (let i = 1; i < best.length; i++) expect(best[i - 1]!.score).toBeGreaterThanOrEqual(best[i]!.score);
    expect(read(work, "summaries/report.md")).toMatch(/^# Notes on deployments on weekdays\n\n- Deployments happen on weekdays before 16:00\. \(score \d+(\.\d+)?\)\n/);
  });

  it("fails (exit 1) when the document does not exist, skipping everything after read", async () => {
    const { r, json, work } = await runExample("document_summary.aiw", ["path=missing.md", "topic=x"]);
    expect(r.status).toBe(1);
    expect(json.status).toBe("FAILED");
    expect(json.tasks.read!.state).toBe("FAILED");
    expect(json.tasks.read!.error).toContain("read_text: no file 'missing.md' in the work folder");
    for (const id of ["sections", "summaries", "remember_all", "about_topic", "notes", "report"]) expect(json.tasks[id]!.state, id).toBe("SKIPPED");
    expect(json.output).toBeUndefined();
    expect(writtenFiles(work)).toEqual([]);
  });
});

// ------------------------------------------------------------- nightly_report

describe("nightly_report", () => {
  const SOURCES = 'sources=["api","web","batch"]';
  const ALL_BUT_ALERT = ["fetch", "uptime", "incidents", "incident_counts", "uptimes", "totals", "render", "write"];

  it("totals three sources and writes the report, without an alert at the default threshold", async () => {
    const { r, json, work } = await runExample("nightly_report.aiw", [SOURCES]);
    expect(r.status, r.stderr).toBe(0);
    for (const id of ALL_BUT_ALERT) expect(json.tasks[id]!.state, id).toBe("COMPLETED");
    expect(json.tasks.alert!.state).toBe("SKIPPED");
    expect(json.output).toEqual({ sources: 3, incidents: 7, worst: 0.9874 });
    // Fan-out outputs follow the order of the input list.
    expect(json.tasks.fetch!.attempts).toBe(1);
    expect(json.tasks.incident_counts!.output).toEqual([2, 5, 0]);
    expect(json.tasks.uptimes!.output).toEqual([0.9991, 0.9874, 0.9999]);
    expect(json.tasks.render!.output).toEqual({ text: "Nightly report: 3 sources, 7 incidents, worst uptime 0.9874" });
    expect(writtenFiles(work)).toEqual(["reports/nightly.txt"]);
    expect(read(work, "reports/nightly.txt")).toBe("Nightly report: 3 sources, 7 incidents, worst uptime 0.9874");
  });

  it("writes the ALERT file when the worst uptime is below the threshold", async () => {
    const { r, json, work } = await runExample("nightly_report.aiw", [SOURCES, "threshold=0.99"]);
    expect(r.status, r.stderr).toBe(0);
    expect(json.tasks.alert!.state).toBe("COMPLETED");
    expect(json.output).toEqual({ sources: 3, incidents: 7, worst: 0.9874 });
    expect(writtenFiles(work)).toEqual(["reports/ALERT.txt", "reports/nightly.txt"]);
    expect(read(work, "reports/ALERT.txt")).toBe("uptime below 0.99");
  });

  it("does not write the ALERT file when every source is above the threshold", async () => {
    const { r, json, work } = await runExample("nightly_report.aiw", ['sources=["api","batch"]', "threshold=0.99"]);
    expect(r.status, r.stderr).toBe(0);
    expect(json.tasks.alert!.state).toBe("SKIPPED");
    expect(json.output).toEqual({ sources: 2, incidents: 2, worst: 0.9991 });
    expect(writtenFiles(work)).toEqual(["reports/nightly.txt"]);
    expect(read(work, "reports/nightly.txt")).toBe("Nightly report: 2 sources, 2 incidents, worst uptime 0.9991");
  });

  it("fails the fetch of an unknown source after its retries and writes nothing", async () => {
    const { r, json, work } = await runExample("nightly_report.aiw", ['sources=["api","nope"]']);
    expect(r.status).toBe(1);
    expect(json.tasks.fetch!.state).toBe("FAILED");
    expect(json.tasks.fetch!.error).toContain("item 1:");
    expect(json.tasks.fetch!.error).toContain("metrics/nope.json");
    for (const id of ALL_BUT_ALERT.slice(1).concat("alert")) expect(json.tasks[id]!.state, id).toBe("SKIPPED");
    expect(writtenFiles(work)).toEqual([]);
  });
});

// ---------------------------------------------------------- incident_response

describe("incident_response", () => {
  it("injects three response steps for a severity-1 report and runs them before close", async () => {
    const report = "Checkout is down for all customers";
    const { r, json, work } = await runExample("incident_response.aiw", [`report=${report}`]);
    expect(r.status, r.stderr).toBe(0);
    // Static tasks first, then the injected ones in the order triage chose them.
    expect(Object.keys(json.tasks)).toEqual(["triage", "close", "triage.page_oncall", "triage.status_page", "triage.open_ticket"]);
    expect(Object.values(json.tasks).map((t) => t.state)).toEqual(Array(5).fill("COMPLETED"));
    expect(json.tasks.triage!.output).toEqual({ severity: "1", steps: ["page_oncall", "status_page", "open_ticket"] });
    for (const id of ["triage.page_oncall", "triage.status_page", "triage.open_ticket"]) expect(json.tasks[id]!.injectedBy, id).toBe("triage");
    expect(json.tasks["triage.page_oncall"]!.output).toEqual({ delivered: true, channel: "oncall" });
    expect(json.output).toEqual({ severity: "1", steps: 3 });

    expect(writtenFiles(work)).toEqual(["outbox/oncall.log", "status/incident.txt", "tickets/1.txt"]);
    expect(read(work, "outbox/oncall.log")).toBe(`[${json.runId}:triage.page_oncall] URGENT SEV 1: ${report}\n`);
    expect(read(work, "status/incident.txt")).toBe(`Investigating: ${report}`);
    expect(read(work, "tickets/1.txt")).toBe(report);
  });

  it("injects only a ticket for a severity-3 report", async () => {
    const report = "Typo on the pricing page";
    const { r, json, work } = await runExample("incident_response.aiw", [`report=${report}`]);
    expect(r.status, r.stderr).toBe(0);
    expect(states(json)).toEqual({ triage: "COMPLETED", close: "COMPLETED", "triage.open_ticket": "COMPLETED" });
    expect(json.tasks.triage!.output).toEqual({ severity: "3", steps: ["open_ticket"] });
    expect(json.output).toEqual({ severity: "3", steps: 1 });
    expect(writtenFiles(work)).toEqual(["tickets/3.txt"]);
    expect(read(work, "tickets/3.txt")).toBe(report);
  });

  it("ends the injected steps before close starts (plain progress on stderr)", async () => {
    const box = sandbox();
    const r = await aiwc(["run", "examples/incident_response.aiw", "--work-dir", box.work, "--state", box.state, "--input", "report=Checkout is down for all customers"]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stderr.split("\n");
    const closeStarts = lines.indexOf("close: running");
    expect(closeStarts).toBeGreaterThan(0);
    for (const id of ["triage.page_oncall", "triage.status_page", "triage.open_ticket"]) {
      expect(lines.indexOf(`triage: injected ${id}`), id).toBeGreaterThan(0);
      const done = lines.findIndex((l) => l.startsWith(`${id}: completed in `));
      expect(done, id).toBeGreaterThan(0);
      expect(done, id).toBeLessThan(closeStarts);
    }
  });
});

// -------------------------------------------------------------- release_notes

describe("release_notes", () => {
  const CHANGELOG = "# Changelog\n\n## 1.2.0\n- Added dark mode\n- Fixed the login bug\n\n## 1.1.0\n- First public release\n";
  let server: Server;
  let port: number;
  const requests: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      if (req.url === "/CHANGELOG.md") {
        res.writeHead(200, { "content-type": "text/markdown; charset=utf-8" });
        res.end(CHANGELOG);
      } else {
        res.writeHead(404, { "content-type": "text/plain" });
        res.end("not found");
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("downloads the changelog and writes the notes of one version and LATEST", async () => {
    requests.length = 0;
    const { r, json, work } = await runExample("release_notes.aiw", [`changelog_url=http://127.0.0.1:${port}/CHANGELOG.md`, "version=1.2.0"]);
    expect(r.status, r.stderr).toBe(0);
    expect(states(json)).toEqual({ download: "COMPLETED", entries: "COMPLETED", write: "COMPLETED", announce: "COMPLETED" });
    expect(requests).toEqual(["GET /CHANGELOG.md"]);
    const download = json.tasks.download!.output as { status: number; body: string; headers: Record<string, string> };
    expect(download.status).toBe(200);
    expect(download.body).toBe(CHANGELOG);
    expect(download.headers["content-type"]).toBe("text/markdown; charset=utf-8");
    expect((json.tasks.entries!.output as { groups: string[] }).groups[0]).toBe("- Added dark mode\n- Fixed the login bug\n");
    const notes = "# Release 1.2.0\n\n- Added dark mode\n- Fixed the login bug\n";
    expect(json.output).toEqual({ version: "1.2.0", bytes: Buffer.byteLength(notes) });
    expect(writtenFiles(work)).toEqual(["notes/1.2.0.md", "notes/LATEST"]);
    expect(read(work, "notes/1.2.0.md")).toBe(notes);
    expect(read(work, "notes/LATEST")).toBe("1.2.0");
  });

  it("uses the title input when given, and picks the last version of the changelog", async () => {
    const { r, json, work } = await runExample("release_notes.aiw", [
      `changelog_url=http://127.0.0.1:${port}/CHANGELOG.md`,
      "version=1.1.0",
      "title=First release",
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(read(work, "notes/1.1.0.md")).toBe("# First release\n\n- First public release\n");
    expect(read(work, "notes/LATEST")).toBe("1.1.0");
    expect(json.output).toEqual({ version: "1.1.0", bytes: Buffer.byteLength("# First release\n\n- First public release\n") });
  });

  it("fails the download guard on HTTP 404 after its retries, exits 1 and skips the later tasks", async () => {
    requests.length = 0;
    const { r, json, work } = await runExample("release_notes.aiw", [`changelog_url=http://127.0.0.1:${port}/missing.md`, "version=1.2.0"]);
    expect(r.status).toBe(1);
    expect(json.status).toBe("FAILED");
    const download = json.tasks.download!;
    expect(download.state).toBe("FAILED");
    // retries: 2, so three attempts, each one request.
    expect(download.attempts).toBe(3);
    expect(requests).toEqual(Array(3).fill("GET /missing.md"));
    expect(download.error).toBe("guard failed: changelog download failed with HTTP 404");
    expect(download.guardFailures).toEqual(Array(3).fill("changelog download failed with HTTP 404"));
    expect(json.error).toBe("task 'download' failed: guard failed: changelog download failed with HTTP 404");
    expect(states(json)).toEqual({ download: "FAILED", entries: "SKIPPED", write: "SKIPPED", announce: "SKIPPED" });
    expect(json.tasks.entries!.reason).toBe("'download' failed");
    expect(writtenFiles(work)).toEqual([]);
  });

  it("fails the entries guard for a version the changelog does not have", async () => {
    const { r, json, work } = await runExample("release_notes.aiw", [`changelog_url=http://127.0.0.1:${port}/CHANGELOG.md`, "version=9.9.9"]);
    expect(r.status).toBe(1);
    expect(states(json)).toEqual({ download: "COMPLETED", entries: "FAILED", write: "SKIPPED", announce: "SKIPPED" });
    expect(json.tasks.entries!.error).toBe("guard failed: version 9.9.9 is not in the changelog");
    expect(writtenFiles(work)).toEqual([]);
  });
});

// ----------------------------------------------------- support_ticket_routing

describe("support_ticket_routing", () => {
  it("type-checks (aiwc check exits 0)", async () => {
    const r = await aiwc(["check", "examples/support_ticket_routing.aiw"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe("checked 2 files: no problems\n");
    expect(r.stderr).toBe("");
  });

  const built = existsSync(path.join(repo, "models/build/text_classifier.xml"));

  it.skipIf(!built)("routes a billing ticket to the billing channel with the trained OpenVINO model", async () => {
    const ticket = "I was charged twice for the Pro plan in March, please refund one payment.";
    const { r, json, work } = await runExample("support_ticket_routing.aiw", [`ticket=${ticket}`]);
    expect(r.status, r.stderr).toBe(0);
    expect(states(json)).toEqual({ classify: "COMPLETED", to_billing: "COMPLETED", to_engineering: "SKIPPED", to_front_desk: "SKIPPED" });
    const out = json.output as { team: string; confidence: number };
    expect(out.team).toBe("billing");
    expect(out.confidence).toBeGreaterThan(0.9);
    expect(json.tasks.classify!.output).toEqual({ label: "billing", score: out.confidence });
    expect(writtenFiles(work)).toEqual(["outbox/billing.log"]);
    expect(read(work, "outbox/billing.log")).toBe(`[${json.runId}:to_billing] ${ticket}\n`);
  });

  it.skipIf(!built)("sends a technical ticket to engineering as urgent, and an unsure one to the front desk", async () => {
    const tech = await runExample("support_ticket_routing.aiw", ["ticket=The desktop client shows error 500 when I open dark mode on Windows 11."]);
    expect(tech.r.status, tech.r.stderr).toBe(0);
    expect((tech.json.output as { team: string }).team).toBe("technical");
    expect(states(tech.json)).toEqual({ classify: "COMPLETED", to_billing: "SKIPPED", to_engineering: "COMPLETED", to_front_desk: "SKIPPED" });
    expect(read(tech.work, "outbox/engineering.log")).toMatch(/^\[.*:to_engineering\] URGENT The desktop client/);
    // Demanding near-certainty sends even a clear ticket to the front desk, with its label and score.
    const unsure = await runExample("support_ticket_routing.aiw", ["ticket=My order #48213 has not arrived after two weeks.", "min_confidence=1.01"]);
    expect(unsure.r.status, unsure.r.stderr).toBe(0);
    expect(states(unsure.json)).toEqual({ classify: "COMPLETED", to_billing: "SKIPPED", to_engineering: "SKIPPED", to_front_desk: "COMPLETED" });
    expect(read(unsure.work, "outbox/front-desk.log")).toMatch(/^\[.*:to_front_desk\] \[shipping 1\] My order #48213/);
  });

  it.skipIf(!built)("gives the same result twice (deterministic inference)", async () => {
    const a = await runExample("support_ticket_routing.aiw", ["ticket=Please delete my account and all my personal data."]);
    const b = await runExample("support_ticket_routing.aiw", ["ticket=Please delete my account and all my personal data."], ["--concurrency", "1"]);
    expect((a.json.output as { team: string }).team).toBe("account");
    expect(stable(a.json)).toEqual(stable(b.json));
  });
});

// ----------------------------------------------------------- similar_tickets

describe("similar_tickets", () => {
  const built = existsSync(path.join(repo, "models/build/minilm/tokenizer.xml"));
  const history = JSON.stringify([
    "The password reset email never arrives and I am locked out",
    "I was billed twice for the Pro plan in March",
    "The parcel arrived damaged, order 48213",
    "Dark mode would be a great addition",
  ]);

  it.skipIf(!built)("with --semantic-memory recalls the ticket closest in meaning first", async () => {
    const { r, json, work } = await runExample("similar_tickets.aiw", ["ticket=I cannot sign in to my profile", `history=${history}`], ["--semantic-memory"]);
    expect(r.status, r.stderr).toBe(0);
    const out = json.output as { similar: { text: string; score: number }[]; dimensions: number };
    expect(out.dimensions).toBe(384);
    expect(out.similar.map((h) => h.text)).toEqual(["The password reset email never arrives and I am locked out", "I was billed twice for the Pro plan in March"]);
    expect(out.similar[0]!.score).toBeGreaterThan(out.similar[1]!.score);
    expect(json.tasks.store!.output).toEqual([1, 2, 3, 4].map((n) => ({ stored: n })));
    expect(writtenFiles(work)).toEqual([]);
  });

  it.skipIf(!built)("without it, BM25 ranks the ticket that shares small words first", async () => {
    const { r, json } = await runExample("similar_tickets.aiw", ["ticket=I cannot sign in to my profile", `history=${history}`]);
    expect(r.status, r.stderr).toBe(0);
    expect((json.output as { similar: { text: string }[] }).similar[0]!.text).toBe("I was billed twice for the Pro plan in March");
  });
});

// ------------------------------------------------------------------ coverage

describe("every example", () => {
  const COVERED = ["document_summary", "incident_response", "invoice_triage", "nightly_report", "release_notes", "similar_tickets", "support_ticket_routing"];

  it("has a test in this file (a new example with a flow needs one)", () => {
    const withFlows = readdirSync(path.join(repo, "examples"))
      .filter((f) => f.endsWith(".aiw"))
      .filter((f) => /^\s*flow\s/m.test(readFileSync(path.join(repo, "examples", f), "utf8")))
      .map((f) => f.replace(/\.aiw$/, ""))
      .sort();
    expect(withFlows).toEqual(COVERED);
  });

  it("type-checks together (aiwc check examples/*.aiw)", async () => {
    const files = readdirSync(path.join(repo, "examples")).filter((f) => f.endsWith(".aiw")).map((f) => `examples/${f}`);
    const r = await aiwc(["check", ...files]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/no problems/);
  });
});

// --------------------------------------------------------------- determinism

describe("determinism", () => {
  const CASES: { file: string; inputs: string[]; files: string[] }[] = [
    { file: "invoice_triage.aiw", inputs: ["document=invoice-acme.txt"], files: ["filed/ACME Tools GmbH.txt"] },
    { file: "document_summary.aiw", inputs: ["path=handbook.md", "topic=severity incidents"], files: ["summaries/report.md"] },
    { file: "nightly_report.aiw", inputs: ['sources=["api","web","batch"]', "threshold=0.99"], files: ["reports/ALERT.txt", "reports/nightly.txt"] },
    { file: "incident_response.aiw", inputs: ["report=Checkout is down for all customers"], files: ["status/incident.txt", "tickets/1.txt"] },
  ];

  it.each(CASES)("$file gives identical outputs and files twice, and with --concurrency 1", async ({ file, inputs, files }) => {
    const a = await runExample(file, inputs);
    const b = await runExample(file, inputs);
    const c = await runExample(file, inputs, ["--concurrency", "1"]);
    for (const x of [a, b, c]) expect(x.r.status, x.r.stderr).toBe(0);
    expect(b.json.runId).not.toBe(a.json.runId);
    expect(stable(b.json)).toEqual(stable(a.json));
    expect(stable(c.json)).toEqual(stable(a.json));
    expect(Object.keys(c.json.tasks)).toEqual(Object.keys(a.json.tasks));
    for (const f of files) {
      expect(existsSync(path.join(a.work, f)), f).toBe(true);
      expect(read(b.work, f), f).toBe(read(a.work, f));
      expect(read(c.work, f), f).toBe(read(a.work, f));
    }
    expect(writtenFiles(b.work)).toEqual(writtenFiles(a.work));
    expect(writtenFiles(c.work)).toEqual(writtenFiles(a.work));
  });
});
