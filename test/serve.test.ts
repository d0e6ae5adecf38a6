// The REST API over real HTTP (a server listening on a loopback port, plain
// fetch as the client): every route, bearer auth, oversized and malformed
// bodies refused with JSON errors that carry a code, failing flows reported
// as failed, the run limit, the OpenAPI document validated, and an SSE client
// that receives every event of a run, in order.

import { once } from "node:events";
import { mkdtempSync, realpathSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import { createParser } from "eventsource-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSources } from "../compiler/compile.ts";
import type { IrProgram } from "../compiler/ir.ts";
import type { RunEvent } from "../runtime/events.ts";
import { buildServer, type AiwServer } from "../server/app.ts";

const repo = path.resolve(import.meta.dirname, "..");
const TOKEN = "s3cret-token";
const auth = { authorization: `Bearer ${TOKEN}` };
const json = { "content-type": "application/json" };

const TOOLS = `
tool sleep(ms: number, tag: string) -> { tag: string, ms: number } { ts: "./test/fixtures/serve/tools.ts#sleep" }
tool fail(message: string) -> { x: number } { ts: "./test/fixtures/serve/tools.ts#fail" }
`;
const HELLO = `flow hello(name: string) {\n  task greet { run: "hello " + name }\n  return greet\n}\n`;
const CHAIN = `${TOOLS}
flow chain(ms: number) {
  task a { run: sleep(ms: ms, tag: "a") }
  task b after a { run: sleep(ms: ms, tag: "b") }
  task c after b { run: sleep(ms: ms, tag: "c") }
  return c.tag
}
`;
const FAILING = `${TOOLS}
flow broken() {
  task ok { run: sleep(ms: 1, tag: "ok") }
  task bad after ok { run: fail(message: "the tool gave up") }
  task never after bad { run: sleep(ms: 1, tag: "never") }
}
`;

let server: AiwServer;
let base: string;

beforeAll(async () => {
  const workRoot = realpathSync(mkdtempSync(path.join(tmpdir(), "aiw-serve-")));
  server = await buildServer({ version: "9.9.9-test", token: TOKEN, toolsDir: repo, workRoot, maxBodyBytes: 64 * 1024, maxRunning: 3, syncTimeoutMs: 10_000 });
  base = await server.listen(0, "127.0.0.1");
});

afterAll(async () => {
  await server.shutdown(1000);
});

async function call(method: string, route: string, body?: unknown, headers: Record<string, string> = { ...auth, ...json }) {
  const res = await fetch(base + route, { method, headers, ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}) });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: res.status, headers: res.headers, body: parsed as Record<string, any> };
}

function irOf(source: string): IrProgram {
  const c = compileSources({ [path.join(repo, "posted.aiw")]: source });
  if (c.ir === undefined) throw new Error(c.diagnostics.map((d) => d.message).join("\n"));
  return JSON.parse(JSON.stringify(c.ir)) as IrProgram;
}

async function waitFor(runId: string, status: string): Promise<Record<string, any>> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const r = await call("GET", `/runs/${runId}`);
    if (r.body.status === status || Date.now() > deadline) return r.body;
    await new Promise((res) => setTimeout(res, 25));
  }
}

/** Reads a run's event stream to its end; returns the events and their ids. */
async function readEvents(runId: string, headers: Record<string, string> = auth): Promise<{ status: number; contentType: string | null; events: { id: string; type: string; data: RunEvent }[] }> {
  const res = await fetch(`${base}/runs/${runId}/events`, { headers: { ...headers, accept: "text/event-stream" } });
  const events: { id: string; type: string; data: RunEvent }[] = [];
  if (res.status !== 200 || res.body === null) return { status: res.status, contentType: res.headers.get("content-type"), events };
  const parser = createParser({ onEvent: (e) => events.push({ id: e.id ?? "", type: e.event ?? "", data: JSON.parse(e.data) as RunEvent }) });
  const decoder = new TextDecoder();
  for await (const chunk of res.body) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
  return { status: res.status, contentType: res.headers.get("content-type"), events };
}

describe("health and authentication", () => {
  it("answers GET / without a token, with version and uptime", async () => {
    const r = await call("GET", "/", undefined, {});
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: "ok", name: "aiwork", version: "9.9.9-test", runs: { running: 0, maxRunning: 3 } });
    expect(typeof r.body.uptimeSeconds).toBe("number");
  });

  it("refuses every other route without the token, or with a wrong one, with a JSON error and a code", async () => {
    const routes: [string, string][] = [
      ["POST", "/execute"],
      ["GET", "/runs/x"],
      ["GET", "/runs/x/events"],
      ["GET", "/metrics"],
      ["GET", "/openapi.json"],
    ];
    for (const [method, route] of routes) {
      const none = await call(method, route, method === "POST" ? { source: HELLO } : undefined, json);
      expect(none.status, `${method} ${route}`).toBe(401);
      expect(none.body.error.code).toBe("UNAUTHORIZED");
      expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
      const wrong = await call(method, route, method === "POST" ? { source: HELLO } : undefined, { ...json, authorization: "Bearer s3cret-tokeN" });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error.message).toMatch(/not the one/);
      const notBearer = await call(method, route, undefined, { authorization: `Basic ${TOKEN}` });
      expect(notBearer.status).toBe(401);
    }
  });
});

describe("POST /execute and GET /runs/{id}", () => {
  it("runs a flow given as source, synchronously", async () => {
    const r = await call("POST", "/execute", { source: HELLO, inputs: { name: "api" } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ flow: "hello", status: "COMPLETED", output: "hello api", tasks: { greet: { state: "COMPLETED", attempts: 1, output: "hello api" } } });
    expect(r.body.links).toEqual({ self: `/runs/${r.body.runId}`, events: `/runs/${r.body.runId}/events` });
    const again = await call("GET", `/runs/${r.body.runId}`);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ runId: r.body.runId, status: "COMPLETED", output: "hello api" });
  });

  it("runs a flow given as IR", async () => {
    const r = await call("POST", "/execute", { ir: irOf(CHAIN), inputs: { ms: 1 } });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe("COMPLETED");
    expect(r.body.output).toBe("c");
    expect(Object.keys(r.body.tasks)).toEqual(["a", "b", "c"]);
  });

  it("answers 202 at once in async mode, and the run can be followed to its end", async () => {
    const r = await call("POST", "/execute", { source: CHAIN, inputs: { ms: 150 }, mode: "async" });
    expect(r.status).toBe(202);
    expect(r.headers.get("location")).toBe(`/runs/${r.body.runId}`);
    expect(r.body.status).toBe("RUNNING");
    const mid = await waitFor(r.body.runId, "RUNNING");
    expect(mid.tasks.a.state).toMatch(/RUNNING|COMPLETED/);
    const done = await waitFor(r.body.runId, "COMPLETED");
    expect(done).toMatchObject({ status: "COMPLETED", output: "c", tasks: { a: { state: "COMPLETED", output: { tag: "a", ms: 150 } } } });
  });

  it("answers 202 when a synchronous run outlasts its time limit, and the run goes on", async () => {
    const r = await call("POST", "/execute", { source: CHAIN, inputs: { ms: 200 }, timeoutMs: 100 });
    expect(r.status).toBe(202);
    expect(r.body.status).toBe("RUNNING");
    expect((await waitFor(r.body.runId, "COMPLETED")).output).toBe("c");
  });

  it("reports a flow that fails as failed, with the failing task and the skipped one", async () => {
    const r = await call("POST", "/execute", { source: FAILING });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe("FAILED");
    expect(r.body.error).toMatch(/task 'bad' failed: the tool gave up/);
    expect(r.body.tasks).toMatchObject({ ok: { state: "COMPLETED" }, bad: { state: "FAILED", error: "the tool gave up" }, never: { state: "SKIPPED" } });
    expect((await call("GET", `/runs/${r.body.runId}`)).body.status).toBe("FAILED");
  });

  it("answers 404 with a code for an unknown run and an unknown route", async () => {
    const run = await call("GET", "/runs/no-such-run");
    expect(run.status).toBe(404);
    expect(run.body.error).toMatchObject({ code: "NOT_FOUND", message: "no run 'no-such-run' on this server" });
    const route = await call("GET", "/nowhere");
    expect(route.status).toBe(404);
    expect(route.body.error.code).toBe("NOT_FOUND");
  });
});

describe("bad requests", () => {
  it("refuses an oversized body with 413 BODY_TOO_LARGE", async () => {
    const r = await call("POST", "/execute", { source: HELLO, inputs: { name: "x".repeat(70 * 1024) } });
    expect(r.status).toBe(413);
    expect(r.body.error).toEqual({ code: "BODY_TOO_LARGE", message: "the body is larger than this server's limit of 65536 bytes" });
  });

  it("refuses malformed JSON, an empty body, a body that is not JSON, and unknown fields", async () => {
    const malformed = await call("POST", "/execute", '{"source": "flow', { ...auth, ...json });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe("MALFORMED_JSON");
    const empty = await call("POST", "/execute", "", { ...auth, ...json });
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe("EMPTY_BODY");
    const text = await call("POST", "/execute", "flow x() {}", { ...auth, "content-type": "text/plain" });
    expect(text.status).toBe(415);
    expect(text.body.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    const unknown = await call("POST", "/execute", { source: HELLO, extra: 1 });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe("INVALID_REQUEST");
    expect(unknown.body.error.message).toMatch(/additional properties \('extra'\)/);
    const wrongType = await call("POST", "/execute", { source: 42 });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error).toMatchObject({ code: "INVALID_REQUEST", message: "body.source must be string" });
    const arrayBody = await call("POST", "/execute", [1, 2]);
    expect(arrayBody.status).toBe(400);
    expect(arrayBody.body.error.code).toBe("INVALID_REQUEST");
  });

  it("refuses a request with both source and IR, or neither", async () => {
    for (const body of [{ source: HELLO, ir: irOf(HELLO) }, { inputs: {} }]) {
      const r = await call("POST", "/execute", body);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("INVALID_REQUEST");
      expect(r.body.error.message).toMatch(/either as `source`.*or as `ir`/);
    }
  });

  it("reports compile errors with the compiler's diagnostics", async () => {
    const r = await call("POST", "/execute", { source: `flow f() {\n  task t { run: nope }\n}\n` });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("COMPILE_ERROR");
    expect(r.body.error.message).toMatch(/unknown name 'nope'/);
    expect(r.body.error.details[0]).toMatchObject({ severity: "error", location: { file: "request.aiw", start: { line: 2 } } });
  });

  it("refuses IR that breaks the schema, an unknown flow, and inputs that do not fit", async () => {
    const ir = irOf(HELLO) as unknown as Record<string, unknown>;
    const broken = await call("POST", "/execute", { ir: { ...ir, flows: { hello: { tasks: "no" } } } });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe("INVALID_IR");
    const version = await call("POST", "/execute", { ir: { ...ir, irVersion: 99 } });
    expect(version.body.error).toMatchObject({ code: "INVALID_IR", message: "this server runs IR version 1; the IR has version 99" });
    const flow = await call("POST", "/execute", { source: HELLO, flow: "other" });
    expect(flow.status).toBe(400);
    expect(flow.body.error).toMatchObject({ code: "UNKNOWN_FLOW", message: 'no flow "other"; the flows are: hello' });
    const missing = await call("POST", "/execute", { source: HELLO, inputs: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe("INVALID_INPUTS");
    expect(missing.body.error.details).toEqual(["input 'name' is required (string)"]);
    const wrong = await call("POST", "/execute", { source: HELLO, inputs: { name: 3 } });
    expect(wrong.body.error.code).toBe("INVALID_INPUTS");
  });

  it("refuses TypeScript tools outside the tools folder", async () => {
    for (const module of ["/etc/hostname#x", "../outside.ts#x", "./node_modules/pino/pino.js#pino"]) {
      const r = await call("POST", "/execute", { source: `tool t() -> json { ts: "${module}" }\nflow f() {\n  task x { run: t() }\n}\n` });
      expect(r.status, module).toBe(403);
      expect(r.body.error.code).toBe("TOOL_NOT_ALLOWED");
    }
  });

  it("refuses runs beyond the limit with 503 TOO_MANY_RUNS and Retry-After", async () => {
    const started = await Promise.all([0, 1, 2].map(() => call("POST", "/execute", { source: CHAIN, inputs: { ms: 400 }, mode: "async" })));
    expect(started.map((r) => r.status)).toEqual([202, 202, 202]);
    const refused = await call("POST", "/execute", { source: HELLO, inputs: { name: "x" } });
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe("TOO_MANY_RUNS");
    expect(refused.headers.get("retry-after")).toBe("1");
    for (const r of started) await waitFor(r.body.runId, "COMPLETED");
    expect((await call("POST", "/execute", { source: HELLO, inputs: { name: "x" } })).status).toBe(200);
  });
});

describe("GET /metrics and GET /openapi.json", () => {
  it("serves Prometheus metrics of runs, tasks and HTTP requests", async () => {
    const res = await fetch(`${base}/metrics`, { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/aiwork_runs_total\{flow="hello",status="COMPLETED"\} \d+/);
    expect(text).toMatch(/aiwork_runs_total\{flow="broken",status="FAILED"\} 1/);
    expect(text).toMatch(/aiwork_http_request_duration_seconds_count\{method="POST",route="\/execute",status="200"\} \d+/);
    expect(text).toMatch(/aiwork_runs_running \d+/);
    expect(text).toMatch(/aiwork_process_resident_memory_bytes/);
  });

  it("serves a valid OpenAPI 3 document describing every route", async () => {
    const r = await call("GET", "/openapi.json");
    expect(r.status).toBe(200);
    const validator = new Validator();
    const result = await validator.validate(r.body);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(Object.keys(r.body.paths).sort()).toEqual(["/", "/execute", "/metrics", "/openapi.json", "/runs/{id}", "/runs/{id}/events"]);
    expect(Object.keys(r.body.paths["/execute"].post.responses).sort()).toEqual(["200", "202", "400", "401", "403", "413", "415", "503"]);
    expect(r.body.paths["/execute"].post.security).toEqual([{ bearer: [] }]);
    expect(r.body.paths["/"].get.security).toBeUndefined();
    expect(r.body.paths["/runs/{id}/events"].get.responses["200"].content).toHaveProperty(["text/event-stream"]);
    expect(r.body.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
  });
});

describe("GET /runs/{id}/events (server-sent events)", () => {
  it("delivers every event of a run, in order, live, and ends after run.end", async () => {
    const started = await call("POST", "/execute", { source: CHAIN, inputs: { ms: 100 }, mode: "async" });
    const runId = started.body.runId as string;
    const stream = await readEvents(runId);
    expect(stream.status).toBe(200);
    expect(stream.contentType).toMatch(/^text\/event-stream/);
    const summary = stream.events.map((e) => `${e.type}${"taskId" in e.data ? ` ${e.data.taskId}` : ""}`);
    expect(summary).toEqual([
      "run.start",
      "task.start a",
      "task.complete a",
      "task.start b",
      "task.complete b",
      "task.start c",
      "task.complete c",
      "run.end",
    ]);
    expect(stream.events.map((e) => e.id)).toEqual(["1", "2", "3", "4", "5", "6", "7", "8"]);
    expect(stream.events.every((e) => e.data.runId === runId && e.data.type === e.type)).toBe(true);
    // Exactly the events the runtime emitted for the run.
    expect(stream.events.map((e) => e.data)).toEqual(server.runs.find(runId)!.events);
    expect(stream.events.at(-1)!.data).toMatchObject({ type: "run.end", status: "COMPLETED", output: "c" });
  });

  it("replays a finished run's events to a late client, and resumes after Last-Event-ID", async () => {
    const done = await call("POST", "/execute", { source: FAILING });
    const runId = done.body.runId as string;
    const all = await readEvents(runId);
    expect(all.events.map((e) => e.type)).toEqual(["run.start", "task.start", "task.complete", "task.start", "task.fail", "task.skip", "run.end"]);
    const rest = await readEvents(runId, { ...auth, "last-event-id": "4" });
    expect(rest.events.map((e) => e.id)).toEqual(["5", "6", "7"]);
    expect(rest.events.map((e) => e.data)).toEqual(all.events.slice(4).map((e) => e.data));
  });

  it("gives several clients of one run the same complete sequence", async () => {
    const started = await call("POST", "/execute", { source: CHAIN, inputs: { ms: 80 }, mode: "async" });
    const runId = started.body.runId as string;
    const early = readEvents(runId);
    await new Promise((r) => setTimeout(r, 120));
    const late = readEvents(runId);
    const [a, b] = await Promise.all([early, late]);
    expect(a.events.length).toBe(8);
    expect(b.events.map((e) => e.data)).toEqual(a.events.map((e) => e.data));
  });

  it("answers 404 for the events of an unknown run", async () => {
    const r = await readEvents("nope");
    expect(r.status).toBe(404);
  });
});

describe("aiwc serve --http-allow", () => {
  it("lets served flows reach the allowed hosts only, and reports a refused host as the task's failure", async () => {
    // A real target: /ok answers; /away redirects to the same server by another name.
    let byOtherName = 0;
    const target = createServer((req, res) => {
      if (req.headers.host?.startsWith("localhost")) byOtherName++;
      if (req.url === "/away") {
        res.writeHead(302, { location: `http://localhost:${(target.address() as AddressInfo).port}/ok` }).end();
      } else res.end("fine");
    });
    target.listen(0, "127.0.0.1");
    await once(target, "listening");
    const port = (target.address() as AddressInfo).port;
    const limited = await buildServer({
      version: "9.9.9-test",
      workRoot: realpathSync(mkdtempSync(path.join(tmpdir(), "aiw-serve-http-"))),
      maxBodyBytes: 64 * 1024,
      maxRunning: 3,
      syncTimeoutMs: 10_000,
      httpAllow: ["127.0.0.1"],
    });
    const limitedBase = await limited.listen(0, "127.0.0.1");
    const source = `flow fetch(url: string) {\n  task get { run: http_request(url: url) }\n  return get.body\n}\n`;
    const post = async (url: string) => (await (await fetch(`${limitedBase}/execute`, { method: "POST", headers: json, body: JSON.stringify({ source, inputs: { url } }) })).json()) as Record<string, any>;
    try {
      expect(await post(`http://127.0.0.1:${port}/ok`)).toMatchObject({ status: "COMPLETED", output: "fine" });
      const other = await post(`http://localhost:${port}/ok`);
      expect(other.status).toBe("FAILED");
      expect(other.tasks.get.error).toBe("http_request: 'localhost' is not among the hosts flows may reach here; they are set with --http-allow");
      const redirected = await post(`http://127.0.0.1:${port}/away`);
      expect(redirected.status).toBe("FAILED");
      expect(redirected.tasks.get.error).toMatch(/'localhost' is not among the hosts flows may reach here \(a redirect from http:\/\/127\.0\.0\.1:\d+\/away\)/);
      expect(byOtherName).toBe(0);
    } finally {
      await limited.shutdown(1000);
      target.close();
    }
  });
});
