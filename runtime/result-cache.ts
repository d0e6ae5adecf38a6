// The result cache of tasks with `cache:` (runtime/cache.ts is the interface):
// an in-process LRU in front of Redis, the two-level cache of the original
// design. A lookup asks the LRU, then Redis; a Redis hit is copied into the
// LRU for the rest of its time to live. Redis is an optimisation, never a
// dependency: when it is unreachable, slow or fails, lookups and stores go on
// against the LRU alone, a warning is logged once per outage, and no run ever
// fails because of the cache. Redis is tried again after a short pause.
//
// Keys: `${prefix}${cacheKey}` (prefix default `aiw:cache:`), values
// `${expiresAtMs}\n${json}` with the same expiry set on the key (PX), so the
// LRU copy of a Redis hit expires when the Redis entry does.

import { LRUCache } from "lru-cache";
import { Counter, Gauge, type Registry } from "prom-client";
import { createClient } from "redis";
import type { ResultCache } from "./cache.ts";
import { redactUrl } from "./state/redis-store.ts";
import type { Value } from "./values.ts";

/** The pino-compatible subset the cache logs through. */
export interface CacheLogger {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

export interface ResultCacheOptions {
  /** `redis://...` or `rediss://...`; without it the cache is the in-process LRU only. */
  readonly redisUrl?: string;
  /** Most entries the LRU holds. Default 10,000. */
  readonly maxEntries?: number;
  /** Most bytes of JSON the LRU holds. Default 64 MiB. */
  readonly maxBytes?: number;
  /** Redis key prefix. Default `aiw:cache:`. */
  readonly prefix?: string;
  /** How long a Redis command may take before it counts as a failure (ms). Default 250. */
  readonly redisTimeoutMs?: number;
  /** How long Redis is left alone after a failure (ms). Default 1000. */
  readonly retryAfterMs?: number;
  /** How long `open` waits for the first connection before going on without Redis (ms). Default 2000. */
  readonly connectWaitMs?: number;
  readonly logger?: CacheLogger;
  /** Where the hit/miss metrics are registered (e.g. RunMetrics.registry). */
  readonly registry?: Registry;
}

type Client = ReturnType<typeof createClient>;
type Tier = "memory" | "redis";

const silent: CacheLogger = { warn: () => undefined, info: () => undefined };

class CacheMetrics {
  readonly lookups: Counter<"tier" | "result">;
  readonly redisErrors: Counter;
  readonly redisUp: Gauge;

  constructor(registry: Registry | undefined, entries: () => number) {
    const registers = registry !== undefined ? [registry] : [];
    this.lookups = new Counter({
      name: "aiwork_result_cache_lookups_total",
      help: "Result-cache lookups by tier (memory = the in-process LRU, redis) and result (hit, miss).",
      labelNames: ["tier", "result"],
      registers,
    });
    this.redisErrors = new Counter({ name: "aiwork_result_cache_redis_errors_total", help: "Redis commands of the result cache that failed or timed out.", registers });
    this.redisUp = new Gauge({ name: "aiwork_result_cache_redis_up", help: "1 while the result cache uses Redis, 0 while it runs on the in-process LRU alone.", registers });
    new Gauge({
      name: "aiwork_result_cache_memory_entries",
      help: "Entries in the in-process LRU.",
      registers,
      collect() {
        this.set(entries());
      },
    });
  }
}

/** Counts of this cache's lookups, for tests and `aiwc run --json`. */
export interface ResultCacheStats {
  readonly memoryHits: number;
  readonly redisHits: number;
  readonly misses: number;
  readonly redisErrors: number;
  readonly redisUp: boolean;
}

export class TieredResultCache implements ResultCache {
  readonly #lru: LRUCache<string, string>;
  readonly #client: Client | undefined;
  readonly #url: string | undefined;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #retryAfterMs: number;
  readonly #log: CacheLogger;
  readonly #metrics: CacheMetrics;
  #pausedUntil = 0;
  /** True between the warning about an outage and the note that Redis is back. */
  #degraded = false;
  #closed = false;
  #stats = { memoryHits: 0, redisHits: 0, misses: 0, redisErrors: 0 };

  private constructor(client: Client | undefined, options: ResultCacheOptions) {
    this.#client = client;
    this.#url = options.redisUrl !== undefined ? redactUrl(options.redisUrl) : undefined;
    this.#prefix = options.prefix ?? "aiw:cache:";
    this.#timeoutMs = options.redisTimeoutMs ?? 250;
    this.#retryAfterMs = options.retryAfterMs ?? 1000;
    this.#log = options.logger ?? silent;
    this.#lru = new LRUCache<string, string>({
      max: options.maxEntries ?? 10_000,
      maxSize: options.maxBytes ?? 64 * 1024 * 1024,
      sizeCalculation: (v, k) => v.length + k.length,
    });
    this.#metrics = new CacheMetrics(options.registry, () => this.#lru.size);
    this.#metrics.redisUp.set(0);
  }

  /**
   * The cache; with a Redis URL, connects in the background and waits a
   * little for the first connection. Never throws for an unreachable Redis
   * (the cache then starts on the LRU alone); a malformed URL does throw.
   */
  static async open(options: ResultCacheOptions = {}): Promise<TieredResultCache> {
    if (options.redisUrl === undefined) return new TieredResultCache(undefined, options);
    const url = options.redisUrl;
    let valid = /^rediss?:\/\//i.test(url);
    try {
      new URL(url);
    } catch {
      valid = false;
    }
    if (!valid) throw new Error(`'${redactUrl(url)}' is not a Redis URL (expected redis://[user:password@]host[:port][/db] or rediss://...)`);
    const client = createClient({
      url,
      // Commands fail at once while disconnected instead of queueing: a lookup
      // must never wait for Redis to come back.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: options.connectWaitMs ?? 2000,
        // Reconnect for ever (capped back-off): the cache comes back with Redis.
        reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000),
      },
    });
    const cache = new TieredResultCache(client, options);
    client.on("error", (err: Error) => cache.#degrade(err));
    client.on("ready", () => cache.#recovered());
    const connected = client.connect().then(
      () => true,
      (err: unknown) => {
        cache.#degrade(err);
        return false;
      },
    );
    const waited = await Promise.race([connected, sleep(options.connectWaitMs ?? 2000).then(() => false)]);
    if (!waited) cache.#degrade(new Error(`no connection within ${options.connectWaitMs ?? 2000} ms`));
    return cache;
  }

  async get(key: string): Promise<Value | undefined> {
    const local = this.#lru.get(key);
    if (local !== undefined) {
      this.#count("memory", true);
      return JSON.parse(local) as Value;
    }
    this.#count("memory", false);
    const client = this.#usable();
    if (client === undefined) {
      this.#stats.misses++;
      return undefined;
    }
    const stored = await this.#redis("GET", () => client.get(this.#prefix + key));
    const parsed = stored === undefined || stored === null ? undefined : parseEntry(stored);
    if (parsed === undefined || parsed.expiresAt <= Date.now()) {
      this.#count("redis", false);
      this.#stats.misses++;
      return undefined;
    }
    this.#count("redis", true);
    this.#lru.set(key, parsed.json, { ttl: parsed.expiresAt - Date.now() });
    return JSON.parse(parsed.json) as Value;
  }

  async set(key: string, value: Value, ttlMs: number): Promise<void> {
    if (!(ttlMs > 0)) return;
    const json = JSON.stringify(value);
    this.#lru.set(key, json, { ttl: ttlMs });
    const client = this.#usable();
    if (client === undefined) return;
    const expiresAt = Date.now() + ttlMs;
    await this.#redis("SET", () => client.set(this.#prefix + key, `${expiresAt}\n${json}`, { expiration: { type: "PX", value: Math.ceil(ttlMs) } }));
  }

  stats(): ResultCacheStats {
    return { ...this.#stats, redisUp: this.#client !== undefined && this.#client.isReady && !this.#degraded };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const client = this.#client;
    if (client === undefined) return;
    try {
      if (client.isReady) await client.close();
      else client.destroy();
    } catch {
      try {
        client.destroy();
      } catch {
        // Already closed.
      }
    }
  }

  #count(tier: Tier, hit: boolean): void {
    this.#metrics.lookups.inc({ tier, result: hit ? "hit" : "miss" });
    if (hit) this.#stats[tier === "memory" ? "memoryHits" : "redisHits"]++;
  }

  /** The client when Redis may be asked now: connected, and not paused after a failure. */
  #usable(): Client | undefined {
    const c = this.#client;
    if (c === undefined || this.#closed || !c.isReady || Date.now() < this.#pausedUntil) return undefined;
    return c;
  }

  /** One Redis command under a deadline; a failure pauses Redis use and yields undefined. */
  async #redis<T>(what: string, command: () => Promise<T>): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        command(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`${what} took longer than ${this.#timeoutMs} ms`)), this.#timeoutMs);
        }),
      ]);
    } catch (err) {
      this.#stats.redisErrors++;
      this.#metrics.redisErrors.inc();
      this.#pausedUntil = Date.now() + this.#retryAfterMs;
      this.#degrade(err);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  #degrade(err: unknown): void {
    this.#metrics.redisUp.set(0);
    if (this.#degraded || this.#closed) return;
    this.#degraded = true;
    const reason = err instanceof Error ? err.message || err.name : String(err);
    this.#log.warn(
      { component: "result-cache", redis: this.#url, reason },
      `result cache: Redis at ${this.#url ?? "?"} is unavailable (${reason}); using the in-process cache only until it is back`,
    );
  }

  #recovered(): void {
    this.#pausedUntil = 0;
    this.#metrics.redisUp.set(1);
    if (!this.#degraded) return;
    this.#degraded = false;
    this.#log.info({ component: "result-cache", redis: this.#url }, `result cache: Redis at ${this.#url ?? "?"} is back`);
  }
}

function parseEntry(stored: string): { expiresAt: number; json: string } | undefined {
  const nl = stored.indexOf("\n");
  if (nl <= 0) return undefined;
  const expiresAt = Number(stored.slice(0, nl));
  if (!Number.isFinite(expiresAt)) return undefined;
  return { expiresAt, json: stored.slice(nl + 1) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
