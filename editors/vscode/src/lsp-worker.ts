// Entry of the bundled language server's analysis worker (dist/lsp-worker.mjs):
// the same lsp/worker.ts that `aiwc lsp --stdio` starts; dist/server.mjs starts it.
import "../../../lsp/worker.ts";
