// The REST API (`aiwc serve`): a Fastify app over the runtime. Routes:
//   GET  /                   health (version, uptime); no token needed
//   POST /execute            run a flow (source or IR + inputs), sync with a time limit or async
//   GET  /runs/{id}          status, per-task states and outputs
//   GET  /runs/{id}/events   the run's events as server-sent events
//   GET  /metrics            Prometheus text format
//   GET  /openapi.json       the OpenAPI document, generated from the route schemas
// Every error is a JSON body with a code (server/errors.ts). The server knows
// nothing of how runs execute beyond runFlow and the event stream.

import { createHash, timingSafeEqual } from "node:crypto";
import swagger from "@fastify/swagger";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from "fastify";
import pino, { type Logger } from "pino";
import { collectDefaultMetrics, Gauge, Histogram } from "prom-client";
import type { ResultCache } from "../runtime/cache.ts";
import { EventBus } from "../runtime/events.ts";
import { RunMetrics } from "../runtime/metrics.ts";
import type { StateStore } from "../runtime/state/store.ts";
import { ApiError } from "./errors.ts";
import { FlowPreparer } from "./flow-request.ts";
import { RunManager, type RunView } from "./runs.ts";
import { executeRoute, healthRoute, metricsRoute, openapiRoute, runEventsRoute, runRoute } from "./schemas.ts";
import { listSource, streamEvents } from "./sse.ts";

export interface ServerOptions {
  readonly version: string;
  /** Bearer token every route but health requires; none: no authentication. */
  readonly token?: string;
  readonly store?: StateStore;
  readonly cache?: ResultCache;
  /** The folder TypeScript tools may come from; none: built-in tools only. */
  readonly toolsDir?: string;
  /** Runs that use files get a folder of their own under this one. */
  readonly workRoot: string;
  /** Largest request body (bytes). Default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** Runs at once. Default 64. */
  readonly maxRunning?: number;
  /** Longest a synchronous request waits for its run (ms). Default 30 s. */
  readonly syncTimeoutMs?: number;
  readonly taskConcurrency?: number;
  /** Hosts http_request may reach in served flows; undefined: any. */
  readonly httpAllow?: readonly string[];
  readonly keepFinished?: number;
  readonly logger?: Logger;
  /** Run metrics; the server adds its own to the same registry. */
  readonly metrics?: RunMetrics;
}

export interface AiwServer {
  readonly app: FastifyInstance;
  readonly runs: RunManager;
  readonly metrics: RunMetrics;
  /** Listens; resolves with the base URL (e.g. http://127.0.0.1:8080). */
  listen(port: number, host: string): Promise<string>;
  /**
   * Graceful shutdown: stops listening and taking runs, lets running flows
   * finish within `graceMs`, stops the rest (checkpointed in the state store,
   * resumable), then waits for open requests and closes.
   */
  shutdown(graceMs: number): Promise<{ readonly finished: number; readonly interrupted: readonly string[] }>;
}

interface ExecuteBody {
  source?: string;
  ir?: object;
  flow?: string;
  inputs?: Record<string, unknown>;
  mode?: "sync" | "async";
  timeoutMs?: number;
}

export async function buildServer(options: ServerOptions): Promise<AiwServer> {
  const started = Date.now();
  const log = options.logger ?? pino({ level: "silent" });
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  const maxRunning = options.maxRunning ?? 64;
  const syncLimit = options.syncTimeoutMs ?? 30_000;
  const bus = new EventBus();
  const metrics = options.metrics ?? new RunMetrics();
  metrics.attach(bus);
  const runs = new RunManager({
    bus,
    workRoot: options.workRoot,
    maxRunning,
    ...(options.store !== undefined ? { store: options.store } : {}),
    ...(options.cache !== undefined ? { cache: options.cache } : {}),
    ...(options.taskConcurrency !== undefined ? { taskConcurrency: options.taskConcurrency } : {}),
    ...(options.httpAllow !== undefined ? { httpAllow: options.httpAllow } : {}),
    ...(options.keepFinished !== undefined ? { keepFinished: options.keepFinished } : {}),
  });
  const preparer = new FlowPreparer(options.toolsDir !== undefined ? { toolsDir: options.toolsDir } : {});
  const streamsStop = new AbortController();

  const registry = metrics.registry;
  collectDefaultMetrics({ register: registry, prefix: "aiwork_" });
  const httpDuration = new Histogram({
    name: "aiwork_http_request_duration_seconds",
    help: "HTTP requests of the REST API, by method, route and status.",
    labelNames: ["method", "route", "status"],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [registry],
  });
  new Gauge({
    name: "aiwork_runs_running",
    help: "Runs running in this server now.",
    registers: [registry],
    collect() {
      this.set(runs.running);
    },
  });

  const app = Fastify({
    logger: false,
    bodyLimit: maxBody,
    // During a shutdown, requests on open connections still get answers
    // (GET /runs of a finishing run); POST /execute is refused with our own code.
    return503OnClosing: false,
    forceCloseConnections: "idle",
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
  });

  // JSON only: a text/plain body is refused (415) rather than parsed as a string.
  app.removeContentTypeParser("text/plain");

  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "AIWork REST API",
        version: options.version,
        description: "Run AIWork flows (.aiw source or IR) over HTTP and follow their runs. Generated from the route schemas of `aiwc serve`.",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "The token given to `aiwc serve --token` (or AIWORK_TOKEN)." } } },
    },
  });

  // ------------------------------------------------------------ auth
  const wanted = options.token !== undefined ? digest(options.token) : undefined;
  app.addHook("onRequest", async (request) => {
    if (wanted === undefined || request.routeOptions.config.public === true) return;
    const header = request.headers.authorization;
    if (header === undefined) throw new ApiError("UNAUTHORIZED", "this server needs a bearer token: send 'Authorization: Bearer TOKEN'");
    const m = /^Bearer[ ]+(\S+)[ ]*$/i.exec(header);
    // Compared as SHA-256 digests: equal lengths, and the time taken says nothing about the token.
    if (m === null || !timingSafeEqual(digest(m[1]!), wanted)) throw new ApiError("UNAUTHORIZED", "the bearer token is not the one this server was given");
  });

  // While shutting down, every answer closes its connection, so the server can close.
  app.addHook("onSend", async (_request, reply, payload) => {
    if (runs.closing) void reply.header("connection", "close");
    return payload;
  });

  app.addHook("onResponse", async (request, reply) => {
    httpDuration.observe({ method: request.method, route: request.routeOptions.url ?? "unknown", status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  // ------------------------------------------------------------ errors
  app.setErrorHandler((err: FastifyError | ApiError, request, reply) => {
    const api = toApiError(err, maxBody);
    if (api.code === "INTERNAL") log.error({ err, method: request.method, url: request.url }, "internal error");
    if (api.code === "UNAUTHORIZED") void reply.header("www-authenticate", 'Bearer realm="aiwork"');
    if (api.code === "TOO_MANY_RUNS" || api.code === "SHUTTING_DOWN") void reply.header("retry-after", "1");
    return reply.code(api.statusCode).type("application/json; charset=utf-8").send(api.body());
  });
  app.setNotFoundHandler((request, reply) => {
    const api = new ApiError("NOT_FOUND", `no route ${request.method} ${request.url.split("?")[0] ?? ""}; the routes are GET /, POST /execute, GET /runs/{id}, GET /runs/{id}/events, GET /metrics, GET /openapi.json`);
    return reply.code(404).send(api.body());
  });

  // ------------------------------------------------------------ routes
  app.get("/", { schema: healthRoute, config: { public: true } }, async () => ({
    status: runs.closing ? "shutting-down" : "ok",
    name: "aiwork",
    version: options.version,
    uptimeSeconds: Math.round((Date.now() - started) / 100) / 10,
    runs: { running: runs.running, maxRunning },
  }));

  app.post("/execute", { schema: executeRoute }, async (request, reply) => {
    const body = request.body as ExecuteBody;
    const prepared = preparer.prepare(body);
    if (!prepared.ok) throw new ApiError(prepared.code, prepared.message, prepared.details);
    const run = runs.start(prepared);
    if (body.mode !== "async") {
      const limit = Math.min(body.timeoutMs ?? syncLimit, syncLimit);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([run.done, new Promise<void>((resolve) => (timer = setTimeout(resolve, limit)))]);
      clearTimeout(timer);
    }
    if (run.finished) return reply.code(200).send(withLinks(run.view()));
    return reply.code(202).header("location", `/runs/${run.runId}`).send(withLinks(run.view()));
  });

  app.get("/runs/:id", { schema: runRoute }, async (request) => {
    const { id } = request.params as { id: string };
    const view = await runs.view(id);
    if (view === undefined) throw new ApiError("NOT_FOUND", `no run '${id}' on this server`);
    return withLinks(view);
  });

  app.get("/runs/:id/events", { schema: runEventsRoute }, async (request, reply: FastifyReply) => {
    const { id } = request.params as { id: string };
    const lastHeader = request.headers["last-event-id"];
    const after = typeof lastHeader === "string" && /^\d+$/.test(lastHeader) ? Number(lastHeader) : 0;
    const live = runs.find(id);
    const source = live ?? (await runs.storedEvents(id).then((events) => (events !== undefined ? listSource(events) : undefined)));
    if (source === undefined) throw new ApiError("NOT_FOUND", `no run '${id}' on this server`);
    reply.hijack();
    await streamEvents(reply.raw, source, after, { stop: streamsStop.signal });
  });

  app.get("/metrics", { schema: metricsRoute }, async (_request, reply) => {
    return reply.type(registry.contentType).send(await registry.metrics());
  });

  app.get("/openapi.json", { schema: openapiRoute }, async () => app.swagger());

  await app.ready();

  return {
    app,
    runs,
    metrics,
    async listen(port: number, host: string): Promise<string> {
      await app.listen({ port, host });
      const address = app.server.address();
      const actual = typeof address === "object" && address !== null ? address.port : port;
      return `http://${host.includes(":") ? `[${host}]` : host}:${actual}`;
    },
    async shutdown(graceMs: number) {
      // Stop listening first; requests already in (a sync POST waiting for its
      // run, a stream) are answered before close() resolves.
      const closing = app.close();
      const outcome = await runs.shutdown(graceMs);
      streamsStop.abort();
      // Connections kept alive by clients would hold close() open: drop the idle
      // ones now, and any still open a few seconds later.
      app.server.closeIdleConnections();
      const force = setTimeout(() => app.server.closeAllConnections(), 5000);
      await closing;
      clearTimeout(force);
      log.info({ finished: outcome.finished, interrupted: outcome.interrupted }, "aiwc serve: stopped");
      return outcome;
    },
  };
}

function withLinks(view: RunView): RunView & { links: { self: string; events: string } } {
  return { ...view, links: { self: `/runs/${view.runId}`, events: `/runs/${view.runId}/events` } };
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

function toApiError(err: FastifyError | ApiError, maxBody: number): ApiError {
  if (err instanceof ApiError) return err;
  const validation = (err as FastifyError).validation;
  if (validation !== undefined && validation.length > 0) {
    const first = validation[0]!;
    const where = first.instancePath === "" ? "the body" : `body${first.instancePath.replace(/\//g, ".")}`;
    return new ApiError(
      "INVALID_REQUEST",
      `${where} ${first.message ?? "is not valid"}${first.keyword === "additionalProperties" ? ` ('${String((first.params as { additionalProperty?: unknown }).additionalProperty)}')` : ""}`,
      validation.map((v) => ({ path: v.instancePath || "/", message: v.message ?? "", params: v.params })),
    );
  }
  switch (err.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new ApiError("BODY_TOO_LARGE", `the body is larger than this server's limit of ${maxBody} bytes`);
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new ApiError("UNSUPPORTED_MEDIA_TYPE", "send the body as JSON, with 'Content-Type: application/json'");
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new ApiError("EMPTY_BODY", "the body is empty; send a JSON object");
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new ApiError("MALFORMED_JSON", `the body is not valid JSON: ${err.message}`);
    default:
      break;
  }
  if (err instanceof SyntaxError || (err as { statusCode?: number }).statusCode === 400) {
    return new ApiError(err instanceof SyntaxError ? "MALFORMED_JSON" : "INVALID_REQUEST", err instanceof SyntaxError ? `the body is not valid JSON: ${err.message}` : err.message);
  }
  const status = (err as { statusCode?: number }).statusCode;
  if (status === 413) return new ApiError("BODY_TOO_LARGE", `the body is larger than this server's limit of ${maxBody} bytes`);
  if (status === 415) return new ApiError("UNSUPPORTED_MEDIA_TYPE", "send the body as JSON, with 'Content-Type: application/json'");
  return new ApiError("INTERNAL", "the server failed to answer this request; see its log");
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** Served without the bearer token (health only). */
    public?: boolean;
  }
}
