// openStateStore: picks the state store from the one setting users give
// (`--state URL` / config): nothing, a file path or `sqlite:PATH` means the
// SQLite store, `redis://` or `rediss://` the Redis one. The Redis module (and
// its client library) is loaded only when asked for, so local runs do not pay
// for it.

import { isAbsolute, resolve } from "node:path";
import type { StateStore } from "./store.ts";
import { StateStoreError } from "./store.ts";
import { SqliteStateStore } from "./sqlite-store.ts";

/** Where the CLI keeps runs when nothing else is said, relative to the working directory. */
export const DEFAULT_SQLITE_PATH = ".aiw-state/runs.db";

const ACCEPTED =
  "accepted: nothing (default .aiw-state/runs.db), a file path, sqlite:PATH, redis://[user:password@]host[:port][/db] or rediss://... (TLS)";

/**
 * Opens the state store `url` names; relative paths are resolved against `cwd`.
 * Throws StateStoreError for an unknown scheme or a store that cannot be used.
 */
export async function openStateStore(url: string | undefined, cwd: string): Promise<StateStore> {
  const spec = url?.trim() ?? "";
  if (spec === "") return SqliteStateStore.open(resolve(cwd, DEFAULT_SQLITE_PATH));
  if (/^rediss?:\/\//i.test(spec)) {
    const { RedisStateStore } = await import("./redis-store.ts");
    return RedisStateStore.open(spec);
  }
  if (/^sqlite:/i.test(spec)) {
    // sqlite:PATH, also sqlite://PATH and sqlite:///abs/path as in other tools.
    let path = spec.slice("sqlite:".length);
    if (path.startsWith("//")) path = path.slice(2);
    if (path === "") throw new StateStoreError(`'${spec}' names no file; ${ACCEPTED}`);
    return SqliteStateStore.open(isAbsolute(path) ? path : resolve(cwd, path));
  }
  // Anything else shaped like `scheme://...` or `scheme:...` (but not a Windows
  // drive letter such as C:\) is a store we do not know.
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(spec);
  if (scheme !== null) {
    throw new StateStoreError(`unknown state store '${scheme[1] ?? ""}:' in '${spec.replace(/\/\/[^@/]*@/, "//***@")}'; ${ACCEPTED}`);
  }
  return SqliteStateStore.open(resolve(cwd, spec));
}
