// Entry of the bundled language server: the same lsp/server.ts as `aiwc lsp --stdio`.
import { startServer } from "../../../lsp/server.ts";
import pkg from "../package.json" with { type: "json" };

startServer({ version: pkg.version });
