// Builds the VS Code extension and packages it as a .vsix with @vscode/vsce:
// esbuild bundles the client (CommonJS, `vscode` left to the editor) and the
// language server (lsp/server.ts with the compiler, as one ES module), so the
// .vsix needs no node_modules (`vsce package --no-dependencies`) and no network.
//
//   node editors/vscode/package.ts [--out FILE.vsix]

import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import * as nodePath from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const here = nodePath.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

export async function bundle(): Promise<void> {
  await build({
    entryPoints: [nodePath.join(here, "src/extension.ts")],
    outfile: nodePath.join(here, "dist/extension.js"),
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    external: ["vscode"],
    logLevel: "warning",
  });
  await build({
    entryPoints: [nodePath.join(here, "src/server.ts")],
    outfile: nodePath.join(here, "dist/server.mjs"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // The LSP libraries are CommonJS and require Node's modules.
    banner: { js: "import { createRequire as __aiwCreateRequire } from 'node:module'; const require = __aiwCreateRequire(import.meta.url);" },
    logLevel: "warning",
  });
}

export function packageVsix(out: string): void {
  const vsce = require.resolve("@vscode/vsce/vsce");
  const r = spawnSync(process.execPath, [vsce, "package", "--no-dependencies", "--skip-license", "--out", out], { cwd: here, stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) throw new Error(`vsce package failed with exit code ${r.status}`);
}

if (process.argv[1] !== undefined && nodePath.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: "string" } } });
  const out = nodePath.resolve(values.out ?? nodePath.join(here, "aiwork.vsix"));
  await bundle();
  packageVsix(out);
}
