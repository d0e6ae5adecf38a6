// The graph backends (Mermaid, DOT, SVG) and `aiwc graph`: golden output for a
// sample flow, escaping of hostile user text, and the command's exit codes.
// Regenerate the golden files with UPDATE_GOLDEN=1.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { compile, compileSources } from "../compiler/compile.ts";
import type { IrExpr, IrProgram } from "../compiler/ir.ts";
import { describeExpr } from "../compiler/backends/graph/describe-expr.ts";
import { flowToDot } from "../compiler/backends/graph/dot.ts";
import { flowToMermaid } from "../compiler/backends/graph/mermaid.ts";
import { flowToSvg, graphviz } from "../compiler/backends/graph/svg.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dir = path.join(root, "test", "graph");
const sample = path.join(dir, "route.aiw");
const TASK_IDS = ["triage", "refund", "each", "tally", "done", "escalate", "page"];

function irOf(file: string): IrProgram {
  const c = compile([file]);
  if (c.ir === undefined) throw new Error(`${file} does not compile: ${c.diagnostics.map((d) => d.message).join("; ")}`);
  return c.ir;
}

function irOfSource(text: string): IrProgram {
  const c = compileSources({ "/virtual/evil.aiw": text });
  if (c.ir === undefined) throw new Error(`does not compile: ${c.diagnostics.map((d) => d.message).join("; ")}`);
  return c.ir;
}

function golden(name: string, actual: string): void {
  const file = path.join(dir, name);
  if (process.env["UPDATE_GOLDEN"] === "1") writeFileSync(file, actual);
  expect(existsSync(file), `${name} is missing: run with UPDATE_GOLDEN=1`).toBe(true);
  expect(actual).toBe(readFileSync(file, "utf8"));
}

describe("golden output", () => {
  const ir = irOf(sample);

  it("Mermaid", () => golden("route.mmd", flowToMermaid(ir, "route")));

  it("DOT", () => golden("route.dot", flowToDot(ir, "route")));

  it("is deterministic", () => {
    expect(flowToMermaid(irOf(sample), "route")).toBe(flowToMermaid(ir, "route"));
    expect(flowToDot(irOf(sample), "route")).toBe(flowToDot(ir, "route"));
  });

  it("SVG is a Graphviz layout naming every task", async () => {
    const svg = await flowToSvg(ir, "route");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    for (const id of TASK_IDS) expect(svg).toContain(`<title>${id}</title>`);
    // Templates are dashed, injection edges dotted.
    expect(svg).toContain('stroke-dasharray="5,2"');
    expect(svg).toContain('stroke-dasharray="1,5"');
  });

  it("rejects an unknown flow", () => {
    expect(() => flowToMermaid(ir, "nope")).toThrow(/no flow named 'nope'/);
    expect(() => flowToDot(ir, "toString")).toThrow(/no flow named/);
  });
});

// Task names are identifiers, but strings in `when`, fan-out items and the
// output are arbitrary: quotes, brackets, entity look-alikes, markup, backslashes.
const EVIL = String.raw`
tool notify(text: string) -> { ok: boolean } { ts: "./t.ts#n" }
flow evil(ticket: string) -> string {
  task a when ticket == "\"]\" <script>x</script>" { run: notify(text: ticket) }
  task b after a when ticket == "a\nb\\c #quot; | } {${"`"}" { run: notify(text: ticket) }
  task c for part in split(ticket, "\"];%%") { run: notify(text: part) }
  task d after a, c when ticket != "\\N\\G'&amp;\"" { run: notify(text: "x") }
  return "\"]<b>&"
}
`;

const MERMAID_NODE = /^ {2}(\w+)(\(\[|\[)"([^"]*)"(\]\)|\])(:::template)?$/;
const MERMAID_EDGE = /^ {2}(\w+) (-->|-\.->)(\|(\w+|"[^"]*")\|)? (\w+)$/;

/** The text of every label, checking on the way that each line has one of the shapes the backend writes. */
function mermaidLabels(text: string): string[] {
  const [header, classDef, ...body] = text.trimEnd().split("\n");
  expect(header).toBe("flowchart TD");
  expect(classDef).toBe("  classDef template stroke-dasharray: 5 5");
  return body.map((line) => {
    const node = MERMAID_NODE.exec(line);
    if (node) return node[3]!;
    const edge = MERMAID_EDGE.exec(line);
    if (!edge) throw new Error(`malformed Mermaid line: ${line}`);
    return (edge[4] ?? "").replace(/^"|"$/g, "");
  });
}

describe("escaping", () => {
  const ir = irOfSource(EVIL);

  it("keeps Mermaid labels quoted and free of raw special characters", () => {
    const out = flowToMermaid(ir, "evil");
    const labels = mermaidLabels(out);
    expect(labels.length).toBeGreaterThan(6);
    for (const label of labels) {
      const text = label.replaceAll("<br/>", "");
      expect(text).not.toMatch(/["<>[\]{}|`\n]/);
      // Every `#` starts an entity code the backend wrote.
      expect(text.replace(/#(\w+);/g, "")).not.toContain("#");
    }
    expect(out).toContain("#lt;script#gt;");
    // User text that looks like an entity code stays literal.
    expect(out).toContain("#35;quot;");
  });

  it("keeps DOT strings intact: Graphviz parses it without complaint", async () => {
    const dot = flowToDot(ir, "evil");
    const result = (await graphviz()).render(dot, { format: "svg" });
    expect(result.errors).toEqual([]);
    expect(result.status).toBe("success");
    const svg = result.status === "success" ? result.output : "";
    expect(svg).not.toContain("<script");
    for (const id of ["a", "b", "c", "d"]) expect(svg).toContain(`<title>${id}</title>`);
    // Labels arrive as written: escapes in the source shown, not interpreted.
    expect(svg).toContain("when ticket == &quot;\\&quot;]\\&quot; &lt;script&gt;x&lt;/script&gt;&quot;");
    expect(svg).toContain("when ticket == &quot;a\\nb\\\\c #quot; | } {`&quot;");
    expect(svg).toContain("when ticket != &quot;\\\\N\\\\G&#39;&amp;amp;\\&quot;&quot;");
    expect(svg).toContain("&quot;\\&quot;]&lt;b&gt;&amp;&quot;</text>");
  });

  it("puts no raw newline inside a DOT string", () => {
    for (const line of flowToDot(ir, "evil").trimEnd().split("\n")) {
      expect(line).toMatch(/^(digraph "evil" \{|  .*;|\})$/);
    }
  });
});

describe("describeExpr", () => {
  const lit = (value: string | number): IrExpr => ({ op: "lit", value });
  const input = (name: string): IrExpr => ({ op: "input", name });

  it("adds the parentheses precedence needs, and no others", () => {
    const sum: IrExpr = { op: "binary", operator: "+", left: input("a"), right: input("b") };
    expect(describeExpr({ op: "binary", operator: "*", left: sum, right: lit(2) })).toBe("(a + b) * 2");
    expect(describeExpr({ op: "binary", operator: "-", left: input("a"), right: sum })).toBe("a - (a + b)");
    expect(describeExpr({ op: "binary", operator: "+", left: sum, right: lit(1) })).toBe("a + b + 1");
    const or: IrExpr = { op: "binary", operator: "or", left: input("x"), right: input("y") };
    expect(describeExpr({ op: "not", operand: or })).toBe("not (x or y)");
    expect(describeExpr({ op: "neg", operand: sum })).toBe("-(a + b)");
    expect(describeExpr({ op: "get", object: { op: "task", name: "t" }, field: "label" })).toBe("t.label");
  });

  it("writes strings as literals, interpolations included", () => {
    expect(describeExpr(lit('say "hi"\n'))).toBe('"say \\"hi\\"\\n"');
    expect(describeExpr({ op: "concat", parts: [lit("n = "), input("n")] })).toBe('"n = ${n}"');
  });

  it("cuts long text to 40 characters", () => {
    const long = describeExpr(lit("x".repeat(100)));
    expect([...long]).toHaveLength(40);
    expect(long.endsWith("…")).toBe(true);
  });
});

describe("aiwc graph", () => {
  const tmp = mkdtempSync(path.join(tmpdir(), "aiwc-graph-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  function aiwc(...args: string[]) {
    const r = spawnSync(process.execPath, [path.join(root, "bin", "aiwc.js"), "graph", ...args], { cwd: root, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  function writeAiw(name: string, text: string): string {
    const file = path.join(tmp, name);
    writeFileSync(file, text);
    return file;
  }

  const TOOL = 'tool notify(text: string) -> { ok: boolean } { ts: "./t.ts#n" }\n';

  it("prints Mermaid by default", () => {
    const r = aiwc(sample);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toBe(readFileSync(path.join(dir, "route.mmd"), "utf8"));
  });

  it("prints DOT with --format dot", () => {
    const r = aiwc(sample, "--format", "dot", "--flow", "route");
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toBe(readFileSync(path.join(dir, "route.dot"), "utf8"));
  });

  it("prints SVG with --format svg", () => {
    const r = aiwc(sample, "--format", "svg");
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith("<svg")).toBe(true);
    for (const id of TASK_IDS) expect(r.stdout).toContain(`<title>${id}</title>`);
  });

  it("writes to --out instead of stdout", () => {
    const out = path.join(tmp, "route.dot");
    const r = aiwc(sample, "--format", "dot", "--out", out);
    expect(r).toMatchObject({ code: 0, stdout: "", stderr: "" });
    expect(readFileSync(out, "utf8")).toBe(readFileSync(path.join(dir, "route.dot"), "utf8"));
  });

  it("exits 2 naming the flows when a file has several and no --flow", () => {
    const file = writeAiw("two.aiw", `${TOOL}flow beta() { task b { run: notify(text: "b") } }\nflow alpha() { task a { run: notify(text: "a") } }\n`);
    const r = aiwc(file);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("'alpha', 'beta'");
    expect(r.stderr).toContain("--flow");
    const chosen = aiwc(file, "--flow", "beta");
    expect(chosen.code).toBe(0);
    expect(chosen.stdout).toContain('t_b["b<br/>tool: notify"]');
  });

  it("exits 2 with a suggestion for an unknown flow", () => {
    const r = aiwc(sample, "--flow", "rout");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no flow named 'rout'");
    expect(r.stderr).toContain("did you mean 'route'?");
  });

  it("exits 2 for a file without flows", () => {
    const r = aiwc(writeAiw("none.aiw", TOOL));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no flow");
  });

  it("exits 2 for an unknown format, a missing file or an unwritable --out", () => {
    expect(aiwc(sample, "--format", "png").code).toBe(2);
    expect(aiwc(path.join(tmp, "missing.aiw")).code).toBe(2);
    const unwritable = aiwc(sample, "--out", path.join(tmp, "no-such-dir", "x.mmd"));
    expect(unwritable.code).toBe(2);
    expect(unwritable.stderr).toContain("cannot write");
  });

  it("exits 1 with diagnostics when the file has errors", () => {
    const r = aiwc(writeAiw("bad.aiw", `${TOOL}flow f() { task a { run: notify(text: 1) } }\n`));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/error\[AIW\d+\]/);
  });
});
