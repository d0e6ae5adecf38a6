// Text -> tokens -> AST declarations. The token stream is cut at every
// top-level keyword that starts a declaration, and each piece is parsed on
// its own, so an error (a missing brace, say) stays inside its declaration
// and every later declaration is still parsed and checked. The text is lexed
// a window at a time and a long flow parsed in pieces, so that only a few
// thousand tokens are alive at once (see parseText).

import type { IRecognitionException, IToken, TokenType } from "chevrotain";
import type * as A from "../compiler/ast.ts";
import { parser, ruleDescriptions, type PendingString } from "./parser.ts";
import { flatSlice } from "./flat-slice.ts";
import * as T from "./tokens.ts";

export interface SyntaxError {
  /** Offsets into the text; `start === end` for a point (e.g. end of file). */
  readonly start: number;
  readonly end: number;
  readonly message: string;
  /** A short label for the caret, e.g. "expected '}' here". */
  readonly label: string;
  readonly kind: "character" | "unterminated-string" | "syntax";
  readonly help?: string;
  /** A replacement that fixes it: the text for [start, end). */
  readonly replacement?: string;
}

export interface ParsedText {
  /** Significant tokens (no comments, no whitespace), when asked for. */
  readonly tokens?: readonly IToken[];
  /** The comment tokens, with `tokens`. */
  readonly commentTokens?: readonly IToken[];
  readonly comments: readonly A.Comment[];
  readonly declarations: readonly (A.Declaration | A.ImportDecl)[];
  /** String literals whose escapes and interpolations are still to be read. */
  readonly strings: readonly PendingString[];
  readonly errors: readonly SyntaxError[];
}

/**
 * Whether buf[i] starts a declaration (import, type, model, tool, agent,
 * guardrail or flow, then a name or an import's path).
 */
function startsDeclaration(source: TokenWindows, i: number): boolean {
  const tt = source.buf[i]!.tokenType;
  if (!isDeclarationKeyword(tt)) return false;
  if (!source.has(i + 1)) return true;
  const next = source.buf[i + 1]!.tokenType;
  if (tt === T.Import) return next === T.StringToken || next === T.UnterminatedString || next === T.LBrace;
  return next === T.Identifier;
}

function isDeclarationKeyword(tt: TokenType): boolean {
  return tt === T.Flow || tt === T.Tool || tt === T.Type || tt === T.Import || tt === T.Model || tt === T.Agent || tt === T.Guardrail;
}

/** Whether buf[i] starts a task or a template (`task NAME`, `template NAME`). */
function startsMember(source: TokenWindows, i: number): boolean {
  const tt = source.buf[i]!.tokenType;
  return (tt === T.Task || tt === T.Template) && source.has(i + 1) && source.buf[i + 1]!.tokenType === T.Identifier;
}

/** What lexing a file finds besides its significant tokens, in the order grammar/parse.ts reports it. */
interface LexFindings {
  /** Where spans say comments are. */
  readonly file: string;
  readonly comments: A.Comment[];
  /** The comment tokens too, when asked for (else they die with their window). */
  readonly commentTokens: IToken[] | undefined;
  /** Characters that are not part of the language. */
  readonly characterErrors: SyntaxError[];
  /** `#` comments and `;`. */
  readonly slipErrors: SyntaxError[];
  /** Single-quoted and unterminated strings. */
  readonly stringErrors: SyntaxError[];
}

function noFindings(file = "", commentTokens = false): LexFindings {
  return { file, comments: [], commentTokens: commentTokens ? [] : undefined, characterErrors: [], slipErrors: [], stringErrors: [] };
}

function findingErrors(f: LexFindings): SyntaxError[] {
  return [...f.characterErrors, ...f.slipErrors, ...f.stringErrors];
}

export function lex(text: string): { tokens: IToken[]; comments: IToken[]; errors: SyntaxError[] } {
  const found = noFindings("", true);
  const tokens = lexRange(text, 0, text.length, found);
  return { tokens, comments: found.commentTokens!, errors: findingErrors(found) };
}

/**
 * Lexes text[start, end), which must start and end at a token boundary
 * outside any block comment; token offsets are into the whole text. The rest
 * of what the lexer finds is added to `found`.
 */
function lexRange(text: string, start: number, end: number, found: LexFindings): IToken[] {
  const whole = start === 0 && end === text.length;
  const result = T.aiwLexer.tokenize(whole ? text : flatSlice(text, start, end));
  const tokens = result.tokens;
  const comments = (result.groups["comments"] as IToken[] | undefined) ?? [];
  const slips = (result.groups["mistakes"] as IToken[] | undefined) ?? [];
  if (start !== 0) {
    for (let i = 0; i < tokens.length; i++) tokens[i]!.startOffset += start;
    for (let i = 0; i < comments.length; i++) comments[i]!.startOffset += start;
    for (let i = 0; i < slips.length; i++) slips[i]!.startOffset += start;
  }
  for (const e of result.errors) found.characterErrors.push(lexError(text, e.offset + start, e.length));
  for (const tok of slips) {
    const at = tok.startOffset;
    if (tok.tokenType === T.HashComment) {
      found.slipErrors.push({ start: at, end: at + 1, message: "'#' does not start a comment", label: "use '//' for a comment", kind: "character", help: "comments start with '//'", replacement: "//" });
    } else {
      found.slipErrors.push({ start: at, end: at + 1, message: "';' is not used in AIWork", label: "remove this ';'", kind: "character", help: "properties and statements end at the end of the line", replacement: "" });
    }
  }
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    const tt = tok.tokenType;
    if (tt === T.SingleQuotedString) {
      const inner = tok.image.slice(1, -1);
      found.stringErrors.push({
        start: tok.startOffset,
        end: tok.startOffset + tok.image.length,
        message: "strings are written in double quotes",
        label: "single quotes",
        kind: "character",
        help: "write the string in double quotes",
        ...(inner.includes('"') || inner.includes("\\") ? {} : { replacement: `"${inner}"` }),
      });
    } else if (tt === T.UnterminatedString) {
      found.stringErrors.push({
        start: tok.startOffset,
        end: tok.startOffset + tok.image.length,
        message: "this string is never closed",
        label: "the string starts here and runs to the end of the line",
        kind: "unterminated-string",
      });
    }
  }
  const file = found.file;
  for (let i = 0; i < comments.length; i++) {
    const c = comments[i]!;
    const tt = c.tokenType;
    const at = c.startOffset;
    // From the text itself, not the window's copy (which the tree would then keep).
    const image = whole ? c.image : text.slice(at, at + c.image.length);
    found.comments.push({ kind: tt === T.DocComment ? "doc" : tt === T.BlockComment ? "block" : "line", text: image, file, start: at, end: at + image.length });
  }
  if (found.commentTokens !== undefined) for (let i = 0; i < comments.length; i++) found.commentTokens.push(comments[i]!);
  return tokens;
}

function lexError(text: string, offset: number, length: number): SyntaxError {
  const chars = [...text.slice(offset, offset + length)];
  const shown = chars
    .slice(0, 8)
    .map((c) => {
      const cp = c.codePointAt(0)!;
      return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0xd800 && cp <= 0xdfff) ? `U+${cp.toString(16).toUpperCase().padStart(4, "0")}` : c === "'" ? '"\'"' : `'${c}'`;
    })
    .join(" ");
  const many = chars.length > 1;
  return {
    start: offset,
    end: offset + length,
    message: `unexpected character${many ? "s" : ""} ${shown}${chars.length > 8 ? " ..." : ""}`,
    label: many ? "these characters are not part of the language" : "this character is not part of the language",
    kind: "character",
  };
}

/**
 * The tokens of a file, lexed a window of about WINDOW characters at a time
 * as the parser needs them, so a long file's tokens need not all be alive at
 * once. Windows end at line starts: no token but whitespace and block
 * comments spans lines, so a file with no `/*` is lexed in windows and any
 * other in one piece. Indices are into `buf`, whose first `count` entries are
 * the tokens (`drop` moves them to the front); the array keeps its length,
 * so appending and dropping allocate nothing once it is large enough.
 */
class TokenWindows {
  buf: IToken[] = [];
  count = 0;
  private lexedTo = 0;
  private text = "";
  private window = 0;
  private found: LexFindings = noFindings();
  private docs: DocCommentReader = docCommentReader("");

  /** Starts on a new text; what lexing finds besides tokens goes to `found`. */
  begin(text: string, window: number, found: LexFindings): void {
    this.buf = [];
    this.count = 0;
    this.lexedTo = 0;
    this.text = text;
    this.window = window;
    this.found = found;
    this.docs = docCommentReader(text);
  }

  /** Lets go of the last text and its tokens. */
  release(): void {
    this.begin("", 0, noFindings());
  }

  get docComments(): DocComments {
    return this.docs;
  }

  /** Whether buf[i] exists, lexing more of the text if needed. */
  has(i: number): boolean {
    while (i >= this.count) {
      const text = this.text;
      if (this.lexedTo >= text.length) return false;
      let end = this.lexedTo + this.window;
      if (end >= text.length) end = text.length;
      else {
        const lineEnd = text.indexOf("\n", end);
        end = lineEnd < 0 ? text.length : lineEnd + 1;
      }
      const commentsBefore = this.found.comments.length;
      const tokens = lexRange(text, this.lexedTo, end, this.found);
      this.docs.add(this.found.comments, commentsBefore);
      this.lexedTo = end;
      // Appended in place (and dropped in place below): a new array per
      // window was 8 bytes per token per copy, for every token of the file.
      if (this.count === 0) {
        this.buf = tokens;
        this.count = tokens.length;
      } else {
        const buf = this.buf;
        let n = this.count;
        for (let k = 0; k < tokens.length; k++) {
          if (n < buf.length) buf[n] = tokens[k]!;
          else buf.push(tokens[k]!);
          n++;
        }
        this.count = n;
      }
    }
    return true;
  }

  /** The tokens, when the whole text was lexed in one window (nothing dropped). */
  all(): IToken[] {
    this.buf.length = this.count;
    return this.buf;
  }

  /** Forgets buf[0, i) (when that is at least half of buf); returns how far indices moved. */
  drop(i: number): number {
    if (i < 4096 || i * 2 < this.count) return 0;
    // A loop, not copyWithin (a generic builtin, many times slower on arrays).
    const buf = this.buf;
    const n = this.count - i;
    for (let k = 0; k < n; k++) buf[k] = buf[i + k]!;
    // The slots past the tokens still hold dropped tokens: let them go.
    for (let k = n; k < i; k++) buf[k] = undefined as unknown as IToken;
    this.count = n;
    return i;
  }

  /** Puts back the tokens of text[start, buf[i].startOffset) before buf[i] (lexed again); returns the new index of `start`'s token. */
  restore(start: number, i: number): number {
    const upTo = i < this.count ? this.buf[i]!.startOffset : this.lexedTo;
    const again = T.aiwLexer.tokenize(this.text.slice(start, upTo)).tokens;
    for (const t of again) t.startOffset += start;
    this.buf = again.concat(this.buf.slice(i, this.count));
    this.count = this.buf.length;
    return 0;
  }
}

// One TokenWindows and one Scan are reused, as the parser is: short-lived
// instances let a full GC drop their object shapes, which V8 holds weakly, and
// the optimised code of the scanning loop that reads them would then be thrown
// away at every parse.
const windows = new TokenWindows();
const scan: Scan = { depth: 0, prefix: 0, opened: false, tooDeep: undefined, memberNext: false };

/** Room for the sentinels the parser appends to its input (maxLookahead + 1). */
const SENTINELS = 4;

/**
 * The parser's input while it parses a long flow in pieces: each piece's
 * tokens are copied into this one array (a new array per piece was 8 bytes
 * per token of the flow, all of it garbage). Its slots are cleared when a
 * parse ends, so it keeps no file's tokens alive, and it keeps its room.
 * Chevrotain appends its end-of-input sentinels to the input and removes
 * them after parsing. A declaration parsed whole gets an array of its own
 * (parseDeclaration): it may be a whole file's tokens, too large to keep.
 */
const pieceTokens: IToken[] = [];

function pieceOf(buf: readonly IToken[], i: number, j: number): IToken[] {
  const n = j - i;
  for (let k = 0; k < n; k++) pieceTokens[k] = buf[i + k]!;
  pieceTokens.length = n;
  return pieceTokens;
}

/** Characters lexed at a time by parseText when it does not keep the tokens. */
export const WINDOW = 64 * 1024;
/** Tokens a piece of a flow has at least (but the last): enough to make the cost of each parser call small. */
export const MIN_PIECE = 2048;

/**
 * Parses a whole file into declarations. Never throws on any input.
 *
 * Unless `tokens` is asked for, a long flow is parsed a piece at a time (its
 * start, runs of tasks, its end: parser.flowStart/flowMembers/flowEnd) while
 * the text is lexed a window at a time, so only a piece's tokens are alive
 * and the time stays linear in the size of the file (docs/architecture.md).
 * A flow in which any piece has an error is parsed again whole, so what
 * recovery finds, and every message, is what the whole-flow parse gives.
 */
export function parseText(file: string, text: string, options: { tokens?: boolean } = {}): ParsedText {
  const keep = options.tokens === true;
  const found = noFindings(file, keep);
  const source = windows;
  source.begin(text, keep || text.includes("/*") ? text.length : WINDOW, found);
  parser.begin(file, text, source.docComments);
  const run: ParseRun = { text, source, split: !keep, declarations: [], errors: [], flow: undefined, whole: -1 };
  let strings: PendingString[] = [];
  let tokens: IToken[] = [];
  try {
    let i = 0;
    while (source.has(i)) {
      if (!keep) i -= source.drop(i);
      const first = source.buf[i]!;
      const isDeclaration = startsDeclaration(source, i);
      const inFlow = run.flow !== undefined;
      // Piece a flow when its tokens are not kept, unless it is being parsed again whole.
      const split = run.split && (inFlow || (isDeclaration && first.tokenType === T.Flow && first.startOffset !== run.whole));
      if (!inFlow) {
        scan.depth = 0;
        scan.prefix = 0;
        scan.opened = false;
      }
      const j = scanPiece(source, i, split, scan);
      if (!isDeclaration && !inFlow) {
        strayTokens(run, first);
        i = j;
      } else if (split && (scan.memberNext || inFlow)) {
        i = parseFlowPiece(run, i, j, scan);
      } else {
        parseDeclaration(run, i, j, scan.tooDeep);
        i = j;
      }
    }
    for (const c of parser.customErrors) run.errors.push({ ...c, kind: "syntax" });
    for (const m of parser.missingValues) {
      run.errors.push({
        start: m.at,
        end: m.at,
        message: `'${m.key}:' has no value: expected a value after the colon, found ${isRealToken(m.found) ? describeToken(m.found) : "the end of the declaration"}`,
        label: "a value was expected here",
        kind: "syntax",
      });
    }
  } finally {
    // Keep nothing of this file in the parser but its strings (read next, by compiler/strings.ts).
    strings = parser.strings;
    parser.release();
    pieceTokens.fill(undefined as unknown as IToken);
    tokens = source.all();
    source.release();
    scan.tooDeep = undefined;
  }
  return { ...(keep ? { tokens, commentTokens: found.commentTokens! } : {}), comments: found.comments, declarations: run.declarations, strings, errors: [...findingErrors(found), ...run.errors] };
}

/** The state of one parseText call. */
interface ParseRun {
  readonly text: string;
  readonly source: TokenWindows;
  /** Whether long flows are parsed in pieces. */
  readonly split: boolean;
  readonly declarations: (A.Declaration | A.ImportDecl)[];
  readonly errors: SyntaxError[];
  /** A flow being parsed in pieces: its node, its first token's offset, and how much the parser had gathered before it. */
  flow: { readonly node: A.FlowDecl; readonly start: number; readonly strings: number; readonly customErrors: number; readonly missingValues: number } | undefined;
  /** The offset of a flow to parse whole (a piece of it had errors). */
  whole: number;
}

/** What scanPiece finds on its way; the nesting carries over from piece to piece of a flow. */
interface Scan {
  depth: number;
  prefix: number;
  /** Whether the flow's body brace has been met. */
  opened: boolean;
  /** The token at which nesting first exceeds MAX_NESTING (see deepestNesting). */
  tooDeep: IToken | undefined;
  /** Whether the piece ends at a task or template of a flow being split. */
  memberNext: boolean;
}

/** The end of the piece starting at buf[i]: the next declaration, or (when splitting a flow) its next task or template. */
function scanPiece(source: TokenWindows, i: number, split: boolean, scan: Scan): number {
  let depth = scan.depth;
  let prefix = scan.prefix;
  let opened = scan.opened;
  let tooDeep: IToken | undefined;
  let memberNext = false;
  let buf = source.buf;
  let count = source.count;
  let j = i;
  for (;;) {
    const t = buf[j]!;
    if (tooDeep === undefined) {
      const tt = t.tokenType;
      if (tt === T.LParen || tt === T.LBracket || tt === T.LBrace) {
        if (depth === 0 && tt === T.LBrace) opened = true;
        depth++;
      } else if (tt === T.RParen || tt === T.RBracket || tt === T.RBrace) depth = depth > 0 ? depth - 1 : 0;
      if (tt === T.Not || tt === T.Minus) prefix++;
      else prefix = 0;
      if (depth + prefix > MAX_NESTING) tooDeep = t;
    }
    j++;
    if (j >= count) {
      if (!source.has(j)) break;
      buf = source.buf;
      count = source.count;
    }
    const next = buf[j]!.tokenType;
    if (isDeclarationKeyword(next) && startsDeclaration(source, j)) break;
    if (split && depth === 1 && opened && (next === T.Task || next === T.Template) && j - i >= MIN_PIECE && startsMember(source, j)) {
      memberNext = true;
      break;
    }
  }
  scan.depth = depth;
  scan.prefix = prefix;
  scan.opened = opened;
  scan.tooDeep = tooDeep;
  scan.memberNext = memberNext;
  return j;
}

/** Tokens before the next declaration: one error, and they are skipped. */
function strayTokens(run: ParseRun, first: IToken): void {
  run.errors.push({
    start: first.startOffset,
    end: endOf(first),
    message: `expected a declaration (import, type, model, tool, agent, guardrail or flow), found ${describeToken(first)}`,
    label: "a declaration was expected here",
    kind: "syntax",
  });
}

/** Parses buf[i, j), one declaration. */
function parseDeclaration(run: ParseRun, i: number, j: number, tooDeep: IToken | undefined): void {
  if (tooDeep !== undefined) {
    run.errors.push({ start: tooDeep.startOffset, end: endOf(tooDeep), message: `this declaration nests brackets or operators more than ${MAX_NESTING} levels deep`, label: "nested too deeply here", kind: "syntax" });
    return;
  }
  // Chevrotain appends end-of-input sentinels to its input (and removes them
  // after parsing): slicing with room for them keeps a long declaration's
  // tokens from being copied into a larger array when they are appended.
  const piece = run.source.buf.slice(i, j + SENTINELS);
  piece.length = j - i;
  parser.input = piece;
  parser.current = undefined;
  let decl: A.Declaration | A.ImportDecl | undefined;
  try {
    decl = parser.declaration() ?? parser.current;
  } catch (err) {
    // A backstop: the nesting limit keeps the recursive parser well inside
    // the stack, but no input may crash the compiler.
    if (!(err instanceof RangeError)) throw err;
    run.errors.push({ start: piece[0]!.startOffset, end: endOf(piece[0]!), message: "this declaration is too deeply nested to parse", label: "here", kind: "syntax" });
    return;
  }
  for (const e of parser.errors) run.errors.push(syntaxError(run.text, e, piece));
  if (decl !== undefined) run.declarations.push(decl);
}

/**
 * Parses buf[i, j), a piece of a flow; returns where to go on. A piece with
 * any error sends the parse back to the flow's first token (lexed again),
 * to parse the flow whole.
 */
function parseFlowPiece(run: ParseRun, i: number, j: number, scan: Scan): number {
  const flow = run.flow;
  const mark = flow ?? { start: run.source.buf[i]!.startOffset, strings: parser.strings.length, customErrors: parser.customErrors.length, missingValues: parser.missingValues.length };
  let node: A.FlowDecl | undefined;
  if (scan.tooDeep === undefined) {
    parser.input = pieceOf(run.source.buf, i, j);
    try {
      if (flow === undefined) node = parser.flowStart();
      else {
        if (scan.memberNext) parser.flowMembers(flow.node);
        else parser.flowEnd(flow.node);
        node = flow.node;
      }
    } catch (err) {
      // Too deeply nested for the stack: the whole flow's parse reports it.
      if (!(err instanceof RangeError)) throw err;
      node = undefined;
    }
  }
  const clean = node !== undefined && parser.errors.length === 0 && parser.customErrors.length === mark.customErrors && parser.missingValues.length === mark.missingValues;
  if (!clean) {
    parser.strings.length = mark.strings;
    parser.customErrors.length = mark.customErrors;
    parser.missingValues.length = mark.missingValues;
    run.flow = undefined;
    run.whole = mark.start;
    return run.source.restore(mark.start, i);
  }
  if (!scan.memberNext) {
    run.declarations.push(node!);
    run.flow = undefined;
  } else if (flow === undefined) {
    run.flow = { node: node!, start: mark.start, strings: mark.strings, customErrors: mark.customErrors, missingValues: mark.missingValues };
  }
  return j;
}

/**
 * Deeper expression trees than this (long operator or field chains) are
 * refused by the checker before anything walks them recursively.
 */
export const MAX_EXPRESSION_DEPTH = 256;

/**
 * The first expression of a declaration whose tree is deeper than
 * MAX_EXPRESSION_DEPTH, for tools that walk an AST the checker has not seen
 * (the formatter). Iterative.
 */
export function tooDeepExpression(decl: A.Declaration | A.ImportDecl): { start: number; end: number } | undefined {
  const stack: { node: unknown; depth: number }[] = [{ node: decl, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    if (Array.isArray(node)) {
      for (const x of node) stack.push({ node: x, depth });
      continue;
    }
    const isExpr = typeof (node as { kind?: unknown }).kind === "string" && EXPR_KINDS.has((node as { kind: string }).kind);
    const d = isExpr ? depth + 1 : depth;
    if (d > MAX_EXPRESSION_DEPTH) return (node as { span: { start: number; end: number } }).span;
    for (const [k, v] of Object.entries(node)) {
      if (k === "span" || k === "operatorSpan" || k === "argsSpan" || k === "pathSpan" || k === "returnSpan" || typeof v !== "object") continue;
      stack.push({ node: v, depth: d });
    }
  }
  return undefined;
}

const EXPR_KINDS = new Set(["Number", "Duration", "String", "Boolean", "Null", "Name", "Field", "Index", "Call", "Unary", "Binary", "List", "Record", "Paren"]);

/** Deeper nesting than this is refused before parsing (the parser is recursive). */
export const MAX_NESTING = 64;

/** The token at which nesting first exceeds MAX_NESTING, if it does. */
function deepestNesting(tokens: readonly IToken[]): IToken | undefined {
  let depth = 0;
  let prefix = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const tt = t.tokenType;
    if (tt === T.LParen || tt === T.LBracket || tt === T.LBrace) depth++;
    else if (tt === T.RParen || tt === T.RBracket || tt === T.RBrace) depth = depth > 0 ? depth - 1 : 0;
    // Runs of prefix operators recurse too: `not not not x`, `- - - x`.
    if (tt === T.Not || tt === T.Minus) prefix++;
    else prefix = 0;
    if (depth + prefix > MAX_NESTING) return t;
  }
  return undefined;
}

/**
 * Parses a stand-alone expression (the inside of a `${...}` interpolation),
 * continuing the current file: its strings join parser.strings.
 */
export function parseExpressionTokens(tokens: IToken[]): { expr: A.Expr | undefined; errors: IRecognitionException[]; rest: number } {
  if (deepestNesting(tokens) !== undefined) return { expr: undefined, errors: [], rest: tokens.length };
  const pending = parser.strings;
  parser.input = tokens;
  parser.strings = pending;
  let expr: A.Expr | undefined;
  try {
    expr = parser.expression();
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return { expr: undefined, errors: [], rest: tokens.length };
  }
  const errors = [...parser.errors];
  // Anything the expression rule did not consume is reported by the caller.
  const consumed = (parser as unknown as { currIdx: number }).currIdx + 1;
  return { expr, errors, rest: Math.max(0, tokens.length - consumed) };
}

export function endOf(tok: IToken): number {
  return tok.startOffset + tok.image.length;
}

export function describeToken(tok: IToken): string {
  if (tok.tokenType === T.StringToken || tok.tokenType === T.UnterminatedString) return "a string";
  if (tok.tokenType.name === "EOF") return "the end of the file";
  if (tok.tokenType === T.Identifier) return `the name '${tok.image}'`;
  if (tok.tokenType === T.NumberToken) return `the number ${tok.image}`;
  if (tok.tokenType === T.Duration) return `the duration ${tok.image}`;
  if (T.keywordTokens.includes(tok.tokenType)) return `the keyword '${tok.image}'`;
  return `'${tok.image}'`;
}

function isRealToken(tok: IToken | undefined): tok is IToken {
  return tok !== undefined && tok.tokenType.name !== "EOF" && Number.isFinite(tok.startOffset) && !tok.isInsertedInRecovery;
}

function syntaxError(text: string, e: IRecognitionException, chunk: readonly IToken[]): SyntaxError {
  const stack = e.context?.ruleStack ?? [];
  let what = "";
  for (let k = stack.length - 1; k >= 0; k--) {
    const d = ruleDescriptions[stack[k]!];
    if (d !== undefined && stack[k] !== "declaration" && stack[k] !== "expression") {
      what = d;
      break;
    }
  }
  const expected = e.message;
  const tok = e.token;
  const previous = (e as IRecognitionException & { previousToken?: IToken }).previousToken;
  const found = isRealToken(tok) ? describeToken(tok) : "the end of the declaration";
  const closesBlock = e.name === "MismatchedTokenException" && isRealToken(tok) && (tok.tokenType === T.Task || tok.tokenType === T.Template || tok.tokenType === T.Return) && expected.endsWith("'}'");
  const message = closesBlock
    ? `expected '}' to close ${what || "the block"} before ${found}`
    : `expected ${expected}${what ? ` in ${what}` : ""}, found ${found}`;
  // Point at the token found, unless it is on a later line than the last good
  // token (a missing '}' at a line end): then point just after that token.
  const last = isRealToken(previous) ? previous : lastRealBefore(chunk, tok);
  if (isRealToken(tok)) {
    if (last !== undefined && e.name === "MismatchedTokenException" && hasLineBreak(text, endOf(last), tok.startOffset)) {
      const at = endOf(last);
      return { start: at, end: at, message, label: `expected ${expected} here`, kind: "syntax" };
    }
    return { start: tok.startOffset, end: endOf(tok), message, label: `expected ${expected}`, kind: "syntax" };
  }
  const at = last !== undefined ? endOf(last) : text.length;
  return { start: at, end: at, message, label: `expected ${expected} here`, kind: "syntax" };
}

function lastRealBefore(chunk: readonly IToken[], tok: IToken): IToken | undefined {
  if (isRealToken(tok)) {
    let idx = chunk.indexOf(tok);
    while (--idx >= 0) if (isRealToken(chunk[idx])) return chunk[idx];
    return undefined;
  }
  for (let k = chunk.length - 1; k >= 0; k--) if (isRealToken(chunk[k])) return chunk[k];
  return undefined;
}

function hasLineBreak(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return true;
  }
  return false;
}

/** The doc comment of the declaration, task or field at an offset (see docCommentReader). */
export interface DocComments {
  get(offset: number): string | undefined;
}

/**
 * Maps the offset of the first token after each run of `///` comments to the
 * run's text. A run belongs to the declaration that starts right after it.
 * Comments are added in text order, a window at a time (`add`); runs are
 * kept in two sorted arrays (a 10,000-task flow has 10,000 of them, which a
 * Map spread over memory) and looked up from the last lookup on.
 */
interface DocCommentReader extends DocComments {
  /** Reads comments[from...]. */
  add(comments: readonly A.Comment[], from: number): void;
}

function docCommentReader(text: string): DocCommentReader {
  const targets: number[] = [];
  const docs: string[] = [];
  // The run so far, its lines joined by "\n" ("" and inRun false when none);
  // while in a run, its entry is the last one, moved on at each line.
  const run = { joined: "", inRun: false, lastEnd: -1 };
  const add = (comments: readonly A.Comment[], from: number): void => {
    let { joined, inRun, lastEnd } = run;
    for (let i = from; i < comments.length; i++) {
      const c = comments[i]!;
      if (c.kind !== "doc") {
        inRun = false;
        continue;
      }
      if (inRun && !onlyWhitespace(text, lastEnd, c.start)) inRun = false;
      const image = c.text;
      // The text after "///" and one optional space.
      const line = image.charCodeAt(3) === 32 ? image.slice(4) : image.slice(3);
      lastEnd = c.end;
      let next = lastEnd;
      while (next < text.length && isSpace(text.charCodeAt(next))) next++;
      if (inRun) {
        joined = `${joined}\n${line}`;
        targets[targets.length - 1] = next;
        docs[docs.length - 1] = joined;
      } else {
        joined = line;
        inRun = true;
        targets.push(next);
        docs.push(joined);
      }
    }
    run.joined = joined;
    run.inRun = inRun;
    run.lastEnd = lastEnd;
  };
  // The parser asks in source order (but for a flow parsed again whole), so
  // each lookup starts where the last one ended: a binary search per task
  // costs more the longer the file.
  let at = 0;
  const get = (offset: number): string | undefined => {
    let lo = at;
    if (lo > 0 && targets[lo - 1]! >= offset) {
      lo = 0;
      let hi = targets.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (targets[mid]! < offset) lo = mid + 1;
        else hi = mid;
      }
    } else {
      while (lo < targets.length && targets[lo]! < offset) lo++;
    }
    at = lo;
    return lo < targets.length && targets[lo] === offset ? docs[lo] : undefined;
  };
  return { add, get };
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11 || c === 0xfeff;
}

function onlyWhitespace(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isSpace(text.charCodeAt(i))) return false;
  return true;
}
