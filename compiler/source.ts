// Source files and spans: byte-free offsets into a file's text, turned into
// 1-based line and column numbers only when something is shown to a person.

export interface Span {
  /** Path of the file as the user named it (relative or absolute). */
  readonly file: string;
  /** Offset of the first character (UTF-16 code units, as JavaScript strings count). */
  readonly start: number;
  /** Offset just past the last character; end >= start. */
  readonly end: number;
}

export interface Position {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column in UTF-16 code units. */
  readonly column: number;
}

export interface SourceFile {
  readonly path: string;
  readonly text: string;
  /** Offsets at which each line starts (line 1 starts at 0); found when first read. */
  readonly lineStarts: readonly number[];
}

/** A file's text; its lines are found only when something asks for a position (a clean `aiwc check` never does). */
export function sourceFile(path: string, text: string): SourceFile {
  let starts: readonly number[] | undefined;
  return {
    path,
    text,
    get lineStarts() {
      return (starts ??= lineStartsOf(text));
    },
  };
}

function lineStartsOf(text: string): number[] {
  const lineStarts = [0];
  if (text.indexOf("\r") < 0) {
    // Only "\n" ends lines: let indexOf find them.
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lineStarts.push(i + 1);
    return lineStarts;
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) lineStarts.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      lineStarts.push(i + 1);
    }
  }
  return lineStarts;
}

export function positionAt(file: SourceFile, offset: number): Position {
  const starts = file.lineStarts;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo]! + 1 };
}

export function offsetAt(file: SourceFile, pos: Position): number {
  const start = file.lineStarts[Math.max(0, Math.min(pos.line - 1, file.lineStarts.length - 1))] ?? 0;
  return Math.min(file.text.length, start + pos.column - 1);
}

/** The text of one line without its line terminator. */
export function lineText(file: SourceFile, line: number): string {
  const start = file.lineStarts[line - 1];
  if (start === undefined) return "";
  const next = file.lineStarts[line];
  let end = next === undefined ? file.text.length : next;
  while (end > start && (file.text.charCodeAt(end - 1) === 10 || file.text.charCodeAt(end - 1) === 13)) end--;
  return file.text.slice(start, end);
}

export function span(file: string, start: number, end: number): Span {
  return { file, start, end: Math.max(start, end) };
}

export function joinSpans(a: Span, b: Span): Span {
  return { file: a.file, start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}

/**
 * A Span of its own for a span that is an AST node (every node is its own
 * span): for what is kept, serialised or sent to another thread, so it holds
 * three fields and not the node's whole subtree.
 */
export function spanOf(s: Span): Span {
  return { file: s.file, start: s.start, end: s.end };
}
