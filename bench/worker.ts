// Kafka worker benchmark: flows per second through real `aiwc worker`
// processes (one, then two, in one consumer group) with a real single-node
// Kafka broker (scripts/kafka.sh, in a folder of its own) and a real
// redis-server as the shared state store. The workers join the group first;
// then the requests are written, and the clock runs from the first request
// written to the last result (end to end) and from the first result to the
// last (steady state). See docs/benchmarks.md.
//
//   node bench/worker.ts [--requests 2000] [--workers 1,2] [--partitions 4] [--concurrency 16] [--flows trivial,io] [--json]
//   (AIW_BENCH_WORKER_LOG=info|debug shows the workers' logs.)

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import * as os from "node:os";
import * as nodePath from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Kafka, logLevel } from "kafkajs";
import { compileSources } from "../compiler/compile.ts";

const repo = nodePath.resolve(nodePath.dirname(fileURLToPath(import.meta.url)), "..");

const FLOWS = {
  trivial: { source: `flow hello(name: string) {\n  task greet { run: "hello " + name }\n  return greet\n}\n`, inputs: { name: "bench" }, what: "one expression task" },
  io: {
    source: `tool sleep(ms: number, tag: string) -> { tag: string, ms: number } { ts: "./test/fixtures/serve/tools.ts#sleep" }\nflow wait(ms: number) {\n  task a { run: sleep(ms: ms, tag: "a") }\n  task b after a { run: sleep(ms: ms, tag: "b") }\n  return b.tag\n}\n`,
    inputs: { ms: 25 },
    what: "two tasks waiting 25 ms each (I/O-bound)",
  },
} as const;

const { values: args } = parseArgs({
  options: {
    requests: { type: "string", default: "2000" },
    workers: { type: "string", default: "1,2" },
    partitions: { type: "string", default: "4" },
    concurrency: { type: "string", default: "16" },
    flows: { type: "string", default: "trivial,io" },
    json: { type: "boolean", default: false },
  },
});

function progress(text: string): void {
  process.stderr.write(`${text}\n`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => (typeof a === "object" && a !== null ? resolve(a.port) : reject(new Error("no port"))));
    });
  });
}

async function startRedis(dir: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const sock = createConnection({ host: "127.0.0.1", port });
      sock.once("connect", () => {
        sock.destroy();
        resolve(true);
      });
      sock.once("error", () => resolve(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

function startKafka(runDir: string): string {
  const r = spawnSync("bash", [nodePath.join(repo, "scripts/kafka.sh"), "start"], { encoding: "utf8", env: { ...process.env, AIW_KAFKA_RUN_DIR: runDir }, timeout: 600_000 });
  if (r.status !== 0) throw new Error(`scripts/kafka.sh start failed:\n${r.stderr}`);
  return r.stdout.trim().split("\n").at(-1)!;
}

function stopKafka(runDir: string): void {
  spawnSync("bash", [nodePath.join(repo, "scripts/kafka.sh"), "stop"], { encoding: "utf8", env: { ...process.env, AIW_KAFKA_RUN_DIR: runDir } });
}

interface Row {
  readonly flow: string;
  readonly workers: number;
  readonly requests: number;
  readonly steadyFlowsPerSecond: number;
  readonly endToEndFlowsPerSecond: number;
  readonly firstResultAfterMs: number;
  readonly perWorker: Record<string, number>;
}

async function measure(brokers: string, redisUrl: string, flow: keyof typeof FLOWS, workers: number, requests: number, partitions: number, concurrency: number): Promise<Row> {
  const kafka = new Kafka({ clientId: "aiw-bench", brokers: [brokers], logLevel: logLevel.NOTHING });
  const id = randomBytes(3).toString("hex");
  const topics = { requests: `bench-req-${id}`, results: `bench-res-${id}`, deadLetter: `bench-dlq-${id}`, group: `bench-${id}` };
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [topics.requests, topics.results, topics.deadLetter].map((topic) => ({ topic, numPartitions: partitions })) });
  await admin.disconnect();

  const seen = new Set<string>();
  const perWorker: Record<string, number> = {};
  let first = 0;
  let last = 0;
  const consumer = kafka.consumer({ groupId: `bench-read-${id}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topics.results], fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const now = performance.now();
      for (const m of batch.messages) {
        const r = JSON.parse(m.value!.toString()) as { requestId: string; status: string; worker: string };
        if (r.status !== "COMPLETED") throw new Error(`request ${r.requestId}: ${r.status}`);
        seen.add(r.requestId);
        perWorker[r.worker] = (perWorker[r.worker] ?? 0) + 1;
      }
      if (first === 0) first = now;
      last = now;
    },
  });

  const children: ChildProcess[] = [];
  for (let w = 0; w < workers; w++) {
    children.push(
      spawn(
        process.execPath,
        [
          nodePath.join(repo, "bin/aiwc.js"), "worker",
          "--brokers", brokers, "--group", topics.group,
          "--requests", topics.requests, "--results", topics.results, "--dead-letter", topics.deadLetter,
          "--state", redisUrl, "--tools-dir", repo, "--work-dir", nodePath.join(os.tmpdir(), "aiw-bench-work"),
          "--concurrency", String(concurrency), "--log-level", process.env["AIW_BENCH_WORKER_LOG"] ?? "warn",
        ],
        { stdio: ["ignore", "ignore", "inherit"] },
      ),
    );
  }
  // Every worker in the group first, so the load is shared from the first request on.
  const watcher = kafka.admin();
  await watcher.connect();
  for (let i = 0; ; i++) {
    const [group] = (await watcher.describeGroups([topics.group])).groups;
    if (group !== undefined && group.state === "Stable" && group.members.length === workers) break;
    if (i > 1200) throw new Error(`the ${workers} workers did not all join the group within 60 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await watcher.disconnect();

  const c = compileSources({ [nodePath.join(repo, "bench.aiw")]: FLOWS[flow].source });
  if (c.ir === undefined) throw new Error("the benchmark flow does not compile");
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const started = performance.now();
  for (let i = 0; i < requests; i += 500) {
    const messages = [];
    for (let j = i; j < Math.min(requests, i + 500); j++) {
      const requestId = `b${id}-${j}`;
      messages.push({ key: requestId, value: JSON.stringify({ requestId, ir: c.ir, inputs: FLOWS[flow].inputs }) });
    }
    await producer.send({ topic: topics.requests, messages });
  }
  await producer.disconnect();
  const deadline = Date.now() + 600_000;
  while (seen.size < requests && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await Promise.all(children.map((ch) => new Promise<void>((resolve) => (ch.once("exit", () => resolve()), ch.kill("SIGTERM")))));
  await consumer.disconnect();
  if (seen.size < requests) throw new Error(`only ${seen.size} of ${requests} results within 10 minutes`);
  return {
    flow,
    workers,
    requests,
    steadyFlowsPerSecond: Math.round(((requests - 1) / (last - first)) * 1000),
    endToEndFlowsPerSecond: Math.round((requests / (last - started)) * 1000),
    firstResultAfterMs: Math.round(first - started),
    perWorker,
  };
}

async function main(): Promise<void> {
  const requests = Number(args.requests);
  const partitions = Number(args.partitions);
  const concurrency = Number(args.concurrency);
  const dir = mkdtempSync(nodePath.join(os.tmpdir(), "aiw-bench-worker-"));
  const kafkaDir = nodePath.join(dir, "kafka");
  progress("starting Kafka (scripts/kafka.sh) and redis-server");
  const brokers = startKafka(kafkaDir);
  const redis = await startRedis(dir);
  const rows: Row[] = [];
  try {
    for (const flow of args.flows!.split(",") as (keyof typeof FLOWS)[]) {
      if (!(flow in FLOWS)) throw new Error(`unknown flow '${flow}' (${Object.keys(FLOWS).join(", ")})`);
      for (const w of args.workers!.split(",").map(Number)) {
        progress(`${flow}: ${requests} requests, ${w} worker${w === 1 ? "" : "s"}`);
        rows.push(await measure(brokers, redis.url, flow, w, requests, partitions, concurrency));
        progress(`  ${JSON.stringify(rows.at(-1))}`);
      }
    }
  } finally {
    await redis.stop();
    stopKafka(kafkaDir);
    rmSync(dir, { recursive: true, force: true });
  }
  const machine = `${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`;
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ machine, partitions, concurrency, rows }, null, 2)}\n`);
    return;
  }
  const lines = [
    `${requests} requests, written once every worker has joined; ${partitions} partitions; --concurrency ${concurrency} per worker; Redis state store; ${machine}`,
    "",
    "| flow | workers | flows/s (first to last result) | flows/s (first request written to last result) | first result after ms | results per worker |",
    "|---|---:|---:|---:|---:|---|",
    ...rows.map((r) => `| ${FLOWS[r.flow as keyof typeof FLOWS].what} | ${r.workers} | ${r.steadyFlowsPerSecond.toLocaleString("en")} | ${r.endToEndFlowsPerSecond.toLocaleString("en")} | ${r.firstResultAfterMs.toLocaleString("en")} | ${Object.values(r.perWorker).join(" / ")} |`),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

await main();
