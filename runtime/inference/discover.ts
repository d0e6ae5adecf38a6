// Finding the OpenVINO runtime: AIW_OPENVINO_LIB first (a libopenvino_c.so.*
// file, its folder, or the `openvino` Python package folder), then the
// project's own Python environments (.venv/ml, .venv/airflow, made by
// scripts/python-env.sh). A miss is one error that says how to install it.

import { existsSync, readdirSync, statSync } from "node:fs";
import * as path from "node:path";
import { RuntimeMissingError } from "./backend.ts";

export const LIB_ENV = "AIW_OPENVINO_LIB";
export const TOKENIZERS_ENV = "AIW_OPENVINO_TOKENIZERS_LIB";
const REPO = path.resolve(import.meta.dirname, "../..");
const VENVS = ["ml", "airflow"];

export interface OpenVinoInstall {
  /** Absolute path of libopenvino_c.so.<version>. */
  readonly cLibrary: string;
  /** The `openvino` package folder (holds libs/ and include/), when the library sits in one. */
  readonly packageDir?: string;
  /** How it was found, for messages. */
  readonly foundBy: string;
}

export const INSTALL_HELP =
  `set ${LIB_ENV} to libopenvino_c.so.* (or its folder, e.g. <venv>/lib/python3.X/site-packages/openvino/libs), ` +
  "or install the pinned openvino wheel into the project's environment with: bash scripts/setup-openvino.sh";

/** The C library in a folder: libopenvino_c.so.<version> (the wheel has no unversioned name). */
function cLibraryIn(dir: string): string | undefined {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  const found = names.filter((n) => /^libopenvino_c\.so(\.\d+)*$/.test(n) || n === "libopenvino_c.dylib" || n === "openvino_c.dll").sort();
  return found.length > 0 ? path.join(dir, found[found.length - 1]!) : undefined;
}

/** `openvino` package folders inside a virtual environment. */
function packageDirsInVenv(venv: string): string[] {
  const libDir = path.join(venv, "lib");
  let pythons: string[];
  try {
    pythons = readdirSync(libDir).filter((n) => n.startsWith("python")).sort();
  } catch {
    return [];
  }
  return pythons.map((p) => path.join(libDir, p, "site-packages", "openvino")).filter((d) => existsSync(d));
}

function fromPath(given: string, foundBy: string): OpenVinoInstall | undefined {
  const p = path.resolve(given);
  if (!existsSync(p)) return undefined;
  if (statSync(p).isFile()) {
    const dir = path.dirname(p);
    const pkg = path.basename(dir) === "libs" ? path.dirname(dir) : undefined;
    return { cLibrary: p, ...(pkg !== undefined ? { packageDir: pkg } : {}), foundBy };
  }
  const direct = cLibraryIn(p);
  if (direct !== undefined) return { cLibrary: direct, ...(path.basename(p) === "libs" ? { packageDir: path.dirname(p) } : {}), foundBy };
  const inLibs = cLibraryIn(path.join(p, "libs"));
  if (inLibs !== undefined) return { cLibrary: inLibs, packageDir: p, foundBy };
  for (const pkg of packageDirsInVenv(p)) {
    const lib = cLibraryIn(path.join(pkg, "libs"));
    if (lib !== undefined) return { cLibrary: lib, packageDir: pkg, foundBy };
  }
  return undefined;
}

/** Finds the runtime or throws RuntimeMissingError saying where it looked and how to install it. */
export function findOpenVino(env: NodeJS.ProcessEnv = process.env, repo: string = REPO): OpenVinoInstall {
  const given = env[LIB_ENV];
  if (given !== undefined && given !== "") {
    const found = fromPath(given, `${LIB_ENV}=${given}`);
    if (found !== undefined) return found;
    throw new RuntimeMissingError(`the OpenVINO runtime was not found: ${LIB_ENV}=${given} holds no libopenvino_c.so.*; ${INSTALL_HELP}`);
  }
  const looked: string[] = [];
  for (const name of VENVS) {
    const venv = path.join(repo, ".venv", name);
    looked.push(venv);
    for (const pkg of packageDirsInVenv(venv)) {
      const lib = cLibraryIn(path.join(pkg, "libs"));
      if (lib !== undefined) return { cLibrary: lib, packageDir: pkg, foundBy: `the project's environment ${path.relative(repo, venv)}` };
    }
  }
  throw new RuntimeMissingError(`the OpenVINO runtime was not found (${LIB_ENV} is not set; looked in ${looked.join(", ")}); ${INSTALL_HELP}`);
}

/** The openvino_tokenizers extension library beside an openvino package, or from AIW_OPENVINO_TOKENIZERS_LIB. */
export function findTokenizersExtension(install: OpenVinoInstall | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const given = env[TOKENIZERS_ENV];
  if (given !== undefined && given !== "") {
    if (existsSync(given)) return path.resolve(given);
    throw new RuntimeMissingError(`${TOKENIZERS_ENV}=${given} does not exist`);
  }
  if (install?.packageDir !== undefined) {
    const libDir = path.join(path.dirname(install.packageDir), "openvino_tokenizers", "lib");
    try {
      const lib = readdirSync(libDir).find((n) => /^libopenvino_tokenizers\.(so|dylib)$/.test(n) || n === "openvino_tokenizers.dll");
      if (lib !== undefined) return path.join(libDir, lib);
    } catch {
      // not installed: reported below
    }
  }
  throw new RuntimeMissingError(
    `tokenizer models need the openvino_tokenizers extension, which was not found beside ${install?.packageDir ?? "the OpenVINO runtime"}; ` +
      `set ${TOKENIZERS_ENV} to libopenvino_tokenizers.so, or run: bash scripts/setup-openvino.sh (it installs openvino-tokenizers)`,
  );
}
