// The IR contract: compiler/ir.schema.json describes exactly IrProgram of
// compiler/ir.ts. Every example that declares a flow compiles to IR that the
// schema accepts (ajv, draft 2020-12, strict mode) and that matches its
// checked-in snapshot test/ir/<name>.json; the schema rejects IR that breaks
// the contract; and the IR is deterministic, byte for byte.
//
// Regenerate the snapshots with UPDATE_GOLDEN=1 (after checking the diff).

import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { compile, compileSources, type Compilation } from "../compiler/compile.ts";
import type * as I from "../compiler/ir.ts";
import { IR_VERSION } from "../compiler/ir.ts";
import { parseFile } from "../compiler/parse-file.ts";
import { nodeHost, type CompilerHost } from "../compiler/program.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const snapshotDir = path.join(root, "test", "ir");
const schemaPath = path.join(root, "compiler", "ir.schema.json");

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const schema = JSON.parse(readFileSync(schemaPath, "utf8")) as JsonObject;
const ajv = new Ajv2020({ strict: true, allErrors: true });
const validate = ajv.compile(schema);

function schemaErrors(value: unknown): ErrorObject[] {
  return validate(value) ? [] : [...(validate.errors ?? [])];
}

/** The IR as a consumer sees it: parsed from the JSON the compiler writes. */
function asJson(ir: I.IrProgram): JsonObject {
  return JSON.parse(JSON.stringify(ir)) as JsonObject;
}

function pretty(ir: I.IrProgram): string {
  return `${JSON.stringify(ir, null, 2)}\n`;
}

// ---------------------------------------------------------------- examples

/** Display paths relative to the repository root, as `aiwc` prints them when run from there. */
const rootHost: CompilerHost = {
  readFile: nodeHost.readFile,
  displayPath: (abs) => path.relative(root, abs).split(path.sep).join("/"),
};

/** Compiles `examples/x.aiw` with the repository root as the working folder, so locations are stable. */
function compileExample(relative: string): Compilation {
  // Under `npm test` the working folder is the root already; otherwise a host
  // that shows paths relative to the root gives the same output.
  return process.cwd() === root ? compile([relative]) : compile([path.join(root, relative)], rootHost);
}

function irOfExample(relative: string): I.IrProgram {
  const c = compileExample(relative);
  const errors = c.diagnostics.filter((d) => d.severity === "error");
  if (c.ir === undefined) throw new Error(`${relative} does not compile: ${errors.map((d) => `${d.code} ${d.message}`).join("; ")}`);
  return c.ir;
}

const exampleFiles = readdirSync(path.join(root, "examples"))
  .filter((f) => f.endsWith(".aiw"))
  .sort();

/** Examples that declare a flow (common.aiw is a library and has none). */
const flowExamples = exampleFiles.filter((f) => {
  const text = readFileSync(path.join(root, "examples", f), "utf8");
  return parseFile(f, text).ast.declarations.some((d) => d.kind === "FlowDecl");
});

function snapshot(name: string, actual: string): void {
  const file = path.join(snapshotDir, `${name}.json`);
  if (process.env["UPDATE_GOLDEN"] === "1") {
    mkdirSync(snapshotDir, { recursive: true });
    writeFileSync(file, actual);
  }
  expect(existsSync(file), `test/ir/${name}.json is missing: run the tests with UPDATE_GOLDEN=1`).toBe(true);
  expect(actual).toBe(readFileSync(file, "utf8"));
}

describe("the examples", () => {
  it("include flows to test (the list is not empty)", () => {
    expect(flowExamples.length).toBeGreaterThanOrEqual(5);
    expect(flowExamples).not.toContain("common.aiw");
  });

  for (const file of flowExamples) {
    const name = file.replace(/\.aiw$/, "");
    describe(file, () => {
      it("compiles without errors to IR the schema accepts", () => {
        const ir = irOfExample(`examples/${file}`);
        expect(schemaErrors(asJson(ir))).toEqual([]);
        expect(Object.keys(ir.flows).length).toBeGreaterThan(0);
      });

      it(`matches the snapshot test/ir/${name}.json`, () => {
        snapshot(name, pretty(irOfExample(`examples/${file}`)));
      });

      it("gives byte-identical IR when compiled twice", () => {
        expect(JSON.stringify(irOfExample(`examples/${file}`))).toBe(JSON.stringify(irOfExample(`examples/${file}`)));
      });

      it("lists the keys of types, models, tools, agents, guardrails and flows in sorted order", () => {
        const ir = irOfExample(`examples/${file}`);
        for (const key of ["types", "models", "tools", "agents", "guardrails", "flows"] as const) {
          const keys = Object.keys(ir[key]);
          expect(keys, key).toEqual([...keys].sort());
        }
      });

      it("names its sources by paths relative to the repository root", () => {
        const ir = irOfExample(`examples/${file}`);
        expect(ir.sources.map((s) => s.path)).toContain(`examples/${file}`);
        for (const s of ir.sources) expect(s.path).toMatch(/^examples\/[a-z_]+\.aiw$/);
      });
    });
  }

  it("have no snapshot left over from a removed example", () => {
    const snapshots = existsSync(snapshotDir) ? readdirSync(snapshotDir).filter((f) => f.endsWith(".json")) : [];
    const expected = new Set(flowExamples.map((f) => f.replace(/\.aiw$/, ".json")));
    expect(snapshots.filter((f) => !expected.has(f))).toEqual([]);
  });
});

// ---------------------------------------------------------- the schema itself

/** A clone of an example's IR for a test to break. */
function sampleIr(): JsonObject {
  return asJson(irOfExample("examples/invoice_triage.aiw"));
}

function firstTask(ir: JsonObject): JsonObject {
  const flows = ir["flows"] as JsonObject;
  const flow = flows[Object.keys(flows)[0]!] as JsonObject;
  return (flow["tasks"] as JsonObject[])[0]!;
}

describe("the schema", () => {
  it("is a draft 2020-12 schema with an id, a title and a description", () => {
    expect(schema["$schema"]).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema["$id"]).toBe("https://aiwork.dev/schemas/ir-1.json");
    expect(typeof schema["title"]).toBe("string");
    expect(typeof schema["description"]).toBe("string");
  });

  it("pins irVersion to IR_VERSION", () => {
    expect((schema["properties"] as JsonObject)["irVersion"]).toMatchObject({ const: IR_VERSION });
  });

  it("rejects a wrong irVersion", () => {
    const ir = sampleIr();
    ir["irVersion"] = 2;
    expect(schemaErrors(ir)).toContainEqual(expect.objectContaining({ instancePath: "/irVersion", keyword: "const" }));
  });

  it("rejects a missing irVersion", () => {
    const ir = sampleIr();
    delete ir["irVersion"];
    expect(schemaErrors(ir)).toContainEqual(expect.objectContaining({ keyword: "required", params: { missingProperty: "irVersion" } }));
  });

  it("rejects an unknown expression op", () => {
    const ir = sampleIr();
    const run = firstTask(ir)["run"] as JsonObject;
    const args = run["args"] as JsonObject;
    args[Object.keys(args)[0]!] = { op: "lambda", body: { op: "lit", value: 1 } };
    const errors = schemaErrors(ir);
    expect(errors).toContainEqual(expect.objectContaining({ keyword: "enum", instancePath: expect.stringMatching(/\/run\/args\/[a-z_]+\/op$/) }));
  });

  it("rejects an unknown expression op deep inside an expression", () => {
    const ir = sampleIr();
    const guardrails = ir["guardrails"] as JsonObject;
    const positive = guardrails["positive"] as JsonObject;
    positive["condition"] = { op: "binary", operator: ">", left: { op: "get", object: { op: "macro", name: "inv" }, field: "amount" }, right: { op: "lit", value: 0 } };
    expect(schemaErrors(ir).some((e) => e.instancePath === "/guardrails/positive/condition/left/object/op")).toBe(true);
  });

  it("rejects an unknown binary operator", () => {
    const ir = sampleIr();
    const guardrails = ir["guardrails"] as JsonObject;
    (guardrails["positive"] as JsonObject)["condition"] = { op: "binary", operator: "**", left: { op: "lit", value: 1 }, right: { op: "lit", value: 2 } };
    expect(schemaErrors(ir)).toContainEqual(expect.objectContaining({ instancePath: "/guardrails/positive/condition/operator" }));
  });

  it("rejects an extra property on a task", () => {
    const ir = sampleIr();
    firstTask(ir)["priority"] = 1;
    expect(schemaErrors(ir)).toContainEqual(expect.objectContaining({ keyword: "additionalProperties", params: { additionalProperty: "priority" } }));
  });

  it("rejects an extra property on an expression", () => {
    const ir = sampleIr();
    const run = firstTask(ir)["run"] as JsonObject;
    const args = run["args"] as JsonObject;
    (args[Object.keys(args)[0]!] as JsonObject)["comment"] = "x";
    expect(schemaErrors(ir)).toContainEqual(expect.objectContaining({ keyword: "additionalProperties", params: { additionalProperty: "comment" } }));
  });

  it("rejects a task without dependsOn", () => {
    const ir = sampleIr();
    delete firstTask(ir)["dependsOn"];
    expect(schemaErrors(ir)).toContainEqual(expect.objectContaining({ keyword: "required", params: { missingProperty: "dependsOn" } }));
  });

  it("rejects an unknown type kind and an unknown backoff kind", () => {
    const ir = sampleIr();
    const task = firstTask(ir);
    task["output"] = { kind: "tuple", items: [] };
    task["backoff"] = { kind: "linear", delayMs: 1 };
    const paths = schemaErrors(ir).map((e) => e.instancePath);
    expect(paths.some((p) => p.endsWith("/output/kind"))).toBe(true);
    expect(paths.some((p) => p.endsWith("/backoff/kind"))).toBe(true);
  });

  it("rejects a location with a 0 line and an extra key in a top-level map entry", () => {
    const ir = sampleIr();
    firstTask(ir)["location"] = { file: "x.aiw", line: 0, column: 1 };
    const tools = ir["tools"] as JsonObject;
    (tools[Object.keys(tools)[0]!] as JsonObject)["cost"] = 3;
    const errors = schemaErrors(ir);
    expect(errors.some((e) => e.instancePath.endsWith("/location/line") && e.keyword === "minimum")).toBe(true);
    expect(errors).toContainEqual(expect.objectContaining({ keyword: "additionalProperties", params: { additionalProperty: "cost" } }));
  });
});

// ----------------------------------------------- the schema and ir.ts agree

/**
 * One of every expression form, keyed by op. The mapped type makes tsc fail
 * here when ir.ts gains or loses an op, so the list below stays complete.
 */
const EXPR_BY_OP: { readonly [K in I.IrExpr["op"]]: Extract<I.IrExpr, { op: K }> } = {
  lit: { op: "lit", value: { nested: [1, "two", null, true] } },
  input: { op: "input", name: "document" },
  task: { op: "task", name: "read" },
  var: { op: "var", name: "item" },
  get: { op: "get", object: { op: "task", name: "read" }, field: "text" },
  index: { op: "index", object: { op: "input", name: "xs" }, index: { op: "lit", value: 0 } },
  call: { op: "call", fn: "len", args: [{ op: "input", name: "xs" }] },
  not: { op: "not", operand: { op: "lit", value: true } },
  neg: { op: "neg", operand: { op: "lit", value: 1 } },
  binary: { op: "binary", operator: "not in", left: { op: "lit", value: "a" }, right: { op: "input", name: "xs" } },
  list: { op: "list", items: [{ op: "lit", value: 1 }] },
  record: { op: "record", fields: [{ name: "a", value: { op: "lit", value: 1 } }] },
  concat: { op: "concat", parts: [{ op: "lit", value: "a" }, { op: "input", name: "document" }] },
};

const TYPE_BY_KIND: { readonly [K in I.IrType["kind"]]: Extract<I.IrType, { kind: K }> } = {
  string: { kind: "string" },
  number: { kind: "number" },
  boolean: { kind: "boolean" },
  null: { kind: "null" },
  json: { kind: "json" },
  list: { kind: "list", element: { kind: "string" } },
  optional: { kind: "optional", inner: { kind: "number" } },
  record: { kind: "record", fields: [{ name: "a", type: { kind: "string" }, default: "x" }] },
  named: { kind: "named", name: "Invoice" },
};

const OPERATORS: { readonly [K in I.IrBinaryOperator]: true } = {
  or: true,
  and: true,
  "==": true,
  "!=": true,
  "<": true,
  "<=": true,
  ">": true,
  ">=": true,
  in: true,
  "not in": true,
  "+": true,
  "-": true,
  "*": true,
  "/": true,
  "%": true,
};

const location: I.IrLocation = { file: "x.aiw", line: 1, column: 1 };

/** A hand-written program using every variant of every union in ir.ts. */
function everyVariant(): I.IrProgram {
  const exprs = Object.values(EXPR_BY_OP) as I.IrExpr[];
  const task = (id: string, extra: Partial<I.IrTask>): I.IrTask => ({
    id,
    kind: "task",
    run: { kind: "expr", expr: { op: "lit", value: 1 } },
    dependsOn: [],
    guards: [],
    retries: 0,
    backoff: { kind: "fixed", delayMs: 1000 },
    output: { kind: "number" },
    location,
    ...extra,
  });
  return {
    irVersion: IR_VERSION,
    sources: [{ path: "x.aiw", sha256: "0".repeat(64) }],
    types: { Invoice: { kind: "record", fields: Object.values(TYPE_BY_KIND).map((type, i) => ({ name: `f${i}`, type })) } },
    models: {
      m: {
        source: "m.xml",
        device: "CPU",
        hint: "throughput",
        precision: "f16",
        cacheDir: ".cache",
        labels: ["a", "b"],
        batch: { maxSize: 8, maxWaitMs: 2 },
        inputs: [{ name: "features", dtype: "f32", shape: [-1, 512] }],
        outputs: [{ name: "probs", dtype: "f32", shape: [-1, 2] }],
        location,
      },
    },
    tools: {
      a: { params: [{ name: "text", type: { kind: "string" }, default: "", doc: "the text" }], returns: { kind: "json" }, binding: { kind: "builtin", name: "read_text" }, description: "d" },
      b: { params: [], returns: { kind: "json" }, binding: { kind: "extern", ts: "./t.ts#b", python: "pkg.mod:b" }, location },
      c: { params: [], returns: { kind: "json" }, binding: { kind: "extern" }, location },
      d: { params: [], returns: { kind: "json" }, binding: { kind: "model", model: "m", input: { kind: "hashed_words", dim: 512, param: "text" }, output: { kind: "argmax" } }, location },
      e: { params: [], returns: { kind: "json" }, binding: { kind: "model", model: "m", input: { kind: "numbers", param: "xs" }, output: { kind: "scores" } }, location },
      f: { params: [], returns: { kind: "json" }, binding: { kind: "model", model: "m", input: { kind: "tokenizer", path: "tok.xml", param: "text" }, output: { kind: "embedding" } }, location },
      g: { params: [], returns: { kind: "json" }, binding: { kind: "model", model: "m", input: { kind: "numbers", param: "xs" }, output: { kind: "raw" } }, location },
    },
    agents: {
      with_memory: { role: "r", goal: "g", backstory: "b", tools: ["a"], memory: { kind: "recall", topK: 3 }, location },
      without_memory: { role: "r", goal: "g", tools: [], memory: null, location },
    },
    guardrails: { positive: { params: [{ name: "x", type: { kind: "number" } }], condition: EXPR_BY_OP.binary, message: { op: "lit", value: "m" }, location } },
    flows: {
      f: {
        description: "d",
        inputs: [{ name: "document", type: { kind: "string" }, default: "x", doc: "the document" }],
        output: { type: { kind: "json" }, value: EXPR_BY_OP.record },
        schedule: "0 6 * * 1-5",
        startDate: "2026-01-01T00:00:00Z",
        tags: ["t"],
        owner: "o",
        tasks: [
          task("every_expr", { run: { kind: "expr", expr: { op: "list", items: exprs } } }),
          task("tool_run", {
            agent: "with_memory",
            description: EXPR_BY_OP.concat,
            run: { kind: "tool", tool: "a", args: { text: EXPR_BY_OP.input } },
            dependsOn: ["every_expr"],
            when: EXPR_BY_OP.not,
            forEach: { variable: "item", items: EXPR_BY_OP.input },
            guards: [
              { kind: "check", condition: EXPR_BY_OP.lit, message: EXPR_BY_OP.concat },
              { kind: "guardrail", guardrail: "positive", args: [EXPR_BY_OP.task] },
            ],
            retries: 3,
            backoff: { kind: "exponential", delayMs: 1000, maxDelayMs: 60000 },
            timeoutMs: 30000,
            output: TYPE_BY_KIND.optional,
            cacheTtlMs: 600000,
          }),
          task("injector", { inject: { choose: { op: "lit", value: ["tpl"] }, templates: ["tpl"] } }),
        ],
        templates: [task("tpl", { kind: "template" })],
        location,
      },
      on_demand: { inputs: [], schedule: null, startDate: "2026-01-01T00:00:00Z", tags: [], tasks: [], templates: [], location },
    },
  };
}

function enumAt(pointer: string): Json[] {
  let node: Json = schema;
  for (const key of pointer.split("/").filter((k) => k !== "")) node = (node as JsonObject)[key]!;
  return (node as JsonObject)["enum"] as Json[];
}

describe("the schema and compiler/ir.ts", () => {
  it("accept a program using every variant of every union", () => {
    expect(schemaErrors(asJson(everyVariant()))).toEqual([]);
  });

  it("have the same expression ops", () => {
    expect([...enumAt("/$defs/IrExpr/properties/op")].sort()).toEqual(Object.keys(EXPR_BY_OP).sort());
  });

  it("have the same type kinds", () => {
    expect([...enumAt("/$defs/IrType/properties/kind")].sort()).toEqual(Object.keys(TYPE_BY_KIND).sort());
  });

  it("have the same binary operators", () => {
    expect([...enumAt("/$defs/IrBinaryOperator")].sort()).toEqual(Object.keys(OPERATORS).sort());
  });

  it("close every object of the schema (additionalProperties is false or a schema for maps)", () => {
    const open: string[] = [];
    const walk = (node: Json, at: string): void => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}/${i}`));
      if (node === null || typeof node !== "object") return;
      // Shapes list their properties; dispatchers (with if/then) only name the discriminator.
      const isShape = node["type"] === "object" && node["properties"] !== undefined && node["allOf"] === undefined;
      if (isShape && node["additionalProperties"] !== false) open.push(at);
      for (const [k, v] of Object.entries(node)) walk(v, `${at}/${k}`);
    };
    walk(schema, "#");
    expect(open).toEqual([]);
  });
});

// -------------------------------------------------------------- determinism

describe("determinism", () => {
  // Declarations and arguments written out of order: the IR sorts them.
  const unsorted = `
type Zeta { z: string }
type Alpha { a: number }
tool zulu(b: string, a: Alpha) -> Zeta { ts: "./t.ts#zulu" }
tool alpha(x: Zeta) -> Alpha { ts: "./t.ts#alpha" }
agent zed { role: "r" goal: "g" tools: [zulu, alpha] }
agent abe { role: "r" goal: "g" tools: [alpha] }
guardrail zero(a: Alpha) = a.a > 0 else "zero"
guardrail any_z(z: Zeta) = len(z.z) > 0 else "empty"
flow zz(p: string) {
  task first { agent: abe run: alpha(x: { z: p }) guard: zero }
  task second { agent: zed run: zulu(b: p, a: first) guard: any_z }
}
flow aa(p: string) { task only { run: alpha(x: { z: p }) } }
`;

  function compileUnsorted(): I.IrProgram {
    const c = compileSources({ "/virtual/unsorted.aiw": unsorted });
    expect(c.diagnostics).toEqual([]);
    return c.ir!;
  }

  it("sorts the keys of types, models, tools, agents, guardrails and flows", () => {
    const ir = compileUnsorted();
    expect(Object.keys(ir.types)).toEqual(["Alpha", "Zeta"]);
    expect(Object.keys(ir.tools)).toEqual(["alpha", "zulu"]);
    expect(Object.keys(ir.agents)).toEqual(["abe", "zed"]);
    expect(Object.keys(ir.guardrails)).toEqual(["any_z", "zero"]);
    expect(Object.keys(ir.flows)).toEqual(["aa", "zz"]);
  });

  it("sorts the arguments of a tool run by parameter name", () => {
    const run = compileUnsorted().flows["zz"]!.tasks.find((t) => t.id === "second")!.run;
    expect(run.kind === "tool" ? Object.keys(run.args) : []).toEqual(["a", "b"]);
  });

  it("gives byte-identical JSON when the same sources are compiled twice", () => {
    expect(JSON.stringify(compileUnsorted())).toBe(JSON.stringify(compileUnsorted()));
  });

  it("does not depend on the order in which root files are given", () => {
    const files = {
      "/virtual/a.aiw": 'tool ta(x: string) -> string { ts: "./t.ts#ta" }\nflow fa(p: string) { task t { run: ta(x: p) } }\n',
      "/virtual/b.aiw": 'tool tb(x: string) -> string { ts: "./t.ts#tb" }\nflow fb(p: string) { task t { run: tb(x: p) } }\n',
    };
    const ab = compileSources(files, ["/virtual/a.aiw", "/virtual/b.aiw"]).ir;
    const ba = compileSources(files, ["/virtual/b.aiw", "/virtual/a.aiw"]).ir;
    expect(ab).toBeDefined();
    expect(JSON.stringify(ab)).toBe(JSON.stringify(ba));
  });

  it("validates against the schema", () => {
    expect(schemaErrors(asJson(compileUnsorted()))).toEqual([]);
  });
});
