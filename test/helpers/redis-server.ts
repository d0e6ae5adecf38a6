// A real redis-server for a test file: started on a free loopback port with no
// persistence, stopped by its process id when the file's tests are done.
//
// When redis-server is not installed the tests FAIL (they are not skipped): CI
// installs it, and a silently skipped store would pass unnoticed. The message
// says how to install it: `bash scripts/redis.sh ensure-installed`.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process has exited. */
  stop(): Promise<void>;
}

const INSTALL_HINT = "redis-server is not installed: run `bash scripts/redis.sh ensure-installed` (Debian, as root) and run the tests again";

function assertInstalled(): void {
  const r = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  if (r.error !== undefined || r.status !== 0) throw new Error(INSTALL_HINT);
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

/** True when 127.0.0.1:port answers PING with PONG. */
function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: "127.0.0.1", port });
    let reply = "";
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once("error", () => done(false));
    sock.once("connect", () => sock.write("PING\r\n"));
    sock.on("data", (d) => {
      reply += d.toString("latin1");
      if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
    });
  });
}

const running = new Set<ChildProcess>();
// Should the test worker exit without running afterAll, do not leave servers behind.
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** Starts a redis-server on a free port; retries when another process grabbed the port first. */
export async function startRedisServer(): Promise<RedisServer> {
  assertInstalled();
  let lastOutput = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "aiw-redis-"));
    const child = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    running.add(child);
    let output = "";
    child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    let alive = true;
    void exited.then(() => {
      alive = false;
      running.delete(child);
      rmSync(dir, { recursive: true, force: true });
    });
    const deadline = Date.now() + 10_000;
    while (alive && Date.now() < deadline) {
      if (await pings(port)) {
        const pid = child.pid ?? -1;
        return {
          url: `redis://127.0.0.1:${port}`,
          port,
          pid,
          async stop() {
            if (!alive) return;
            process.kill(pid, "SIGTERM");
            const timer = setTimeout(() => alive && process.kill(pid, "SIGKILL"), 5000);
            await exited;
            clearTimeout(timer);
          },
        };
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    if (alive) {
      child.kill("SIGKILL");
      await exited;
      throw new Error(`redis-server on port ${port} did not answer PING within 10 s:\n${output}`);
    }
    await exited;
    lastOutput = output;
    if (!/address already in use/i.test(output)) break;
  }
  throw new Error(`redis-server exited at start:\n${lastOutput}`);
}

/**
 * Starts one server for the calling test file (beforeAll) and stops it
 * (afterAll). Read `.url` inside tests, not at collection time. Should the
 * server not start (e.g. redis-server is not installed), every test that
 * reads `.url` fails with the reason, while tests that do not need Redis
 * still run.
 */
export function useRedisServer(): { readonly url: string; readonly server: RedisServer } {
  let server: RedisServer | undefined;
  let failure: unknown;
  beforeAll(async () => {
    try {
      server = await startRedisServer();
    } catch (err) {
      failure = err;
    }
  });
  afterAll(async () => {
    await server?.stop();
  });
  return {
    get server(): RedisServer {
      if (failure !== undefined) throw failure;
      if (server === undefined) throw new Error("the Redis server is used before its beforeAll ran");
      return server;
    },
    get url(): string {
      return this.server.url;
    },
  };
}
