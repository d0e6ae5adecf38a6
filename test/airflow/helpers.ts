// Shared by the Airflow backend's tests: compiling to a folder, finding the
// pinned Python environment (scripts/python-env.sh airflow), running Python.

import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { compileToAirflow, type AirflowFile } from "../../compiler/backends/airflow/index.ts";
import { compile, compileSources } from "../../compiler/compile.ts";
import type { Diagnostic } from "../../compiler/diagnostics.ts";

export const REPO = path.resolve(import.meta.dirname, "../..");
export const VERSION = "0.1.0";
export const EXAMPLES = readdirSync(path.join(REPO, "examples"))
  .filter((f) => f.endsWith(".aiw"))
  .sort()
  .map((f) => `examples/${f}`);
export const GOLDEN_DIR = "test/airflow/golden";

/** Compiles .aiw files (paths relative to the repository) as `aiwc compile --out outDir` run from the repository would. */
export function compileFiles(files: readonly string[], outDir: string): { files: readonly AirflowFile[]; diagnostics: readonly Diagnostic[] } {
  const cwd = process.cwd();
  process.chdir(REPO);
  try {
    const c = compile(files.map((f) => path.resolve(REPO, f)));
    if (c.ir === undefined) return { files: [], diagnostics: c.diagnostics };
    return compileToAirflow(c, { version: VERSION, outDir: path.resolve(REPO, outDir), projectDir: REPO });
  } finally {
    process.chdir(cwd);
  }
}

/** Compiles in-memory sources; the output folder is `outDir` and the project the repository. */
export function compileText(sources: Readonly<Record<string, string>>, outDir: string): { files: readonly AirflowFile[]; diagnostics: readonly Diagnostic[] } {
  const c = compileSources(sources);
  if (c.ir === undefined) return { files: [], diagnostics: c.diagnostics };
  return compileToAirflow(c, { version: VERSION, outDir, projectDir: REPO });
}

export function writeFiles(dir: string, files: readonly AirflowFile[]): void {
  mkdirSync(dir, { recursive: true });
  for (const f of files) writeFileSync(path.join(dir, f.path), f.text);
}

let venv: string | null | undefined;

/** The pinned Airflow environment's folder, or null (with the reason in `venvProblem`) when it cannot be made. */
export function airflowVenv(): string | null {
  if (venv !== undefined) return venv;
  try {
    const out = execFileSync("bash", [path.join(REPO, "scripts/python-env.sh"), "airflow"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 20 * 60_000 });
    const dir = out.trim().split("\n").pop()!;
    venv = existsSync(path.join(dir, "bin/python")) ? dir : null;
    if (venv === null) venvProblem = `scripts/python-env.sh airflow printed ${dir}, which has no bin/python`;
  } catch (err) {
    venv = null;
    venvProblem = `scripts/python-env.sh airflow failed: ${(err as Error).message.split("\n")[0]}`;
  }
  return venv;
}

export let venvProblem = "";

export interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program asynchronously (a server in this process may have to answer it meanwhile). */
export function runProgram(cmd: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    // No __pycache__ folders in the repository (the support module and examples/python are imported from it).
    const env = { ...(options.env ?? process.env), PYTHONDONTWRITEBYTECODE: "1" };
    const child = spawn(cmd, args, { cwd: options.cwd ?? REPO, env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}
