// The server's view of the files, in the analysis worker (lsp/worker.ts):
// open buffers first, then the disk; one analysis per root file (every .aiw
// file of the workspace and every open one), kept per content version. An
// edit marks its file dirty and the analysis starts at once (no debounce);
// work superseded by a newer edit is dropped between its two steps; the loop
// yields to the event loop between steps so that newer edits and the worker's
// requests are taken in meanwhile. A file is checked again only when it
// changed or a name it imports changed (lsp/exports-index.ts).

import { readdirSync, readFileSync, statSync } from "node:fs";
import * as nodePath from "node:path";
import { pathToFileURL } from "node:url";
import type { CancellationToken } from "vscode-languageserver";
import type { CompilerHost } from "../compiler/program.ts";
import { sourceFile, type SourceFile } from "../compiler/source.ts";
import { checkRoot, loadRoot, type Analysis } from "./analysis.ts";
import { ExportIndex } from "./exports-index.ts";
import { uriToPath } from "./positions.ts";

export { uriToPath };

export interface WorkspaceEvents {
  /** A root's analysis is done and current. */
  analysed(a: Analysis): void;
  /** A root is gone (deleted, or closed and not part of the workspace). */
  removed(abs: string, uri: string): void;
}

export interface WorkspaceStats {
  analyses: number;
  cancelled: number;
}

/** A file's text and its content stamp: the stamp changes whenever the text does. */
interface Content {
  readonly text: string;
  readonly stamp: number;
  /** The client's version for an open buffer. */
  readonly version?: number;
  source?: SourceFile;
}

const SKIP_DIRS = new Set(["node_modules", ".git", ".venv", "dist", "out"]);

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class Workspace {
  readonly folders: string[] = [];
  readonly stats: WorkspaceStats = { analyses: 0, cancelled: 0 };
  private readonly open = new Map<string, Content>();
  private readonly disk = new Map<string, Content>();
  private readonly uris = new Map<string, string>();
  /** Files analysed as roots: the workspace's .aiw files and open buffers. */
  private readonly roots = new Set<string>();
  private readonly analyses = new Map<string, Analysis>();
  private readonly dirty = new Set<string>();
  private readonly waiters = new Map<string, (() => void)[]>();
  private readonly settledWaiters: (() => void)[] = [];
  private readonly index = new ExportIndex();
  private nextStamp = 1;
  private running = false;

  readonly host: CompilerHost = {
    readFile: (abs) => this.content(abs)?.text,
    displayPath: (abs) => this.displayPath(abs),
  };

  private readonly events: WorkspaceEvents;

  constructor(events: WorkspaceEvents) {
    this.events = events;
  }

  // ------------------------------------------------------------ the files

  /** Adds a workspace folder: every .aiw file under it becomes a root. */
  addFolder(folder: string): void {
    this.folders.push(folder);
    for (const abs of findAiwFiles(folder)) this.addRoot(abs);
  }

  openDocument(uri: string, text: string, version: number): void {
    const abs = uriToPath(uri);
    this.uris.set(abs, uri);
    this.open.set(abs, { text, stamp: this.nextStamp++, version });
    this.changed(abs);
    this.addRoot(abs);
  }

  changeDocument(uri: string, text: string, version: number): void {
    const abs = uriToPath(uri);
    this.open.set(abs, { text, stamp: this.nextStamp++, version });
    this.changed(abs);
  }

  closeDocument(uri: string): void {
    const abs = uriToPath(uri);
    const was = this.open.get(abs);
    this.open.delete(abs);
    const onDisk = readText(abs);
    if (onDisk === undefined || !this.inFolders(abs)) {
      this.disk.delete(abs);
      this.dropRoot(abs);
      return;
    }
    if (was?.text !== onDisk) {
      this.disk.set(abs, { text: onDisk, stamp: this.nextStamp++ });
      this.changed(abs);
    } else {
      // The same text: its analysis stays current, so keep the buffer's stamp.
      this.disk.set(abs, { text: onDisk, stamp: was.stamp });
    }
  }

  /** A file changed, appeared or disappeared on disk (workspace/didChangeWatchedFiles). */
  diskChanged(abs: string): void {
    this.disk.delete(abs);
    const text = readText(abs);
    if (text !== undefined) this.disk.set(abs, { text, stamp: this.nextStamp++ });
    if (this.open.has(abs)) return; // the buffer wins
    if (text === undefined) {
      this.dependantsChanged(abs, this.index.remove(abs));
      this.dropRoot(abs);
      // Files importing it now report it missing.
      for (const imp of this.index.importersOf(abs)) this.markDirty(imp);
      return;
    }
    this.changed(abs);
    if (this.inFolders(abs) && abs.endsWith(".aiw")) this.addRoot(abs);
    for (const imp of this.index.importersOf(abs)) this.markDirty(imp);
  }

  text(abs: string): string | undefined {
    return this.content(abs)?.text;
  }

  /** The client's version of an open buffer. */
  version(abs: string): number | undefined {
    return this.open.get(abs)?.version;
  }

  stamp(abs: string): number | undefined {
    return this.content(abs)?.stamp;
  }

  /** Line starts of the current text. */
  source(abs: string): SourceFile | undefined {
    const c = this.content(abs);
    if (c === undefined) return undefined;
    c.source ??= sourceFile(this.displayPath(abs), c.text);
    return c.source;
  }

  uriOf(abs: string): string {
    return this.uris.get(abs) ?? pathToFileURL(abs).href;
  }

  isOpen(abs: string): boolean {
    return this.open.has(abs);
  }

  rootFiles(): string[] {
    return [...this.roots];
  }

  /** As `aiwc check` run from the first workspace folder would show it. */
  displayPath(abs: string): string {
    const base = this.folders[0];
    if (base === undefined) return abs;
    const rel = nodePath.relative(base, abs);
    return rel === "" || rel.startsWith("..") || nodePath.isAbsolute(rel) ? abs : rel.split(nodePath.sep).join("/");
  }

  // ------------------------------------------------------------ analyses

  /** The analysis of the file's current text (waits for it; undefined once `token` is cancelled). */
  async analysisOf(abs: string, token?: CancellationToken): Promise<Analysis | undefined> {
    if (this.content(abs) === undefined) return undefined;
    if (!this.roots.has(abs)) this.addRoot(abs);
    while (!this.isCurrent(abs)) {
      if (token?.isCancellationRequested === true || this.content(abs) === undefined || !this.roots.has(abs)) return undefined;
      let cancelled: { dispose(): void } | undefined;
      await new Promise<void>((resolve) => {
        const list = this.waiters.get(abs) ?? [];
        list.push(resolve);
        this.waiters.set(abs, list);
        cancelled = token?.onCancellationRequested(() => resolve());
      });
      cancelled?.dispose();
    }
    return this.analyses.get(abs);
  }

  /** The last analysis of the file, possibly of an older text; waits only when there is none. */
  async latestAnalysisOf(abs: string): Promise<Analysis | undefined> {
    return this.analyses.get(abs) ?? this.analysisOf(abs);
  }

  /** Every root's analysis, once all are current. */
  async allAnalyses(): Promise<Analysis[]> {
    while (this.dirty.size > 0 || this.running) await new Promise<void>((resolve) => this.settledWaiters.push(resolve));
    return [...this.analyses.values()];
  }

  private isCurrent(abs: string): boolean {
    const a = this.analyses.get(abs);
    return a !== undefined && !this.dirty.has(abs) && a.stamp === this.stamp(abs);
  }

  private content(abs: string): Content | undefined {
    const o = this.open.get(abs);
    if (o !== undefined) return o;
    let d = this.disk.get(abs);
    if (d === undefined) {
      const text = readText(abs);
      if (text === undefined) return undefined;
      d = { text, stamp: this.nextStamp++ };
      this.disk.set(abs, d);
    }
    return d;
  }

  private inFolders(abs: string): boolean {
    return this.folders.some((f) => {
      const rel = nodePath.relative(f, abs);
      return rel !== "" && !rel.startsWith("..") && !nodePath.isAbsolute(rel);
    });
  }

  private addRoot(abs: string): void {
    if (this.roots.has(abs)) return;
    this.roots.add(abs);
    this.markDirty(abs);
  }

  private dropRoot(abs: string): void {
    const uri = this.uriOf(abs);
    this.roots.delete(abs);
    this.dirty.delete(abs);
    this.analyses.delete(abs);
    this.uris.delete(abs);
    this.wake(abs);
    this.events.removed(abs, uri);
  }

  private changed(abs: string): void {
    if (this.roots.has(abs)) this.markDirty(abs);
  }

  private dependantsChanged(abs: string, names: ReadonlySet<string>): void {
    for (const d of this.index.dependants(abs, names)) if (this.roots.has(d)) this.markDirty(d);
  }

  private markDirty(abs: string): void {
    this.dirty.add(abs);
    if (this.running) return;
    this.running = true;
    setImmediate(() => void this.drain());
  }

  /** Open buffers first, most recently marked last in the set, so taken first. */
  private pickNext(): string {
    let pick: string | undefined;
    for (const abs of this.dirty) if (this.open.has(abs)) pick = abs;
    return pick ?? this.dirty.values().next().value!;
  }

  private async drain(): Promise<void> {
    try {
      while (this.dirty.size > 0) {
        const root = this.pickNext();
        this.dirty.delete(root);
        const stamp = this.stamp(root);
        if (stamp === undefined) {
          this.wake(root);
          continue;
        }
        const program = loadRoot(root, this.host);
        await yieldToEventLoop();
        // Edited meanwhile: this work is out of date; the newer text is queued.
        if (this.dirty.has(root) || this.stamp(root) !== stamp || !this.roots.has(root)) {
          this.stats.cancelled++;
          continue;
        }
        const analysis = checkRoot(root, stamp, program);
        if (analysis === undefined) continue;
        this.stats.analyses++;
        this.analyses.set(root, analysis);
        this.dependantsChanged(root, this.index.update(analysis.file));
        this.wake(root);
        this.events.analysed(analysis);
        await yieldToEventLoop();
      }
    } finally {
      this.running = false;
      for (const w of this.waiters.values()) for (const resolve of w.splice(0)) resolve();
      for (const resolve of this.settledWaiters.splice(0)) resolve();
    }
  }

  private wake(abs: string): void {
    const list = this.waiters.get(abs);
    if (list === undefined) return;
    this.waiters.delete(abs);
    for (const resolve of list) resolve();
  }
}

function readText(abs: string): string | undefined {
  try {
    return readFileSync(abs, "utf8");
  } catch {
    return undefined;
  }
}

/** Every .aiw file under a folder (skipping dependency and VCS folders). */
export function findAiwFiles(folder: string): string[] {
  const out: string[] = [];
  const stack = [folder];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = nodePath.join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name) && !e.name.startsWith(".")) stack.push(p);
      } else if (e.isFile() && e.name.endsWith(".aiw")) out.push(p);
      else if (e.isSymbolicLink() && e.name.endsWith(".aiw")) {
        try {
          if (statSync(p).isFile()) out.push(p);
        } catch {
          // A dangling link.
        }
      }
    }
  }
  return out.sort();
}
