// Builds the VS Code extension and packages it as a .vsix with @vscode/vsce:
// esbuild bundles the client (CommonJS, `vscode` left to the editor) and the
// language server (lsp/server.ts, as an ES module, and its analysis worker
// lsp/worker.ts with the compiler, as a second one next to it), so the .vsix
// needs no node_modules (`vsce package --no-dependencies`) and no network.
//
//   node editors/vscode/package.ts [--out FILE.vsix]
//   node editors/vscode/package.ts --bundle-only [--outdir DIR]   (the bundles only, into dist/ or DIR)

import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import * as nodePath from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const here = nodePath.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** Builds dist/extension.js, dist/server.mjs and dist/lsp-worker.mjs (into `outdir`, by default dist/). */
export async function bundle(outdir = nodePath.join(here, "dist")): Promise<void> {
  await build({
    entryPoints: [nodePath.join(here, "src/extension.ts")],
    outfile: nodePath.join(outdir, "extension.js"),
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    external: ["vscode"],
    logLevel: "warning",
  });
  // The server starts its worker from the file next to it (src/server.ts names dist/lsp-worker.mjs).
  await build({
    entryPoints: { server: nodePath.join(here, "src/server.ts"), "lsp-worker": nodePath.join(here, "src/lsp-worker.ts") },
    outdir,
    outExtension: { ".js": ".mjs" },
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
  const { values } = parseArgs({ options: { out: { type: "string" }, "bundle-only": { type: "boolean", default: false }, outdir: { type: "string" } } });
  if (values["bundle-only"]) await bundle(values.outdir !== undefined ? nodePath.resolve(values.outdir) : undefined);
  else {
    await bundle();
    packageVsix(nodePath.resolve(values.out ?? nodePath.join(here, "aiwork.vsix")));
  }
}
