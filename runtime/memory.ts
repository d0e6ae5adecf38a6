// Agent memory: texts an agent's tasks stored, recalled by BM25+ ranking
// (MiniSearch). One memory per agent per run; its texts are written to the
// run's log, so a resumed run rebuilds the same memory.

import MiniSearch from "minisearch";
import type { AgentMemory } from "./tools/tool.ts";

export class Memory implements AgentMemory {
  private readonly index = new MiniSearch<{ id: number; text: string }>({ fields: ["text"], storeFields: ["text"] });
  private readonly texts: string[] = [];
  private readonly onStore: ((text: string) => void) | undefined;

  /** `onStore` is told of every new text (the runtime checkpoints it). */
  constructor(onStore?: (text: string) => void) {
    this.onStore = onStore;
  }

  /** Adds a text without telling onStore (when replaying a run's log). */
  restore(text: string): void {
    this.index.add({ id: this.texts.length, text });
    this.texts.push(text);
  }

  remember(text: string): number {
    this.restore(text);
    this.onStore?.(text);
    return this.texts.length;
  }

  recall(query: string, topK: number): { text: string; score: number }[] {
    const k = Math.max(1, Math.floor(topK));
    // Ties in score keep insertion order, so results are deterministic.
    return this.index
      .search(query)
      .map((r) => ({ id: r.id as number, score: r.score }))
      .sort((a, b) => b.score - a.score || a.id - b.id)
      .slice(0, k)
      .map((r) => ({ text: this.texts[r.id]!, score: Math.round(r.score * 1e6) / 1e6 }));
  }

  get size(): number {
    return this.texts.length;
  }
}
