// Offsets and spans of the compiler <-> LSP positions and ranges (0-based
// lines, UTF-16 columns, as JavaScript strings count); URIs -> paths.

import type { Location, Position, Range } from "vscode-languageserver";
import { fileURLToPath } from "node:url";
import { offsetAt, positionAt, type SourceFile, type Span } from "../compiler/source.ts";

export function uriToPath(uri: string): string {
  return uri.startsWith("file:") ? fileURLToPath(uri) : uri;
}

export function toPosition(file: SourceFile, offset: number): Position {
  const p = positionAt(file, Math.max(0, Math.min(offset, file.text.length)));
  return { line: p.line - 1, character: p.column - 1 };
}

export function toOffset(file: SourceFile, pos: Position): number {
  const lineStart = file.lineStarts[pos.line];
  if (lineStart === undefined) return file.text.length;
  const next = file.lineStarts[pos.line + 1] ?? file.text.length + 1;
  return Math.min(offsetAt(file, { line: pos.line + 1, column: pos.character + 1 }), next - 1, file.text.length);
}

export function toRange(file: SourceFile, start: number, end: number): Range {
  return { start: toPosition(file, start), end: toPosition(file, end) };
}

export function spanRange(file: SourceFile, span: Span): Range {
  return toRange(file, span.start, span.end);
}

export function location(uri: string, file: SourceFile, span: Span): Location {
  return { uri, range: spanRange(file, span) };
}
