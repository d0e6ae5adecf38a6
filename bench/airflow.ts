// Benchmarks of the Airflow target (issue 6). See docs/benchmarks.md, "Airflow".
//
// 1. Compile time of a 10,000-task flow: the front end (parse, check, lower to
//    IR) and the Airflow backend (IR to the DAG file), timed apart and together.
// 2. Airflow's parse time of the generated DAG file for a 1,000-task flow, side
//    by side in the same run with the same workflow written as dag-factory YAML
//    (a three-line DAG file that loads the YAML at import time, as dag-factory
//    is used). Both are parsed by Airflow's DagBag in a child forked from a
//    parent that has Airflow loaded, as the DAG processor does.
//
// Usage: node --expose-gc bench/airflow.ts [--runs N] [--compile-tasks N]
//        [--parse-tasks N] [--no-airflow] [--json]

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { compileToAirflow } from "../compiler/backends/airflow/index.ts";
import { compileSources } from "../compiler/compile.ts";
import { generateAiw } from "./parse-check.ts";

const REPO = path.resolve(import.meta.dirname, "..");
const COMPILE_TARGET_MS = 1000;

const { values: opts } = parseArgs({
  options: {
    runs: { type: "string", default: "7" },
    "compile-tasks": { type: "string", default: "10000" },
    "parse-tasks": { type: "string", default: "1000" },
    "no-airflow": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
const runs = Number(opts.runs);
const log = (s: string) => process.stderr.write(`${s}\n`);
const gc = (globalThis as { gc?: () => void }).gc;

interface Stat {
  readonly median: number;
  readonly min: number;
}

function stat(samples: readonly number[]): Stat {
  const s = [...samples].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, min: s[0]! };
}

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));

// ------------------------------------------------------------------ 1. compile time

interface CompileResult {
  readonly front: Stat;
  readonly backend: Stat;
  readonly total: Stat;
  /** CPU time of this process (all its threads, so garbage collection too). */
  readonly cpu: { readonly front: Stat; readonly backend: Stat; readonly total: Stat };
  readonly outputBytes: number;
  readonly sourceLines: number;
}

function measureCompile(tasks: number): CompileResult {
  const text = generateAiw(tasks);
  const options = { version: "bench", outDir: path.join(tmpdir(), "aiw-bench-out"), projectDir: REPO };
  const cpuMs = (since: NodeJS.CpuUsage) => {
    const u = process.cpuUsage(since);
    return (u.user + u.system) / 1000;
  };
  const once = () => {
    gc?.();
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const c = compileSources({ "bench.aiw": text });
    const t1 = performance.now();
    const cpuFront = cpuMs(c0);
    const c1 = process.cpuUsage();
    const r = compileToAirflow(c, options);
    const t2 = performance.now();
    const cpuBackend = cpuMs(c1);
    if (r.files.length !== 2) throw new Error(`expected one DAG file and the support module, got ${r.files.length} files: ${r.diagnostics.map((d) => d.message).join("; ")}`);
    return { front: t1 - t0, backend: t2 - t1, cpuFront, cpuBackend, bytes: r.files[0]!.text.length };
  };
  for (let i = 0; i < 2; i++) once();
  const samples = Array.from({ length: runs }, once);
  return {
    front: stat(samples.map((s) => s.front)),
    backend: stat(samples.map((s) => s.backend)),
    total: stat(samples.map((s) => s.front + s.backend)),
    cpu: {
      front: stat(samples.map((s) => s.cpuFront)),
      backend: stat(samples.map((s) => s.cpuBackend)),
      total: stat(samples.map((s) => s.cpuFront + s.cpuBackend)),
    },
    outputBytes: samples[0]!.bytes,
    sourceLines: text.split("\n").length,
  };
}

// ------------------------------------------------------------------ 2. Airflow parse time

/** The bench workflow as dag-factory 1.x YAML: same tasks, arguments, docs, retries, timeouts, dependencies. */
function dagFactoryYaml(n: number, callableFile: string): string {
  const depsOf = (i: number) => (i === 1 ? [] : i % 5 === 0 && i > 7 ? [i - 1, i - 7] : [i - 1]);
  const out = [
    "# The workflow of bench/parse-check.ts's bench.aiw as dag-factory YAML.",
    "big:",
    "  default_args:",
    "    owner: aiwork",
    "    start_date: 2026-01-01",
    "    retries: 0",
    '  schedule: "@daily"',
    "  catchup: false",
    '  description: "A flow with many steps."',
    "  params:",
    '    seed: ""',
    "  tasks:",
  ];
  const pull = (d: number) => `{{ ti.xcom_pull(task_ids='t${d}')['text'] }}`;
  for (let i = 1; i <= n; i++) {
    const deps = depsOf(i);
    out.push(
      `    t${i}:`,
      "      operator: airflow.providers.standard.operators.python.PythonOperator",
      `      doc_md: "Step ${i} of the chain. ${deps.length === 0 ? "Starts from the seed." : `Reads the text of ${deps.map((d) => `t${d}`).join(" and ")}.`}"`,
      `      doc: "Step ${i} of the flow"`,
      "      python_callable_name: work",
      `      python_callable_file: ${callableFile}`,
      "      op_kwargs:",
      `        n: ${i}`,
      `        prev: "${deps.length === 0 ? "{{ params.seed }}" : deps.map(pull).join(" ")}"`,
      '        guard: { min_score: 0.5, message: "unsure" }',
      `      retries: ${i % 3}`,
      "      execution_timeout:",
      "        __type__: datetime.timedelta",
      `        seconds: ${30 * (1 + (i % 4))}`,
    );
    if (deps.length > 0) out.push(`      dependencies: [${deps.map((d) => `t${d}`).join(", ")}]`);
  }
  out.push("");
  return out.join("\n");
}

function measureParse(tasks: number): { aiwork: Stat; dagFactory: Stat; info: Record<string, { tasks: number }>; bytes: { aiwork: number; yaml: number } } | { skipped: string } {
  let venv: string;
  try {
    venv = execFileSync("bash", [path.join(REPO, "scripts/python-env.sh"), "airflow"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim().split("\n").pop()!;
  } catch (err) {
    return { skipped: `no Airflow environment: ${(err as Error).message.split("\n")[0]}` };
  }
  const root = mkdtempSync(path.join(tmpdir(), "aiw-bench-airflow-"));
  const aiwDir = path.join(root, "aiwork");
  const yamlDir = path.join(root, "dagfactory");
  mkdirSync(aiwDir);
  mkdirSync(yamlDir);
  const c = compileSources({ [path.join(root, "bench.aiw")]: generateAiw(tasks) });
  const r = compileToAirflow(c, { version: "bench", outDir: aiwDir, projectDir: root });
  for (const f of r.files) writeFileSync(path.join(aiwDir, f.path), f.text);
  const yaml = dagFactoryYaml(tasks, path.join(yamlDir, "work.py"));
  writeFileSync(path.join(yamlDir, "bench.yaml"), yaml);
  writeFileSync(path.join(yamlDir, "work.py"), 'def work(n, prev, guard):\n    return {"text": prev, "score": 1.0}\n');
  writeFileSync(
    path.join(yamlDir, "big_dagfactory.py"),
    `# An Airflow DAG file: dag-factory builds the DAG from the YAML when it is imported.\nfrom dagfactory import load_yaml_dags\n\nload_yaml_dags(globals_dict=globals(), config_filepath=${JSON.stringify(path.join(yamlDir, "bench.yaml"))})\n`,
  );
  const env = { ...process.env, AIRFLOW_HOME: path.join(root, "home"), AIRFLOW__CORE__LOAD_EXAMPLES: "False", PYTHONWARNINGS: "ignore" };
  const out = execFileSync(
    path.join(venv, "bin/python"),
    [path.join(REPO, "bench/airflow_parse.py"), String(runs), `aiwork=${path.join(aiwDir, r.files[0]!.path)}`, `dagfactory=${path.join(yamlDir, "big_dagfactory.py")}`],
    { encoding: "utf8", env, stdio: ["ignore", "pipe", "ignore"], maxBuffer: 64 * 1024 * 1024 },
  );
  rmSync(root, { recursive: true, force: true });
  const result = JSON.parse(out.trim().split("\n").pop()!) as { samples: Record<string, number[]>; info: Record<string, { tasks: number }> };
  const ms = (label: string) => stat(result.samples[label]!.map((s) => s * 1000));
  return { aiwork: ms("aiwork"), dagFactory: ms("dagfactory"), info: result.info, bytes: { aiwork: r.files[0]!.text.length, yaml: yaml.length } };
}

// ------------------------------------------------------------------ report

const machine = `${cpus().length} cores (${cpus()[0]?.model ?? "unknown"}), Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}`;
log(`bench/airflow: ${machine}`);
const compileTasks = Number(opts["compile-tasks"]);
log(`compiling a ${compileTasks}-task flow ${runs} times...`);
const compile = measureCompile(compileTasks);
const parseTasks = Number(opts["parse-tasks"]);
let parse: ReturnType<typeof measureParse> | undefined;
if (!opts["no-airflow"]) {
  log(`parsing the ${parseTasks}-task DAG and its dag-factory YAML in Airflow, ${runs} rounds...`);
  parse = measureParse(parseTasks);
}

if (opts.json) {
  process.stdout.write(`${JSON.stringify({ machine, runs, compileTasks, compile, parseTasks, parse }, null, 2)}\n`);
} else {
  const lines = [
    "",
    `Compile time, ${compileTasks} tasks (${compile.sourceLines} .aiw lines -> ${(compile.outputBytes / 1e6).toFixed(1)} MB of Python), median (min) ms of ${runs}, wall | CPU:`,
    `  front end (parse, check, IR)  ${fmt(compile.front.median)} (${fmt(compile.front.min)}) | ${fmt(compile.cpu.front.median)} (${fmt(compile.cpu.front.min)})`,
    `  Airflow backend (IR -> DAG)   ${fmt(compile.backend.median)} (${fmt(compile.backend.min)}) | ${fmt(compile.cpu.backend.median)} (${fmt(compile.cpu.backend.min)})`,
    `  total                         ${fmt(compile.total.median)} (${fmt(compile.total.min)}) | ${fmt(compile.cpu.total.median)} (${fmt(compile.cpu.total.min)})`,
    `  target < ${COMPILE_TARGET_MS} ms: backend ${compile.backend.median < COMPILE_TARGET_MS ? "met" : "NOT met"}, total ${compile.total.median < COMPILE_TARGET_MS ? "met" : "NOT met"} (wall medians)`,
  ];
  if (parse !== undefined && "skipped" in parse) lines.push("", `Airflow parse time: skipped (${parse.skipped})`);
  else if (parse !== undefined) {
    const ratio = parse.aiwork.median / parse.dagFactory.median;
    lines.push(
      "",
      `Airflow parse time of one ${parseTasks}-task DAG (DagBag in a forked child), median (min) ms of ${runs}:`,
      `  aiwc DAG file (${(parse.bytes.aiwork / 1e6).toFixed(2)} MB, ${parse.info["aiwork"]!.tasks} tasks)         ${fmt(parse.aiwork.median)} (${fmt(parse.aiwork.min)})`,
      `  dag-factory YAML (${(parse.bytes.yaml / 1e6).toFixed(2)} MB, ${parse.info["dagfactory"]!.tasks} tasks)     ${fmt(parse.dagFactory.median)} (${fmt(parse.dagFactory.min)})`,
      `  ratio aiwc / dag-factory     ${ratio.toFixed(2)}x   target <= 1.00x: ${ratio <= 1 ? "met" : "NOT met"}`,
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}
