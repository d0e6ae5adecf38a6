// The small interface the worker and `aiwc submit` see of the message broker.
// worker/kafka-queue.ts implements it with kafkajs; nothing else imports
// kafkajs, so the client can be replaced (it has had no release since 2023)
// without touching the worker's logic.

/** A message read from the requests topic. */
export interface InboundMessage {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offsets are 64-bit: kept as decimal text. */
  readonly offset: string;
  readonly key: string | undefined;
  readonly value: Buffer | null;
}

export interface OutboundMessage {
  readonly topic: string;
  readonly key?: string;
  readonly value: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Messages of one partition, in offset order. */
export interface PartitionBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly InboundMessage[];
  /**
   * Writes `out` and marks every message of the partition up to and including
   * `through` as consumed, atomically: either both happen or neither (a Kafka
   * transaction). Throws when that cannot be done (the broker is away, the
   * partition moved to another member); then nothing was written.
   */
  commit(out: readonly OutboundMessage[], through: InboundMessage): Promise<void>;
  /** False once the consumer is stopping or the group is rebalancing: start nothing new. */
  active(): boolean;
}

export interface RequestQueue {
  /** Consumes the requests topic in the group, handing batches to `handle`, until stop(). */
  start(handle: (batch: PartitionBatch) => Promise<void>): Promise<void>;
  /** Stops consuming; resolves once the batch being handled (if any) has returned. */
  stop(): Promise<void>;
}

/** What `aiwc submit` needs: send a request, and wait for the result with a given key. */
export interface RequestSubmitter {
  /**
   * Starts listening on `topic` for messages with key `key` written from now
   * on; call before sending the request, so the answer cannot be missed.
   */
  listen(topic: string, key: string): Promise<{ next(timeoutMs: number): Promise<string | undefined>; close(): Promise<void> }>;
  send(message: OutboundMessage): Promise<void>;
  close(): Promise<void>;
}
