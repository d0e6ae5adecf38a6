// Keeps file tools inside the work folder: a user path is refused when it is
// absolute, climbs out with `..`, or leaves through a symbolic link.

import { lstat, realpath } from "node:fs/promises";
import * as path from "node:path";
import { ToolError } from "./tool.ts";

/**
 * The real absolute path of `relPath` inside `workDir`, or a ToolError
 * (prefixed with `who`, the tool's name). Symbolic links are resolved on the
 * longest existing prefix, so a link inside the folder that points outside is
 * refused even when the rest of the path does not exist yet (write_text).
 * A link swapped in between this check and the caller's I/O is not caught;
 * the work folder is assumed not to be shared with hostile processes.
 */
export async function resolveInside(workDir: string, relPath: string, who = "path"): Promise<string> {
  const shown = `'${relPath}'`;
  if (relPath.includes("\0")) throw new ToolError(`${who}: ${JSON.stringify(relPath)} contains a NUL character`);
  if (relPath === "") throw new ToolError(`${who}: the path is empty`);
  // Both flavours: a Windows drive path or UNC path is as much an escape as `/etc`.
  if (path.posix.isAbsolute(relPath) || path.win32.isAbsolute(relPath)) {
    throw new ToolError(`${who}: ${shown} is an absolute path; give a path relative to the work folder`);
  }
  let root: string;
  try {
    root = await realpath(workDir);
  } catch {
    throw new ToolError(`${who}: the work folder '${workDir}' does not exist`);
  }
  const target = path.resolve(root, relPath);
  if (!isWithin(root, target)) throw new ToolError(`${who}: ${shown} is outside the work folder`);

  // Walk up to the longest prefix that exists, resolve it, and re-append the rest.
  const rest: string[] = [];
  let existing = target;
  let real: string | undefined;
  while (real === undefined) {
    try {
      real = await realpath(existing);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ELOOP") throw new ToolError(`${who}: ${shown} goes through a loop of symbolic links`);
      if (code !== "ENOENT" && code !== "ENOTDIR") throw e;
      // A dangling link cannot be resolved, so its destination cannot be checked.
      if (code === "ENOENT" && (await isLink(existing))) throw new ToolError(`${who}: ${shown} goes through a broken symbolic link`);
      rest.unshift(path.basename(existing));
      const parent = path.dirname(existing);
      if (parent === existing) throw new ToolError(`${who}: ${shown} is outside the work folder`);
      existing = parent;
    }
  }
  const resolved = path.join(real, ...rest);
  if (!isWithin(root, resolved)) throw new ToolError(`${who}: ${shown} is outside the work folder (through a symbolic link)`);
  return resolved;
}

/** `relPath` as a tool reports it back: normalised, with forward slashes. */
export function displayPath(relPath: string): string {
  return path.normalize(relPath).split(path.sep).join("/");
}

function isWithin(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

async function isLink(p: string): Promise<boolean> {
  try {
    return (await lstat(p)).isSymbolicLink();
  } catch {
    return false;
  }
}
