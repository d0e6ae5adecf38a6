// The RequestQueue and RequestSubmitter of worker/queue.ts on Apache Kafka,
// with kafkajs (pure JavaScript, installs offline; see docs/architecture.md
// for why it sits behind an interface).
//
// Exactly-once results: the results of a batch and the consumer offset that
// marks its requests consumed are written in one Kafka transaction
// (consume-transform-produce). A worker that dies before the commit leaves
// neither, so the requests are delivered again and answered once; readers of
// the results topic use read_committed (kafkajs's default) and never see an
// aborted result. Each partition of the requests topic has its own
// transactional id (`<prefix>.<group>.<topic>.<partition>`): the member that
// takes a partition over registers that id first, which fences the previous
// owner (a "zombie" that lost the partition but still runs cannot commit any
// more), then reads the committed offset again and skips what the previous
// owner committed in the meantime.

import { hostname } from "node:os";
import { Kafka, logLevel, type Admin, type Consumer, type KafkaMessage, type LogEntry, type Producer } from "kafkajs";
import type { InboundMessage, OutboundMessage, PartitionBatch, RequestQueue, RequestSubmitter } from "./queue.ts";

/** The pino-compatible subset this module logs through. */
export interface QueueLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface KafkaConnection {
  /** host:port of one or more brokers. */
  readonly brokers: readonly string[];
  readonly clientId?: string;
  readonly logger?: QueueLogger;
}

export interface KafkaQueueOptions extends KafkaConnection {
  readonly groupId: string;
  /** The requests topic. */
  readonly topic: string;
  /** Topics to create when missing (requests, results, dead letters), with this many partitions. */
  readonly ensureTopics?: { readonly names: readonly string[]; readonly partitions: number };
  /** Default 30 s (the broker's group.min.session.timeout.ms is 6 s). */
  readonly sessionTimeoutMs?: number;
  /** How long a rebalance waits for members to finish their batch. Default 60 s. */
  readonly rebalanceTimeoutMs?: number;
  /** Default 3 s. */
  readonly heartbeatIntervalMs?: number;
  /** How long a fetch waits for new messages. Default 250 ms (kafkajs's 5 s makes stopping slow). */
  readonly maxWaitTimeInMs?: number;
  /** Partitions whose batches are handled at once. Default 8. */
  readonly partitionsConsumedConcurrently?: number;
  readonly transactionalIdPrefix?: string;
  /** Transactions left open longer are aborted by the broker. Default 30 s. */
  readonly transactionTimeoutMs?: number;
}

const silent: QueueLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function kafkaClient(c: KafkaConnection): Kafka {
  const log = c.logger ?? silent;
  return new Kafka({
    clientId: c.clientId ?? `aiwork-${hostname()}-${process.pid}`,
    brokers: [...c.brokers],
    // kafkajs logs an ERROR for every retry it then recovers from (first group
    // join, a broker restart): those go to debug; what it gives up on reaches
    // us as an exception.
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...fields } = entry;
        if (level === logLevel.WARN) log.debug({ component: "kafkajs", ...fields }, `kafkajs: ${message}`);
        else log.debug({ component: "kafkajs", level, ...fields }, `kafkajs: ${message}`);
      },
    retry: { initialRetryTime: 200, maxRetryTime: 5000, retries: 8 },
  });
}

export class KafkaRequestQueue implements RequestQueue {
  readonly #o: KafkaQueueOptions;
  readonly #kafka: Kafka;
  readonly #log: QueueLogger;
  #consumer: Consumer | undefined;
  #admin: Admin | undefined;
  #handle: ((batch: PartitionBatch) => Promise<void>) | undefined;
  #stopping = false;
  /** The consumer being started (connect, subscribe, run), if it is. */
  #starting: Promise<void> | undefined;
  #rebalancing = false;
  #restartTimer: NodeJS.Timeout | undefined;
  /** Transactional producers by partition of the requests topic, each already fenced in. */
  readonly #producers = new Map<number, Promise<Producer>>();
  /** Partitions whose producer was just created: the committed offset must be read again. */
  readonly #fresh = new Set<number>();

  constructor(options: KafkaQueueOptions) {
    this.#o = options;
    this.#kafka = kafkaClient(options);
    this.#log = options.logger ?? silent;
  }

  start(handle: (batch: PartitionBatch) => Promise<void>): Promise<void> {
    this.#handle = handle;
    return this.#track(this.#begin());
  }

  async #begin(): Promise<void> {
    this.#admin = this.#kafka.admin();
    await this.#admin.connect();
    if (this.#o.ensureTopics !== undefined) {
      const existing = new Set(await this.#admin.listTopics());
      const missing = this.#o.ensureTopics.names.filter((t) => !existing.has(t));
      if (missing.length > 0) {
        await this.#admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: this.#o.ensureTopics!.partitions })) });
        this.#log.info({ topics: missing, partitions: this.#o.ensureTopics.partitions }, "worker: created topics");
      }
    }
    await this.#runConsumer();
  }

  /** Remembers a start under way, so stop() can wait for it. */
  #track(starting: Promise<void>): Promise<void> {
    const tracked = starting.finally(() => {
      if (this.#starting === tracked) this.#starting = undefined;
    });
    this.#starting = tracked;
    return tracked;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    // A start still under way finishes first (it sees #stopping and stops itself).
    await this.#starting?.catch(() => undefined);
    const consumer = this.#consumer;
    this.#consumer = undefined;
    // disconnect() waits for the batch being handled to return.
    await consumer?.disconnect().catch(() => undefined);
    await this.#dropProducers([...this.#producers.keys()]);
    await this.#admin?.disconnect().catch(() => undefined);
  }

  async #runConsumer(): Promise<void> {
    if (this.#stopping) return;
    const o = this.#o;
    const consumer = this.#kafka.consumer({
      groupId: o.groupId,
      sessionTimeout: o.sessionTimeoutMs ?? 30_000,
      rebalanceTimeout: o.rebalanceTimeoutMs ?? 60_000,
      heartbeatInterval: o.heartbeatIntervalMs ?? 3000,
      maxWaitTimeInMs: o.maxWaitTimeInMs ?? 250,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      // kafkajs restarts a crashed consumer by itself, unless we are stopping.
      retry: { initialRetryTime: 300, maxRetryTime: 5000, retries: 8, restartOnFailure: async () => !this.#stopping },
    });
    this.#consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.#rebalancing = false;
      const now = new Set(e.payload.memberAssignment[o.topic] ?? []);
      const lost = [...this.#producers.keys()].filter((p) => !now.has(p));
      this.#log.info({ memberId: e.payload.memberId, partitions: [...now].sort((a, b) => a - b) }, "worker: joined the group");
      void this.#dropProducers(lost);
    });
    consumer.on(consumer.events.REBALANCING, () => {
      this.#rebalancing = true;
    });
    consumer.on(consumer.events.CRASH, (e) => {
      const { error, restart } = e.payload;
      this.#log.warn({ err: error.message, restart }, "worker: the Kafka consumer stopped");
      // Producers may hold transactions in an unknown state: new ones fence them.
      void this.#dropProducers([...this.#producers.keys()]);
      if (!restart && !this.#stopping) {
        clearTimeout(this.#restartTimer);
        this.#restartTimer = setTimeout(() => {
          if (this.#stopping) return;
          this.#log.info({}, "worker: starting the Kafka consumer again");
          this.#track(this.#runConsumer()).catch((err: unknown) => this.#log.error({ err: String(err) }, "worker: could not start the Kafka consumer"));
        }, 2000);
      }
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [o.topic], fromBeginning: true });
    if (this.#stopping) return;
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: o.partitionsConsumedConcurrently ?? 8,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (batch.messages.length === 0) return;
        const partition = batch.partition;
        this.#log.debug({ partition, first: batch.firstOffset(), last: batch.lastOffset(), count: batch.messages.length }, "worker: batch");
        await this.#producerFor(partition);
        // Right after fencing the previous owner: skip what it committed meanwhile.
        const committed = this.#fresh.delete(partition) ? await this.#committedOffset(partition) : undefined;
        const messages = batch.messages.filter((m) => committed === undefined || BigInt(m.offset) >= committed).map((m) => inbound(batch.topic, partition, m));
        if (messages.length === 0) {
          resolveOffset(batch.lastOffset());
          return;
        }
        let beating = false;
        const beat = setInterval(() => {
          if (beating) return;
          beating = true;
          heartbeat()
            .catch(() => {
              this.#rebalancing = true;
            })
            .finally(() => {
              beating = false;
            });
        }, Math.max(500, Math.floor((o.heartbeatIntervalMs ?? 3000) / 2)));
        try {
          await this.#handle!({
            topic: batch.topic,
            partition,
            messages,
            active: () => isRunning() && !isStale() && !this.#rebalancing && !this.#stopping,
            commit: async (out, through) => {
              await this.#transact(await this.#producerFor(partition), partition, out, through);
              this.#log.debug({ partition, through: through.offset, messages: out.length }, "worker: committed");
              resolveOffset(through.offset);
            },
          });
        } finally {
          clearInterval(beat);
        }
      },
    });
  }

  /**
   * One transaction: the outbound messages and the consumer offset after
   * `through`. Right after a commit the coordinator may still be writing the
   * previous transaction's markers and answers CONCURRENT_TRANSACTIONS: that
   * is retried (as the Java client does); any other failure drops the producer.
   */
  async #transact(producer: Producer, partition: number, out: readonly OutboundMessage[], through: InboundMessage): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#transactOnce(producer, partition, out, through);
      } catch (err) {
        if (attempt < 8 && protocolError(err) === "CONCURRENT_TRANSACTIONS") {
          await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
          continue;
        }
        // The producer's transactional state is unknown now: the next commit uses a new one.
        await this.#dropProducers([partition]);
        throw err;
      }
    }
  }

  async #transactOnce(producer: Producer, partition: number, out: readonly OutboundMessage[], through: InboundMessage): Promise<void> {
    const tx = await producer.transaction();
    try {
      if (out.length > 0) {
        const byTopic = new Map<string, { key?: string; value: string; headers?: Record<string, string> }[]>();
        for (const m of out) {
          let list = byTopic.get(m.topic);
          if (list === undefined) byTopic.set(m.topic, (list = []));
          list.push({ ...(m.key !== undefined ? { key: m.key } : {}), value: m.value, ...(m.headers !== undefined ? { headers: { ...m.headers } } : {}) });
        }
        await tx.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
      }
      await tx.sendOffsets({
        consumerGroupId: this.#o.groupId,
        topics: [{ topic: this.#o.topic, partitions: [{ partition, offset: (BigInt(through.offset) + 1n).toString() }] }],
      });
      await tx.commit();
    } catch (err) {
      await tx.abort().catch(() => undefined);
      throw err;
    }
  }

  /** The partition's transactional producer; creating it fences any earlier holder of its transactional id. */
  #producerFor(partition: number): Promise<Producer> {
    let p = this.#producers.get(partition);
    if (p === undefined) {
      p = (async () => {
        const producer = this.#kafka.producer({
          transactionalId: `${this.#o.transactionalIdPrefix ?? "aiwork"}.${this.#o.groupId}.${this.#o.topic}.${partition}`,
          idempotent: true,
          maxInFlightRequests: 1,
          transactionTimeout: this.#o.transactionTimeoutMs ?? 30_000,
          allowAutoTopicCreation: false,
        });
        await producer.connect();
        // An empty transaction registers the id (InitProducerId): the broker
        // aborts whatever an earlier holder left open and fences it.
        const tx = await producer.transaction();
        await tx.abort();
        this.#fresh.add(partition);
        return producer;
      })();
      this.#producers.set(partition, p);
      p.catch(() => this.#producers.delete(partition));
    }
    return p;
  }

  async #dropProducers(partitions: readonly number[]): Promise<void> {
    await Promise.all(
      partitions.map(async (partition) => {
        const p = this.#producers.get(partition);
        this.#producers.delete(partition);
        this.#fresh.delete(partition);
        const producer = await p?.catch(() => undefined);
        await producer?.disconnect().catch(() => undefined);
      }),
    );
  }

  async #committedOffset(partition: number): Promise<bigint | undefined> {
    if (this.#admin === undefined) return undefined;
    const [topic] = await this.#admin.fetchOffsets({ groupId: this.#o.groupId, topics: [this.#o.topic] });
    const found = topic?.partitions.find((p) => p.partition === partition)?.offset;
    return found === undefined || found === "-1" ? undefined : BigInt(found);
  }
}

/** The Kafka protocol error type (e.g. CONCURRENT_TRANSACTIONS) of an error or of its causes. */
function protocolError(err: unknown): string | undefined {
  for (let e = err as { type?: unknown; cause?: unknown } | undefined, depth = 0; e !== undefined && e !== null && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.type === "string") return e.type;
  }
  return undefined;
}

function inbound(topic: string, partition: number, m: KafkaMessage): InboundMessage {
  return { topic, partition, offset: m.offset, key: m.key === null ? undefined : m.key.toString("utf8"), value: m.value };
}

/** `aiwc submit`'s side: an idempotent producer, and listeners for answers. */
export class KafkaSubmitter implements RequestSubmitter {
  readonly #kafka: Kafka;
  #producer: Producer | undefined;
  #admin: Admin | undefined;

  constructor(connection: KafkaConnection) {
    this.#kafka = kafkaClient(connection);
  }

  async send(message: OutboundMessage): Promise<void> {
    if (this.#producer === undefined) {
      this.#producer = this.#kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await this.#producer.connect();
    }
    await this.#producer.send({
      topic: message.topic,
      messages: [{ ...(message.key !== undefined ? { key: message.key } : {}), value: message.value, ...(message.headers !== undefined ? { headers: { ...message.headers } } : {}) }],
    });
  }

  async listen(topic: string, key: string): Promise<{ next(timeoutMs: number): Promise<string | undefined>; close(): Promise<void> }> {
    if (this.#admin === undefined) {
      this.#admin = this.#kafka.admin();
      await this.#admin.connect();
    }
    // Where the topic ends now: the answer comes after that.
    const ends = await this.#admin.fetchTopicOffsets(topic);
    const consumer = this.#kafka.consumer({ groupId: `aiwork-submit-${hostname()}-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`, maxWaitTimeInMs: 250, readUncommitted: false });
    const found: string[] = [];
    let wake: (() => void) | undefined;
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: false });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        if (message.key?.toString("utf8") === key && message.value !== null) {
          found.push(message.value.toString("utf8"));
          wake?.();
        }
      },
    });
    await joined;
    for (const p of ends) consumer.seek({ topic, partition: p.partition, offset: p.offset });
    return {
      async next(timeoutMs: number): Promise<string | undefined> {
        if (found.length === 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, timeoutMs);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
        }
        return found.shift();
      },
      close: () => consumer.disconnect().catch(() => undefined),
    };
  }

  async close(): Promise<void> {
    await this.#producer?.disconnect().catch(() => undefined);
    await this.#admin?.disconnect().catch(() => undefined);
  }
}
