// Per-file index of exported names: what each file declares (a fingerprint of
// each declaration's text) and which files import which names from it. When a
// file changes, only the files that import a name whose fingerprint changed
// (and, transitively, the files that import those) are checked again.

import type { ProgramFile } from "../compiler/program.ts";

interface FileEntry {
  /** Declared name -> fingerprint. */
  readonly names: ReadonlyMap<string, string>;
  /** Imported file -> the names imported from it, or "*" for a whole-file import. */
  readonly imports: ReadonlyMap<string, ReadonlySet<string> | "*">;
}

export class ExportIndex {
  private readonly files = new Map<string, FileEntry>();
  /** Imported file -> files importing it. */
  private readonly importers = new Map<string, Set<string>>();

  /** Records a file's declarations and imports; returns the names whose fingerprint changed. */
  update(file: ProgramFile): Set<string> {
    const abs = file.absolutePath;
    const text = file.source.text;
    const names = new Map<string, string>();
    for (const d of file.parsed.ast.declarations) {
      if (d.name.name === "" || names.has(d.name.name)) continue;
      // A flow can be imported but nothing refers to its body: its name is all that counts.
      names.set(d.name.name, d.kind === "FlowDecl" ? "flow" : `${d.doc ?? ""}\u0000${text.slice(d.start, d.end)}`);
    }
    const imports = new Map<string, Set<string> | "*">();
    for (const imp of file.imports) {
      if (imp.target === undefined) continue;
      const prev = imports.get(imp.target);
      if (imp.decl.names === undefined || prev === "*") imports.set(imp.target, "*");
      else imports.set(imp.target, new Set([...(prev ?? []), ...imp.decl.names.map((n) => n.name)]));
    }
    const old = this.files.get(abs);
    this.setImports(abs, old, imports);
    this.files.set(abs, { names, imports });
    const changed = new Set<string>();
    for (const [n, fp] of names) if (old?.names.get(n) !== fp) changed.add(n);
    for (const n of old?.names.keys() ?? []) if (!names.has(n)) changed.add(n);
    return changed;
  }

  remove(abs: string): Set<string> {
    const old = this.files.get(abs);
    if (old === undefined) return new Set();
    this.setImports(abs, old, new Map());
    this.files.delete(abs);
    return new Set(old.names.keys());
  }

  /**
   * Files to check again after `changed` names of `abs` changed: the files
   * importing one of them (or the whole file), then whatever imports those.
   */
  dependants(abs: string, changed: ReadonlySet<string>): Set<string> {
    const out = new Set<string>();
    if (changed.size === 0) return out;
    const queue: string[] = [];
    for (const imp of this.importers.get(abs) ?? []) {
      const names = this.files.get(imp)?.imports.get(abs);
      if (names === "*" || [...changed].some((n) => names?.has(n))) queue.push(imp);
    }
    while (queue.length > 0) {
      const f = queue.pop()!;
      if (out.has(f) || f === abs) continue;
      out.add(f);
      for (const next of this.importers.get(f) ?? []) queue.push(next);
    }
    return out;
  }

  /** Files that import `abs`, directly. */
  importersOf(abs: string): ReadonlySet<string> {
    return this.importers.get(abs) ?? new Set();
  }

  private setImports(abs: string, old: FileEntry | undefined, imports: ReadonlyMap<string, unknown>): void {
    for (const target of old?.imports.keys() ?? []) this.importers.get(target)?.delete(abs);
    for (const target of imports.keys()) {
      let set = this.importers.get(target);
      if (set === undefined) this.importers.set(target, (set = new Set()));
      set.add(abs);
    }
  }
}
