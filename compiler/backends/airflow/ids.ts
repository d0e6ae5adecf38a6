// The id-mapping tables of the Airflow backend. Every Airflow id (dag_id,
// task_id) and every Python name the generated code defines comes from one of
// these tables, and every reference looks the name up here, so a rename or a
// collision is resolved in exactly one place, deterministically: the first key
// to claim a name keeps it, later ones get `_2`, `_3`, ... in claiming order.

import { createHash } from "node:crypto";

/** Airflow's limit for dag_id and task_id. */
export const MAX_AIRFLOW_ID = 250;

/** Airflow ids: ASCII letters, digits, `_` and `-`, at most 250 characters, unique in the table. */
export class AirflowIds {
  private readonly byKey = new Map<string, string>();
  private readonly taken = new Set<string>();

  /** The id of `key`, claiming one derived from `wanted` on first use. */
  claim(key: string, wanted: string): string {
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    const base = fitAirflowId(wanted);
    let id = base;
    for (let i = 2; this.taken.has(id); i++) {
      const suffix = `_${i}`;
      id = base.slice(0, MAX_AIRFLOW_ID - suffix.length) + suffix;
    }
    this.byKey.set(key, id);
    this.taken.add(id);
    return id;
  }

  get(key: string): string {
    const id = this.byKey.get(key);
    if (id === undefined) throw new Error(`no Airflow id for '${key}'`);
    return id;
  }
}

/** `wanted` with other characters as `_`, cut to 250 with a hash of the whole when longer. */
export function fitAirflowId(wanted: string): string {
  const clean = wanted.replace(/[^A-Za-z0-9_-]/g, "_") || "_";
  if (clean.length <= MAX_AIRFLOW_ID) return clean;
  const hash = createHash("sha256").update(wanted).digest("hex").slice(0, 8);
  return `${clean.slice(0, MAX_AIRFLOW_ID - 9)}_${hash}`;
}

const PYTHON_KEYWORDS = [
  "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else",
  "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise",
  "return", "try", "while", "with", "yield", "match", "case", "type", "_",
];

const PYTHON_BUILTINS = [
  "abs", "aiter", "all", "anext", "any", "ascii", "bin", "bool", "breakpoint", "bytearray", "bytes", "callable", "chr",
  "classmethod", "compile", "complex", "copyright", "credits", "delattr", "dict", "dir", "divmod", "enumerate", "eval", "exec",
  "exit", "filter", "float", "format", "frozenset", "getattr", "globals", "hasattr", "hash", "help", "hex", "id", "input",
  "int", "isinstance", "issubclass", "iter", "len", "license", "list", "locals", "map", "max", "memoryview", "min", "next",
  "object", "oct", "open", "ord", "pow", "print", "property", "quit", "range", "repr", "reversed", "round", "set", "setattr",
  "slice", "sorted", "staticmethod", "str", "sum", "super", "tuple", "vars", "zip", "Ellipsis", "NotImplemented",
  "BaseException", "Exception", "ArithmeticError", "AssertionError", "AttributeError", "EOFError", "ImportError", "KeyError",
  "LookupError", "NameError", "OSError", "RuntimeError", "StopIteration", "TypeError", "ValueError", "ZeroDivisionError",
];

/**
 * Python names of one generated module: valid identifiers that are not
 * keywords, builtins, dunders or names the module itself uses (`reserved`).
 * One namespace for the whole module, so no name shadows another.
 */
export class PythonNames {
  private readonly byKey = new Map<string, string>();
  private readonly taken: Set<string>;

  constructor(reserved: Iterable<string>) {
    this.taken = new Set([...PYTHON_KEYWORDS, ...PYTHON_BUILTINS, ...reserved]);
  }

  claim(key: string, wanted: string): string {
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    let base = wanted.replace(/[^A-Za-z0-9_]/g, "_");
    if (base === "" || /^[0-9]/.test(base)) base = `_${base}`;
    if (/^__.*__$/.test(base)) base = `${base}x`;
    if (this.taken.has(base)) base = `${base}_`;
    let name = base;
    for (let i = 2; this.taken.has(name); i++) name = `${base}${i}`;
    this.byKey.set(key, name);
    this.taken.add(name);
    return name;
  }

  get(key: string): string {
    const name = this.byKey.get(key);
    if (name === undefined) throw new Error(`no Python name for '${key}'`);
    return name;
  }
}
