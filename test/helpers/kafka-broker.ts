// A real single-node Apache Kafka broker (KRaft, Apache Kafka's jars from
// Maven Central via `scripts/kafka.sh fetch`, Java 17) for a test file: on
// free loopback ports, with its data in a temporary folder. It can be stopped
// and started again on the same ports and data (to test a broker outage),
// and it is stopped by its process id when the file's tests are done.
//
// When Java or the jars are missing the tests FAIL with the reason (CI sets
// them up with scripts/setup.sh); a silently skipped Kafka test would pass
// unnoticed.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll } from "vitest";

const repo = path.resolve(import.meta.dirname, "../..");

export interface KafkaBroker {
  /** host:port of the broker's client listener. */
  readonly brokers: string;
  readonly port: number;
  /** The running JVM's process id (undefined while stopped). */
  readonly pid: number | undefined;
  /** SIGTERM, then SIGKILL after 30 s; resolves once the process has exited. */
  stop(): Promise<void>;
  /** Starts it again after stop(), same ports and data; resolves when it is ready. */
  restart(): Promise<void>;
  /** Stops it and removes its data. */
  dispose(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      s.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

let libDir: string | undefined;
/** The folder of Kafka's jars (fetched by Maven on first use, then cached). */
function kafkaLib(): string {
  if (libDir !== undefined) return libDir;
  const r = spawnSync("bash", [path.join(repo, "scripts/kafka.sh"), "fetch"], { encoding: "utf8", timeout: 600_000 });
  if (r.status !== 0) throw new Error(`scripts/kafka.sh fetch failed (it needs Java 17 and Maven; run bash scripts/setup.sh):\n${r.stderr}`);
  libDir = r.stdout.trim().split("\n").at(-1)!;
  return libDir;
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export async function startKafkaBroker(): Promise<KafkaBroker> {
  const lib = kafkaLib();
  const java = spawnSync("java", ["-version"], { encoding: "utf8" });
  if (java.error !== undefined || java.status !== 0) throw new Error("java is not installed: Kafka 4 needs Java 17 (run bash scripts/setup.sh)");
  const dir = mkdtempSync(path.join(tmpdir(), "aiw-kafka-"));
  const port = await freePort();
  let controller = await freePort();
  while (controller === port) controller = await freePort();
  const props = path.join(dir, "server.properties");
  writeFileSync(
    props,
    [
      "process.roles=broker,controller",
      "node.id=1",
      `controller.quorum.bootstrap.servers=127.0.0.1:${controller}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
      "controller.listener.names=CONTROLLER",
      "inter.broker.listener.name=PLAINTEXT",
      "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
      `log.dirs=${path.join(dir, "data")}`,
      "num.partitions=1",
      "offsets.topic.replication.factor=1",
      "offsets.topic.num.partitions=4",
      "transaction.state.log.replication.factor=1",
      "transaction.state.log.min.isr=1",
      "transaction.state.log.num.partitions=4",
      "share.coordinator.state.topic.replication.factor=1",
      "share.coordinator.state.topic.min.isr=1",
      "group.initial.rebalance.delay.ms=0",
      "auto.create.topics.enable=false",
      "",
    ].join("\n"),
  );
  const log4j = path.join(lib, "..", "log4j2.properties");
  const cluster = randomBytes(16).toString("base64url");
  const format = spawnSync("java", ["-cp", `${lib}/*`, `-Dlog4j2.configurationFile=${log4j}`, "kafka.tools.StorageTool", "format", "--standalone", "-t", cluster, "-c", props], {
    encoding: "utf8",
    timeout: 120_000,
  });
  if (format.status !== 0) throw new Error(`formatting the broker's storage failed:\n${format.stdout}\n${format.stderr}`);

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const launch = async (): Promise<void> => {
    const proc = spawn("java", ["-Xmx512m", "-Xms128m", "-XX:+UseSerialGC", "-cp", `${lib}/*`, `-Dlog4j2.configurationFile=${log4j}`, "kafka.Kafka", props], { stdio: ["ignore", "pipe", "pipe"] });
    child = proc;
    running.add(proc);
    let output = "";
    let alive = true;
    exited = new Promise<void>((resolve) =>
      proc.once("exit", () => {
        alive = false;
        running.delete(proc);
        resolve();
      }),
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the Kafka broker was not ready within 90 s:\n${output.slice(-3000)}`)), 90_000);
      const onData = (d: Buffer): void => {
        output += d.toString();
        if (output.includes("Kafka Server started")) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout!.on("data", onData);
      proc.stderr!.on("data", onData);
      void exited.then(() => {
        clearTimeout(timer);
        if (!output.includes("Kafka Server started")) reject(new Error(`the Kafka broker exited at start:\n${output.slice(-3000)}`));
      });
    });
    if (!alive) throw new Error("the Kafka broker exited");
  };

  await launch();
  let removed = false;
  const broker: KafkaBroker = {
    brokers: `127.0.0.1:${port}`,
    port,
    get pid() {
      return child?.exitCode === null ? child.pid : undefined;
    },
    async stop() {
      const c = child;
      if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
      c.kill("SIGTERM");
      const timer = setTimeout(() => c.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(timer);
    },
    async restart() {
      if (removed) throw new Error("the broker's data was removed");
      await launch();
    },
    async dispose() {
      await broker.stop();
      removed = true;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return broker;
}

/**
 * One broker for the calling test file (beforeAll), stopped and removed in
 * afterAll. Read `.brokers` inside tests, not at collection time.
 */
export function useKafkaBroker(): { readonly brokers: string; readonly broker: KafkaBroker } {
  let broker: KafkaBroker | undefined;
  let failure: unknown;
  beforeAll(async () => {
    try {
      broker = await startKafkaBroker();
    } catch (err) {
      failure = err;
    }
  }, 300_000);
  afterAll(async () => {
    await broker?.dispose();
  }, 60_000);
  return {
    get broker(): KafkaBroker {
      if (failure !== undefined) throw failure;
      if (broker === undefined) throw new Error("the Kafka broker is used before its beforeAll ran");
      return broker;
    },
    get brokers(): string {
      return this.broker.brokers;
    },
  };
}
