// Property tests of the front end and checker: whatever text they are given,
// parseFile and compileSources return (never throw, never hang), and every
// span they report lies inside the file it names. Inputs are (a) random text
// over an `.aiw`-flavoured alphabet, (b) random mutations of the example
// files, and (c) a few hand-made pathological files. Seeds are fixed, so a
// failure is reproducible; fast-check prints the shrunk counterexample.
//
// The per-case time bound is a hang detector, not a performance assertion.

import { readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileSources, type Compilation } from "../compiler/compile.ts";
import type { Diagnostic } from "../compiler/diagnostics.ts";
import { isDiagnosticCode } from "../compiler/diagnostic-codes.ts";
import { parseFile } from "../compiler/parse-file.ts";
import { lex, MIN_PIECE, parseText, WINDOW, type ParsedText } from "../grammar/parse.ts";
import type { Span } from "../compiler/source.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const examplesDir = path.join(root, "examples");

/** A generous bound per case: only an endless loop or a pathological blow-up exceeds it. */
const HANG_MS = 2000;
/** Runs per property; AIW_FUZZ_RUNS and AIW_FUZZ_SEED allow a longer, different search by hand. */
const RUNS = Number(process.env["AIW_FUZZ_RUNS"] ?? 300);
const SEED_OFFSET = Number(process.env["AIW_FUZZ_SEED"] ?? 0);
const seed = (n: number) => n + SEED_OFFSET;

const FUZZ_PATH = "/virtual/fuzz.aiw";

const validateIr = new Ajv2020({ strict: true }).compile(JSON.parse(readFileSync(path.join(root, "compiler/ir.schema.json"), "utf8")) as object);

// ------------------------------------------------------------------ checks

function spanProblem(span: Span, texts: ReadonlyMap<string, string>, what: string): string | undefined {
  const text = texts.get(span.file);
  if (text === undefined) return `${what}: file '${span.file}' is not one of ${[...texts.keys()].join(", ")}`;
  if (!Number.isInteger(span.start) || !Number.isInteger(span.end)) return `${what}: non-integer span ${span.start}..${span.end}`;
  if (!(0 <= span.start && span.start <= span.end && span.end <= text.length)) return `${what}: span ${span.start}..${span.end} outside 0..${text.length}`;
  return undefined;
}

/** Every problem with a diagnostic's spans (primary, secondary, fix edits) and fields. */
function diagnosticProblems(diags: readonly Diagnostic[], texts: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const d of diags) {
    const name = `${d.code} "${d.message}"`;
    if (!isDiagnosticCode(d.code)) out.push(`${name}: unknown code`);
    if (d.message === "") out.push(`${name}: empty message`);
    const spans: [Span, string][] = [[d.primary.span, "primary"], ...d.secondary.map((l, i): [Span, string] => [l.span, `secondary ${i}`]), ...(d.fix?.edits ?? []).map((e, i): [Span, string] => [e.span, `fix edit ${i}`])];
    for (const [s, what] of spans) {
      const p = spanProblem(s, texts, what);
      if (p !== undefined) out.push(`${name}: ${p}`);
    }
  }
  return out;
}

function timed<T>(f: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = f();
  return { value, ms: performance.now() - start };
}

/**
 * Known compiler crashes, each pinned by an `it.fails` test below. Inputs that
 * hit one are let through here so that the properties keep looking for other
 * problems; remove an entry when its bug is fixed (its `it.fails` test then
 * starts failing, as a reminder).
 */
const KNOWN_CRASHES: readonly { readonly bug: string; matches(e: unknown): boolean }[] = [];

function isKnownCrash(e: unknown): boolean {
  return KNOWN_CRASHES.some((k) => k.matches(e));
}

/**
 * Parses and compiles one file set; returns what is wrong (empty when all is
 * well). Throwing is wrong too (the property then fails with the exception),
 * unless it is one of the known crashes above.
 */
function problemsOf(sources: Readonly<Record<string, string>>, main: string): string[] {
  try {
    return problemsOrThrow(sources, main);
  } catch (e) {
    if (isKnownCrash(e)) return [];
    throw e;
  }
}

function problemsOrThrow(sources: Readonly<Record<string, string>>, main: string): string[] {
  const texts = new Map(Object.entries(sources));
  const mainText = sources[main]!;
  const problems: string[] = [];
  const parsed = timed(() => parseFile(main, mainText));
  if (parsed.ms > HANG_MS) problems.push(`parseFile took ${parsed.ms.toFixed(0)} ms`);
  problems.push(...diagnosticProblems(parsed.value.diagnostics, texts).map((p) => `parseFile: ${p}`));
  if (parsed.value.ast.path !== main) problems.push(`parseFile: ast.path is '${parsed.value.ast.path}'`);
  const compiled = timed((): Compilation => compileSources(sources, [main]));
  if (compiled.ms > HANG_MS) problems.push(`compileSources took ${compiled.ms.toFixed(0)} ms`);
  problems.push(...diagnosticProblems(compiled.value.diagnostics, texts).map((p) => `compileSources: ${p}`));
  const hasError = compiled.value.diagnostics.some((d) => d.severity === "error");
  if (hasError === (compiled.value.ir !== undefined)) problems.push(`compileSources: ir is ${compiled.value.ir ? "present despite errors" : "missing without errors"}`);
  if (compiled.value.ir !== undefined && !validateIr(JSON.parse(JSON.stringify(compiled.value.ir)))) {
    problems.push(`IR does not match compiler/ir.schema.json: ${JSON.stringify(validateIr.errors?.slice(0, 3))}`);
  }
  return problems;
}

// ------------------------------------------------------------ the alphabet

const KEYWORDS = ["import", "type", "model", "tool", "agent", "guardrail", "flow", "task", "template", "after", "when", "for", "in", "else", "from", "return", "true", "false", "null", "and", "or", "not", "output"];
const PROPERTY_NAMES = ["run", "agent", "guard", "retries", "backoff", "timeout", "cache", "inject", "description", "schedule", "start", "tags", "role", "goal", "tools", "memory", "source", "input", "ts", "python", "model", "pre", "post"];
const IDENTIFIERS = ["a", "b", "x", "t1", "_", "read_text", "write_text", "recall", "remember", "len", "upper", "string", "number", "boolean", "json", "Invoice", "fixed", "exponential", "hashed_words", "argmax", "f32"];
const PUNCTUATION = ["{", "}", "(", ")", "[", "]", ":", ",", ".", "=", "?", "->"];
const OPERATORS = ["+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "!", "&&", "|"];
const STRINGISH = ['"', '"', "${", "}", "\\", '\\"', "\\n", "\\u{1F600}", "\\u{D800}", "\\q", "$", '"a"', '"${x}"', '"./common.aiw"'];
const NUMBERS = ["0", "1", "42", "3.14", "1e9", "1e400", "10s", "500ms", "1.5h", "2d", "5m", "007", "99999999999999999999"];
const SPACE = [" ", " ", "  ", "\t", "\n", "\n", "\r", "\r\n", "\f", "\v", "\u00a0", "\ufeff"];
const COMMENTS = ["//", "///", "/*", "*/", "// c\n", "/// doc\n", "/* b */"];
const ODD = ["é", "ß", "日本", "😀", "👨‍👩‍👧", "\u0000", "\u2028", "\u2029", "\ud800", "\udc00", "\udfff", "\u200b", "#", "@", "`", "'", "~", "^", "&", ";"];

const token = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...KEYWORDS, ...PROPERTY_NAMES, ...IDENTIFIERS) },
  { weight: 4, arbitrary: fc.constantFrom(...PUNCTUATION, ...OPERATORS) },
  { weight: 2, arbitrary: fc.constantFrom(...STRINGISH) },
  { weight: 1, arbitrary: fc.constantFrom(...NUMBERS) },
  { weight: 4, arbitrary: fc.constantFrom(...SPACE) },
  { weight: 1, arbitrary: fc.constantFrom(...COMMENTS) },
  { weight: 1, arbitrary: fc.constantFrom(...ODD) },
  // Any UTF-16 code unit, lone surrogates and control characters included.
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
);

const aiwText = fc.array(token, { maxLength: 200 }).map((ts) => ts.join(""));

/** Valid files with a HOLE where random text goes. */
const CONTEXTS = [
  "flow f(p: string, xs: string[]) {\n  task t {\n    run: HOLE\n  }\n}\n",
  "flow f(p: string, xs: string[]) {\n  task a { run: read_text(path: p) }\n  task t after a when HOLE { run: a.text }\n}\n",
  "flow f(p: string, xs: string[]) {\n  task t for x in xs { run: x guard: HOLE }\n}\n",
  'flow f(p: string) {\n  task t { run: "before ${HOLE} after" }\n}\n',
  "type T { a: HOLE }\nflow f(p: T) { task t { run: p } }\n",
  'tool c(HOLE) -> string { ts: "./c.ts#c" }\nflow f(p: string) { task t { run: c(p) } }\n',
  'agent a { role: "r" goal: "g" tools: [HOLE] }\nflow f(p: string) { task t { agent: a run: read_text(path: p) } }\n',
  'model m { source: "m.xml" input i: f32[HOLE] output o: f32[?, 2] }\ntool c(x: number[]) -> json { model: m }\nflow f(p: number[]) { task t { run: c(x: p) } }\n',
  "flow f(p: string) {\n  task t { run: p inject: HOLE }\n  template u { run: 1 }\n}\n",
  'import { HOLE } from "./lib.aiw"\nflow f(p: string) { task t { run: p } }\n',
];

// ------------------------------------------------------- example mutations

const exampleFiles = readdirSync(examplesDir)
  .filter((f) => f.endsWith(".aiw"))
  .sort();
const exampleTexts = new Map(exampleFiles.map((f) => [f, readFileSync(path.join(examplesDir, f), "utf8")]));
const commonText = exampleTexts.get("common.aiw") ?? "";

type Mutation =
  | { kind: "delete"; at: number; length: number }
  | { kind: "insert"; at: number; text: string }
  | { kind: "duplicate"; at: number; length: number; to: number }
  | { kind: "swap"; a: number; b: number; length: number };

const position = fc.double({ min: 0, max: 1, noNaN: true });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: position, length: fc.nat({ max: 80 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: position, text: fc.array(token, { minLength: 1, maxLength: 6 }).map((t) => t.join("")) }),
  fc.record({ kind: fc.constant("duplicate" as const), at: position, length: fc.nat({ max: 120 }), to: position }),
  fc.record({ kind: fc.constant("swap" as const), a: position, b: position, length: fc.nat({ max: 60 }) }),
);

function applyMutation(text: string, m: Mutation): string {
  const pos = (f: number) => Math.min(text.length, Math.floor(f * (text.length + 1)));
  switch (m.kind) {
    case "delete": {
      const at = pos(m.at);
      return text.slice(0, at) + text.slice(at + m.length);
    }
    case "insert": {
      const at = pos(m.at);
      return text.slice(0, at) + m.text + text.slice(at);
    }
    case "duplicate": {
      const at = pos(m.at);
      const piece = text.slice(at, at + m.length);
      const to = pos(m.to);
      return text.slice(0, to) + piece + text.slice(to);
    }
    case "swap": {
      const [a, b] = [pos(m.a), pos(m.b)].sort((x, y) => x - y) as [number, number];
      const len = Math.min(m.length, b - a);
      if (len === 0) return text;
      return text.slice(0, a) + text.slice(b, b + len) + text.slice(a + len, b) + text.slice(a, a + len) + text.slice(b + len);
    }
  }
}

const mutatedExample = fc.record({
  file: fc.constantFrom(...exampleFiles),
  mutations: fc.array(mutation, { minLength: 1, maxLength: 5 }),
});

// ------------------------------------------------------------------- tests

describe("random text over the .aiw alphabet", () => {
  it("never makes parseFile or compileSources throw, hang, or report a span outside the file", () => {
    fc.assert(
      fc.property(aiwText, (text) => {
        expect(problemsOf({ [FUZZ_PATH]: text }, FUZZ_PATH)).toEqual([]);
      }),
      { seed: seed(20260101), numRuns: RUNS },
    );
  });

  it("keeps spans inside the file when the text is put inside a declaration", () => {
    // Random text alone rarely gets past the parser; put in a hole of a valid
    // declaration it reaches the checker's expression and property code too.
    fc.assert(
      fc.property(fc.constantFrom(...CONTEXTS), aiwText, (context, inner) => {
        const text = context.replace("HOLE", inner);
        expect(problemsOf({ [FUZZ_PATH]: text }, FUZZ_PATH)).toEqual([]);
      }),
      { seed: seed(7), numRuns: RUNS },
    );
  });
});

describe("mutations of the examples", () => {
  it("never make parseFile or compileSources throw, hang, or report a span outside the file", () => {
    fc.assert(
      fc.property(mutatedExample, ({ file, mutations }) => {
        const text = mutations.reduce(applyMutation, exampleTexts.get(file)!);
        // The examples import common.aiw; keep it reachable so the checker runs in full.
        const main = `/virtual/examples/${file}`;
        const sources = file === "common.aiw" ? { [main]: text } : { [main]: text, "/virtual/examples/common.aiw": commonText };
        expect(problemsOf(sources, main)).toEqual([]);
      }),
      { seed: seed(424242), numRuns: RUNS },
    );
  });

  it("of the imported library keep spans inside whichever file they name", () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        const lib = mutations.reduce(applyMutation, commonText);
        const main = "/virtual/examples/invoice_triage.aiw";
        const sources = { [main]: exampleTexts.get("invoice_triage.aiw")!, "/virtual/examples/common.aiw": lib };
        expect(problemsOf(sources, main)).toEqual([]);
      }),
      { seed: seed(99), numRuns: Math.ceil(RUNS / 3) },
    );
  });
});

describe("pathological inputs finish and report errors", () => {
  const wrapInTask = (expr: string) => `flow f(p: json) {\n  task t { run: ${expr} }\n}\n`;

  function finishesWithErrors(text: string): Compilation {
    const problems = problemsOf({ [FUZZ_PATH]: text }, FUZZ_PATH);
    expect(problems).toEqual([]);
    const c = compileSources({ [FUZZ_PATH]: text });
    expect(c.diagnostics.some((d) => d.severity === "error")).toBe(true);
    return c;
  }

  it("10,000 nested '(' are refused as too deeply nested", () => {
    const c = finishesWithErrors(wrapInTask("(".repeat(10_000) + "p" + ")".repeat(10_000)));
    expect(c.diagnostics.map((d) => d.message)).toContain("this declaration nests brackets or operators more than 64 levels deep");
  });

  it("10,000 unclosed '(' are refused as too deeply nested", () => {
    finishesWithErrors(wrapInTask("(".repeat(10_000)));
  });

  it("10,000 'not' in a row are refused as too deeply nested", () => {
    const c = finishesWithErrors(wrapInTask("not ".repeat(10_000) + "true"));
    expect(c.diagnostics[0]?.code).toBe("AIW0003");
  });

  it("10,000 '-' in a row are refused as too deeply nested", () => {
    finishesWithErrors(wrapInTask("-".repeat(10_000) + "1"));
  });

  it("a 1 MB string literal compiles into the IR unchanged", () => {
    const big = "a".repeat(1 << 20);
    const text = wrapInTask(`"${big}"`);
    expect(problemsOf({ [FUZZ_PATH]: text }, FUZZ_PATH)).toEqual([]);
    const c = compileSources({ [FUZZ_PATH]: text });
    expect(c.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(c.ir?.flows["f"]?.tasks[0]?.run).toEqual({ kind: "expr", expr: { op: "lit", value: big } });
  });

  it("a 1 MB string literal that is never closed is reported as unterminated", () => {
    const c = finishesWithErrors(wrapInTask(`"${"a".repeat(1 << 20)}`));
    expect(c.diagnostics.map((d) => d.code)).toContain("AIW0002");
  });

  it("a string with 50 nested interpolations is reported, not crashed on", () => {
    let s = "p";
    for (let i = 0; i < 50; i++) s = `"\${${s}}"`;
    finishesWithErrors(wrapInTask(s));
  });

  it("50 unclosed '\"${' openings are reported", () => {
    finishesWithErrors(wrapInTask('"${'.repeat(50)));
  });

  it("a file of only '}' gets one error for the stray tokens", () => {
    const c = finishesWithErrors("}".repeat(100_000));
    expect(c.diagnostics).toHaveLength(1);
    expect(c.diagnostics[0]!.message).toBe("expected a declaration (import, type, model, tool, agent, guardrail or flow), found '}'");
  });

  it("100,000 '{' after a flow header are refused as too deeply nested", () => {
    finishesWithErrors("flow f() " + "{".repeat(100_000));
  });

  it("a flow of 5,000 chained tasks compiles (the graph code is iterative)", () => {
    const tasks = Array.from({ length: 5000 }, (_, i) => `  task t${i} { run: ${i === 0 ? "1" : `t${i - 1} + 1`} }`).join("\n");
    const text = `flow f() {\n${tasks}\n}\n`;
    expect(problemsOf({ [FUZZ_PATH]: text }, FUZZ_PATH)).toEqual([]);
    const c = compileSources({ [FUZZ_PATH]: text });
    expect(c.ir?.flows["f"]?.tasks).toHaveLength(5000);
    expect(c.ir?.flows["f"]?.tasks[4999]?.dependsOn).toEqual(["t4998"]);
  });

  // Long flat chains are parsed iteratively into deep trees; the checker
  // refuses trees deeper than MAX_EXPRESSION_DEPTH before walking them (it
  // used to overflow the stack on these: RangeError from inferExpr).
  for (const [what, expr] of [
    ["10,000 '+' operators", "1" + " + 1".repeat(10_000)],
    ["10,000 'and' operators", "true" + " and true".repeat(10_000)],
    ["10,000 field accesses", "p" + ".b".repeat(10_000)],
    ["10,000 index accesses", "p" + "[0]".repeat(10_000)],
  ] as const) {
    it(`a chain of ${what} is reported as too deep, not crashed on`, () => {
      const c = finishesWithErrors(wrapInTask(expr));
      expect(c.diagnostics.some((d) => d.code === "AIW0003" && /nested more than \d+ levels deep/.test(d.message))).toBe(true);
    });
  }

  it("the same chains parse without throwing (the parser folds them iteratively)", () => {
    for (const expr of ["1" + " + 1".repeat(10_000), "p" + ".b".repeat(10_000), "p" + "[0]".repeat(10_000)]) {
      const text = wrapInTask(expr);
      const r = parseFile(FUZZ_PATH, text);
      expect(r.diagnostics).toEqual([]);
      expect(r.ast.declarations).toHaveLength(1);
    }
  });
});

// parseFile must never throw (compiler/parse-file.ts). These texts are what
// an editor sends while someone types; each once made (or still makes) the
// parser's embedded actions dereference a node that error recovery left out.
describe("parser crashes", () => {
  function reportsInsteadOfThrowing(text: string): void {
    let diagnostics: readonly Diagnostic[] = [];
    expect(() => {
      diagnostics = parseFile(FUZZ_PATH, text).diagnostics;
    }).not.toThrow();
    expect(diagnostics.some((d) => d.severity === "error")).toBe(true);
    expect(diagnosticProblems(diagnostics, new Map([[FUZZ_PATH, text]]))).toEqual([]);
  }

  // Regression tests: these used to throw a TypeError (foldBinary read `.used`
  // of a missing first operand; the last two built a suffix on a missing one).
  for (const [what, text] of [
    ["an expression that starts with an operator", "flow f(p: number) { task t { run: * 2 } }"],
    ["a comparison without its left side", "flow f(p: number) { task t { run: >0 } }"],
    ["an interpolation that starts with an operator", 'flow f(p: number) { task t { run: "${ > 1}" } }'],
    ["a field default that starts with an operator", "type T { a: number = + 1 }"],
    ["a run that is only a field access", "flow f(p: string) { task t { run: .text } }"],
    ["a run that starts with a stray ':'", "flow f(p: string) { task t { run: : (1) } }"],
  ] as const) {
    it(`${what} is a syntax error, not a crash: ${JSON.stringify(text)}`, () => reportsInsteadOfThrowing(text));
  }

  // Regression tests: a suffix after an operand or type that recovery left
  // out used to read `.span` of undefined (rules operand and typeExpr).

  for (const [what, text] of [
    ["a field access without its object after an operator", "flow f(p: number) { task t { run: p + .x } }"],
    ["a field access without its object in parentheses", "flow f(p: number) { task t { run: (.x) } }"],
    ["a field access without its object in a record", "flow f(p: number) { task t { run: {a: .x} } }"],
    ["a field access without its object in 'when'", "flow f(p: number) { task t when .x { run: 1 } }"],
    ["a field access without its object in an interpolation", 'flow f(p: number) { task t { run: "${ .x}" } }'],
    ["call arguments after an operator and a stray ':'", "flow f(p: number) { task t { run: p + : (1) } }"],
    ["a list type after a broken tool header", "tool string type { tool [ tool {"],
  ] as const) {
    it(`${what} is a syntax error, not a crash: ${JSON.stringify(text)}`, () => reportsInsteadOfThrowing(text));
  }
});

// ------------------------------------------------- a long flow, in pieces

/**
 * A flow long enough for parseText to lex it in windows and parse it in
 * pieces, with every kind of flow member: tasks with `after`, `when`, `for`,
 * guards, strings with escapes and interpolations, doc comments, templates,
 * flow properties between tasks and a return.
 */
function longFlow(tasks: number): string {
  const out = ['/// A long flow.', "tool work(n: number, prev: string) -> { text: string, score: number } {", '  ts: "./work.ts#work"', "}", "", "flow long(seed: string, xs: string[]) -> string {", '  schedule: "@daily"'];
  for (let i = 1; i <= tasks; i++) {
    const prev = i === 1 ? "seed" : `t${i - 1}.text`;
    out.push(`  /// Step ${i}.`);
    switch (i % 5) {
      case 0:
        out.push(`  task t${i} after t${i - 1} when t${i - 1}.score > 0.5 {`, `    run: work(n: ${i}, prev: "\${${prev}} and \\"more\\"")`, "    retries: 2", "  }");
        break;
      case 1:
        out.push(`  task t${i} for x in xs {`, `    run: work(n: ${i}, prev: x + ${prev})`, `    guard: t${i}.score >= 0.5 else "unsure"`, "  }");
        break;
      case 2:
        out.push(`  template u${i} { run: work(n: ${i}, prev: seed) }`, `  task t${i} { run: work(n: -${i}, prev: ${prev}) inject: [u${i}] }`);
        break;
      case 3:
        out.push(`  task t${i} { run: work(n: ${i} * (2 + 3), prev: not true == false and ${prev} != "") timeout: 30s }`, `  description: "after ${i}"`);
        break;
      default:
        out.push(`  // A plain step.`, `  task t${i} {`, `    run: work(n: ${i}, prev: ${prev})`, "  }");
    }
  }
  out.push(`  return t${tasks}.text`, "}", "");
  return out.join("\n");
}

/** What parseText found, without the tokens: what the pieces must reproduce. */
function parsedWithoutTokens(p: ParsedText): unknown {
  const tok = (t: { image: string; startOffset: number; tokenType: { name: string } }) => ({ image: t.image, at: t.startOffset, type: t.tokenType.name });
  return {
    declarations: p.declarations,
    errors: p.errors,
    strings: p.strings.map((s) => ({ node: s.node, token: tok(s.token), importNode: s.importNode })),
    comments: p.comments,
  };
}

describe("a long flow parsed in pieces", () => {
  const text = longFlow(600);

  it("is long enough to be lexed in windows and parsed in pieces", () => {
    expect(text.length).toBeGreaterThan(WINDOW);
    expect(lex(text).tokens.length).toBeGreaterThan(4 * MIN_PIECE);
  });

  it("gives what the whole-file parse gives with text beyond ASCII and long names (the windows are copied)", () => {
    const wide = text
      .replaceAll("/// Step", "/// Étape — 步骤 🙂 step \ud800 lone")
      .replaceAll('"unsure"', '"pas sûr, vraiment pas sûr 🙂"')
      .replace(/\bt(\d+)\b/g, "a_rather_long_task_name_$1");
    expect(wide.length).toBeGreaterThan(WINDOW);
    const windowed = parseText(FUZZ_PATH, wide);
    expect(windowed.errors).toEqual([]);
    expect(parsedWithoutTokens(windowed)).toEqual(parsedWithoutTokens(parseText(FUZZ_PATH, wide, { tokens: true })));
    expect(windowed.comments.at(-1)!.text).toBe(`/// Étape — 步骤 🙂 step \ud800 lone 600.`);
    expect(JSON.stringify(windowed.declarations)).toContain('"pas sûr, vraiment pas sûr 🙂"');
    expect(JSON.stringify(windowed.declarations)).toContain('"name":"a_rather_long_task_name_599"');
  });

  it("gives what the whole-file parse gives, errors included, however it is mutated", () => {
    expect(parseText(FUZZ_PATH, text).errors).toEqual([]);
    fc.assert(
      fc.property(fc.array(mutation, { maxLength: 3 }), (mutations) => {
        const mutated = mutations.reduce(applyMutation, text);
        expect(parsedWithoutTokens(parseText(FUZZ_PATH, mutated))).toEqual(parsedWithoutTokens(parseText(FUZZ_PATH, mutated, { tokens: true })));
      }),
      { seed: seed(2026), numRuns: Math.ceil(RUNS / 3) },
    );
  });
});
