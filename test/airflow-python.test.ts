// The Airflow backend's output seen from Python (the pinned environment of
// scripts/python-env.sh airflow): ruff on the golden files; a property test of
// adversarial text in every place a user can write it (every generated file is
// ASCII, parses with `ast`, holds every string exactly, and is left unchanged
// by `ruff format`); and the support module's semantics against the runtime's
// (expressions, built-in functions and tools, memory ranking).

import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { pythonExpr } from "../compiler/backends/airflow/python-expr.ts";
import { flat } from "../compiler/backends/airflow/printer.ts";
import { BUILTIN_FUNCTIONS } from "../compiler/builtins.ts";
import type { IrBinaryOperator, IrExpr, JsonValue } from "../compiler/ir.ts";
import { EvaluationError, evaluate } from "../runtime/expressions.ts";
import { Memory } from "../runtime/memory.ts";
import { jsonExtract } from "../runtime/tools/json-extract.ts";
import { closeRegexWorker, regexExtract } from "../runtime/tools/regex-extract.ts";
import { renderTemplate } from "../runtime/tools/render-template.ts";
import type { ToolContext } from "../runtime/tools/tool.ts";
import { airflowVenv, compileFiles, compileText, EXAMPLES, GOLDEN_DIR, REPO, runProgram, venvProblem, writeFiles } from "./airflow/helpers.ts";

const venv = airflowVenv();
const skip = venv === null;
if (skip) console.warn(`airflow-python tests skipped: ${venvProblem}`);
const python = () => path.join(venv!, "bin/python");
const ruff = () => path.join(venv!, "bin/ruff");
const SUPPORT_DIR = path.join(REPO, "compiler/backends/airflow/support");

async function py(script: string, args: readonly string[], input = ""): Promise<unknown> {
  const r = await runProgram(python(), [path.join(REPO, "test/airflow", script), ...args], { input, timeoutMs: 300_000 });
  if (r.status !== 0) throw new Error(`${script} failed (${String(r.status)}):\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe.skipIf(skip)("ruff", () => {
  it("leaves the golden files and the support module unchanged (ruff format)", async () => {
    const r = await runProgram(ruff(), ["format", "--isolated", "--check", GOLDEN_DIR, "compiler/backends/airflow/support/aiwork_support.py"]);
    expect(r.stdout + r.stderr, "ruff format --check").toMatch(/files? already formatted/);
    expect(r.status).toBe(0);
  });

  it("finds nothing in the golden files or the support module (ruff check --select F,E9,AIR)", async () => {
    const r = await runProgram(ruff(), ["check", "--isolated", "--select", "F,E9,AIR", GOLDEN_DIR, "compiler/backends/airflow/support/aiwork_support.py"]);
    expect(r.stdout + r.stderr).toContain("All checks passed!");
    expect(r.status).toBe(0);
  });

  it("the golden files are what the examples compile to today", () => {
    const { files } = compileFiles(EXAMPLES, GOLDEN_DIR);
    expect(files.filter((f) => f.flow !== undefined).length).toBe(EXAMPLES.length - 1);
  });
});

// ------------------------------------------------------------------ adversarial text

/** Pieces that break naive code generators, mixed with arbitrary Unicode. */
const NASTY = [
  "'", '"', "\\", "\\N{BULLET}", "\\N{", '"""', "'''", "\r", "\n", "\r\n", "\0", "\u2028", "\u2029", "\u202e", "\u2066", "\u200f",
  "\x85", "\x0b", "\x0c", "\x1b", "\x7f", "😀", "👩‍👩‍👧", "{{ ti.xcom_pull() }}", "{% if x %}", "{{", "}}", "${", "${x}", "%s", "%(x)s",
  "{0}", 'f"{x}"', "# ", "#", "DO NOT EDIT.", "*/", "/*", "\t", " ", "é", "İ", "ß", "\ufeff", "\\x00", "\\u2028", ";import os",
];
const nasty = fc.array(fc.oneof(fc.constantFrom(...NASTY), fc.string({ unit: "grapheme", maxLength: 4 })), { minLength: 1, maxLength: 6 }).map((parts) => parts.join(""));

/** Names the grammar allows that are Python keywords, builtins or names the generated code uses. */
const NAMES = [
  "class", "def", "lambda", "None", "True", "False", "pass", "yield", "global", "print", "len", "str", "dict", "list", "open",
  "aiw", "s", "out", "item", "result", "FLOW", "dag", "task_", "Param", "datetime", "DOC_MD", "TAGS", "__init__", "__import__",
  "exec", "eval", "match", "case", "_", "self", "guardrail_x", "x_task", "annotations",
];

/** A .aiw string literal with exactly this value. */
function aiwString(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\$/g, "\\$")}"`;
}

/** Comment text: one line (a CR or LF would end the comment). */
const oneLine = (s: string) => s.replace(/[\r\n]/g, " ");

interface Case {
  readonly source: string;
  /** Strings that must be string constants of the generated files, exactly. */
  readonly exact: readonly string[];
  /** Strings that must appear inside some string constant (doc comments, source comments). */
  readonly inside: readonly string[];
}

const adversarialCase = fc
  .record({
    s: fc.array(nasty, { minLength: 24, maxLength: 24 }),
    names: fc.shuffledSubarray(NAMES, { minLength: 12, maxLength: 12 }),
  })
  .map(({ s, names }): Case => {
    const [flowA, flowB, t1, t2, t3, t4, t5, tpl, input, field, agentName, loopVar] = names as [string, ...string[]];
    const source = [
      `// ${oneLine(s[0]!)}`,
      `type Rec { ${field}: string = ${aiwString(s[1]!)} }`,
      `agent ${agentName} { role: ${aiwString(s[2]!)} goal: ${aiwString(s[3]!)} backstory: ${aiwString(s[4]!)} tools: [write_text] }`,
      `guardrail check_text(x: string) = len(x) >= 0 else ${aiwString(s[5]!)}`,
      `/// ${oneLine(s[6]!)}`,
      `flow ${flowA}(`,
      `  /// ${oneLine(s[7]!)}`,
      `  ${input}: string = ${aiwString(s[8]!)},`,
      `  rec: Rec? = null,`,
      `) -> { a: string } {`,
      `  // ${oneLine(s[9]!)}`,
      `  /* ${s[10]!.replace(/\*\//g, "* /")} */`,
      `  description: ${aiwString(s[11]!)}`,
      `  tags: [${aiwString(s[12]!.slice(0, 40))}, ${aiwString(s[13]!.slice(0, 40))}]`,
      `  schedule: "*/15 9-17 * * mon-fri"`,
      `  owner: ${aiwString(s[14]!)}`,
      `  task ${t1} { run: ${aiwString(s[15]!)} }`,
      `  task ${t2} {`,
      `    agent: ${agentName}`,
      `    run: write_text(path: "out.txt", text: "${aiwString(s[16]!).slice(1, -1)}\${${t1}}${aiwString(s[17]!).slice(1, -1)}")`,
      `    guard: len(${t2}.path) > 0 else ${aiwString(s[18]!)}`,
      `    guard: check_text(${t1})`,
      `  }`,
      `  task ${t3} when ${t1} == ${aiwString(s[19]!)} { run: { ${field}: ${input} } }`,
      `  task ${t4} for ${loopVar} in [${aiwString(s[20]!)}, ${input}] { run: "\${${loopVar}}${aiwString(s[21]!).slice(1, -1)}" }`,
      `  template ${tpl} { run: ${aiwString(s[22]!)} }`,
      `  task ${t5} { run: ${t1}  inject: [${aiwString(tpl!)}] }`,
      `  return { a: ${t1} }`,
      `}`,
      ``,
      `/// ${oneLine(s[23]!)}`,
      `flow ${flowB}() { task only { run: 1 } }`,
      ``,
    ].join("\n");
    const exact = [s[1]!, s[2]!, s[3]!, s[4]!, s[5]!, s[8]!, s[11]!, s[12]!.slice(0, 40), s[13]!.slice(0, 40), s[14]!, s[15]!, s[16]!, s[17]!, s[18]!, s[19]!, s[20]!, s[21]!, s[22]!];
    const inside = [oneLine(s[7]!).trim(), oneLine(s[9]!), oneLine(s[23]!).trim()].filter((x) => x !== "");
    return { source, exact: exact.filter((x) => !/[\ud800-\udfff]/.test(x) || /[\ud800-\udbff][\udc00-\udfff]/.test(x)), inside };
  });

describe.skipIf(skip)("adversarial text in every place a user can write it", () => {
  it("gives files that are ASCII, parse, hold every string exactly, and are already formatted", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "aiw-adversarial-"));
    const cases = fc.sample(adversarialCase, { numRuns: 60, seed: 20261125 });
    const expected = new Map<string, Case>();
    cases.forEach((c, i) => {
      const dir = path.join(root, `case${i}`);
      const fileName = i % 3 === 0 ? `we"ird '${i}' \\ {{x}}.aiw` : `case${i}.aiw`;
      const r = compileText({ [path.join(root, "src", fileName)]: c.source }, dir);
      const errors = r.diagnostics.filter((d) => d.severity === "error");
      if (errors.length > 0) throw new Error(`case ${i} does not compile: ${errors.map((d) => `${d.code} ${d.message}`).join("; ")}\n${c.source}`);
      expect(r.files.length).toBe(3);
      writeFiles(dir, r.files);
      expected.set(dir, c);
    });
    const files = [...expected.keys()].flatMap((dir) => [path.join(dir, "aiwork_support.py"), ...compileTextFiles(dir)]);
    const checked = (await py("check_generated.py", files)) as Record<string, { problems: string[]; strings: string[] }>;
    for (const [file, result] of Object.entries(checked)) expect(result.problems, file).toEqual([]);
    for (const [dir, c] of expected) {
      const strings = new Set(Object.entries(checked).filter(([f]) => path.dirname(f) === dir).flatMap(([, r]) => r.strings));
      for (const s of c.exact) expect(strings.has(s), `${JSON.stringify(s)} in ${dir}`).toBe(true);
      for (const s of c.inside) expect([...strings].some((x) => x.includes(s)), `${JSON.stringify(s)} inside a constant of ${dir}`).toBe(true);
    }
    const r = await runProgram(ruff(), ["format", "--isolated", "--check", root]);
    expect(r.stdout + r.stderr).toMatch(/files? already formatted/);
    expect(r.status, r.stdout).toBe(0);
    rmSync(root, { recursive: true, force: true });
  }, 300_000);
});

function compileTextFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith("_dag.py"))
    .map((f) => path.join(dir, f));
}

// ------------------------------------------------------------------ the support module's semantics

const INPUTS: Record<string, JsonValue> = {
  n: 3,
  f: 2.5,
  neg: -7.25,
  big: 1e21,
  tiny: 1.5e-7,
  s: "Hello World",
  w: " \t ünï cödé 😀 \u00a0\ufeff",
  num: " 0x1F ",
  l: [1, 2, 3],
  ls: ["b", "a", "é", "😀", "\uffff"],
  r: { b: 1, a: "x", "10": true, "2": null },
  e: [],
  z: null,
  t: true,
};

const STRINGS = ["", "a", "A", "ß", "İ", "Σσς", "😀", "\uffff", "a b", " 12 ", "1e3", ".5", "5.", "0b101", "0o17", "-0x10", "Infinity", "1_000", "nan", "\x1c x \x1c", "\u2028", "x,y,,z", "hello world"];
const NUMBERS = [0, 1, -1, 2, 0.5, 1.5, 2.5, -2.5, 0.1, 0.2, 0.3, 1.005, 2.675, 1e21, 1e-7, 123456789.125, 1e300, 4.35, 1 / 3, 2 ** 53, 15, 16, -0.5];

const BINARY: IrBinaryOperator[] = ["or", "and", "==", "!=", "<", "<=", ">", ">=", "in", "not in", "+", "-", "*", "/", "%"];

const literal: fc.Arbitrary<IrExpr> = fc
  .oneof(fc.constant(null), fc.boolean(), fc.constantFrom(...NUMBERS), fc.integer({ min: -100, max: 100 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(...STRINGS))
  .map((value) => ({ op: "lit", value }));

const expression: fc.Arbitrary<IrExpr> = fc.letrec<{ e: IrExpr }>((tie) => ({
  e: fc.oneof(
    { depthSize: "small", maxDepth: 4 },
    literal,
    fc.constantFrom(...Object.keys(INPUTS)).map((name): IrExpr => ({ op: "input", name })),
    fc.tuple(tie("e"), fc.constantFrom("a", "b", "10", "x")).map(([object, field]): IrExpr => ({ op: "get", object, field })),
    fc.tuple(tie("e"), fc.oneof(tie("e"), fc.integer({ min: -1, max: 4 }).map((value): IrExpr => ({ op: "lit", value })))).map(([object, index]): IrExpr => ({ op: "index", object, index })),
    fc
      .constantFrom(...BUILTIN_FUNCTIONS.values())
      .chain((f) => fc.array(tie("e"), { minLength: f.arity[0], maxLength: f.arity[1] }).map((args): IrExpr => ({ op: "call", fn: f.name, args }))),
    tie("e").map((operand): IrExpr => ({ op: "not", operand })),
    tie("e").map((operand): IrExpr => ({ op: "neg", operand })),
    fc.tuple(fc.constantFrom(...BINARY), tie("e"), tie("e"), tie("e")).map(([operator, left, right, third]): IrExpr =>
      // Sometimes a chain of one operator, which the backend prints as one call.
      third.op === "lit" && typeof third.value === "number" ? { op: "binary", operator, left: { op: "binary", operator, left, right }, right: third } : { op: "binary", operator, left, right },
    ),
    fc.array(tie("e"), { maxLength: 3 }).map((items): IrExpr => ({ op: "list", items })),
    fc.array(fc.tuple(fc.constantFrom("a", "b", "10", "2"), tie("e")), { maxLength: 3 }).map((fs): IrExpr => ({ op: "record", fields: fs.map(([name, value]) => ({ name, value })) })),
    fc.array(tie("e"), { minLength: 1, maxLength: 3 }).map((parts): IrExpr => ({ op: "concat", parts })),
  ),
})).e;

type Outcome = { value: string } | { error: string };

function runtimeOutcome(e: IrExpr): Outcome {
  try {
    return { value: JSON.stringify(evaluate(e, { inputs: INPUTS, output: () => undefined })) ?? "undefined" };
  } catch (err) {
    if (err instanceof EvaluationError) return { error: err.message };
    throw err;
  }
}

const noCtx: ToolContext = { signal: new AbortController().signal, workDir: ".", sourceDir: ".", runId: "r", taskId: "t", attempt: 1, idempotencyKey: "k" };

async function runtimeTool(fn: (a: Record<string, JsonValue>, c: ToolContext) => unknown, args: Record<string, JsonValue>): Promise<Outcome> {
  try {
    return { value: JSON.stringify(await fn(args, noCtx)) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

describe.skipIf(skip)("the support module against the runtime", () => {
  afterAll(async () => {
    await closeRegexWorker();
  });

  it("evaluates random expressions to the same values and the same errors", async () => {
    const exprs = fc.sample(expression, { numRuns: 3000, seed: 42 });
    const request = exprs.map((e) => ({ code: flat(pythonExpr(e, { own: new Set(), vars: new Map() })), inputs: INPUTS }));
    const got = (await py("eval_support.py", [SUPPORT_DIR], JSON.stringify(request))) as Outcome[];
    const mismatches: string[] = [];
    exprs.forEach((e, i) => {
      const want = runtimeOutcome(e);
      if (JSON.stringify(got[i]) !== JSON.stringify(want)) mismatches.push(`${request[i]!.code}\n  runtime: ${JSON.stringify(want)}\n  python:  ${JSON.stringify(got[i])}`);
    });
    expect(mismatches.slice(0, 10).join("\n"), `${mismatches.length} of ${exprs.length} differ`).toBe("");
  }, 120_000);

  it("formats, parses and rounds numbers as JavaScript does", async () => {
    const numbers = [...NUMBERS, ...fc.sample(fc.double({ noNaN: true, noDefaultInfinity: true }), { numRuns: 500, seed: 7 })];
    const exprs: IrExpr[] = numbers.flatMap((value): IrExpr[] => [
      { op: "call", fn: "to_string", args: [{ op: "lit", value }] },
      { op: "call", fn: "round", args: [{ op: "lit", value }, { op: "lit", value: 2 }] },
      { op: "call", fn: "to_number", args: [{ op: "lit", value: String(value) }] },
      { op: "binary", operator: "%", left: { op: "lit", value }, right: { op: "lit", value: 3 } },
    ]);
    const request = exprs.map((e) => ({ code: flat(pythonExpr(e, { own: new Set(), vars: new Map() })), inputs: {} }));
    const got = (await py("eval_support.py", [SUPPORT_DIR], JSON.stringify(request))) as Outcome[];
    const mismatches = exprs.map((e, i) => [request[i]!.code, runtimeOutcome(e), got[i]] as const).filter(([, a, b]) => JSON.stringify(a) !== JSON.stringify(b));
    expect(mismatches.slice(0, 10), `${mismatches.length} differ`).toEqual([]);
  }, 120_000);

  it("runs json_extract, render_template and regex_extract as the runtime's tools do", async () => {
    const calls: { tool: string; args: Record<string, JsonValue> }[] = [];
    const jsonTexts = ['{"a": {"b": [1, 2.5, "x"]}, "c": null}', "[1, 2", '{"x": NaN}', '{"a": 1e400}', '  "s\\u00e9"  ', "{\"k\": \"\\ud83d\\ude00\"}", "", "[] x", '{"a":1,"a":2}', "1e21"];
    for (const text of jsonTexts) for (const p of ["", "a", "a.b.1", "a.b.01", "c", "x", "a..b", "0"]) calls.push({ tool: "json_extract", args: { text, path: p } });
    const templates = ["{{a}} and {{ b.c }}", "{{{{a}}}}", "{{missing}}", "{{ a.0 }}", "no placeholders", "{{a}}{{a}}", "{{\u00a0a\u2028}}"];
    for (const template of templates) calls.push({ tool: "render_template", args: { template, values: { a: 1.5, b: { c: [1, "x"] } } } });
    const texts = ["abc 123 def 456", "line one\nline two\r\nend", "ünï 😀 ✓ tab\there", "", "aaa", "The 1.2.0 release\n## 1.1.0\n- x"];
    const patterns = ["\\d+", "(\\w+) (\\d+)", "^line", "end$", ".+", "\\s+", "[^\\s]+", "a*", "(?<word>[a-z]+)\\s\\k<word>", "\\bt\\w*", "[\\d\\s]+", "😀|✓", "\\u{1F600}", "x?", "(a)|(b)", "## (\\d+)\\.(\\d+)", "[", "a{2}", "\\p{L}+", "[^]", "\\S+$"];
    for (const text of texts) for (const pattern of patterns) calls.push({ tool: "regex_extract", args: { text, pattern } });
    const got = (await py("eval_support.py", [SUPPORT_DIR], JSON.stringify(calls))) as Outcome[];
    const tools = { json_extract: jsonExtract, render_template: renderTemplate, regex_extract: regexExtract } as const;
    const mismatches: string[] = [];
    for (let i = 0; i < calls.length; i++) {
      const c = calls[i]!;
      const want = await runtimeTool(tools[c.tool as keyof typeof tools] as never, c.args);
      const ok = JSON.stringify(want) === JSON.stringify(got[i]);
      // Messages of invalid patterns come from two regex engines; both must fail.
      const mine = got[i]!;
      const invalid = (o: Outcome) => "error" in o && o.error.startsWith("regex_extract: invalid pattern");
      const bothFailed = c.tool === "regex_extract" && invalid(want) && invalid(mine);
      if (!ok && !bothFailed) mismatches.push(`${c.tool} ${JSON.stringify(c.args)}\n  runtime: ${JSON.stringify(want)}\n  python:  ${JSON.stringify(mine)}`);
    }
    expect(mismatches.join("\n")).toBe("");
  }, 120_000);

  it("ranks agent memory as the runtime's BM25 does", async () => {
    const docs = fc.sample(fc.array(fc.array(fc.constantFrom("severity", "incident", "Severity", "one", "the", "customers", "page", "status", "deploy", "Fridays,", "ünï", "😀", "a-b", "x.y"), { minLength: 1, maxLength: 12 }).map((w) => w.join(" ")), { minLength: 1, maxLength: 8 }), { numRuns: 60, seed: 3 });
    const queries = ["severity incidents", "the", "deploy Fridays", "ünï 😀", "nothing matches", "Severity severity one"];
    const items: { recall: { texts: string[]; query: string; top_k: number } }[] = [];
    const want: Outcome[] = [];
    for (const texts of docs) {
      for (const query of queries) {
        const m = new Memory();
        for (const t of texts) m.remember(t);
        items.push({ recall: { texts, query, top_k: 3 } });
        want.push({ value: JSON.stringify(m.recall(query, 3)) });
      }
    }
    const got = (await py("eval_support.py", [SUPPORT_DIR], JSON.stringify(items))) as Outcome[];
    const mismatches = want.map((w, i) => [items[i], w, got[i]] as const).filter(([, a, b]) => JSON.stringify(a) !== JSON.stringify(b));
    expect(mismatches.slice(0, 5), `${mismatches.length} differ`).toEqual([]);
  }, 120_000);
});
