#!/usr/bin/env node
// Entry point of the `aiwc` command. The sources are TypeScript run by Node's
// built-in type stripping (Node >= 22.18 on by default; 22.12+ behind a flag).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

if (!process.features.typescript) {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ["--experimental-strip-types", "--no-warnings", self, ...process.argv.slice(2)], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}
const { main } = await import("../cli/main.ts");
process.exitCode = await main(process.argv);
