// `aiwc serve`: the REST API (server/app.ts) on 127.0.0.1 unless told
// otherwise. Runs until SIGTERM or SIGINT, then shuts down gracefully: no new
// runs, running flows get --grace to finish, the rest are stopped with their
// finished tasks checkpointed in the state store. A second signal exits at once.

import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as nodePath from "node:path";
import { Command, Option } from "commander";
import { httpAllowOption } from "../http-allow.ts";
import pino from "pino";
import type { ResultCache } from "../../runtime/cache.ts";
import { TieredResultCache } from "../../runtime/result-cache.ts";
import { openStateStore } from "../../runtime/state/open-store.ts";
import type { StateStore } from "../../runtime/state/store.ts";
import { buildServer } from "../../server/app.ts";
import { EXIT_OK, EXIT_USAGE, type CommandContext } from "../context.ts";
import { VERSION } from "../main.ts";

interface ServeFlags {
  host: string;
  port: string;
  token?: string;
  tokenFile?: string;
  state?: string;
  cache?: string;
  toolsDir?: string;
  workDir?: string;
  maxBody: string;
  maxRuns: string;
  syncTimeout: string;
  grace: string;
  concurrency: string;
  logLevel: string;
  httpAllow?: string[];
}

export function serveCommand(ctx: CommandContext): Command {
  return new Command("serve")
    .description("serve the REST API: run flows over HTTP (POST /execute), follow runs (GET /runs/{id}, server-sent events), metrics, OpenAPI")
    .addOption(new Option("--host <host>", "address to listen on").default("127.0.0.1"))
    .addOption(new Option("--port <n>", "port (0: any free port)").default("8080"))
    .option("--token <token>", "require 'Authorization: Bearer TOKEN' on every route but health (default: $AIWORK_TOKEN)")
    .option("--token-file <file>", "read the token from a file (keeps it out of the process list)")
    .option("--state <url>", "state store for runs: a SQLite path (default .aiw-state/runs.db), redis://host:port, or 'memory' (nothing kept beyond the process)")
    .option("--cache <url>", "result cache for tasks with cache: 'memory' or redis://host:port (an in-process LRU in front of Redis)")
    .option("--tools-dir <dir>", "folder TypeScript tools may be loaded from (default: none, built-in tools only)")
    .option("--work-dir <dir>", "folder under which each run that uses files gets its own (default: <tmp>/aiwork-serve)")
    .addOption(new Option("--max-body <bytes>", "largest request body").default("1048576"))
    .addOption(new Option("--max-runs <n>", "runs at once; more are refused with 503").default("64"))
    .addOption(new Option("--sync-timeout <ms>", "longest a synchronous POST /execute waits before answering 202").default("30000"))
    .addOption(new Option("--grace <ms>", "on shutdown, how long running flows may take to finish").default("30000"))
    .addOption(new Option("--concurrency <n>", "tasks at once within a run").default("16"))
    .addOption(new Option("--log-level <level>", "log level (JSON lines on stderr)").choices(["debug", "info", "warn", "error", "silent"]).default("info"))
    .addOption(httpAllowOption())
    .action(async (flags: ServeFlags) => {
      ctx.exitCode = await serve(ctx, flags);
    });
}

function wholeNumber(text: string, name: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} must be a whole number of at least ${min}, not '${text}'`);
  return n;
}

class UsageError extends Error {}

async function serve(ctx: CommandContext, flags: ServeFlags): Promise<number> {
  let port: number, maxBody: number, maxRuns: number, syncTimeout: number, grace: number, concurrency: number;
  let token: string | undefined;
  try {
    port = wholeNumber(flags.port, "--port", 0);
    if (port > 65535) throw new UsageError(`--port must be at most 65535, not ${port}`);
    maxBody = wholeNumber(flags.maxBody, "--max-body", 1);
    maxRuns = wholeNumber(flags.maxRuns, "--max-runs", 1);
    syncTimeout = wholeNumber(flags.syncTimeout, "--sync-timeout", 1);
    grace = wholeNumber(flags.grace, "--grace", 0);
    concurrency = wholeNumber(flags.concurrency, "--concurrency", 1);
    token = flags.tokenFile !== undefined ? readFileSync(flags.tokenFile, "utf8").trim() : (flags.token ?? process.env["AIWORK_TOKEN"]);
    if (token === "") throw new UsageError("the token is empty");
  } catch (err) {
    ctx.stderr(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_USAGE;
  }
  const cwd = process.cwd();
  const toolsDir = flags.toolsDir !== undefined ? nodePath.resolve(cwd, flags.toolsDir) : undefined;
  const workRoot = nodePath.resolve(cwd, flags.workDir ?? nodePath.join(tmpdir(), "aiwork-serve"));
  if (toolsDir !== undefined && (workRoot === toolsDir || workRoot.startsWith(toolsDir + nodePath.sep))) {
    ctx.stderr(`error: the work folder (${workRoot}) must not be inside the tools folder (${toolsDir}): a flow could write a module there and load it as a tool; give --work-dir elsewhere\n`);
    return EXIT_USAGE;
  }
  const log = pino({ level: flags.logLevel, base: { service: "aiwork-serve" }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: 2, sync: true }));

  let store: StateStore | undefined;
  let cache: (ResultCache & { close(): Promise<void> }) | undefined;
  try {
    if (flags.state !== "memory") store = await openStateStore(flags.state, cwd);
    if (flags.cache !== undefined) {
      cache = await TieredResultCache.open({ ...(flags.cache === "memory" ? {} : { redisUrl: flags.cache }), logger: log });
    }
  } catch (err) {
    await store?.close();
    ctx.stderr(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_USAGE;
  }

  const server = await buildServer({
    version: VERSION,
    workRoot,
    maxBodyBytes: maxBody,
    maxRunning: maxRuns,
    syncTimeoutMs: syncTimeout,
    taskConcurrency: concurrency,
    logger: log,
    ...(token !== undefined ? { token } : {}),
    ...(store !== undefined ? { store } : {}),
    ...(cache !== undefined ? { cache } : {}),
    ...(toolsDir !== undefined ? { toolsDir } : {}),
    ...(flags.httpAllow !== undefined ? { httpAllow: flags.httpAllow } : {}),
  });
  let url: string;
  try {
    url = await server.listen(port, flags.host);
  } catch (err) {
    await store?.close();
    await cache?.close();
    ctx.stderr(`error: cannot listen on ${flags.host}:${port}: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_USAGE;
  }
  log.info({ url, auth: token !== undefined, state: flags.state ?? "sqlite (default)", toolsDir: toolsDir ?? null, workRoot }, "aiwc serve: listening");
  if (token === undefined && !/^(127\.|localhost$|::1$|\[::1\]$)/.test(flags.host)) {
    log.warn({ host: flags.host }, "aiwc serve: listening beyond this machine without a token: anyone who can reach it can run flows (give --token or AIWORK_TOKEN)");
  }
  ctx.stdout(`listening on ${url}\n`);

  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        log.warn({ signal }, "aiwc serve: second signal, exiting at once");
        process.exit(130);
      }
      stopping = true;
      log.info({ signal, graceMs: grace, running: server.runs.running }, "aiwc serve: shutting down");
      void server
        .shutdown(grace)
        .catch((err: unknown) => log.error({ err }, "aiwc serve: shutdown failed"))
        .finally(() => {
          process.off("SIGTERM", onSignal);
          process.off("SIGINT", onSignal);
          resolve();
        });
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
  await store?.close();
  await cache?.close();
  return EXIT_OK;
}
