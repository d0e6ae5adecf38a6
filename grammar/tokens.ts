// The lexer of `.aiw` files: token types, keyword handling (longer_alt to the
// identifier, so `agentName` is one name) and comments kept in a token group.

import { createToken, Lexer, type TokenType, type CustomPatternMatcherReturn } from "chevrotain";
import { flatSlice } from "./flat-slice.ts";

/** Every binary operator: expressions are parsed flat, then folded by precedence. */
export const BinaryOperator = createToken({ name: "BinaryOperator", pattern: Lexer.NA, label: "an operator" });

/** Any word: an identifier or a keyword. Property and field names accept keywords. */
export const Name = createToken({ name: "Name", pattern: Lexer.NA, label: "a name" });
export const Identifier = createToken({
  name: "Identifier",
  pattern: { exec: matchIdentifier },
  start_chars_hint: [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_"],
  line_breaks: false,
  categories: [Name],
  label: "a name",
});

/** What matchIdentifier returns; Chevrotain reads its [0] at once, so one array serves every match. */
const identifierMatch = [""] as unknown as CustomPatternMatcherReturn & string[];

function isIdentifierStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isIdentifierPart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

/** `[A-Za-z_][A-Za-z0-9_]*`, its image taken from the name table. */
function matchIdentifier(text: string, offset: number): CustomPatternMatcherReturn | null {
  let c = text.charCodeAt(offset);
  if (!isIdentifierStart(c)) return null;
  let hash = c;
  let end = offset + 1;
  while (isIdentifierPart((c = text.charCodeAt(end)))) {
    hash = (Math.imul(hash, 31) + c) | 0;
    end++;
  }
  identifierMatch[0] = internName(text, offset, end, hash);
  return identifierMatch;
}

/**
 * Names seen by the lexer, so that each distinct name is one string: a long
 * flow says `t12`, `text` or `run` thousands of times, and a string per
 * occurrence was a fifth of what its tree kept. An open-addressing table by
 * a hash of the characters, looked up before any string is made; emptied
 * when it holds NAME_TABLE_LIMIT names, so it never grows without bound.
 */
const NAME_TABLE_LIMIT = 1 << 16;
let nameSlots: (string | undefined)[] = new Array<string | undefined>(1024).fill(undefined);
let nameHashes = new Int32Array(1024);
let nameCount = 0;

function internName(text: string, start: number, end: number, hash: number): string {
  const length = end - start;
  let mask = nameSlots.length - 1;
  let i = hash & mask;
  for (;;) {
    const s = nameSlots[i];
    if (s === undefined) break;
    if (nameHashes[i] === hash && s.length === length && sameChars(s, text, start, length)) return s;
    i = (i + 1) & mask;
  }
  // A copy: the table outlives the text (a long name sliced from it would keep it alive).
  const name = flatSlice(text, start, end);
  if (nameCount >= NAME_TABLE_LIMIT) {
    nameSlots = new Array<string | undefined>(1024).fill(undefined);
    nameHashes = new Int32Array(1024);
    nameCount = 0;
  } else if ((nameCount + 1) * 2 > nameSlots.length) {
    growNameTable();
  } else {
    nameSlots[i] = name;
    nameHashes[i] = hash;
    nameCount++;
    return name;
  }
  mask = nameSlots.length - 1;
  i = hash & mask;
  while (nameSlots[i] !== undefined) i = (i + 1) & mask;
  nameSlots[i] = name;
  nameHashes[i] = hash;
  nameCount++;
  return name;
}

function sameChars(s: string, text: string, start: number, length: number): boolean {
  for (let k = 0; k < length; k++) if (s.charCodeAt(k) !== text.charCodeAt(start + k)) return false;
  return true;
}

function growNameTable(): void {
  const oldSlots = nameSlots;
  const oldHashes = nameHashes;
  const size = oldSlots.length * 2;
  nameSlots = new Array<string | undefined>(size).fill(undefined);
  nameHashes = new Int32Array(size);
  const mask = size - 1;
  for (let k = 0; k < oldSlots.length; k++) {
    const s = oldSlots[k];
    if (s === undefined) continue;
    let i = oldHashes[k]! & mask;
    while (nameSlots[i] !== undefined) i = (i + 1) & mask;
    nameSlots[i] = s;
    nameHashes[i] = oldHashes[k]!;
  }
}

function keyword(word: string, operator = false): TokenType {
  return createToken({
    name: word[0]!.toUpperCase() + word.slice(1),
    pattern: new RegExp(word),
    longer_alt: Identifier,
    categories: operator ? [Name, BinaryOperator] : [Name],
    label: `'${word}'`,
  });
}

export const Import = keyword("import");
export const Type = keyword("type");
export const Model = keyword("model");
export const Tool = keyword("tool");
export const Agent = keyword("agent");
export const Guardrail = keyword("guardrail");
export const Flow = keyword("flow");
export const Task = keyword("task");
export const Template = keyword("template");
export const After = keyword("after");
export const When = keyword("when");
export const For = keyword("for");
export const In = keyword("in", true);
export const Else = keyword("else");
export const From = keyword("from");
export const Return = keyword("return");
export const True = keyword("true");
export const False = keyword("false");
export const Null = keyword("null");
export const And = keyword("and", true);
export const Or = keyword("or", true);
export const Not = keyword("not");
export const Output = keyword("output");

/** Every keyword; a keyword may still be used as a field or property name. */
export const keywordTokens: readonly TokenType[] = [
  Import, Type, Model, Tool, Agent, Guardrail, Flow, Task, Template, After, When, For, In, Else, From, Return,
  True, False, Null, And, Or, Not, Output,
];

export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r\n\f\v\uFEFF]+/, group: Lexer.SKIPPED, line_breaks: true });
export const DocComment = createToken({ name: "DocComment", pattern: /\/\/\/[^\n\r]*/, group: "comments" });
export const LineComment = createToken({ name: "LineComment", pattern: /\/\/[^\n\r]*/, group: "comments" });
export const BlockComment = createToken({ name: "BlockComment", pattern: /\/\*[\s\S]*?\*\//, group: "comments", line_breaks: true });

/**
 * A string literal, possibly with `${expr}` interpolations that may themselves
 * hold strings and braces. Ends at the closing quote; a raw line break ends it
 * as unterminated.
 */
function matchString(text: string, offset: number): CustomPatternMatcherReturn | null {
  if (text.charCodeAt(offset) !== 34) return null;
  const end = scanString(text, offset);
  if (end < 0) return null;
  return [text.slice(offset, end)] as unknown as CustomPatternMatcherReturn;
}

/** Strings nest inside interpolations at most this deep; deeper is unterminated. */
export const MAX_STRING_NESTING = 16;

/** Returns the offset after the closing quote, or -1 when unterminated. */
export function scanString(text: string, offset: number, depth = 0): number {
  if (depth > MAX_STRING_NESTING) return -1;
  let i = offset + 1;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34) return i + 1;
    if (c === 10 || c === 13) return -1;
    if (c === 92) {
      i += 2;
      continue;
    }
    if (c === 36 && text.charCodeAt(i + 1) === 123) {
      const close = scanInterpolation(text, i + 2, depth);
      if (close < 0) return -1;
      i = close + 1;
      continue;
    }
    i++;
  }
  return -1;
}

/** Offset of the `}` closing an interpolation opened just before `start`, or -1. */
export function scanInterpolation(text: string, start: number, depth = 0): number {
  let braces = 0;
  let i = start;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return -1;
    if (c === 34) {
      const after = scanString(text, i, depth + 1);
      if (after < 0) return -1;
      i = after;
      continue;
    }
    if (c === 123) braces++;
    else if (c === 125) {
      if (braces === 0) return i;
      braces--;
    }
    i++;
  }
  return -1;
}

/** Category shared by complete and unterminated strings, so the parser accepts both. */
export const StringLiteral = createToken({ name: "StringLiteral", pattern: Lexer.NA, label: "a string" });
export const StringToken = createToken({
  name: "String",
  pattern: { exec: matchString },
  line_breaks: false,
  start_chars_hint: ['"'],
  categories: [StringLiteral],
  label: "a string",
});
export const UnterminatedString = createToken({
  name: "UnterminatedString",
  pattern: /"[^\n\r]*/,
  categories: [StringLiteral],
  label: "a string",
});

/**
 * Common slips, lexed so they give one clear error and parsing goes on as if
 * they were not there (`#` comments, `;`), or as the string that was meant.
 */
export const HashComment = createToken({ name: "HashComment", pattern: /#[^\n\r]*/, group: "mistakes" });
export const Semicolon = createToken({ name: "Semicolon", pattern: /;/, group: "mistakes" });
export const SingleQuotedString = createToken({
  name: "SingleQuotedString",
  pattern: /'(?:[^'\\\n\r]|\\.)*'/,
  categories: [StringLiteral],
  label: "a string",
});

export const Duration = createToken({ name: "Duration", pattern: /\d+(?:\.\d+)?(?:ms|s|m|h|d)(?![A-Za-z0-9_])/, label: "a duration" });
export const NumberToken = createToken({ name: "Number", pattern: /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/, label: "a number" });

export const Arrow = createToken({ name: "Arrow", pattern: /->/, label: "'->'" });
export const EqEq = createToken({ name: "EqEq", pattern: /==/, categories: [BinaryOperator], label: "'=='" });
export const NotEq = createToken({ name: "NotEq", pattern: /!=/, categories: [BinaryOperator], label: "'!='" });
export const LtEq = createToken({ name: "LtEq", pattern: /<=/, categories: [BinaryOperator], label: "'<='" });
export const GtEq = createToken({ name: "GtEq", pattern: /\>=/, categories: [BinaryOperator], label: "'>='" });
export const Lt = createToken({ name: "Lt", pattern: /</, categories: [BinaryOperator], label: "'<'" });
export const Gt = createToken({ name: "Gt", pattern: />/, categories: [BinaryOperator], label: "'>'" });
export const Equals = createToken({ name: "Equals", pattern: /=/, label: "'='" });
export const Plus = createToken({ name: "Plus", pattern: /\+/, categories: [BinaryOperator], label: "'+'" });
export const Minus = createToken({ name: "Minus", pattern: /-/, categories: [BinaryOperator], label: "'-'" });
export const Star = createToken({ name: "Star", pattern: /\*/, categories: [BinaryOperator], label: "'*'" });
export const Slash = createToken({ name: "Slash", pattern: /\//, categories: [BinaryOperator], label: "'/'" });
export const Percent = createToken({ name: "Percent", pattern: /%/, categories: [BinaryOperator], label: "'%'" });
export const Question = createToken({ name: "Question", pattern: /\?/, label: "'?'" });
export const LBrace = createToken({ name: "LBrace", pattern: /\{/, label: "'{'" });
export const RBrace = createToken({ name: "RBrace", pattern: /\}/, label: "'}'" });
export const LParen = createToken({ name: "LParen", pattern: /\(/, label: "'('" });
export const RParen = createToken({ name: "RParen", pattern: /\)/, label: "')'" });
export const LBracket = createToken({ name: "LBracket", pattern: /\[/, label: "'['" });
export const RBracket = createToken({ name: "RBracket", pattern: /\]/, label: "']'" });
export const Comma = createToken({ name: "Comma", pattern: /,/, label: "','" });
export const Colon = createToken({ name: "Colon", pattern: /:/, label: "':'" });
export const Dot = createToken({ name: "Dot", pattern: /\./, label: "'.'" });

export const allTokens: TokenType[] = [
  WhiteSpace,
  DocComment,
  LineComment,
  BlockComment,
  Name,
  BinaryOperator,
  StringLiteral,
  StringToken,
  UnterminatedString,
  SingleQuotedString,
  HashComment,
  Semicolon,
  Duration,
  NumberToken,
  ...keywordTokens,
  Identifier,
  Arrow,
  EqEq,
  NotEq,
  LtEq,
  GtEq,
  Lt,
  Gt,
  Equals,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  Question,
  LBrace,
  RBrace,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Colon,
  Dot,
];

export const aiwLexer = new Lexer(allTokens, {
  positionTracking: "onlyOffset",
  ensureOptimizations: true,
});
