// A program: the root files and every file they import, parsed. Imports are
// followed breadth-first by resolved path; a cycle is reported once, at the
// import that closes it, and never followed.

import { readFileSync } from "node:fs";
import * as nodePath from "node:path";
import type { ImportDecl } from "./ast.ts";
import { diagnostic, type Diagnostic } from "./diagnostics.ts";
import { parseFile, type ParsedFile } from "./parse-file.ts";
import { sourceFile, type SourceFile } from "./source.ts";

/** How the compiler reaches files: the CLI reads the disk; the LSP serves open buffers first. */
export interface CompilerHost {
  /** The text of a file by absolute path, or undefined when it cannot be read. */
  readFile(absolutePath: string): string | undefined;
  /** The path shown in diagnostics for an absolute path. */
  displayPath(absolutePath: string): string;
}

export const nodeHost: CompilerHost = {
  readFile(p) {
    try {
      return readFileSync(p, "utf8");
    } catch {
      return undefined;
    }
  },
  displayPath(p) {
    const rel = nodePath.relative(process.cwd(), p);
    return rel === "" || rel.startsWith("..") || nodePath.isAbsolute(rel) ? p : rel.split(nodePath.sep).join("/");
  },
};

export interface ProgramFile {
  readonly absolutePath: string;
  /** As shown to people; also the `file` of every span in this file. */
  readonly path: string;
  readonly source: SourceFile;
  readonly parsed: ParsedFile;
  /** Each import of the file with the absolute path it names (undefined when not found). */
  readonly imports: readonly { readonly decl: ImportDecl; readonly target: string | undefined }[];
  readonly isRoot: boolean;
}

export interface Program {
  /** Absolute paths of the files named by the user, in the order given. */
  readonly roots: readonly string[];
  /** Every file by absolute path, roots first, then imports in discovery order. */
  readonly files: ReadonlyMap<string, ProgramFile>;
  /** Lookup by display path (the `file` of spans). */
  readonly byDisplayPath: ReadonlyMap<string, ProgramFile>;
  readonly diagnostics: readonly Diagnostic[];
}

/** `tokens`: keep each file's tokens in `parsed` (the language server's folding and highlighting use them). */
export function loadProgram(paths: readonly string[], host: CompilerHost = nodeHost, options: { tokens?: boolean } = {}): Program {
  const files = new Map<string, ProgramFile>();
  const byDisplayPath = new Map<string, ProgramFile>();
  const diagnostics: Diagnostic[] = [];
  const roots = paths.map((p) => nodePath.resolve(p));
  const queue: { abs: string; isRoot: boolean }[] = roots.map((abs) => ({ abs, isRoot: true }));
  const unreadable = new Set<string>();

  for (let qi = 0; qi < queue.length; qi++) {
    const { abs, isRoot } = queue[qi]!;
    if (files.has(abs) || unreadable.has(abs)) continue;
    const text = host.readFile(abs);
    const display = host.displayPath(abs);
    if (text === undefined) {
      unreadable.add(abs);
      if (isRoot) {
        diagnostics.push(
          diagnostic("AIW0103", {
            message: `cannot read '${display}'`,
            span: { file: display, start: 0, end: 0 },
            label: "no such file",
            help: "check the path; it is relative to the current folder",
          }),
        );
      }
      continue;
    }
    const parsed = parseFile(display, text, options);
    const imports = parsed.ast.imports.map((decl) => {
      const target = nodePath.resolve(nodePath.dirname(abs), decl.path);
      return { decl, target: decl.path === "" ? undefined : target };
    });
    const file: ProgramFile = { absolutePath: abs, path: display, source: sourceFile(display, text), parsed, imports, isRoot };
    files.set(abs, file);
    byDisplayPath.set(display, file);
    for (const imp of imports) if (imp.target !== undefined) queue.push({ abs: imp.target, isRoot: false });
  }

  for (const file of files.values()) {
    for (const imp of file.imports) {
      if (imp.target === undefined || !files.has(imp.target)) {
        const shown = imp.decl.path;
        diagnostics.push(
          diagnostic("AIW0103", {
            message: `cannot find the imported file '${shown}'`,
            span: imp.decl.pathSpan,
            label: "no file at this path",
            notes: imp.target !== undefined ? [`looked for ${host.displayPath(imp.target)}`] : [],
            help: "import paths are relative to the importing file, e.g. \"./common.aiw\"",
          }),
        );
      }
    }
  }
  diagnostics.push(...importCycles(files));
  return { roots, files, byDisplayPath, diagnostics };
}

/** One diagnostic per import cycle, at the import that closes it (depth-first, in file order). */
function importCycles(files: ReadonlyMap<string, ProgramFile>): Diagnostic[] {
  const out: Diagnostic[] = [];
  const state = new Map<string, 1 | 2>(); // 1: on the stack, 2: done
  const stack: string[] = [];
  const visit = (abs: string): void => {
    // Iterative depth-first search: import chains may be long.
    const frames: { abs: string; next: number }[] = [{ abs, next: 0 }];
    state.set(abs, 1);
    stack.push(abs);
    while (frames.length > 0) {
      const top = frames[frames.length - 1]!;
      const file = files.get(top.abs)!;
      if (top.next >= file.imports.length) {
        state.set(top.abs, 2);
        stack.pop();
        frames.pop();
        continue;
      }
      const imp = file.imports[top.next++]!;
      const target = imp.target;
      if (target === undefined || !files.has(target)) continue;
      const s = state.get(target);
      if (s === 1) {
        const cycle = stack.slice(stack.indexOf(target)).map((p) => files.get(p)!.path);
        cycle.push(files.get(target)!.path);
        out.push(
          diagnostic("AIW0104", {
            message: `import cycle: ${cycle.join(" -> ")}`,
            span: imp.decl.pathSpan,
            label: "this import closes the cycle",
            notes: [`the cycle is ${cycle.join(" -> ")}`],
            help: "move the declarations both files need into a third file that both import",
          }),
        );
      } else if (s === undefined) {
        state.set(target, 1);
        stack.push(target);
        frames.push({ abs: target, next: 0 });
      }
    }
  };
  for (const abs of files.keys()) if (!state.has(abs)) visit(abs);
  return out;
}
