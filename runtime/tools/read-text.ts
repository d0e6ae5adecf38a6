// Built-in `read_text(path)`: the UTF-8 text of a file inside the work folder.

import { open, stat } from "node:fs/promises";
import { ToolError, type ToolFunction } from "./tool.ts";
import { resolveInside } from "./work-dir.ts";

/** Larger files are refused: a flow's values travel through logs, state stores and prompts. */
export const READ_TEXT_MAX_BYTES = 10 * 1024 * 1024;

export const readText: ToolFunction = async (args, ctx) => {
  ctx.signal.throwIfAborted();
  const rel = args["path"];
  if (typeof rel !== "string") throw new ToolError("read_text: 'path' must be a string");
  const file = await resolveInside(ctx.workDir, rel, "read_text");
  let bytes: Buffer;
  try {
    // Checked before opening: opening a FIFO would block until someone writes to it.
    const st = await stat(file);
    if (st.isDirectory()) throw new ToolError(`read_text: '${rel}' is a folder, not a file`);
    if (!st.isFile()) throw new ToolError(`read_text: '${rel}' is not a regular file`);
    if (st.size > READ_TEXT_MAX_BYTES) throw tooLarge(rel, st.size);
    const handle = await open(file, "r");
    try {
      bytes = await handle.readFile({ signal: ctx.signal });
    } finally {
      await handle.close();
    }
  } catch (e) {
    throw fsError(e, rel);
  }
  // The file may have grown between stat and read.
  if (bytes.length > READ_TEXT_MAX_BYTES) throw tooLarge(rel, bytes.length);
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    throw new ToolError(`read_text: '${rel}' is not UTF-8 text`);
  }
};

function tooLarge(rel: string, size: number): ToolError {
  return new ToolError(`read_text: '${rel}' is ${size} bytes, more than the limit of ${READ_TEXT_MAX_BYTES} bytes (10 MiB)`);
}

function fsError(e: unknown, rel: string): unknown {
  switch ((e as NodeJS.ErrnoException).code) {
    case "ENOENT":
    case "ENOTDIR":
      return new ToolError(`read_text: no file '${rel}' in the work folder`);
    case "EISDIR":
      return new ToolError(`read_text: '${rel}' is a folder, not a file`);
    case "EACCES":
    case "EPERM":
      return new ToolError(`read_text: no permission to read '${rel}'`);
    default:
      return e;
  }
}
