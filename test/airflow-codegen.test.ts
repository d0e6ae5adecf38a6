// The Airflow backend without Python: the escaper, the id tables, golden DAG
// files of the examples, determinism, the generated-code rules of issue 6,
// lone surrogates, and `aiwc compile`. Python-side checks (ast, ruff, real
// Airflow) are in airflow-python.test.ts and airflow-dags.test.ts.

import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { SUPPORT_VERSION } from "../compiler/backends/airflow/dag.ts";
import { AirflowIds, fitAirflowId, MAX_AIRFLOW_ID, PythonNames } from "../compiler/backends/airflow/ids.ts";
import { layout, call, list } from "../compiler/backends/airflow/printer.ts";
import { LoneSurrogateError, loneSurrogates, pythonString } from "../compiler/backends/airflow/python-string.ts";
import { main } from "../cli/main.ts";
import { compileFiles, compileText, EXAMPLES, GOLDEN_DIR, REPO } from "./airflow/helpers.ts";


describe("pythonString, the one escaper", () => {
  it("writes printable ASCII as it is and everything else as escapes", () => {
    expect(pythonString("plain text")).toBe('"plain text"');
    expect(pythonString("a\\b")).toBe('"a\\\\b"');
    expect(pythonString("line\nbreak\r\t")).toBe('"line\\nbreak\\r\\t"');
    expect(pythonString("\0\x7f\x1b")).toBe('"\\x00\\x7f\\x1b"');
    expect(pythonString("é\u2028\u202e")).toBe('"\\xe9\\u2028\\u202e"');
    expect(pythonString("😀")).toBe('"\\U0001f600"');
    expect(pythonString("\\N{BULLET}")).toBe('"\\\\N{BULLET}"');
    expect(pythonString("{{ x }} {% y %} ${z}")).toBe('"{{ x }} {% y %} ${z}"');
  });

  it("chooses the quote ruff would, escaping only that one", () => {
    expect(pythonString('say "hi"')).toBe(`'say "hi"'`);
    expect(pythonString(`it's`)).toBe(`"it's"`);
    expect(pythonString(`"a" 'b' "c"`)).toBe(`'"a" \\'b\\' "c"'`);
    expect(pythonString(`'''"""`)).toBe(`"'''\\"\\"\\""`);
  });

  it("gives ASCII only", () => {
    const all = Array.from({ length: 0x3000 }, (_, i) => (i >= 0xd800 && i <= 0xdfff ? "" : String.fromCodePoint(i))).join("") + "\u{10ffff}";
    expect(pythonString(all)).toMatch(/^[\x20-\x7e]*$/);
  });

  it("refuses lone surrogates, and finds them", () => {
    expect(() => pythonString("a\ud800b")).toThrow(LoneSurrogateError);
    expect(() => pythonString("\udc00")).toThrow(LoneSurrogateError);
    expect(loneSurrogates("ok 😀 \ud800 x \udfff")).toEqual([6, 10]);
  });
});

describe("the id tables", () => {
  it("keep valid names, cut long ones to 250 characters with a hash, and resolve collisions in claiming order", () => {
    const ids = new AirflowIds();
    expect(ids.claim("a", "read")).toBe("read");
    expect(ids.claim("b", "read")).toBe("read_2");
    expect(ids.claim("a", "other")).toBe("read");
    const long = "x".repeat(400);
    const id = ids.claim("c", long);
    expect(id.length).toBe(MAX_AIRFLOW_ID);
    expect(id).toMatch(/^x+_[0-9a-f]{8}$/);
    expect(ids.claim("d", long)).toBe(`${id.slice(0, MAX_AIRFLOW_ID - 2)}_2`);
    expect(fitAirflowId("triage.page oncall")).toBe("triage_page_oncall");
  });

  it("give Python names that are not keywords, builtins or the module's own names", () => {
    const names = new PythonNames(["aiw", "s"]);
    expect(names.claim("1", "class")).toBe("class_");
    expect(names.claim("2", "print")).toBe("print_");
    expect(names.claim("3", "aiw")).toBe("aiw_");
    expect(names.claim("4", "s")).toBe("s_");
    expect(names.claim("5", "class_")).toBe("class__");
    expect(names.claim("6", "__init__")).toBe("__init__x");
    expect(names.claim("7", "read")).toBe("read");
  });
});

describe("the printer", () => {
  it("keeps what fits on a line and explodes the rest with trailing commas", () => {
    expect(layout(call("f", ["a", "b"]), 0)).toBe("f(a, b)");
    const long = call("aiw.concat", Array.from({ length: 12 }, (_, i) => `"part number ${i}"`));
    expect(layout(long, 1)).toBe(`    aiw.concat(\n${Array.from({ length: 12 }, (_, i) => `        "part number ${i}",`).join("\n")}\n    )`);
    expect(layout(list([]), 0)).toBe("[]");
  });
});

describe("golden DAG files of the examples", () => {
  const result = compileFiles(EXAMPLES, GOLDEN_DIR);

  it("compiles every example with no diagnostics", () => {
    expect(result.diagnostics).toEqual([]);
    expect(result.files.map((f) => f.path)).toContain("aiwork_support.py");
  });

  for (const file of result.files.filter((f) => f.flow !== undefined)) {
    it(`${file.path} is unchanged`, () => {
      const golden = path.join(REPO, GOLDEN_DIR, file.path);
      if (process.env["UPDATE_GOLDEN"] === "1" || !existsSync(golden)) writeFileSync(golden, file.text);
      expect(file.text).toBe(readFileSync(golden, "utf8"));
    });
  }

  it("has no golden file without a flow", () => {
    const expected = result.files.filter((f) => f.flow !== undefined).map((f) => f.path).sort();
    expect(readdirSync(path.join(REPO, GOLDEN_DIR)).filter((f) => f.endsWith(".py")).sort()).toEqual(expected);
  });
});

describe("the generated code", () => {
  const { files } = compileFiles(EXAMPLES, GOLDEN_DIR);
  const dags = files.filter((f) => f.flow !== undefined);

  it("is byte-for-byte the same on every compile", () => {
    const again = compileFiles(EXAMPLES, GOLDEN_DIR).files;
    expect(again.map((f) => f.text)).toEqual(files.map((f) => f.text));
  });

  it("starts with Go's generated-code header naming the source file and its hash", () => {
    for (const f of dags) {
      const first = f.text.split("\n")[0]!;
      expect(first).toMatch(/^# Code generated by aiwc \S+ from "examples\/\w+\.aiw" \(sha256 [0-9a-f]{64}\)\. DO NOT EDIT\.$/);
    }
  });

  it("is Airflow 3 TaskFlow: airflow.sdk imports only, nothing from airflow.models or airflow.decorators", () => {
    for (const f of dags) {
      const imports = f.text.split("\n").filter((l) => /^(import|from) /.test(l));
      expect(imports).toEqual(["import datetime", expect.stringMatching(/^from airflow\.sdk import (Param, )?dag, task$/), "import aiwork_support as aiw"]);
      expect(f.text).toMatch(/^@dag\($/m);
      expect(f.text).toMatch(/^ {4}@task\(/m);
    }
  });

  it("sets schedule, a fixed timezone-aware start_date, catchup=False, tags and params", () => {
    for (const f of dags) {
      expect(f.text).toContain("    schedule=SCHEDULE,\n");
      expect(f.text).toMatch(/start_date=datetime\.datetime\(\d{4}, \d+, \d+(, \d+)*, tzinfo=datetime\.timezone\.utc\)/);
      expect(f.text).toContain("    catchup=False,\n");
      expect(f.text).toContain("    tags=TAGS,\n");
      expect(f.text).toContain("    doc_md=DOC_MD,\n");
    }
    const invoice = dags.find((f) => f.flow === "process_invoice")!.text;
    expect(invoice).toContain('SCHEDULE = "@daily"');
    expect(invoice).toContain('"limit": Param(5000, type="number"),');
    const respond = dags.find((f) => f.flow === "respond")!.text;
    expect(respond).toContain("SCHEDULE = None");
    expect(respond).toContain('params={"report": Param(type="string")},');
  });

  it("never formats, interpolates or renders text: no f-strings, % formats, triple quotes, and no arguments in task calls", () => {
    for (const f of dags) {
      expect(f.text).toMatch(/^[\x0a\x20-\x7e]*$/);
      expect(f.text).not.toMatch(/\b[fFrRbBuU]+["']/);
      expect(f.text).not.toContain('"""');
      expect(f.text).not.toContain("'''");
      expect(f.text).not.toMatch(/["'] %/);
      // Task instances are made with no arguments (or expand over an XCom): nothing for Jinja to render.
      for (const line of f.text.split("\n").filter((l) => /^ {4}\w+ = \w+\(/.test(l))) expect(line).toMatch(/= \w+\(\)$/);
    }
  });

  it("maps fan-out to dynamic task mapping and injection to a branch and static copies", () => {
    const nightly = dags.find((f) => f.flow === "nightly_report")!.text;
    expect(nightly).toContain('@task(task_id="fetch--items", task_display_name="fetch (items)")');
    expect(nightly).toContain("fetch_task = fetch.expand(item=fetch_items_task)");
    const respond = dags.find((f) => f.flow === "respond")!.text;
    expect(respond).toContain('@task.branch(task_id="triage--inject", task_display_name="triage (inject)")');
    expect(respond).toContain('task_id="triage-page_oncall"');
    expect(respond).toContain("[triage_task, triage_inject_task] >> triage_page_oncall_task");
    expect(respond).toMatch(/\[\s*triage_task,\s*triage_page_oncall_task,\s*triage_status_page_task,\s*triage_open_ticket_task,?\s*\] >> close_task/);
  });
});

describe("the support module", () => {
  it("has the version the generated files ask for", () => {
    const text = readFileSync(path.join(REPO, "compiler/backends/airflow/support/aiwork_support.py"), "utf8");
    expect(/^SUPPORT_VERSION = (\d+)$/m.exec(text)?.[1]).toBe(String(SUPPORT_VERSION));
    const { files } = compileFiles(["examples/nightly_report.aiw"], GOLDEN_DIR);
    expect(files[0]!.text).toContain(`    version=${SUPPORT_VERSION},\n)`);
  });
});

describe("adversarial text", () => {
  const out = path.join(REPO, "out");

  it("rejects a lone surrogate with a diagnostic at its place", () => {
    const src = 'flow f() {\n  description: "bad \ud800 here"\n  task t { run: 1 }\n}\n';
    const r = compileText({ "lone.aiw": src }, out);
    expect(r.files).toEqual([]);
    expect(r.diagnostics).toHaveLength(1);
    const d = r.diagnostics[0]!;
    expect(d.code).toBe("AIW0001");
    expect(d.severity).toBe("error");
    expect(d.message).toContain("lone surrogate U+D800");
    expect(d.primary.span).toEqual({ file: "lone.aiw", start: src.indexOf("\ud800"), end: src.indexOf("\ud800") + 1 });
  });

  it("rejects a tag longer than Airflow's 100 characters at compile time", () => {
    const src = `flow f() {\n  tags: ["ok", "${"x".repeat(101)}"]\n  task t { run: 1 }\n}\n`;
    const r = compileText({ "tags.aiw": src }, out);
    expect(r.files).toEqual([]);
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([["AIW0205", "the tag 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' is 101 characters long; Airflow accepts at most 100"]]);
    expect(r.diagnostics[0]!.primary.span.start).toBe(src.indexOf("tags:"));
  });

  it("keeps names that are Python keywords or builtins, and text that looks like code, harmless", () => {
    const src = [
      "/// \"\"\" ''' \\N{BULLET} {{ var.value.x }} {% if %} ${x}",
      "flow class(raise: string = \"x\\\"\\n\") {",
      '  description: "\\"\\"\\" \\r\\n print(1) \u2028 \u202e"',
      '  tags: ["{{ dag_run.conf }}", "\\u{0}"]',
      "  task print { run: \"${raise} {{ ti }}\" }",
      "  task lambda_ after print { run: print }",
      "  task aiw { run: lambda_ }",
      "}",
    ].join("\n");
    const r = compileText({ "weird.aiw": src }, out);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const dag = r.files.find((f) => f.flow === "class")!;
    expect(dag.path).toBe("class_dag.py");
    expect(dag.text).toMatch(/^[\x0a\x20-\x7e]*$/);
    expect(dag.text).toContain("def class_():");
    expect(dag.text).toContain("def print_():");
    expect(dag.text).toContain("def aiw_():");
    expect(dag.text).toContain('task_id="print"');
  });
});

describe("aiwc compile", () => {
  it("writes one DAG file per flow and the support module", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "aiw-compile-"));
    let stdout = "";
    let stderr = "";
    const cwd = process.cwd();
    process.chdir(REPO);
    let code: number;
    try {
      code = await main(["node", "aiwc", "compile", "examples/invoice_triage.aiw", "examples/incident_response.aiw", "--target", "airflow", "--out", dir], {
        stdout: (s) => (stdout += s),
        stderr: (s) => (stderr += s),
        isTTY: false,
      });
    } finally {
      process.chdir(cwd);
    }
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(["aiwork_support.py", "process_invoice_dag.py", "respond_dag.py"]);
    expect(stdout).toContain("(dag_id process_invoice)");
    expect(readFileSync(path.join(dir, "aiwork_support.py"), "utf8")).toMatch(/^# Code generated by aiwc \S+\. DO NOT EDIT\.\n/);
  });

  it("exits 1 with the diagnostics when the source has errors, and 2 without --out", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "aiw-compile-"));
    const bad = path.join(dir, "bad.aiw");
    writeFileSync(bad, "flow f() { task t { run: nope } }\n");
    let stderr = "";
    const io = { stdout: () => {}, stderr: (s: string) => (stderr += s), isTTY: false };
    expect(await main(["node", "aiwc", "compile", bad, "--out", path.join(dir, "out")], io)).toBe(1);
    expect(stderr).toContain("AIW0101");
    expect(existsSync(path.join(dir, "out"))).toBe(false);
    expect(await main(["node", "aiwc", "compile", bad], io)).toBe(2);
  });
});
