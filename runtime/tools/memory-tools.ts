// Built-ins `remember(text)` and `recall(query, top_k)`: the task's agent's
// memory. The checker already refuses them for agents without memory; the
// runtime checks again because an IR can be written or edited by hand.

import { ToolError, type AgentMemory, type ToolContext, type ToolFunction } from "./tool.ts";

export const remember: ToolFunction = (args, ctx) => {
  ctx.signal.throwIfAborted();
  const memory = memoryOf(ctx, "remember");
  const text = args["text"];
  if (typeof text !== "string") throw new ToolError("remember: 'text' must be a string");
  return { stored: memory.remember(text) };
};

export const recall: ToolFunction = (args, ctx) => {
  ctx.signal.throwIfAborted();
  const memory = memoryOf(ctx, "recall");
  const query = args["query"];
  const topK = args["top_k"] ?? ctx.agent?.persona.memory?.topK ?? 3;
  if (typeof query !== "string") throw new ToolError("recall: 'query' must be a string");
  if (typeof topK !== "number" || !Number.isInteger(topK) || topK < 1) throw new ToolError("recall: 'top_k' must be a whole number of at least 1");
  // Copied field by field: the result must be plain JSON whatever the memory implementation returns.
  return { hits: memory.recall(query, topK).map((h) => ({ text: h.text, score: h.score })) };
};

function memoryOf(ctx: ToolContext, tool: string): AgentMemory {
  if (ctx.agent === undefined) throw new ToolError(`${tool}: the task has no agent, so there is no memory to use (add agent: NAME to the task)`);
  if (ctx.agent.memory === undefined) throw new ToolError(`${tool}: agent '${ctx.agent.name}' has no memory (add memory: recall(top_k: 3) to it)`);
  return ctx.agent.memory;
}
