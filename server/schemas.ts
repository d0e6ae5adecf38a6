// JSON schemas of the REST API's routes: Fastify validates requests and
// serialises responses with them, and @fastify/swagger turns them into the
// OpenAPI document, so the document cannot drift from what the server does.
// (OpenAPI 3.0 schema objects: no `const`, no `$defs`.)

import { errorBodySchema } from "./errors.ts";

const anyJson = { description: "Any JSON value." };

const taskView = {
  type: "object",
  required: ["state", "attempts"],
  properties: {
    state: { type: "string", enum: ["PENDING", "RUNNING", "COMPLETED", "FAILED", "SKIPPED"] },
    attempts: { type: "integer", minimum: 0 },
    durationMs: { type: "number" },
    output: { ...anyJson, description: "The task's output (once it completed)." },
    error: { type: "string" },
    reason: { type: "string", description: "Why it was skipped." },
    injectedBy: { type: "string", description: "The task that added this one to the run." },
  },
} as const;

export const runViewSchema = {
  type: "object",
  description: "A run: its status, every task's state, and its output once it ended.",
  required: ["runId", "flow", "status", "createdAt", "tasks", "links"],
  properties: {
    runId: { type: "string" },
    flow: { type: "string" },
    status: { type: "string", enum: ["RUNNING", "COMPLETED", "FAILED"] },
    createdAt: { type: "string", format: "date-time" },
    durationMs: { type: "number" },
    output: { ...anyJson, description: "The flow's return value, when it completed." },
    error: { type: "string", description: "Why the run failed." },
    interrupted: { type: "boolean", description: "Stopped by a server shutdown; with a state store it can be resumed (`aiwc run --resume RUN_ID --state URL`)." },
    tasks: { type: "object", additionalProperties: taskView },
    links: {
      type: "object",
      required: ["self", "events"],
      properties: { self: { type: "string" }, events: { type: "string" } },
    },
  },
} as const;

const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, { ...errorBodySchema, description: errorDescription(c) }]));

function errorDescription(status: number): string {
  switch (status) {
    case 400:
      return "The request is malformed, or its flow does not compile, or its inputs do not fit (see `error.code` and `error.details`).";
    case 401:
      return "No bearer token, or the wrong one.";
    case 403:
      return "The flow uses a tool this server does not allow.";
    case 404:
      return "No such run (or route).";
    case 413:
      return "The body is larger than the server's limit.";
    case 415:
      return "The body is not `application/json`.";
    case 503:
      return "Too many runs are running, or the server is shutting down; try again later.";
    default:
      return "Error.";
  }
}

const security = [{ bearer: [] as string[] }];

export const healthRoute = {
  summary: "Health",
  description: "Whether the server is up: its version and uptime. Needs no token.",
  tags: ["server"],
  response: {
    200: {
      type: "object",
      required: ["status", "name", "version", "uptimeSeconds", "runs"],
      properties: {
        status: { type: "string", enum: ["ok", "shutting-down"] },
        name: { type: "string" },
        version: { type: "string" },
        uptimeSeconds: { type: "number" },
        runs: {
          type: "object",
          required: ["running", "maxRunning"],
          properties: { running: { type: "integer" }, maxRunning: { type: "integer" } },
        },
      },
    },
  },
} as const;

export const executeRoute = {
  summary: "Run a flow",
  description:
    "Runs a flow given as `.aiw` source or as IR (the output of `aiwc ir`), with its inputs. " +
    "`mode: sync` (the default) answers when the run ends, or with 202 and the run's id once `timeoutMs` has passed (the run goes on). " +
    "`mode: async` answers at once with 202 and the run's id; follow it with GET /runs/{id} or its event stream.",
  tags: ["runs"],
  security,
  body: {
    type: "object",
    additionalProperties: false,
    properties: {
      source: { type: "string", description: "The flow as .aiw text (one file; imports are not available). Give this or `ir`." },
      ir: { type: "object", description: "The flow as IR (compiler/ir.schema.json). Give this or `source`." },
      flow: { type: "string", description: "Which flow to run; needed when the program declares several." },
      inputs: { type: "object", description: "The flow's inputs by name.", additionalProperties: true },
      mode: { type: "string", enum: ["sync", "async"], description: "Wait for the run (sync, the default) or not (async)." },
      timeoutMs: { type: "integer", minimum: 1, description: "sync: how long to wait before answering 202 (capped by the server's limit)." },
    },
  },
  response: {
    200: { ...runViewSchema, description: "The run ended (COMPLETED or FAILED: see `status`)." },
    202: { ...runViewSchema, description: "The run was started and is still running." },
    ...errors(400, 401, 403, 413, 415, 503),
  },
} as const;

export const runRoute = {
  summary: "A run's state",
  description: "Status, each task's state and output, and the flow's output once it ended.",
  tags: ["runs"],
  security,
  params: { type: "object", required: ["id"], properties: { id: { type: "string", description: "The run's id." } } },
  response: { 200: runViewSchema, ...errors(401, 404) },
} as const;

export const runEventsRoute = {
  summary: "A run's events, live",
  description:
    "Server-sent events: one message per run event (`event:` its type, `data:` the event as JSON, `id:` its sequence number), " +
    "from the run's first event on, in order, ending after `run.end`. Send `Last-Event-ID` to resume after a given event.",
  tags: ["runs"],
  security,
  params: runRoute.params,
  response: {
    200: { description: "An event stream.", content: { "text/event-stream": { schema: { type: "string" } } } },
    ...errors(401, 404),
  },
} as const;

export const metricsRoute = {
  summary: "Metrics",
  description: "Prometheus text format: runs, tasks, result cache, HTTP requests, and the process.",
  tags: ["server"],
  security,
  response: {
    200: { description: "Prometheus text exposition format.", content: { "text/plain": { schema: { type: "string" } } } },
    ...errors(401),
  },
} as const;

export const openapiRoute = {
  summary: "This document",
  description: "The OpenAPI document of this API, generated from the routes' schemas.",
  tags: ["server"],
  security,
  response: { 200: { type: "object", additionalProperties: true, description: "An OpenAPI 3.0 document." }, ...errors(401) },
} as const;
