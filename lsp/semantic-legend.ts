// The semantic token types and modifiers the server advertises (its
// capabilities) and lsp/semantic-tokens.ts encodes with.

import type { SemanticTokensLegend } from "vscode-languageserver";

export const TOKEN_TYPES = ["namespace", "type", "class", "struct", "function", "method", "parameter", "variable", "property", "event", "keyword", "string", "number", "comment", "operator"] as const;
export const TOKEN_MODIFIERS = ["declaration", "defaultLibrary", "documentation"] as const;
export const legend: SemanticTokensLegend = { tokenTypes: [...TOKEN_TYPES], tokenModifiers: [...TOKEN_MODIFIERS] };
