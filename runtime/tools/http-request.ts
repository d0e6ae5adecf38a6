// Built-in `http_request(...)`: one HTTP(S) request with a time limit and a
// cap on the response size. Non-2xx statuses are results, not failures: the
// flow's guards decide what a 404 means. A server that runs flows sent over
// the network can limit the hosts it reaches (`--http-allow`), redirects
// included.

import { TextDecoder } from "node:util";
import { setField, type Record_, type Value } from "../values.ts";
import { ToolError, type ToolFunction } from "./tool.ts";

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** At most this many redirects are followed when the hosts are limited (fetch's own limit is 20). */
const MAX_REDIRECTS = 10;

/** Which hosts http_request may reach: `example.com` exactly, or `*.example.com` for its subdomains. */
export function hostAllowlist(patterns: readonly string[]): (host: string) => boolean {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  for (const p of patterns) {
    const h = p.trim().toLowerCase();
    if (h === "") continue;
    if (h.startsWith("*.")) suffixes.push(h.slice(1));
    else exact.add(h);
  }
  return (host) => {
    const h = host.toLowerCase();
    return exact.has(h) || suffixes.some((s) => h.endsWith(s) && h.length > s.length);
  };
}

/** http_request limited to the hosts `allowed` accepts (also for every redirect). */
export function httpRequestWithin(allowed: (host: string) => boolean): ToolFunction {
  return (args, ctx) => request(args, ctx, allowed);
}

export const httpRequest: ToolFunction = (args, ctx) => request(args, ctx, undefined);

async function request(args: Parameters<ToolFunction>[0], ctx: Parameters<ToolFunction>[1], allowed: ((host: string) => boolean) | undefined): Promise<Value> {
  ctx.signal.throwIfAborted();
  const rawUrl = args["url"];
  const method = args["method"] ?? "GET";
  const body = args["body"] ?? null;
  const headers = args["headers"] ?? {};
  const timeoutMs = args["timeout_ms"] ?? 10000;
  const maxBytes = args["max_bytes"] ?? 1048576;

  if (typeof rawUrl !== "string") throw new ToolError("http_request: 'url' must be a string");
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new ToolError(`http_request: '${rawUrl}' is not a valid URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new ToolError(`http_request: only http: and https: URLs are allowed, not '${url.protocol}'`);
  const refuseHost = (u: URL): ToolError =>
    new ToolError(`http_request: '${u.hostname}' is not among the hosts flows may reach here${u === url ? "" : ` (a redirect from ${redact(url)})`}; they are set with --http-allow`);
  if (allowed !== undefined && !allowed(url.hostname)) throw refuseHost(url);
  const shown = redact(url);
  if (typeof method !== "string" || !TOKEN.test(method)) throw new ToolError(`http_request: 'method' must be an HTTP method such as "GET" or "POST"`);
  if (body !== null && typeof body !== "string") throw new ToolError("http_request: 'body' must be a string or null");
  const upper = method.toUpperCase();
  if (body !== null && (upper === "GET" || upper === "HEAD")) throw new ToolError(`http_request: a ${upper} request cannot have a body`);
  if (typeof timeoutMs !== "number" || !(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw new ToolError("http_request: 'timeout_ms' must be a positive number");
  if (typeof maxBytes !== "number" || !(maxBytes >= 0) || !Number.isFinite(maxBytes)) throw new ToolError("http_request: 'max_bytes' must be a number of at least 0");
  const requestHeaders = toHeaders(headers);

  const timeout = AbortSignal.timeout(Math.ceil(timeoutMs));
  const signal = AbortSignal.any([ctx.signal, timeout]);
  // Both phases (waiting for headers, reading the body) fail the same way on abort.
  const failed = (e: unknown): unknown => {
    if (ctx.signal.aborted) return ctx.signal.reason;
    if (timeout.aborted) return new ToolError(`http_request: no response from ${shown} within ${timeoutMs} ms`);
    if (e instanceof ToolError) return e;
    return new ToolError(`http_request: ${upper} ${shown} failed: ${reason(e)}`);
  };

  let res: Response;
  try {
    if (allowed === undefined) res = await fetch(url, { method: upper, headers: requestHeaders, body, signal, redirect: "follow" });
    else {
      // Redirects followed here, each target checked before it is requested.
      let at = url;
      let m = upper;
      let b: string | null = body;
      for (let hop = 0; ; hop++) {
        res = await fetch(at, { method: m, headers: requestHeaders, body: b, signal, redirect: "manual" });
        const location = res.headers.get("location");
        if (![301, 302, 303, 307, 308].includes(res.status) || location === null) break;
        await res.body?.cancel();
        if (hop === MAX_REDIRECTS) throw new ToolError(`http_request: ${upper} ${shown} failed: more than ${MAX_REDIRECTS} redirects`);
        const next = new URL(location, at);
        if (next.protocol !== "http:" && next.protocol !== "https:") throw new ToolError(`http_request: ${shown} redirects to a '${next.protocol}' URL`);
        if (!allowed(next.hostname)) throw refuseHost(next);
        // As fetch does: 303, and 301/302 after a POST, continue as a GET without a body.
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && m === "POST")) {
          if (m !== "HEAD") m = "GET";
          b = null;
        }
        at = next;
      }
    }
  } catch (e) {
    throw failed(e);
  }
  let bytes: Uint8Array;
  try {
    bytes = await readLimited(res, maxBytes, shown);
  } catch (e) {
    throw failed(e);
  }
  const out: Record_ = {};
  for (const name of [...new Set(res.headers.keys())].sort()) setField(out, name, res.headers.get(name) ?? "");
  return { status: res.status, body: decoder(res.headers.get("content-type")).decode(bytes), headers: out };
}

/** The body, read chunk by chunk so an oversized (or endless) response is cut off early. */
async function readLimited(res: Response, maxBytes: number, shown: string): Promise<Uint8Array> {
  const tooLarge = () => new ToolError(`http_request: the response from ${shown} is larger than max_bytes (${maxBytes} bytes)`);
  if (res.body === null) return new Uint8Array(0);
  // Content-Length counts compressed bytes; only trust it for an uncompressed body.
  const declared = Number(res.headers.get("content-length") ?? NaN);
  if (!res.headers.has("content-encoding") && declared > maxBytes) {
    await res.body.cancel().catch(() => {});
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

function toHeaders(h: unknown): Headers {
  if (typeof h !== "object" || h === null || Array.isArray(h)) throw new ToolError("http_request: 'headers' must be a record of header names to text");
  const out = new Headers();
  for (const [name, v] of Object.entries(h)) {
    if (!TOKEN.test(name)) throw new ToolError(`http_request: '${name}' is not a valid header name`);
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") throw new ToolError(`http_request: header '${name}' must be text, not ${v === null ? "null" : typeof v}`);
    try {
      out.append(name, String(v));
    } catch {
      throw new ToolError(`http_request: header '${name}' has an invalid value (line breaks are not allowed)`);
    }
  }
  return out;
}

/** Honours the charset the server declares; UTF-8 otherwise (and for labels TextDecoder does not know). */
function decoder(contentType: string | null): TextDecoder {
  const label = /charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? "")?.[1];
  try {
    return new TextDecoder(label ?? "utf-8");
  } catch {
    return new TextDecoder("utf-8");
  }
}

/** The URL for messages, without a password that may be in it. */
function redact(url: URL): string {
  if (url.username === "" && url.password === "") return url.href;
  const copy = new URL(url.href);
  copy.username = "";
  copy.password = "";
  return copy.href;
}

function reason(e: unknown): string {
  // undici reports "fetch failed" with the useful part (ECONNREFUSED, certificate errors...) in `cause`.
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code !== undefined) return `${cause.code}${cause.message !== undefined ? ` (${cause.message})` : ""}`;
  if (cause?.message !== undefined) return cause.message;
  return e instanceof Error ? e.message : String(e);
}
