// `aiwc serve` as a real process with a SQLite state store, stopped with
// SIGTERM while runs are in flight: a run that ends within the grace period
// finishes and its waiting client gets the result; one that does not is
// stopped with its finished tasks checkpointed, and `aiwc run --resume`
// completes it without redoing them. A new server on the same store answers
// for the old runs.

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../cli/main.ts";
import { SqliteStateStore } from "../runtime/state/sqlite-store.ts";

const repo = path.resolve(import.meta.dirname, "..");
const TOKEN = "shutdown-token";
const headers = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };

const CHAIN = `
tool sleep(ms: number, tag: string) -> { tag: string, ms: number } { ts: "./test/fixtures/serve/tools.ts#sleep" }
flow chain(first: number, second: number) {
  task a { run: sleep(ms: first, tag: "a") }
  task b after a { run: sleep(ms: second, tag: "b") }
  return b.tag
}
`;

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
});

interface Served {
  readonly child: ChildProcess;
  readonly url: string;
  readonly exited: Promise<number | null>;
  stderr(): string;
}

async function startServer(dir: string, env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(
    process.execPath,
    [path.join(repo, "bin/aiwc.js"), "serve", "--port", "0", "--token", TOKEN, "--state", path.join(dir, "runs.db"), "--tools-dir", repo, "--work-dir", path.join(dir, "work"), "--grace", "1500"],
    { cwd: dir, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  children.push(child);
  let out = "";
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`aiwc serve did not start:\n${err}`)), 20_000);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then((code) => reject(new Error(`aiwc serve exited with ${code}:\n${err}`)));
  });
  return { child, url, exited, stderr: () => err };
}

async function post(url: string, body: unknown): Promise<{ status: number; body: Record<string, any> }> {
  const res = await fetch(`${url}/execute`, { method: "POST", headers, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function get(url: string, route: string): Promise<Record<string, any>> {
  const res = await fetch(url + route, { headers });
  return (await res.json()) as Record<string, any>;
}

describe("graceful shutdown of aiwc serve", () => {
  it("finishes runs within the grace period, checkpoints the others, and they resume", async () => {
    const dir = realpathSync(mkdtempSync(path.join(tmpdir(), "aiw-serve-stop-")));
    const calls = path.join(dir, "calls.txt");
    // In the server every sleep lasts 40x longer than asked.
    const served = await startServer(dir, { AIW_TEST_SLEEP_SCALE: "40", AIW_TEST_CALLS: calls });

    const long = await post(served.url, { source: CHAIN, inputs: { first: 5, second: 500 }, mode: "async" });
    expect(long.status).toBe(202);
    const longId = long.body.runId as string;
    for (let i = 0; i < 200; i++) {
      if ((await get(served.url, `/runs/${longId}`)).tasks.a.state === "COMPLETED") break;
      await new Promise((r) => setTimeout(r, 25));
    }
    // A synchronous client whose run (2 x 10 ms x 40 = 0.8 s) ends within the grace period.
    const quick = post(served.url, { source: CHAIN, inputs: { first: 10, second: 10 } });
    await new Promise((r) => setTimeout(r, 150));

    const stoppedAt = Date.now();
    served.child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 100));
    // No new runs: the port is closed (or, on a kept-alive connection, 503 SHUTTING_DOWN).
    const refused = await post(served.url, { source: CHAIN, inputs: { first: 1, second: 1 } }).then(
      (r) => r.status,
      () => "connection refused",
    );
    expect([503, "connection refused"]).toContain(refused);

    const quickResult = await quick;
    expect(quickResult.status).toBe(200);
    expect(quickResult.body).toMatchObject({ status: "COMPLETED", output: "b" });

    expect(await served.exited).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    expect(served.stderr()).toContain(`"interrupted":["${longId}"]`);

    // The interrupted run: task a checkpointed, b stopped.
    const store = SqliteStateStore.open(path.join(dir, "runs.db"));
    const stored = await store.loadRun(longId);
    await store.close();
    const states = stored!.log.filter((r) => r.kind === "task").map((r) => `${(r as { taskId: string }).taskId}:${(r as { state: string }).state}`);
    expect(states).toEqual(["a:COMPLETED", "b:FAILED"]);

    // Resumed here (sleeps at normal speed): only b runs again.
    const before = readFileSync(calls, "utf8").split("\n").filter((l) => l.startsWith(longId));
    expect(before).toEqual([`${longId} a`, `${longId} b`]);
    process.env["AIW_TEST_CALLS"] = calls;
    let out = "";
    try {
      const code = await main(["node", "aiwc", "run", "--resume", longId, "--state", path.join(dir, "runs.db"), "--json"], { stdout: (s) => (out += s), stderr: () => undefined, isTTY: false });
      expect(code).toBe(0);
    } finally {
      delete process.env["AIW_TEST_CALLS"];
    }
    expect(JSON.parse(out)).toMatchObject({ runId: longId, status: "COMPLETED", output: "b" });
    const after = readFileSync(calls, "utf8").split("\n").filter((l) => l.startsWith(longId));
    expect(after).toEqual([`${longId} a`, `${longId} b`, `${longId} b`]);

    // A new server on the same store answers for runs it did not start.
    const again = await startServer(dir);
    const view = await get(again.url, `/runs/${longId}`);
    expect(view).toMatchObject({ runId: longId, status: "COMPLETED", output: "b", tasks: { a: { state: "COMPLETED" }, b: { state: "COMPLETED" } } });
    const events = await (await fetch(`${again.url}/runs/${longId}/events`, { headers })).text();
    expect(events.match(/^event: .*$/gm)).toEqual(["event: run.start", "event: task.complete", "event: task.fail", "event: task.complete", "event: run.end"]);
    again.child.kill("SIGTERM");
    expect(await again.exited).toBe(0);
  });
});
