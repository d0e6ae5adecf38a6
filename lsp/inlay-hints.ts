// textDocument/inlayHint: the inferred output type after the name of each
// task that does not declare `output:` (a fan-out task shows its list type).

import { InlayHintKind, type InlayHint, type Range } from "vscode-languageserver";
import type { SourceFile } from "../compiler/source.ts";
import { typeToString } from "../compiler/types.ts";
import type { Analysis } from "./analysis.ts";
import { toOffset, toPosition } from "./positions.ts";

export function inlayHints(a: Analysis, source: SourceFile, range: Range): InlayHint[] {
  const from = toOffset(source, range.start);
  const to = toOffset(source, range.end);
  const out: InlayHint[] = [];
  for (const { symbol, info } of a.checked.flows) {
    if (symbol.file !== a.file) continue;
    for (const t of info.tasks.values()) {
      const name = t.decl.name;
      if (name.end < from || name.start > to) continue;
      if (t.decl.properties.some((p) => p.key.name === "output" && p.typeValue !== undefined)) continue;
      if (t.valueType.kind === "error") continue;
      out.push({ position: toPosition(source, name.end), label: `: ${typeToString(t.valueType)}`, kind: InlayHintKind.Type, paddingLeft: false, paddingRight: true });
    }
  }
  return out.sort((x, y) => x.position.line - y.position.line || x.position.character - y.position.character);
}
