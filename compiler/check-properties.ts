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

/**
 * A spec's keys in a Map, each with the spec's own key string (found maps are
 * keyed by it, so lookups with constant keys compare pointers, not the text of
 * the source), and its required keys, in order.
 */
interface SpecIndex {
  readonly byKey: ReadonlyMap<string, { readonly key: string; readonly spec: PropertySpec; readonly index: number }>;
  readonly required: readonly string[];
  /** The spec's keys in order (their positions are the indexes of IndexedBlock). */
  readonly keys: readonly string[];
}

const specIndexes = new WeakMap<BlockSpec, SpecIndex>();

function specIndex(spec: BlockSpec): SpecIndex {
  let index = specIndexes.get(spec);
  if (index === undefined) {
    const entries = Object.entries(spec);
    index = {
      byKey: new Map(entries.map(([key, s], i) => [key, { key, spec: s, index: i }])),
      required: entries.filter(([, s]) => s.required).map(([k]) => k),
      keys: entries.map(([k]) => k),
    };
    specIndexes.set(spec, index);
  }
  return index;
}

/** A problem with one property of a block, found by classifyIndexed and reported by reportIssues. */
type BlockIssue =
  | { readonly kind: "wrong-kind"; readonly property: A.Property; readonly spec: PropertySpec }
  | { readonly kind: "unknown"; readonly property: A.Property }
  | { readonly kind: "twice"; readonly property: A.Property; readonly first: A.Property }
  | { readonly kind: "else"; readonly property: A.Property };

function reportIssues(ctx: CheckContext, issues: readonly BlockIssue[] | undefined, spec: BlockSpec, owner: string): void {
  for (const issue of issues ?? []) {
    const p = issue.property;
    const key = p.key.name;
    switch (issue.kind) {
      case "wrong-kind":
        report(ctx, "AIW0205", {
          message: issue.spec.typed ? `'${key}' takes a type, e.g. ${key}: Invoice` : `'${key}' takes a value, not a type`,
          span: p,
          label: "wrong kind of value",
        });
        break;
      case "unknown": {
        const hint = didYouMean(key, Object.keys(spec));
        report(ctx, "AIW0107", {
          message: `${owner} has no property '${key}'`,
          span: p.key,
          label: "unknown property",
          ...(hint ? { help: hint } : {}),
          notes: [`${owner} accepts: ${Object.keys(spec).join(", ")}`],
        });
        break;
      }
      case "twice":
        report(ctx, "AIW0109", {
          message: `'${key}' is given twice`,
          span: p.key,
          label: "second value",
          secondary: [{ span: issue.first.key, message: "first given here" }],
          help: "remove one of them",
        });
        break;
      case "else":
        report(ctx, "AIW0205", { message: `'${key}' does not take an 'else' message`, span: p.message!, label: "only guards take 'else'" });
        break;
    }
  }
}

function reportMissing(ctx: CheckContext, key: string, owner: string, ownerSpan: Span): void {
  report(ctx, "AIW0108", {
    message: `${owner} has no '${key}'`,
    span: ownerSpan,
    label: `'${key}' is required`,
    help: requiredHelp(key),
  });
}

/** The positions of a spec's keys, for IndexedBlock lookups: `keyIndexes(TASK_PROPERTIES)["run"]`. */
export function keyIndexes(spec: BlockSpec): Readonly<Record<string, number>> {
  const out: Record<string, number> = {};
  specIndex(spec).keys.forEach((k, i) => (out[k] = i));
  return out;
}

/**
 * What checkBlock finds, before anything is reported, without a Map and an
 * array per key (a flow may have thousands of task blocks): the first valid
 * property of each spec key by the key's index, the rest of each repeatable key.
 */
export interface IndexedBlock {
  readonly firsts: readonly (A.Property | undefined)[];
  /** By key index: the valid properties after the first, for repeatable keys given more than once. */
  readonly more: readonly (A.Property[] | undefined)[] | undefined;
  /** Valid properties under keys that are not the spec's own (inherited names such as `constructor`). */
  readonly extra: ReadonlyMap<string, A.Property[]> | undefined;
  /** The problems, in source order. */
  readonly issues: readonly BlockIssue[] | undefined;
  /** With `withOrder`: each key (its index, or its name for an extra key) in the order it first appears. */
  readonly order: readonly (number | string)[] | undefined;
}

/** Sorts a block's properties by key and finds its problems (in source order) without reporting them. */
export function classifyIndexed(props: readonly A.Property[], spec: BlockSpec, withOrder = false): IndexedBlock {
  const index = specIndex(spec);
  const firsts: (A.Property | undefined)[] = new Array<A.Property | undefined>(index.keys.length).fill(undefined);
  let more: (A.Property[] | undefined)[] | undefined;
  let extra: Map<string, A.Property[]> | undefined;
  let issues: BlockIssue[] | undefined;
  const order: (number | string)[] | undefined = withOrder ? [] : undefined;
  for (let i = 0; i < props.length; i++) {
    const p = props[i]!;
    const name = p.key.name;
    if (name === "") continue;
    const own = index.byKey.get(name);
    // Only the spec's own keys: `toString:` or `__proto__:` are unknown properties, not inherited ones.
    const s = own?.spec;
    if (s === undefined || (p.typeValue !== undefined) !== (s.typed === true)) {
      (issues ??= []).push(s !== undefined ? { kind: "wrong-kind", property: p, spec: s } : { kind: "unknown", property: p });
      continue;
    }
    const first = own !== undefined ? firsts[own.index] : extra?.get(name)?.[0];
    if (first === undefined) {
      if (p.message !== undefined && !s.message) (issues ??= []).push({ kind: "else", property: p });
      if (own !== undefined) firsts[own.index] = p;
      else (extra ??= new Map()).set(name, [p]);
      order?.push(own !== undefined ? own.index : name);
      continue;
    }
    if (!s.repeatable) {
      (issues ??= []).push({ kind: "twice", property: p, first });
      continue;
    }
    if (p.message !== undefined && !s.message) (issues ??= []).push({ kind: "else", property: p });
    if (own !== undefined) {
      more ??= [];
      (more[own.index] ??= []).push(p);
    } else extra!.get(name)!.push(p);
  }
  return { firsts, more, extra, issues, order };
}

/** Every valid property of the key at `index` (what found.get(key) holds, or []). */
export function allOf(block: IndexedBlock, index: number): readonly A.Property[] {
  const first = block.firsts[index];
  if (first === undefined) return [];
  const rest = block.more?.[index];
  return rest === undefined ? [first] : [first, ...rest];
}

/** Reports what classifyIndexed found: checkBlock's diagnostics, in its order. */
export function reportIndexed(ctx: CheckContext, block: IndexedBlock, spec: BlockSpec, owner: string, ownerSpan: Span): void {
  reportIssues(ctx, block.issues, spec, owner);
  const index = specIndex(spec);
  for (const key of index.required) {
    if (block.firsts[index.byKey.get(key)!.index] === undefined) reportMissing(ctx, key, owner, ownerSpan);
  }
}

/** Checks a block's keys; returns the first property for each known key. */
export function checkBlock(ctx: CheckContext, props: readonly A.Property[], spec: BlockSpec, owner: string, ownerSpan: Span): Map<string, A.Property[]> {
  const block = classifyIndexed(props, spec, true);
  reportIndexed(ctx, block, spec, owner, ownerSpan);
  // The valid properties by key, keys in the order they first appear.
  const keys = specIndex(spec).keys;
  const found = new Map<string, A.Property[]>();
  for (const k of block.order!) found.set(typeof k === "number" ? keys[k]! : k, typeof k === "number" ? [...allOf(block, k)] : block.extra!.get(k)!);
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
