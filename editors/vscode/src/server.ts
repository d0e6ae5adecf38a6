// Entry of the bundled language server: the same lsp/server.ts as `aiwc lsp --stdio`,
// with its analysis worker bundled next to it (dist/lsp-worker.mjs, from src/lsp-worker.ts).
import { startServer } from "../../../lsp/server.ts";
import pkg from "../package.json" with { type: "json" };

startServer({ version: pkg.version, workerUrl: new URL("./lsp-worker.mjs", import.meta.url) });
