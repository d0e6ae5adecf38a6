// textDocument/formatting through the project's Prettier plugin, as
// `aiwc fmt` formats. A file with syntax errors is left alone. The edit
// covers only the part that changed, so the cursor stays where it was.

import type { TextEdit } from "vscode-languageserver";
import { formatAiw } from "../compiler/backends/format/index.ts";
import { syntaxErrors } from "../compiler/backends/format/parser.ts";
import type { SourceFile } from "../compiler/source.ts";
import type { Analysis } from "./analysis.ts";
import { toRange } from "./positions.ts";

export async function formatting(a: Analysis, source: SourceFile): Promise<TextEdit[]> {
  if (syntaxErrors(a.file.parsed.diagnostics).length > 0) return [];
  const text = source.text;
  let formatted: string;
  try {
    formatted = await formatAiw(text, a.file.path);
  } catch {
    return [];
  }
  if (formatted === text) return [];
  let start = 0;
  const max = Math.min(text.length, formatted.length);
  while (start < max && text.charCodeAt(start) === formatted.charCodeAt(start)) start++;
  let endOld = text.length;
  let endNew = formatted.length;
  while (endOld > start && endNew > start && text.charCodeAt(endOld - 1) === formatted.charCodeAt(endNew - 1)) {
    endOld--;
    endNew--;
  }
  return [{ range: toRange(source, start, endOld), newText: formatted.slice(start, endNew) }];
}
