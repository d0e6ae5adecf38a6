// `aiwc worker`: a member of a Kafka consumer group that runs flow requests
// and answers them (worker/worker.ts). Runs until SIGTERM or SIGINT, then
// stops taking requests, gives running flows --grace to finish, and stops the
// rest with their tasks checkpointed (another worker resumes them).

import { tmpdir } from "node:os";
import * as nodePath from "node:path";
import { Command, Option } from "commander";
import { httpAllowOption } from "../http-allow.ts";
import pino from "pino";
import type { ResultCache } from "../../runtime/cache.ts";
import { EventBus } from "../../runtime/events.ts";
import { TieredResultCache } from "../../runtime/result-cache.ts";
import { openStateStore } from "../../runtime/state/open-store.ts";
import type { StateStore } from "../../runtime/state/store.ts";
import { FlowPreparer } from "../../server/flow-request.ts";
import { KafkaRequestQueue } from "../../worker/kafka-queue.ts";
import { DEFAULT_TOPICS } from "../../worker/messages.ts";
import { FlowWorker } from "../../worker/worker.ts";
import { EXIT_OK, EXIT_USAGE, type CommandContext } from "../context.ts";

interface WorkerFlags {
  brokers: string;
  group: string;
  requests: string;
  results: string;
  deadLetter: string;
  partitions: string;
  state?: string;
  cache?: string;
  toolsDir?: string;
  workDir?: string;
  concurrency: string;
  grace: string;
  sessionTimeout: string;
  logLevel: string;
  httpAllow?: string[];
}

export function workerCommand(ctx: CommandContext): Command {
  return new Command("worker")
    .description("run flow requests from a Kafka topic and write their results to another (a consumer group: start several to share the load)")
    .requiredOption("--brokers <host:port,...>", "Kafka brokers")
    .addOption(new Option("--group <id>", "consumer group").default("aiwork-workers"))
    .addOption(new Option("--requests <topic>", "topic of flow requests").default(DEFAULT_TOPICS.requests))
    .addOption(new Option("--results <topic>", "topic results are written to").default(DEFAULT_TOPICS.results))
    .addOption(new Option("--dead-letter <topic>", "topic of requests that cannot be run, with the reason").default(DEFAULT_TOPICS.deadLetter))
    .addOption(new Option("--partitions <n>", "partitions of the topics when the worker creates them").default("4"))
    .option("--state <url>", "state store shared by the workers (runs, deduplication, resume): redis://host:port, or a SQLite path (default .aiw-state/runs.db)")
    .option("--cache <url>", "result cache for tasks with cache: 'memory' or redis://host:port")
    .option("--tools-dir <dir>", "folder TypeScript tools may be loaded from (default: none, built-in tools only)")
    .option("--work-dir <dir>", "folder under which each run that uses files gets its own (default: <tmp>/aiwork-worker)")
    .addOption(new Option("--concurrency <n>", "flows at once").default("8"))
    .addOption(new Option("--grace <ms>", "on stop, how long running flows may take to finish").default("30000"))
    .addOption(new Option("--session-timeout <ms>", "how long the group waits for a silent member before giving its partitions to others").default("30000"))
    .addOption(new Option("--log-level <level>", "log level (JSON lines on stderr)").choices(["debug", "info", "warn", "error", "silent"]).default("info"))
    .addOption(httpAllowOption())
    .action(async (flags: WorkerFlags) => {
      ctx.exitCode = await work(ctx, flags);
    });
}

async function work(ctx: CommandContext, flags: WorkerFlags): Promise<number> {
  const numbers: Record<string, number> = {};
  for (const [name, text, min] of [
    ["--partitions", flags.partitions, 1],
    ["--concurrency", flags.concurrency, 1],
    ["--grace", flags.grace, 0],
    ["--session-timeout", flags.sessionTimeout, 6000],
  ] as const) {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) {
      ctx.stderr(`error: ${name} must be a whole number of at least ${min}, not '${text}'\n`);
      return EXIT_USAGE;
    }
    numbers[name] = n;
  }
  const brokers = flags.brokers.split(",").map((b) => b.trim()).filter((b) => b !== "");
  if (brokers.length === 0 || brokers.some((b) => !/^[^:\s]+:\d+$/.test(b))) {
    ctx.stderr(`error: --brokers takes host:port[,host:port...], not '${flags.brokers}'\n`);
    return EXIT_USAGE;
  }
  const cwd = process.cwd();
  const toolsDir = flags.toolsDir !== undefined ? nodePath.resolve(cwd, flags.toolsDir) : undefined;
  const workRoot = nodePath.resolve(cwd, flags.workDir ?? nodePath.join(tmpdir(), "aiwork-worker"));
  if (toolsDir !== undefined && (workRoot === toolsDir || workRoot.startsWith(toolsDir + nodePath.sep))) {
    ctx.stderr(`error: the work folder (${workRoot}) must not be inside the tools folder (${toolsDir}); give --work-dir elsewhere\n`);
    return EXIT_USAGE;
  }
  const log = pino({ level: flags.logLevel, base: { service: "aiwork-worker" }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: 2, sync: true }));

  let store: StateStore;
  let cache: (ResultCache & { close(): Promise<void> }) | undefined;
  try {
    store = await openStateStore(flags.state, cwd);
  } catch (err) {
    ctx.stderr(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_USAGE;
  }
  try {
    if (flags.cache !== undefined) cache = await TieredResultCache.open({ ...(flags.cache === "memory" ? {} : { redisUrl: flags.cache }), logger: log });
  } catch (err) {
    await store.close();
    ctx.stderr(`error: --cache: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_USAGE;
  }

  const events = new EventBus();
  events.on((e) => {
    if (e.type === "task.fail") log.warn({ runId: e.runId, taskId: e.taskId, error: e.error }, "task failed");
    else if (e.type === "task.complete" || e.type === "task.start") log.debug({ runId: e.runId, taskId: e.taskId }, e.type);
  });
  const queue = new KafkaRequestQueue({
    brokers,
    groupId: flags.group,
    topic: flags.requests,
    ensureTopics: { names: [flags.requests, flags.results, flags.deadLetter], partitions: numbers["--partitions"]! },
    sessionTimeoutMs: numbers["--session-timeout"]!,
    logger: log,
  });
  const worker = new FlowWorker({
    queue,
    topics: { results: flags.results, deadLetter: flags.deadLetter },
    store,
    preparer: new FlowPreparer(toolsDir !== undefined ? { toolsDir } : {}),
    workRoot,
    concurrency: numbers["--concurrency"]!,
    events,
    logger: log,
    ...(cache !== undefined ? { cache } : {}),
    ...(flags.httpAllow !== undefined ? { httpAllow: flags.httpAllow } : {}),
  });

  let stopping: Promise<void> | undefined;
  let stopped!: () => void;
  const done = new Promise<void>((resolve) => (stopped = resolve));
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping !== undefined) {
      log.warn({ signal }, "worker: second signal, exiting at once");
      process.exit(130);
    }
    log.info({ signal, graceMs: numbers["--grace"] }, "worker: stopping");
    stopping = worker
      .stop(numbers["--grace"]!)
      .catch((err: unknown) => log.error({ err: err instanceof Error ? err.message : String(err) }, "worker: stop failed"))
      .finally(stopped);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  try {
    await worker.start();
    log.info({ brokers, group: flags.group, requests: flags.requests, results: flags.results, deadLetter: flags.deadLetter, toolsDir: toolsDir ?? null }, "worker: consuming");
    await done;
  } catch (err) {
    log.error({ err: err instanceof Error ? err.message : String(err) }, "worker: could not start");
    await worker.stop(0).catch(() => undefined);
    await store.close();
    await cache?.close();
    ctx.stderr(`error: the worker could not start: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    process.off("SIGTERM", stop);
    process.off("SIGINT", stop);
  }
  log.info(worker.counts, "worker: stopped");
  await store.close();
  await cache?.close();
  return EXIT_OK;
}
