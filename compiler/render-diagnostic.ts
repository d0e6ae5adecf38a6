// Renders diagnostics for people (rustc-style: header, location, the source
// lines with a gutter, carets under the primary span, dashes under secondary
// ones, notes and help) and for machines (JSON with 1-based line/column).

import type { Diagnostic, Label } from "./diagnostics.ts";
import { lineText, positionAt, type SourceFile, type Span } from "./source.ts";

export interface RenderOptions {
  /** ANSI colour; only when writing to a terminal. */
  readonly color: boolean;
}

type SourceLookup = (displayPath: string) => SourceFile | undefined;

const ANSI = {
  bold: "\x1b[1m",
  red: "\x1b[31m",
  yellow: "\x1b[33m",
  blue: "\x1b[34m",
  cyan: "\x1b[36m",
  reset: "\x1b[0m",
};

export function renderDiagnostics(diags: readonly Diagnostic[], sources: SourceLookup, options: RenderOptions): string {
  if (diags.length === 0) return "";
  const parts = diags.map((d) => renderDiagnostic(d, sources, options));
  const errors = diags.filter((d) => d.severity === "error").length;
  const warnings = diags.length - errors;
  const summary = [errors > 0 ? plural(errors, "error") : "", warnings > 0 ? plural(warnings, "warning") : ""].filter((x) => x !== "").join(", ");
  return `${parts.join("\n")}\n${paint(options, errors > 0 ? "red" : "yellow", summary, true)}\n`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function paint(o: RenderOptions, colour: keyof typeof ANSI, text: string, bold = false): string {
  if (!o.color || text === "") return text;
  return `${bold ? ANSI.bold : ""}${ANSI[colour]}${text}${ANSI.reset}`;
}

export function renderDiagnostic(d: Diagnostic, sources: SourceLookup, o: RenderOptions): string {
  const sevColour = d.severity === "error" ? "red" : "yellow";
  const out: string[] = [];
  out.push(`${paint(o, sevColour, `${d.severity}[${d.code}]`, true)}${paint(o, "bold", `: ${sanitize(d.message)}`)}`);
  const file = sources(d.primary.span.file);
  const labels: { label: Label; primary: boolean }[] = [{ label: d.primary, primary: true }, ...d.secondary.map((label) => ({ label, primary: false }))];
  if (file === undefined) {
    out.push(`  ${paint(o, "blue", "-->")} ${d.primary.span.file}`);
  } else {
    const pos = positionAt(file, clampOffset(file, d.primary.span.start));
    out.push(`  ${paint(o, "blue", "-->")} ${file.path}:${pos.line}:${pos.column}`);
    // Labels in other files get their own location line and snippet.
    const here = labels.filter((l) => l.label.span.file === file.path);
    const elsewhere = labels.filter((l) => l.label.span.file !== file.path);
    out.push(...snippet(file, here, o));
    for (const l of elsewhere) {
      const other = sources(l.label.span.file);
      if (other === undefined) continue;
      const p = positionAt(other, clampOffset(other, l.label.span.start));
      out.push(`  ${paint(o, "blue", ":::")} ${other.path}:${p.line}:${p.column}`);
      out.push(...snippet(other, [l], o));
    }
  }
  const gutter = " ".repeat(gutterWidth(file, labels));
  for (const n of d.notes) out.push(`${gutter} ${paint(o, "blue", "=")} ${paint(o, "bold", "note")}: ${sanitize(n)}`);
  if (d.help !== undefined) out.push(`${gutter} ${paint(o, "blue", "=")} ${paint(o, "cyan", "help", true)}: ${sanitize(d.help)}`);
  if (d.fix !== undefined && d.fix.edits.length > 0 && d.help === undefined) {
    out.push(`${gutter} ${paint(o, "blue", "=")} ${paint(o, "cyan", "help", true)}: ${sanitize(d.fix.message)}`);
  }
  return `${out.join("\n")}\n`;
}

function clampOffset(file: SourceFile, offset: number): number {
  return Math.max(0, Math.min(offset, file.text.length));
}

function gutterWidth(file: SourceFile | undefined, labels: readonly { label: Label }[]): number {
  if (file === undefined) return 1;
  let maxLine = 1;
  for (const l of labels) {
    if (l.label.span.file !== file.path) continue;
    maxLine = Math.max(maxLine, positionAt(file, clampOffset(file, l.label.span.end)).line);
  }
  return String(maxLine).length;
}

/**
 * The source lines the labels touch, each followed by its underlines. A span
 * over several lines is underlined on its first line, to the line's end.
 */
function snippet(file: SourceFile, labels: readonly { label: Label; primary: boolean }[], o: RenderOptions): string[] {
  const width = gutterWidth(file, labels);
  const pad = " ".repeat(width);
  const byLine = new Map<number, { label: Label; primary: boolean; from: number; to: number }[]>();
  for (const l of labels) {
    const s = clampSpan(file, l.label.span);
    const start = positionAt(file, s.start);
    const end = positionAt(file, s.end);
    const text = lineText(file, start.line);
    const from = displayColumn(text, start.column - 1);
    const to = end.line === start.line ? Math.max(from + 1, displayColumn(text, end.column - 1)) : Math.max(from + 1, displayColumn(text, text.length));
    const list = byLine.get(start.line) ?? [];
    list.push({ ...l, from, to });
    byLine.set(start.line, list);
  }
  const lines = [...byLine.keys()].sort((a, b) => a - b);
  const out: string[] = [`${pad} ${paint(o, "blue", "|")}`];
  let previous = 0;
  for (const line of lines) {
    if (previous !== 0 && line > previous + 1) out.push(paint(o, "blue", "..."));
    const text = sanitizeLine(lineText(file, line));
    out.push(`${paint(o, "blue", String(line).padStart(width))} ${paint(o, "blue", "|")} ${text}`);
    // Primary label first, then secondaries left to right.
    const marks = byLine.get(line)!.sort((a, b) => Number(b.primary) - Number(a.primary) || a.from - b.from);
    for (const m of marks) {
      const colour = m.primary ? "red" : "blue";
      const underline = (m.primary ? "^" : "-").repeat(Math.max(1, m.to - m.from));
      const msg = m.label.message === "" ? "" : ` ${sanitize(m.label.message)}`;
      out.push(`${pad} ${paint(o, "blue", "|")} ${" ".repeat(m.from)}${paint(o, colour, `${underline}${msg}`, m.primary)}`);
    }
    previous = line;
  }
  out.push(`${pad} ${paint(o, "blue", "|")}`);
  return out;
}

function clampSpan(file: SourceFile, s: Span): Span {
  const start = clampOffset(file, s.start);
  return { file: s.file, start, end: Math.max(start, clampOffset(file, s.end)) };
}

/** Tabs are shown as 4 spaces; columns of carets follow. */
function displayColumn(text: string, index: number): number {
  let col = 0;
  for (let i = 0; i < index && i < text.length; i++) col += text[i] === "\t" ? 4 : 1;
  return col + Math.max(0, index - text.length);
}

/** Control characters would move a terminal's cursor: show them as escapes. */
function sanitizeLine(text: string): string {
  return text.replace(/\t/g, "    ").replace(/[\u0000-\u0008\u000b-\u001f\u007f\u0080-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, "\ufffd");
}

function sanitize(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f\u0080-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
}

/** The JSON form (`aiwc check --json`): positions 1-based, spans also as offsets. */
export function diagnosticsToJson(diags: readonly Diagnostic[], sources: SourceLookup): object {
  const loc = (s: Span) => {
    const f = sources(s.file);
    if (f === undefined) return { file: s.file, start: { offset: s.start }, end: { offset: s.end } };
    const a = positionAt(f, clampOffset(f, s.start));
    const b = positionAt(f, clampOffset(f, s.end));
    return { file: s.file, start: { line: a.line, column: a.column, offset: s.start }, end: { line: b.line, column: b.column, offset: s.end } };
  };
  return {
    diagnostics: diags.map((d) => ({
      code: d.code,
      severity: d.severity,
      message: d.message,
      location: loc(d.primary.span),
      label: d.primary.message,
      secondary: d.secondary.map((l) => ({ location: loc(l.span), label: l.message })),
      notes: d.notes,
      ...(d.help !== undefined ? { help: d.help } : {}),
      ...(d.fix !== undefined
        ? { fix: { message: d.fix.message, machineApplicable: d.fix.machineApplicable, edits: d.fix.edits.map((e) => ({ location: loc(e.span), newText: e.newText })) } }
        : {}),
    })),
    errors: diags.filter((d) => d.severity === "error").length,
    warnings: diags.filter((d) => d.severity === "warning").length,
  };
}
