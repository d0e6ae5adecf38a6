// `key: value` blocks: which keys a block accepts, which it requires, and
// which may repeat. Reports unknown, missing and repeated keys.

import type * as A from "./ast.ts";
import { report, type CheckContext } from "./check-context.ts";
import type { Span } from "./source.ts";
import { didYouMean } from "./suggest.ts";

export interface PropertySpec {
  readonly required?: boolean;
  readonly repeatable?: boolean;
  /** Takes `else "message"` (guards). */
  readonly message?: boolean;
  /** Takes a type (`output: T`). */
  readonly typed?: boolean;
}

export type BlockSpec = Readonly<Record<string, PropertySpec>>;

export const TASK_PROPERTIES: BlockSpec = {
  run: { required: true },
  agent: {},
  description: {},
  output: { typed: true },
  guard: { repeatable: true, message: true },
  retries: {},
  backoff: {},
  timeout: {},
  inject: {},
  cache: {},
};

export const FLOW_PROPERTIES: BlockSpec = { description: {}, schedule: {}, tags: {}, start: {}, owner: {} };
export const AGENT_PROPERTIES: BlockSpec = { role: { required: true }, goal: { required: true }, backstory: {}, tools: {}, memory: {} };
export const TOOL_PROPERTIES: BlockSpec = { description: {}, ts: {}, python: {}, model: {}, pre: {}, post: {} };
export const MODEL_PROPERTIES: BlockSpec = {
  source: { required: true },
  device: {},
  hint: {},
  precision: {},
  cache: {},
  labels: {},
  batch: {},
  batch_wait: {},
};

/** Checks a block's keys; returns the first property for each known key. */
export function checkBlock(ctx: CheckContext, props: readonly A.Property[], spec: BlockSpec, owner: string, ownerSpan: Span): Map<string, A.Property[]> {
  const found = new Map<string, A.Property[]>();
  for (const p of props) {
    const key = p.key.name;
    if (key === "") continue;
    const s = spec[key];
    if (s === undefined || (p.typeValue !== undefined) !== (s.typed === true)) {
      if (s !== undefined) {
        report(ctx, "AIW0205", {
          message: s.typed ? `'${key}' takes a type, e.g. ${key}: Invoice` : `'${key}' takes a value, not a type`,
          span: p.span,
          label: "wrong kind of value",
        });
        continue;
      }
      const hint = didYouMean(key, Object.keys(spec));
      report(ctx, "AIW0107", {
        message: `${owner} has no property '${key}'`,
        span: p.key.span,
        label: "unknown property",
        ...(hint ? { help: hint } : {}),
        notes: [`${owner} accepts: ${Object.keys(spec).join(", ")}`],
      });
      continue;
    }
    const list = found.get(key) ?? [];
    if (list.length > 0 && !s.repeatable) {
      report(ctx, "AIW0109", {
        message: `'${key}' is given twice`,
        span: p.key.span,
        label: "second value",
        secondary: [{ span: list[0]!.key.span, message: "first given here" }],
        help: "remove one of them",
      });
      continue;
    }
    if (p.message !== undefined && !s.message) {
      report(ctx, "AIW0205", { message: `'${key}' does not take an 'else' message`, span: p.message.span, label: "only guards take 'else'" });
    }
    list.push(p);
    found.set(key, list);
  }
  for (const [key, s] of Object.entries(spec)) {
    if (s.required && !found.has(key)) {
      report(ctx, "AIW0108", {
        message: `${owner} has no '${key}'`,
        span: ownerSpan,
        label: `'${key}' is required`,
        help: requiredHelp(key),
      });
    }
  }
  return found;
}

function requiredHelp(key: string): string {
  switch (key) {
    case "run":
      return "add what the task runs, e.g. run: read_text(path: document)";
    case "source":
      return 'add the model file, e.g. source: "models/classifier.xml"';
    case "role":
      return 'add the agent\'s role, e.g. role: "Financial analyst"';
    case "goal":
      return 'add the agent\'s goal, e.g. goal: "Extract the amount of every invoice"';
    default:
      return `add ${key}: ...`;
  }
}

export function first(found: Map<string, A.Property[]>, key: string): A.Property | undefined {
  return found.get(key)?.[0];
}
