// Vitest global setup: every temporary folder the tests make (and the
// processes they start) goes in one folder per run, removed when the run
// ends, so a run leaves nothing in the system's temporary folder whatever a
// test forgets to clean up. Workers start after this and inherit TMPDIR.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

export default function setup(): () => void {
  const dir = mkdtempSync(path.join(tmpdir(), "aiw-test-"));
  process.env["TMPDIR"] = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
