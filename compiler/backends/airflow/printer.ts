// The printer of generated Python: code is built as a small document tree
// (text, bracketed groups, sequences) and laid out the way `ruff format` lays
// it out, so the generated file is already formatted and ruff leaves it
// byte-for-byte unchanged. A group that fits on its line stays flat; one that
// does not is exploded one item per line with a trailing comma (ruff keeps
// such "magic trailing commas" exploded), always the last group of a line
// first, as ruff's right-hand split does.

export const LINE_WIDTH = 88;
const INDENT = "    ";

export type Doc = string | Seq | Group;

/** Parts printed one after the other. */
export interface Seq {
  readonly kind: "seq";
  readonly parts: readonly Doc[];
}

/**
 * `open item, item close`. Exploded: one item per line with a trailing comma.
 * `parens` groups are black's "invisible parentheses": one expression, printed
 * bare when it fits and as `(`, the indented expression, `)` when it does not.
 */
export interface Group {
  readonly kind: "group";
  readonly open: string;
  readonly items: readonly Doc[];
  readonly close: string;
  readonly parens?: boolean;
}

// Nodes are created with every field (width too), so they share one shape.
export const seq = (...parts: Doc[]): Seq => ({ kind: "seq", parts, width: undefined }) as Seq;
export const group = (open: string, items: readonly Doc[], close: string): Group => ({ kind: "group", open, items, close, parens: false, width: undefined }) as Group;
/** `(expr)` that explodes to an indented line without a trailing comma. */
export const parens = (inner: Doc): Group => ({ kind: "group", open: "(", items: [inner], close: ")", parens: true, width: undefined }) as Group;

/** `name(args)`. */
export const call = (fn: string, args: readonly Doc[]): Seq => seq(fn, group("(", args, ")"));
export const list = (items: readonly Doc[]): Group => group("[", items, "]");
/** A dict literal from [key, value] pairs (keys already printed). */
export const dict = (entries: readonly (readonly [Doc, Doc])[]): Group => group("{", entries.map(([k, v]) => seq(k, ": ", v)), "}");
export const kwarg = (name: string, value: Doc): Seq => seq(`${name}=`, value);
/** `lambda params: body`; a body without brackets is parenthesised when it does not fit, as ruff does. */
export const lambda = (params: string, body: Doc): Seq => seq(params === "" ? "lambda: " : `lambda ${params}: `, hasGroup(body) ? body : parens(body));

function hasGroup(d: Doc): boolean {
  if (typeof d === "string") return false;
  if (d.kind === "group") return true;
  return d.parts.some(hasGroup);
}

/** Width of the flat form, cached on the node (layout asks again at every level). */
function flatWidth(d: Doc): number {
  if (typeof d === "string") return d.length;
  const cached = d as { width?: number };
  if (cached.width !== undefined) return cached.width;
  let n = 0;
  if (d.kind === "seq") {
    for (const p of d.parts) n += flatWidth(p);
  } else if (d.parens === true) {
    n = flatWidth(d.items[0]!);
  } else {
    n = d.open.length + d.close.length + Math.max(0, 2 * (d.items.length - 1));
    for (const item of d.items) n += flatWidth(item);
  }
  cached.width = n;
  return n;
}

export function flat(d: Doc): string {
  if (typeof d === "string") return d;
  const out: string[] = [];
  flatInto(d, out);
  return out.join("");
}

function flatInto(d: Doc, out: string[]): void {
  if (typeof d === "string") {
    out.push(d);
  } else if (d.kind === "seq") {
    for (const p of d.parts) flatInto(p, out);
  } else if (d.parens === true) {
    flatInto(d.items[0]!, out);
  } else {
    out.push(d.open);
    d.items.forEach((item, i) => {
      if (i > 0) out.push(", ");
      flatInto(item, out);
    });
    out.push(d.close);
  }
}

/**
 * Lays out `d` starting at column `indent * 4`, followed on its last line by
 * `suffix` (a comma, a colon...). Returns the text without a final newline.
 */
export function layout(d: Doc, indent: number, suffix = ""): string {
  const pad = INDENT.repeat(indent);
  if (pad.length + flatWidth(d) + suffix.length <= LINE_WIDTH) return pad + flat(d) + suffix;
  const split = lastGroup(d);
  if (split === undefined) return pad + flat(d) + suffix;
  const { before, target, after } = split;
  if (target.items.length === 0) return pad + flat(d) + suffix;
  const inner = target.parens === true ? [layout(target.items[0]!, indent + 1)] : target.items.map((item) => layout(item, indent + 1, ","));
  return `${pad}${before}${target.open}\n${inner.join("\n")}\n${pad}${target.close}${after}${suffix}`;
}

/** The last group of a document (searching its trailing parts), with the flat text around it. */
function lastGroup(d: Doc): { before: string; target: Group; after: string } | undefined {
  if (typeof d === "string") return undefined;
  if (d.kind === "group") return { before: "", target: d, after: "" };
  for (let i = d.parts.length - 1; i >= 0; i--) {
    const inner = lastGroup(d.parts[i]!);
    if (inner === undefined) continue;
    return {
      before: d.parts.slice(0, i).map(flat).join("") + inner.before,
      target: inner.target,
      after: inner.after + d.parts.slice(i + 1).map(flat).join(""),
    };
  }
  return undefined;
}

/**
 * `target = value` (or `return value`): a value without brackets that does not
 * fit is wrapped in parentheses when that makes it fit, as ruff does.
 */
export function statement(head: string, value: Doc, indent: number): string {
  const pad = INDENT.repeat(indent);
  const whole = seq(head, value);
  if (pad.length + flatWidth(whole) <= LINE_WIDTH || hasGroup(value)) return layout(whole, indent);
  if (pad.length + INDENT.length + flatWidth(value) <= LINE_WIDTH) return layout(seq(head, parens(value)), indent);
  return pad + flat(whole);
}

/** Lines of a Python module, with the blank-line rules of ruff between blocks. */
export class PythonWriter {
  private readonly out: string[] = [];

  line(text: string, indent = 0): void {
    this.out.push(text === "" ? "" : INDENT.repeat(indent) + text);
  }

  /** Pre-laid-out text (possibly several lines). */
  raw(text: string): void {
    this.out.push(text);
  }

  blank(n = 1): void {
    for (let i = 0; i < n; i++) this.out.push("");
  }

  /** The module text: LF line ends, one final newline, no trailing blank lines. */
  text(): string {
    while (this.out.length > 0 && this.out[this.out.length - 1] === "") this.out.pop();
    return `${this.out.join("\n")}\n`;
  }
}
