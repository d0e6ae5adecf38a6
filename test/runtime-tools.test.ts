// The runtime's built-in tools, extern tool loading and the tool registry,
// with real files in temp folders and a real local HTTP server (no mocks).

import { once } from "node:events";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync, existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILTIN_TOOLS } from "../compiler/builtins.ts";
import type { IrAgent, IrTool } from "../compiler/ir.ts";
import { loadExternTool } from "../runtime/tools/extern.ts";
import { hostAllowlist, httpRequest, httpRequestWithin } from "../runtime/tools/http-request.ts";
import { jsonExtract } from "../runtime/tools/json-extract.ts";
import { recall, remember } from "../runtime/tools/memory-tools.ts";
import { readText } from "../runtime/tools/read-text.ts";
import { closeRegexWorker, regexExtract } from "../runtime/tools/regex-extract.ts";
import { BUILTIN_TOOL_FUNCTIONS, createToolRegistry } from "../runtime/tools/registry.ts";
import { renderTemplate } from "../runtime/tools/render-template.ts";
import type { AgentMemory, ToolContext } from "../runtime/tools/tool.ts";
import { writeText } from "../runtime/tools/write-text.ts";
import type { Value } from "../runtime/values.ts";

const temps: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), "aiw-tools-"));
  temps.push(d);
  return d;
}

function ctx(over: Partial<ToolContext> = {}): ToolContext {
  return {
    signal: new AbortController().signal,
    workDir: over.workDir ?? tempDir(),
    sourceDir: tmpdir(),
    runId: "run-1",
    taskId: "task-1",
    attempt: 1,
    idempotencyKey: "run-1/task-1",
    ...over,
  };
}

async function call(fn: (a: Readonly<Record<string, Value>>, c: ToolContext) => Promise<Value> | Value, args: Record<string, Value>, c: ToolContext = ctx()): Promise<Value> {
  return await fn(args, c);
}

afterAll(async () => {
  await closeRegexWorker();
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

describe("work folder confinement", () => {
  it("refuses a path that climbs out with ..", async () => {
    await expect(call(readText, { path: "secrets/../../etc/passwd" })).rejects.toThrow("read_text: 'secrets/../../etc/passwd' is outside the work folder");
  });

  it("refuses an absolute path", async () => {
    await expect(call(readText, { path: "/etc/passwd" })).rejects.toThrow(/read_text: '\/etc\/passwd' is an absolute path/);
    await expect(call(writeText, { path: "/tmp/x.txt", text: "x" })).rejects.toThrow(/write_text: '\/tmp\/x.txt' is an absolute path/);
  });

  it("refuses a path through a symbolic link that points outside, for reading and writing", async () => {
    const work = tempDir();
    const outside = tempDir();
    writeFileSync(path.join(outside, "secret.txt"), "top secret");
    symlinkSync(outside, path.join(work, "link"));
    const c = ctx({ workDir: work });
    await expect(call(readText, { path: "link/secret.txt" }, c)).rejects.toThrow(/outside the work folder \(through a symbolic link\)/);
    await expect(call(writeText, { path: "link/new/file.txt", text: "x" }, c)).rejects.toThrow(/outside the work folder/);
    expect(existsSync(path.join(outside, "new"))).toBe(false);
  });

  it("refuses a file symlink to a file outside", async () => {
    const work = tempDir();
    const outside = tempDir();
    writeFileSync(path.join(outside, "secret.txt"), "top secret");
    symlinkSync(path.join(outside, "secret.txt"), path.join(work, "innocent.txt"));
    await expect(call(readText, { path: "innocent.txt" }, ctx({ workDir: work }))).rejects.toThrow(/outside the work folder/);
  });

  it("refuses a NUL byte", async () => {
    await expect(call(readText, { path: "a\0b" })).rejects.toThrow(/NUL/);
  });

  it("allows .. and symbolic links that stay inside", async () => {
    const work = tempDir();
    mkdirSync(path.join(work, "real"));
    writeFileSync(path.join(work, "real", "a.txt"), "inside");
    symlinkSync(path.join(work, "real"), path.join(work, "alias"));
    const c = ctx({ workDir: work });
    expect(await call(readText, { path: "other/../real/a.txt" }, c)).toEqual({ text: "inside" });
    expect(await call(readText, { path: "alias/a.txt" }, c)).toEqual({ text: "inside" });
  });
});

describe("read_text and write_text", () => {
  it("round-trips non-ASCII text and reports the UTF-8 byte count", async () => {
    const c = ctx();
    const text = "héllo wörld ✓ 日本語 🎉\n";
    const w = await call(writeText, { path: "./notes//day 1.txt", text }, c);
    expect(w).toEqual({ path: "notes/day 1.txt", bytes: Buffer.byteLength(text, "utf8") });
    expect(await call(readText, { path: "notes/day 1.txt" }, c)).toEqual({ text });
  });

  it("creates parent folders", async () => {
    const c = ctx();
    await call(writeText, { path: "a/b/c/d.txt", text: "deep" }, c);
    expect(readFileSync(path.join(c.workDir, "a/b/c/d.txt"), "utf8")).toBe("deep");
  });

  it("replaces a file atomically, leaving no temporary files", async () => {
    const c = ctx();
    await call(writeText, { path: "out/report.md", text: "first" }, c);
    await Promise.all([1, 2, 3, 4, 5].map((i) => call(writeText, { path: "out/report.md", text: `version ${i}` }, c)));
    expect(readdirSync(path.join(c.workDir, "out"))).toEqual(["report.md"]);
    expect(readFileSync(path.join(c.workDir, "out/report.md"), "utf8")).toMatch(/^version [1-5]$/);
  });

  it("says which file is missing", async () => {
    await expect(call(readText, { path: "nope.txt" })).rejects.toThrow("read_text: no file 'nope.txt' in the work folder");
  });

  it("refuses a file over the size limit", async () => {
    const c = ctx();
    const big = path.join(c.workDir, "big.txt");
    writeFileSync(big, "");
    truncateSync(big, 10 * 1024 * 1024 + 1);
    await expect(call(readText, { path: "big.txt" }, c)).rejects.toThrow(/read_text: 'big.txt' is 10485761 bytes, more than the limit/);
  });

  it("refuses a file that is not UTF-8", async () => {
    const c = ctx();
    writeFileSync(path.join(c.workDir, "bin.dat"), Buffer.from([0xff, 0xfe, 0x00, 0xc3]));
    await expect(call(readText, { path: "bin.dat" }, c)).rejects.toThrow("read_text: 'bin.dat' is not UTF-8 text");
  });

  it("refuses to write over a folder", async () => {
    const c = ctx();
    mkdirSync(path.join(c.workDir, "dir"));
    await expect(call(writeText, { path: "dir", text: "x" }, c)).rejects.toThrow(/'dir' is a folder/);
    await expect(call(writeText, { path: "x/", text: "x" }, c)).rejects.toThrow(/names a folder/);
  });

  it("stops before starting when the signal has fired", async () => {
    const ac = new AbortController();
    ac.abort(new Error("cancelled"));
    const c = ctx({ signal: ac.signal });
    await expect(call(writeText, { path: "a.txt", text: "x" }, c)).rejects.toThrow("cancelled");
    expect(existsSync(path.join(c.workDir, "a.txt"))).toBe(false);
  });
});

describe("http_request", () => {
  let server: Server;
  let base: string;
  /** Requests that reached the server by the name localhost. */
  let localhostHits = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = req.url ?? "/";
      if (req.headers.host?.startsWith("localhost")) localhostHits++;
      if (url === "/ok") {
        res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "X-Zeta": "z", "X-Alpha": "a" });
        res.end("hello ✓");
      } else if (url === "/missing") {
        res.writeHead(404, { "Content-Type": "text/plain" });
        res.end("not here");
      } else if (url === "/echo") {
        let body = "";
        req.setEncoding("utf8");
        req.on("data", (d: string) => (body += d));
        req.on("end", () => res.end(JSON.stringify({ method: req.method, body, token: req.headers["x-token"] ?? null })));
      } else if (url === "/big-chunked") {
        res.writeHead(200);
        for (let i = 0; i < 20; i++) res.write("x".repeat(100));
        res.end();
      } else if (url === "/big-declared") {
        res.writeHead(200, { "Content-Length": "2000" });
        res.end("y".repeat(2000));
      } else if (url === "/to-localhost") {
        res.writeHead(302, { Location: `http://localhost:${(server.address() as AddressInfo).port}/ok` });
        res.end();
      } else if (url === "/see-echo") {
        res.writeHead(303, { Location: "/echo" });
        res.end();
      } else if (url === "/loop") {
        res.writeHead(307, { Location: "/loop" });
        res.end();
      } else if (url === "/endless") {
        res.writeHead(200);
        const t = setInterval(() => res.write("z".repeat(1000)), 1);
        res.on("close", () => clearInterval(t));
      }
      // "/hang": never answers.
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, "close");
  });

  it("returns status, body and lower-case sorted headers", async () => {
    const r = (await call(httpRequest, { url: `${base}/ok` })) as { status: number; body: string; headers: Record<string, string> };
    expect(r.status).toBe(200);
    expect(r.body).toBe("hello ✓");
    expect(r.headers["x-alpha"]).toBe("a");
    expect(r.headers["content-type"]).toBe("text/plain; charset=utf-8");
    const names = Object.keys(r.headers);
    expect(names).toEqual([...names].sort());
    expect(names.every((n) => n === n.toLowerCase())).toBe(true);
  });

  it("returns a 404 instead of throwing", async () => {
    expect(await call(httpRequest, { url: `${base}/missing` })).toMatchObject({ status: 404, body: "not here" });
  });

  it("sends the method, body and headers", async () => {
    const r = (await call(httpRequest, { url: `${base}/echo`, method: "post", body: "payload ü", headers: { "X-Token": "t1" } })) as { body: string };
    expect(JSON.parse(r.body)).toEqual({ method: "POST", body: "payload ü", token: "t1" });
  });

  it("gives up after timeout_ms when the server never answers", async () => {
    const start = performance.now();
    await expect(call(httpRequest, { url: `${base}/hang`, timeout_ms: 200 })).rejects.toThrow(`http_request: no response from ${base}/hang within 200 ms`);
    expect(performance.now() - start).toBeLessThan(2000);
  });

  it("refuses a body over max_bytes, streamed or declared", async () => {
    await expect(call(httpRequest, { url: `${base}/big-chunked`, max_bytes: 500 })).rejects.toThrow(/larger than max_bytes \(500 bytes\)/);
    await expect(call(httpRequest, { url: `${base}/big-declared`, max_bytes: 500 })).rejects.toThrow(/larger than max_bytes \(500 bytes\)/);
    await expect(call(httpRequest, { url: `${base}/endless`, max_bytes: 50_000 })).rejects.toThrow(/larger than max_bytes/);
  });

  it("stops when the context's signal fires", async () => {
    const ac = new AbortController();
    const reason = new Error("run cancelled");
    setTimeout(() => ac.abort(reason), 50);
    const start = performance.now();
    await expect(call(httpRequest, { url: `${base}/hang` }, ctx({ signal: ac.signal }))).rejects.toBe(reason);
    expect(performance.now() - start).toBeLessThan(2000);
  });

  it("only allows http and https URLs", async () => {
    await expect(call(httpRequest, { url: "file:///etc/passwd" })).rejects.toThrow(/only http: and https: URLs/);
    await expect(call(httpRequest, { url: "not a url" })).rejects.toThrow(/'not a url' is not a valid URL/);
  });

  it("reaches only the allowed hosts when they are limited, redirects included", async () => {
    const port = (server.address() as AddressInfo).port;
    const only127 = httpRequestWithin(hostAllowlist(["127.0.0.1"]));
    expect(await call(only127, { url: `${base}/ok` })).toMatchObject({ status: 200, body: "hello ✓" });
    await expect(call(only127, { url: `http://localhost:${port}/ok` })).rejects.toThrow("http_request: 'localhost' is not among the hosts flows may reach here; they are set with --http-allow");
    // A redirect to a host that is not allowed is refused before it is requested.
    await expect(call(only127, { url: `${base}/to-localhost` })).rejects.toThrow(`http_request: 'localhost' is not among the hosts flows may reach here (a redirect from ${base}/to-localhost)`);
    expect(localhostHits).toBe(0);
    // Allowed redirects are followed as fetch follows them: a 303 after a POST continues as a GET.
    const r = (await call(only127, { url: `${base}/see-echo`, method: "POST", body: "x" })) as { status: number; body: string };
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ method: "GET", body: "" });
    await expect(call(only127, { url: `${base}/loop` })).rejects.toThrow(/more than 10 redirects/);
  });

  it("matches allowed hosts exactly, or as subdomains of a *. pattern, ignoring case", () => {
    const allowed = hostAllowlist(["API.example.com", "*.internal.test", " 10.0.0.5 ", ""]);
    expect(["api.example.com", "API.EXAMPLE.COM", "a.internal.test", "b.c.internal.test", "10.0.0.5"].map(allowed)).toEqual([true, true, true, true, true]);
    expect(["example.com", "xapi.example.com", "internal.test", "evilinternal.test", "10.0.0.50", "localhost"].map(allowed)).toEqual([false, false, false, false, false, false]);
  });

  it("reports a refused connection clearly", async () => {
    const s = createServer();
    s.listen(0, "127.0.0.1");
    await once(s, "listening");
    const port = (s.address() as AddressInfo).port;
    s.close();
    await once(s, "close");
    await expect(call(httpRequest, { url: `http://127.0.0.1:${port}/` })).rejects.toThrow(/http_request: GET http:\/\/127.0.0.1:\d+\/ failed: ECONNREFUSED/);
  });
});

describe("regex_extract", () => {
  it("returns the first match and its groups, unmatched groups as empty strings", async () => {
    expect(await call(regexExtract, { text: "order 123-456 and 7-8", pattern: "(\\d+)-(\\d+)(x)?" })).toEqual({
      matched: true,
      match: "123-456",
      groups: ["123", "456", ""],
      all: ["123-456", "7-8"],
    });
  });

  it("lists every match", async () => {
    expect(await call(regexExtract, { text: "a1 b22 c333", pattern: "\\d+" })).toMatchObject({ all: ["1", "22", "333"] });
  });

  it("reports no match", async () => {
    expect(await call(regexExtract, { text: "abc", pattern: "\\d" })).toEqual({ matched: false, match: "", groups: [], all: [] });
  });

  it("terminates on patterns that match the empty string", async () => {
    expect(await call(regexExtract, { text: "abc", pattern: "x*" })).toMatchObject({ matched: true, match: "", all: ["", "", "", ""] });
  });

  it("matches whole characters, not UTF-16 halves", async () => {
    expect(await call(regexExtract, { text: "é🎉x", pattern: "\\p{L}|." })).toMatchObject({ all: ["é", "🎉", "x"] });
  });

  it("reports an invalid pattern with the syntax error", async () => {
    await expect(call(regexExtract, { text: "x", pattern: "(unclosed" })).rejects.toThrow(/regex_extract: invalid pattern: .*Unterminated group/);
  });

  it("stops a catastrophic pattern at the time limit, and the next call works", async () => {
    const start = performance.now();
    await expect(call(regexExtract, { text: "a".repeat(30) + "b", pattern: "(a+)+$" })).rejects.toThrow("regex_extract: the pattern took longer than 1000 ms");
    expect(performance.now() - start).toBeLessThan(3000);
    expect(await call(regexExtract, { text: "id=42", pattern: "id=(\\d+)" })).toMatchObject({ groups: ["42"] });
  });

  it("stops a running match when the signal fires", async () => {
    const ac = new AbortController();
    const reason = new Error("run cancelled");
    setTimeout(() => ac.abort(reason), 50);
    await expect(call(regexExtract, { text: "a".repeat(30) + "b", pattern: "(a+)+$" }, ctx({ signal: ac.signal }))).rejects.toBe(reason);
    expect(await call(regexExtract, { text: "ok", pattern: "o" })).toMatchObject({ matched: true });
  });

  it("runs calls made at the same time one after another, each with its own result", async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => call(regexExtract, { text: `n${i}`, pattern: "\\d+" })));
    expect(results.map((r) => (r as { match: string }).match)).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
  });
});

describe("json_extract", () => {
  const doc = JSON.stringify({ items: [{ name: "first" }, { name: "second", tags: ["x"] }], total: 2, empty: null });

  it("picks values by dotted path, including list indexes", async () => {
    expect(await call(jsonExtract, { text: doc, path: "items.1.name" })).toEqual({ found: true, value: "second" });
    expect(await call(jsonExtract, { text: doc, path: "items.1.tags.0" })).toEqual({ found: true, value: "x" });
    expect(await call(jsonExtract, { text: doc, path: "total" })).toEqual({ found: true, value: 2 });
    expect(await call(jsonExtract, { text: doc, path: "empty" })).toEqual({ found: true, value: null });
  });

  it("returns the whole document for an empty path", async () => {
    expect(await call(jsonExtract, { text: "[1,2]", path: "" })).toEqual({ found: true, value: [1, 2] });
    expect(await call(jsonExtract, { text: "[1,2]" })).toEqual({ found: true, value: [1, 2] });
  });

  it("reports a missing path as not found", async () => {
    for (const p of ["items.5.name", "items.x", "items.01", "total.more", "nothing"]) {
      expect(await call(jsonExtract, { text: doc, path: p })).toEqual({ found: false, value: null });
    }
  });

  it("never reaches into the object prototype", async () => {
    expect(await call(jsonExtract, { text: "{}", path: "constructor" })).toEqual({ found: false, value: null });
    expect(await call(jsonExtract, { text: "{}", path: "__proto__" })).toEqual({ found: false, value: null });
    expect(await call(jsonExtract, { text: '{"__proto__": {"x": 1}}', path: "__proto__.x" })).toEqual({ found: true, value: 1 });
  });

  it("reports invalid JSON with its position", async () => {
    await expect(call(jsonExtract, { text: '{"a":}' })).rejects.toThrow("json_extract: invalid JSON: line 1 column 6 (position 5): unexpected \"}\", expected a value");
    await expect(call(jsonExtract, { text: '{\n  "a": 1,\n  "b" 2\n}' })).rejects.toThrow(/line 3 column 7 .*expected ':'/);
    await expect(call(jsonExtract, { text: "[1, 2" })).rejects.toThrow(/unexpected end of the text/);
  });
});

describe("render_template", () => {
  it("fills placeholders, with spaces and dotted paths", async () => {
    const values = { name: "Ada", order: { items: [{ sku: "A-1" }], total: 12.5 }, ok: true, tags: ["x", "y"] };
    expect(await call(renderTemplate, { template: "Hi {{name}}, {{ order.items.0.sku }} costs {{order.total}} ({{ok}}) {{tags}}", values })).toEqual({
      text: 'Hi Ada, A-1 costs 12.5 (true) ["x","y"]',
    });
  });

  it("names a missing value", async () => {
    await expect(call(renderTemplate, { template: "Dear {{ customer.name }}", values: { customer: {} } })).rejects.toThrow("render_template: no value for {{customer.name}}");
  });

  it("does not treat inserted values or quadruple braces as placeholders", async () => {
    expect(await call(renderTemplate, { template: "{{a}} {{{{b}}}}", values: { a: "{{b}}", b: 1 } })).toEqual({ text: "{{b}} {{1}}" });
  });
});

describe("remember and recall", () => {
  /** Scores by the number of query words a text contains: enough to test the tools. */
  function wordMemory(): AgentMemory {
    const texts: string[] = [];
    return {
      remember(text) {
        texts.push(text);
        return texts.length;
      },
      recall(query, topK) {
        const words = query.toLowerCase().split(/\s+/);
        return texts
          .map((text) => ({ text, score: words.filter((w) => text.toLowerCase().includes(w)).length }))
          .filter((h) => h.score > 0)
          .sort((a, b) => b.score - a.score)
          .slice(0, topK);
      },
    };
  }
  const persona: IrAgent = { role: "r", goal: "g", tools: ["remember", "recall"], memory: { kind: "recall", topK: 2 }, location: { file: "a.aiw", line: 1, column: 1 } };

  it("stores texts and recalls the best matches, top_k defaulting to the agent's", async () => {
    const c = ctx({ agent: { name: "clerk", persona, memory: wordMemory() } });
    expect(await call(remember, { text: "the invoice from ACME is late" }, c)).toEqual({ stored: 1 });
    expect(await call(remember, { text: "ACME invoice paid" }, c)).toEqual({ stored: 2 });
    expect(await call(remember, { text: "invoice archive" }, c)).toEqual({ stored: 3 });
    expect(await call(remember, { text: "weather" }, c)).toEqual({ stored: 4 });
    const r = (await call(recall, { query: "ACME invoice late", top_k: null }, c)) as { hits: { text: string; score: number }[] };
    expect(r.hits).toEqual([
      { text: "the invoice from ACME is late", score: 3 },
      { text: "ACME invoice paid", score: 2 },
    ]);
    expect(((await call(recall, { query: "invoice", top_k: 1 }, c)) as { hits: unknown[] }).hits).toHaveLength(1);
  });

  it("refuses without an agent or without memory", async () => {
    await expect(call(remember, { text: "x" })).rejects.toThrow(/remember: the task has no agent/);
    await expect(call(recall, { query: "x", top_k: null }, ctx({ agent: { name: "plain", persona: { ...persona, memory: null } } }))).rejects.toThrow(
      "recall: agent 'plain' has no memory",
    );
  });
});

describe("extern tools", () => {
  function module(source: string): string {
    const dir = tempDir();
    writeFileSync(path.join(dir, "tools.ts"), source);
    return dir;
  }

  it("loads a function exported by a TypeScript file", async () => {
    const dir = module(`
      interface Args { name: string }
      export function greet(args: Args, ctx: { attempt: number }): { text: string } {
        return { text: "hello " + args.name + " #" + ctx.attempt };
      }
    `);
    const fn = await loadExternTool({ ts: "./tools.ts#greet" }, dir, "greet");
    expect(await fn({ name: "Ada" }, ctx())).toEqual({ text: "hello Ada #1" });
  });

  it("names a missing export and lists the ones there are", async () => {
    const dir = module("export const a = () => 1; export function b() { return 2; }");
    await expect(loadExternTool({ ts: "./tools.ts#missing" }, dir, "t")).rejects.toThrow("tool 't': './tools.ts' has no export 'missing' (it exports a, b)");
  });

  it("refuses an export that is not a function", async () => {
    const dir = module("export const config = { x: 1 };");
    await expect(loadExternTool({ ts: "./tools.ts#config" }, dir, "t")).rejects.toThrow("tool 't': export 'config' of './tools.ts' is an object, not a function");
  });

  it("reports a file that does not exist", async () => {
    await expect(loadExternTool({ ts: "./nowhere.ts#f" }, tempDir(), "t")).rejects.toThrow(/tool 't': cannot load '.\/nowhere.ts'/);
  });

  it("explains that a Python-only tool cannot run here", async () => {
    await expect(loadExternTool({ python: "pkg.mod:fn" }, tempDir(), "py_only")).rejects.toThrow(
      `tool 'py_only' has no TypeScript binding (ts: "./file.ts#fn"); it can only run in Airflow`,
    );
  });
});

describe("tool registry", () => {
  const location = { file: "a.aiw", line: 1, column: 1 };

  it("implements exactly the built-in tools the compiler knows", () => {
    expect([...BUILTIN_TOOL_FUNCTIONS.keys()].sort()).toEqual([...BUILTIN_TOOLS.keys()].sort());
  });

  it("returns built-in and extern tools", async () => {
    const registry = createToolRegistry();
    const builtin: IrTool = { params: [], returns: { kind: "json" }, binding: { kind: "builtin", name: "json_extract" }, location };
    expect(await registry.get("json_extract", builtin, tmpdir())).toBe(BUILTIN_TOOL_FUNCTIONS.get("json_extract"));
    const dir = tempDir();
    writeFileSync(path.join(dir, "m.ts"), "export const twice = (args: { n: number }) => ({ n: args.n * 2 });");
    const extern: IrTool = { params: [], returns: { kind: "json" }, binding: { kind: "extern", ts: "./m.ts#twice" }, location };
    const fn = await registry.get("twice", extern, dir);
    expect(await fn({ n: 21 }, ctx())).toEqual({ n: 42 });
  });

  it("refuses model tools without a model backend, and uses one when given", async () => {
    const tool: IrTool = {
      params: [],
      returns: { kind: "json" },
      binding: { kind: "model", model: "m", input: { kind: "numbers", param: "x" }, output: { kind: "argmax" } },
      location,
    };
    await expect(createToolRegistry().get("classify", tool, tmpdir())).rejects.toThrow(/model tools need the OpenVINO runtime: run scripts\/setup-openvino.sh/);
    const registry = createToolRegistry({ modelTool: (name) => () => ({ from: name }) });
    expect(await (await registry.get("classify", tool, tmpdir()))({}, ctx())).toEqual({ from: "classify" });
  });
});
