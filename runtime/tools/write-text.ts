// Built-in `write_text(path, text)`: writes a UTF-8 file inside the work
// folder atomically, so a reader (or a resumed run) never sees half a file.

import { randomBytes } from "node:crypto";
import { mkdir, open, rename, unlink } from "node:fs/promises";
import * as path from "node:path";
import { ToolError, type ToolFunction } from "./tool.ts";
import { displayPath, resolveInside } from "./work-dir.ts";

export const writeText: ToolFunction = async (args, ctx) => {
  ctx.signal.throwIfAborted();
  const rel = args["path"];
  const text = args["text"];
  if (typeof rel !== "string") throw new ToolError("write_text: 'path' must be a string");
  if (typeof text !== "string") throw new ToolError("write_text: 'text' must be a string");
  if (/[/\\]$/.test(rel)) throw new ToolError(`write_text: '${rel}' names a folder, not a file`);
  const file = await resolveInside(ctx.workDir, rel, "write_text");
  if (file === (await resolveInside(ctx.workDir, ".", "write_text"))) throw new ToolError(`write_text: '${rel}' is the work folder itself, not a file`);

  const dir = path.dirname(file);
  const data = Buffer.from(text, "utf8");
  // Same folder as the target so the rename stays on one file system (and is atomic).
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    // "wx": never reuse (or follow a link planted at) an existing name.
    const handle = await open(temp, "wx");
    try {
      await handle.writeFile(data, { signal: ctx.signal });
      // Without this, a crash shortly after the rename can leave an empty file on some file systems.
      await handle.datasync();
    } finally {
      await handle.close();
    }
    ctx.signal.throwIfAborted();
    await rename(temp, file);
  } catch (e) {
    await unlink(temp).catch(() => {});
    throw fsError(e, rel);
  }
  return { path: displayPath(rel), bytes: data.length };
};

function fsError(e: unknown, rel: string): unknown {
  switch ((e as NodeJS.ErrnoException).code) {
    case "EISDIR":
      return new ToolError(`write_text: '${rel}' is a folder, not a file`);
    case "ENOTDIR":
    case "EEXIST":
      return new ToolError(`write_text: cannot create '${rel}': part of its folder path is a file`);
    case "EACCES":
    case "EPERM":
      return new ToolError(`write_text: no permission to write '${rel}'`);
    case "ENOSPC":
      return new ToolError(`write_text: no space left to write '${rel}'`);
    default:
      return e;
  }
}
