// Where the cursor is, in the grammar's terms: which block it is in and what
// can follow there (a declaration, a property name, a value, a type, a field
// after `.`, an argument of a call). Computed from the token stream up to the
// cursor, so it works on half-typed text: the brackets still open at the
// cursor are the rules still open (Langium's completion works the same way:
// the tokens before the cursor, then what the grammar allows next).
// grammar/parser.ts is the grammar this mirrors; the names of blocks and
// properties come from compiler/check-properties.ts.

import type { IToken, TokenType } from "chevrotain";
import * as T from "../grammar/tokens.ts";
import type { ChainStep } from "./expr-types.ts";

export type BlockKind = "flow" | "task" | "agent" | "tool" | "model";

type FrameKind = BlockKind | "top" | "record" | "recordType" | "params" | "call" | "list" | "paren" | "index" | "importNames" | "dims" | "typeSuffix";

export type Position =
  | { readonly kind: "none" }
  /** Between declarations: a declaration keyword or snippet. */
  | { readonly kind: "declaration" }
  /** Where a property name (or, in a flow, a task or `return`) starts. */
  | { readonly kind: "key"; readonly block: BlockKind; readonly present: readonly string[] }
  | { readonly kind: "type" }
  /** An expression; `key` is the property it is the value of, if any. */
  | { readonly kind: "value"; readonly key?: string; readonly block?: BlockKind; readonly inToolList?: boolean }
  /** After `a.b.`: the fields of that chain. */
  | { readonly kind: "member"; readonly root: string; readonly steps: readonly ChainStep[]; readonly key?: string }
  /** `task NAME |`: after, when, for, or the block. */
  | { readonly kind: "taskHeader" }
  /** `after a, |`: task names. */
  | { readonly kind: "after"; readonly present: readonly string[] }
  | { readonly kind: "importNames"; readonly path: string | undefined; readonly present: readonly string[] };

export interface CallInfo {
  /** The called name (`read_text` in `read_text(path: x)`). */
  readonly callee: string;
  readonly calleeStart: number;
  /** Names given so far, and how many arguments come before the cursor's. */
  readonly named: readonly string[];
  readonly index: number;
  /** The name of the argument the cursor is in, when it is given by name. */
  readonly current?: string;
  /** The cursor is where an argument's name may start. */
  readonly atName: boolean;
  /** The property the call is the value of (`run`, `guard`, ...). */
  readonly key?: string;
}

export interface CompletionContext {
  readonly position: Position;
  /** The word being typed: what a chosen item replaces. */
  readonly replace: { readonly start: number; readonly end: number };
  readonly prefix: string;
  readonly flowName?: string;
  readonly taskName?: string;
  /** Inside `guard` or `inject`, where a task reads its own output. */
  readonly selfItem: boolean;
  /** The innermost call around the cursor. */
  readonly call?: CallInfo;
}

interface LevelTok {
  readonly type: TokenType | "group";
  readonly image: string;
  readonly start: number;
  readonly end: number;
  readonly group?: FrameKind;
}

interface Frame {
  readonly kind: FrameKind;
  readonly toks: LevelTok[];
  readonly opener?: IToken;
  /** Task name (task frames), callee (call frames), chunk keyword (top). */
  readonly name?: string;
  /** The property whose value this bracket is in. */
  readonly key?: string;
}

const declarationKeywords = new Set<TokenType>([T.Import, T.Type, T.Model, T.Tool, T.Agent, T.Guardrail, T.Flow]);

/** The same cut as grammar/parse.ts: a declaration keyword followed by its name starts a declaration. */
function startsDeclaration(tokens: readonly IToken[], i: number): boolean {
  const t = tokens[i]!;
  if (!declarationKeywords.has(t.tokenType)) return false;
  const next = tokens[i + 1];
  if (next === undefined) return true;
  if (t.tokenType === T.Import) return next.tokenType === T.StringToken || next.tokenType === T.UnterminatedString || next.tokenType === T.LBrace;
  return next.tokenType === T.Identifier;
}

const end = (t: IToken): number => t.startOffset + t.image.length;

function isName(t: TokenType | "group"): boolean {
  return t !== "group" && (t === T.Identifier || T.keywordTokens.includes(t));
}

function endsOperand(t: LevelTok | undefined): boolean {
  if (t === undefined) return false;
  if (t.type === "group") return t.group === "call" || t.group === "paren" || t.group === "list" || t.group === "record" || t.group === "index";
  return t.type === T.Identifier || t.type === T.StringToken || t.type === T.NumberToken || t.type === T.Duration || t.type === T.True || t.type === T.False || t.type === T.Null || t.type === T.Output;
}

/**
 * The lexer's tokens and comments (what grammar/parse.ts's lex() returns
 * besides its errors, which completion does not need): the main thread
 * completes without loading the parser.
 */
function lex(text: string): { tokens: IToken[]; comments: IToken[] } {
  const result = T.aiwLexer.tokenize(text);
  return { tokens: result.tokens, comments: (result.groups["comments"] as IToken[] | undefined) ?? [] };
}

/** Tokens of a text, cached for the last text seen (completion and signature help ask about the same version). */
let lexCache: { text: string; tokens: IToken[]; comments: IToken[] } | undefined;
function tokensOf(text: string): { tokens: IToken[]; comments: IToken[] } {
  if (lexCache?.text !== text) {
    const { tokens, comments } = lex(text);
    lexCache = { text, tokens, comments };
  }
  return lexCache;
}

function hasLineBreak(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 10) return true;
  return false;
}

export function completionContext(text: string, offset: number): CompletionContext {
  const { tokens, comments } = tokensOf(text);
  const none = (start = offset, endAt = offset): CompletionContext => ({ position: { kind: "none" }, replace: { start, end: endAt }, prefix: "", selfItem: false });
  for (const c of comments) if (c.startOffset < offset && offset <= end(c) && text.charCodeAt(end(c)) !== 0) return none();

  // The token the cursor is in or right after.
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (end(tokens[mid]!) < offset) lo = mid + 1;
    else hi = mid;
  }
  let cut = lo; // tokens before the cursor's word
  let replace = { start: offset, end: offset };
  const at = tokens[lo];
  if (at !== undefined && at.startOffset < offset && offset <= end(at)) {
    if (isName(at.tokenType)) {
      replace = { start: at.startOffset, end: end(at) };
      cut = lo;
    } else if (at.tokenType === T.StringToken || at.tokenType === T.UnterminatedString) {
      return interpolationContext(text, tokens, lo, offset) ?? none();
    } else if (at.tokenType === T.NumberToken || at.tokenType === T.Duration) return none();
    else cut = lo + 1;
  } else if (at !== undefined && at.startOffset === offset && isName(at.tokenType)) {
    replace = { start: offset, end: end(at) };
  }
  const prefix = text.slice(replace.start, offset);
  return contextBefore(text, tokens, cut, offset, replace, prefix);
}

/** Inside `"... ${expr|`: the expression's context, its tokens lexed on their own. */
function interpolationContext(text: string, tokens: readonly IToken[], index: number, offset: number): CompletionContext | undefined {
  const tok = tokens[index]!;
  const inner = text.slice(tok.startOffset, offset);
  const open = inner.lastIndexOf("${");
  if (open < 0 || inner.indexOf("}", open) >= 0) return undefined;
  const start = tok.startOffset + open + 2;
  const outer = contextBefore(text, tokens, index, tok.startOffset, { start: tok.startOffset, end: tok.startOffset }, "");
  const sub = lex(text.slice(start, offset)).tokens;
  let replace = { start: offset, end: offset };
  let subTokens = sub;
  const last = sub[sub.length - 1];
  if (last !== undefined && isName(last.tokenType) && start + end(last) === offset) {
    replace = { start: start + last.startOffset, end: offset };
    subTokens = sub.slice(0, -1);
  }
  const levelToks: LevelTok[] = subTokens.map((t) => ({ type: t.tokenType, image: t.image, start: start + t.startOffset, end: start + end(t) }));
  const key = outer.position.kind === "value" ? outer.position.key : undefined;
  const member = memberChain(levelToks);
  const position: Position = member ? { ...member, ...(key ? { key } : {}) } : { kind: "value", ...(key ? { key } : {}) };
  return { ...outer, position, replace, prefix: text.slice(replace.start, offset), ...(outer.call ? { call: outer.call } : {}) };
}

function contextBefore(text: string, tokens: readonly IToken[], cut: number, offset: number, replace: { start: number; end: number }, prefix: string): CompletionContext {
  // The declaration the cursor is in starts at the last declaration keyword before it.
  let chunk = cut - 1;
  while (chunk >= 0 && !startsDeclaration(tokens, chunk)) chunk--;
  const base = { replace, prefix, selfItem: false };
  if (chunk < 0) return { ...base, position: { kind: "declaration" } };
  if (chunk === cut - 1) return { ...base, position: { kind: "none" } }; // naming a new declaration

  const keyword = tokens[chunk]!;
  const top: Frame = { kind: "top", toks: [], name: keyword.image };
  const stack: Frame[] = [top];
  for (let i = chunk + 1; i < cut; i++) {
    const t = tokens[i]!;
    const frame = stack[stack.length - 1]!;
    const tt = t.tokenType;
    if (tt === T.LBrace || tt === T.LParen || tt === T.LBracket) {
      const kind = openerKind(frame, t, stack);
      if (kind === "typeSuffix") {
        frame.toks.push({ type: tt, image: t.image, start: t.startOffset, end: end(t) });
        continue;
      }
      const classified = classify(frame, text, t.startOffset);
      const key = classified.kind === "value" || classified.kind === "member" ? classified.key : undefined;
      const prev = frame.toks[frame.toks.length - 1];
      const name = kind === "task" ? headerTaskName(frame) : kind === "call" && prev !== undefined && prev.type !== "group" ? prev.image : undefined;
      stack.push({ kind, toks: [], opener: t, ...(name !== undefined ? { name } : {}), ...(key !== undefined ? { key } : {}) });
      continue;
    }
    if (tt === T.RBrace || tt === T.RParen || tt === T.RBracket) {
      if (stack.length > 1) {
        const closed = stack.pop()!;
        const parent = stack[stack.length - 1]!;
        parent.toks.push({ type: "group", image: "", start: closed.opener!.startOffset, end: end(t), group: closed.kind });
      }
      continue;
    }
    if (frame.kind === "typeSuffix") continue;
    frame.toks.push({ type: tt, image: t.image, start: t.startOffset, end: end(t) });
  }
  const frame = stack[stack.length - 1]!;
  const position = classify(frame, text, offset);
  const flowName = keyword.tokenType === T.Flow ? tokens[chunk + 1]?.image : undefined;
  const taskFrame = [...stack].reverse().find((f) => f.kind === "task");
  const taskName = taskFrame?.name ?? (frame.kind === "flow" ? headerTaskName(frame) : undefined);
  const keyFrame = [...stack].reverse().find((f) => f.kind === "task" || f.kind === "agent" || f.kind === "tool" || f.kind === "model" || f.kind === "flow");
  const key = keyFrame ? currentKey(keyFrame, keyFrame === frame ? position : undefined) : undefined;
  const call = callInfo(stack, frame, text, offset);
  const finalPosition = position.kind === "importNames" ? { ...position, path: importPath(tokens, cut) } : position;
  return {
    ...base,
    position: finalPosition,
    ...(flowName !== undefined ? { flowName } : {}),
    ...(taskName !== undefined ? { taskName } : {}),
    selfItem: key === "guard" || key === "inject",
    ...(call ? { call } : {}),
  };
}

function importPath(tokens: readonly IToken[], from: number): string | undefined {
  for (let i = from; i < tokens.length && i < from + 64; i++) {
    const t = tokens[i]!;
    if (t.tokenType === T.StringToken) return t.image.slice(1, -1);
    if (t.tokenType !== T.RBrace && t.tokenType !== T.From && t.tokenType !== T.Comma && !isName(t.tokenType)) return undefined;
  }
  return undefined;
}

/** The key of the property being written in a block frame. */
function currentKey(frame: Frame, position: Position | undefined): string | undefined {
  if (position?.kind === "key") return undefined;
  const k = lastKeyIndex(frame.toks);
  return k >= 0 ? frame.toks[k]!.image : undefined;
}

/** Index of the last `name :` pair in a frame's own tokens. */
function lastKeyIndex(toks: readonly LevelTok[]): number {
  for (let k = toks.length - 2; k >= 0; k--) {
    if (toks[k + 1]!.type === T.Colon && isName(toks[k]!.type) && (k === 0 || toks[k - 1]!.type !== T.Dot)) return k;
  }
  return -1;
}

/** In a flow, the tokens of the member being written: from its `task`, `template` or `return`. */
function memberStart(frame: Frame): number {
  for (let k = frame.toks.length - 1; k >= 0; k--) {
    const t = frame.toks[k]!;
    if (t.type === "group" && t.group === "task") return -1;
    if (t.type === T.Task || t.type === T.Template || t.type === T.Return) return k;
  }
  return -1;
}

function headerTaskName(frame: Frame): string | undefined {
  const k = memberStart(frame);
  if (k < 0) return undefined;
  const name = frame.toks[k + 1];
  return frame.toks[k]!.type !== T.Return && name !== undefined && name.type === T.Identifier ? name.image : undefined;
}

function openerKind(frame: Frame, t: IToken, stack: readonly Frame[]): FrameKind {
  const tt = t.tokenType;
  const prev = frame.toks[frame.toks.length - 1];
  const pos = classifyShallow(frame);
  if (tt === T.LBracket) {
    if (pos === "type" || (frame.kind === "recordType" && prev !== undefined && (prev.type === T.Identifier || prev.type === "group"))) return "typeSuffix";
    if (frame.kind === "model" && prev?.type === T.Identifier) return "dims";
    if (pos === "value" && endsOperand(prev)) return "index";
    return "list";
  }
  if (tt === T.LParen) {
    if (frame.kind === "top" && (frame.name === "flow" || frame.name === "tool" || frame.name === "guardrail") && frame.toks.length === 1) return "params";
    if (endsOperand(prev) && prev?.type !== T.StringToken) return "call";
    return "paren";
  }
  // '{'
  if (pos === "type") return "recordType";
  if (frame.kind === "top") {
    switch (frame.name) {
      case "flow":
        return "flow";
      case "tool":
        return "tool";
      case "agent":
        return "agent";
      case "model":
        return "model";
      case "import":
        return "importNames";
      case "type":
        return "recordType";
      default:
        return "record";
    }
  }
  if (frame.kind === "flow" && memberStart(frame) >= 0 && frame.toks[memberStart(frame)]!.type !== T.Return && !stack.some((f) => f.kind === "task")) {
    const header = frame.toks.slice(memberStart(frame));
    // `task x when c {`: the brace closes the header unless a value is still expected.
    const last = header[header.length - 1];
    if (header.length <= 2 || endsOperand(last)) return "task";
  }
  return "record";
}

/** Is the frame, at its end, expecting a type or a value (for deciding what a bracket opens)? */
function classifyShallow(frame: Frame): "type" | "value" | "other" {
  const toks = frame.toks;
  const last = toks[toks.length - 1];
  if (frame.kind === "top") {
    if (last?.type === T.Arrow) return "type";
    if (frame.name === "type" && last?.type === T.Equals) return "type";
    if (frame.name === "guardrail" && (last?.type === T.Equals || last?.type === T.Else || last?.type === "group" || (last !== undefined && last.type !== T.Identifier))) return "value";
    return toks.some((t) => t.type === T.Arrow) && last?.type !== "group" && last?.type !== T.Identifier ? "type" : "other";
  }
  if (frame.kind === "params" || frame.kind === "recordType") {
    const k = lastKeyIndex(toks);
    if (k < 0) return "other";
    const after = toks.slice(k + 2);
    return after.some((t) => t.type === T.Equals) ? "value" : "type";
  }
  if (frame.kind === "task") {
    const k = lastKeyIndex(toks);
    if (k >= 0 && toks[k]!.image === "output" && toks[k]!.type === T.Output) return "type";
  }
  if (frame.kind === "dims" || frame.kind === "importNames") return "other";
  return "value";
}

/** What may come at the end of a frame (the cursor). */
function classify(frame: Frame, text: string, offset: number): Position {
  const toks = frame.toks;
  const last = toks[toks.length - 1];
  const member = memberChain(toks);
  const onNewLine = last !== undefined && hasLineBreak(text, last.end, offset);
  switch (frame.kind) {
    case "top": {
      const shallow = classifyShallow(frame);
      if (last?.type === "group" && (last.group === "flow" || last.group === "tool" || last.group === "agent" || last.group === "model" || last.group === "recordType")) return { kind: "declaration" };
      if (frame.name === "import") return { kind: "none" };
      if (shallow === "type") return { kind: "type" };
      if (frame.name === "guardrail" && shallow === "value") return member ?? { kind: "value" };
      if (onNewLine && (frame.name === "tool" || frame.name === "type" || frame.name === "guardrail") && last?.type !== T.Arrow) return { kind: "declaration" };
      return { kind: "none" };
    }
    case "importNames":
      return { kind: "importNames", path: undefined, present: toks.filter((t) => isName(t.type)).map((t) => t.image) };
    case "dims":
    case "typeSuffix":
      return { kind: "none" };
    case "params":
    case "recordType": {
      const k = lastKeyIndex(toks);
      const sinceComma = toks.length - 1 - toks.map((t) => t.type).lastIndexOf(T.Comma);
      if (k < 0 || (onNewLine && endsOperandOrType(last)) || (last?.type === T.Comma) || sinceComma === 0) return { kind: "none" };
      const after = toks.slice(k + 2);
      if (after.some((t) => t.type === T.Equals)) return member ?? { kind: "value" };
      if (after.length === 0 || last?.type === T.Question || last?.type === T.Colon) return after.length === 0 ? { kind: "type" } : { kind: "none" };
      return { kind: "none" };
    }
    case "list":
    case "paren":
    case "index":
      return member ?? { kind: "value", ...(frame.key ? { key: frame.key } : {}), ...(frame.key === "tools" && frame.kind === "list" ? { inToolList: true } : {}) };
    case "record":
    case "call": {
      const k = lastKeyIndex(toks);
      const lastComma = toks.map((t) => t.type).lastIndexOf(T.Comma);
      if (toks.length === 0 || last?.type === T.Comma || (onNewLine && endsOperand(last))) return frame.kind === "call" ? { kind: "value", ...(frame.key ? { key: frame.key } : {}) } : { kind: "none" };
      if (k >= 0 && k > lastComma) return member ?? { kind: "value", ...(frame.key ? { key: frame.key } : {}) };
      return member ?? { kind: "value", ...(frame.key ? { key: frame.key } : {}) };
    }
    default: {
      // A block: flow, task, agent, tool or model.
      const block = frame.kind as BlockKind;
      if (block === "flow") {
        const m = memberStart(frame);
        if (m >= 0) {
          const header = toks.slice(m);
          const first = header[0]!;
          if (first.type === T.Return) return header.length === 1 || !(onNewLine && endsOperand(last)) ? (member ?? { kind: "value" }) : keyPosition(frame);
          const lastKw = [...header].reverse().find((t) => t.type === T.After || t.type === T.When || t.type === T.For || t.type === T.In);
          if (header.length === 1) return { kind: "none" }; // naming the task
          if (lastKw === undefined) return { kind: "taskHeader" };
          if (lastKw.type === T.After) {
            if (last?.type === T.After || last?.type === T.Comma) return { kind: "after", present: header.filter((t) => t.type === T.Identifier).slice(1).map((t) => t.image) };
            return { kind: "taskHeader" };
          }
          if (lastKw.type === T.For) return { kind: "none" };
          if (last === lastKw || !endsOperand(last)) return member ?? { kind: "value" };
          return member ?? { kind: "taskHeader" };
        }
      }
      const k = lastKeyIndex(toks);
      if (k < 0) return keyPosition(frame);
      const key = toks[k]!.image;
      const after = toks.slice(k + 2);
      if (after.length > 0 && onNewLine && endsOperand(last)) return keyPosition(frame);
      if (block === "task" && key === "output" && toks[k]!.type === T.Output) return after.length === 0 ? { kind: "type" } : keyPosition(frame);
      if (block === "model" && after.length === 0 && (toks[k - 1]?.image === "input" || toks[k - 1]?.image === "output")) return { kind: "none" };
      if (member) return { ...member, key };
      return { kind: "value", key, block };
    }
  }
}

function endsOperandOrType(t: LevelTok | undefined): boolean {
  return endsOperand(t) || t?.type === T.Question || (t?.type === "group" && t.group === "recordType");
}

function keyPosition(frame: Frame): Position {
  const present: string[] = [];
  const toks = frame.toks;
  for (let k = 0; k + 1 < toks.length; k++) if (toks[k + 1]!.type === T.Colon && isName(toks[k]!.type) && (k === 0 || toks[k - 1]!.type !== T.Dot)) present.push(toks[k]!.image);
  return { kind: "key", block: frame.kind as BlockKind, present };
}

/** `a.b[0].` at the end of a frame: the chain's root and steps. */
function memberChain(toks: readonly LevelTok[]): { kind: "member"; root: string; steps: ChainStep[] } | undefined {
  let k = toks.length - 1;
  if (toks[k]?.type !== T.Dot) return undefined;
  const steps: ChainStep[] = [];
  k--;
  for (;;) {
    const t = toks[k];
    if (t === undefined) return undefined;
    if (t.type === "group" && t.group === "index") {
      steps.unshift({ kind: "index" });
      k--;
      continue;
    }
    if (!isName(t.type)) return undefined;
    if (toks[k - 1]?.type === T.Dot) {
      steps.unshift({ kind: "field", name: t.image });
      k -= 2;
      continue;
    }
    return { kind: "member", root: t.image, steps };
  }
}

function callInfo(stack: readonly Frame[], frame: Frame, text: string, offset: number): CallInfo | undefined {
  const idx = [...stack].map((f) => f.kind).lastIndexOf("call");
  if (idx < 0) return undefined;
  const call = stack[idx]!;
  if (call.name === undefined) return undefined;
  const toks = call.toks;
  const named: string[] = [];
  for (let k = 0; k + 1 < toks.length; k++) if (toks[k + 1]!.type === T.Colon && isName(toks[k]!.type)) named.push(toks[k]!.image);
  // Arguments end at commas, or where a new `name:` starts after a complete value.
  let index = 0;
  let current: string | undefined;
  let sawValue = false;
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k]!;
    if (t.type === T.Comma) {
      index++;
      current = undefined;
      sawValue = false;
      continue;
    }
    if (toks[k + 1]?.type === T.Colon && isName(t.type)) {
      if (sawValue) index++;
      current = t.image;
      sawValue = false;
      k++;
      continue;
    }
    sawValue = true;
  }
  const last = toks[toks.length - 1];
  const onNewLine = last !== undefined && hasLineBreak(text, last.end, offset);
  const atName = frame === call && (toks.length === 0 || last?.type === T.Comma || (onNewLine && endsOperand(last)));
  if (atName && last !== undefined && last.type !== T.Comma) {
    index++;
    current = undefined;
  }
  return { callee: call.name, calleeStart: call.opener!.startOffset - call.name.length, named, index, ...(current !== undefined && !atName ? { current } : {}), atName, ...(call.key ? { key: call.key } : {}) };
}
