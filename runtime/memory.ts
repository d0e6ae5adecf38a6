// Agent memory: texts an agent's tasks stored, recalled by BM25+ ranking
// (MiniSearch), and, with an embedder (runtime/inference/embedder.ts), by
// embedding similarity beside it, the two scores fused.
// One memory per agent per run; its texts are written to the run's log, so a
// resumed run rebuilds the same memory.

import MiniSearch from "minisearch";
import type { AgentMemory } from "./tools/tool.ts";

/** Turns a text into a unit-length vector. */
export interface Embedder {
  embed(text: string): readonly number[];
}

/**
 * How much meaning counts against shared words in hybrid recall (Weaviate's
 * hybrid search defaults to the same 0.75): BM25 alone ranks texts that share
 * only "I" and "in" with the query above a paraphrase.
 */
const SEMANTIC_WEIGHT = 0.75;

export class Memory implements AgentMemory {
  private readonly index = new MiniSearch<{ id: number; text: string }>({ fields: ["text"], storeFields: ["text"] });
  private readonly texts: string[] = [];
  private readonly vectors: (readonly number[])[] = [];
  private readonly onStore: ((text: string) => void) | undefined;
  private readonly embedder: Embedder | undefined;

  /** `onStore` is told of every new text (the runtime checkpoints it); `embedder` adds semantic recall. */
  constructor(onStore?: (text: string) => void, embedder?: Embedder) {
    this.onStore = onStore;
    this.embedder = embedder;
  }

  /** Adds a text without telling onStore (when replaying a run's log). */
  restore(text: string): void {
    this.index.add({ id: this.texts.length, text });
    this.texts.push(text);
    if (this.embedder !== undefined) this.vectors.push(this.embedder.embed(text));
  }

  remember(text: string): number {
    this.restore(text);
    this.onStore?.(text);
    return this.texts.length;
  }

  recall(query: string, topK: number): { text: string; score: number }[] {
    if (this.embedder !== undefined) return this.hybridRecall(query, topK, this.embedder);
    const k = Math.max(1, Math.floor(topK));
    // Ties in score keep insertion order, so results are deterministic.
    return this.index
      .search(query)
      .map((r) => ({ id: r.id as number, score: r.score }))
      .sort((a, b) => b.score - a.score || a.id - b.id)
      .slice(0, k)
      .map((r) => ({ text: this.texts[r.id]!, score: Math.round(r.score * 1e6) / 1e6 }));
  }

  /**
   * BM25 and embedding similarity, fused as in relative score fusion: each
   * score scaled to [0, 1] over the memory's texts (BM25 by its best, cosine
   * by min-max), then weighted by SEMANTIC_WEIGHT. Texts without a query word still rank by meaning.
   */
  private hybridRecall(query: string, topK: number, embedder: Embedder): { text: string; score: number }[] {
    const k = Math.max(1, Math.floor(topK));
    const n = this.texts.length;
    if (n === 0) return [];
    const bm25 = new Float64Array(n);
    for (const r of this.index.search(query)) bm25[r.id as number] = r.score;
    const q = embedder.embed(query);
    const cos = this.vectors.map((v) => v.reduce((sum, x, i) => sum + x * q[i]!, 0));
    const bestBm25 = Math.max(...bm25);
    const lo = Math.min(...cos);
    const hi = Math.max(...cos);
    const fused = cos.map((c, id) => ({ id, score: SEMANTIC_WEIGHT * (hi > lo ? (c - lo) / (hi - lo) : 1) + (1 - SEMANTIC_WEIGHT) * (bestBm25 > 0 ? bm25[id]! / bestBm25 : 0) }));
    return fused
      .sort((a, b) => b.score - a.score || a.id - b.id)
      .slice(0, k)
      .map((r) => ({ text: this.texts[r.id]!, score: Math.round(r.score * 1e6) / 1e6 }));
  }

  get size(): number {
    return this.texts.length;
  }
}
