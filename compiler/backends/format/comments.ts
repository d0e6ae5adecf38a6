// Printing comments the printer places itself: `///` doc comments right above
// their node, and comments inside empty brackets. Where comments attach is
// decided in attach.ts.

import type { AstPath, Doc, ParserOptions } from "prettier";
import { doc, util } from "prettier";
import type * as A from "../../ast.ts";
import type { FComment, FNode } from "./tree.ts";

const { hardline, indent, join } = doc.builders;

/** Marks a dangling comment that documents its node (see attach.ts). */
export const DOC_MARKER = "doc";

/** Marks a dangling comment printed right after its node, as in the source (see attach.ts). */
export const AFTER_MARKER = "after";

export function toFormatComment(c: A.Comment): FComment {
  return { type: "Comment", kind: c.kind, value: c.text, start: c.start, end: c.end };
}

export function isBlockComment(c: FComment): boolean {
  return c.kind === "block";
}

export function printComment(path: AstPath<FComment>): Doc {
  const c = path.node;
  return c.padBefore === true ? [" ", c.value] : c.value;
}

function danglingComments(node: FNode, marker?: string): FComment[] {
  return (node.comments ?? []).filter((c) => !c.leading && !c.trailing && c.marker === marker);
}

/** The node's doc comments, each on its own line, to go right above it. */
export function printDocComments(node: FNode): Doc[] {
  const docs = danglingComments(node, DOC_MARKER);
  return docs.flatMap((c) => {
    c.printed = true;
    return [c.padBefore === true ? " " : "", c.value, hardline];
  });
}

/**
 * Comments kept right after their node: on the same line or on the next
 * lines, as in the source, then a line break when the last one ends a line.
 */
export function printCommentsAfter(node: FNode, text: string): Doc[] {
  const comments = danglingComments(node, AFTER_MARKER);
  if (comments.length === 0) return [];
  const parts: Doc[] = comments.flatMap((c) => {
    c.printed = true;
    return [util.hasNewline(text, c.start, { backwards: true }) ? hardline : " ", c.value];
  });
  const last = comments[comments.length - 1]!;
  parts.push(last.kind !== "block" || util.hasNewline(text, last.end) ? hardline : " ");
  return parts;
}

/** Comments inside a node's brackets with nothing else there (not doc comments). */
export function plainDanglingComments(node: FNode): FComment[] {
  return danglingComments(node);
}

export function hasDanglingComments(node: FNode): boolean {
  return danglingComments(node).length > 0;
}

/** Comments one per line; a blank line between two stays (one at most). */
export function printCommentLines(comments: readonly FComment[], options: ParserOptions<FNode>): Doc {
  const parts: Doc[] = [];
  comments.forEach((c, i) => {
    c.printed = true;
    if (i > 0) parts.push(hardline, util.isNextLineEmpty(options.originalText, comments[i - 1]!.end) ? hardline : "");
    parts.push(c.value);
  });
  return parts;
}

/**
 * Comments inside empty brackets: kept inline when they are all one-line block
 * comments, otherwise one per line, indented, between the brackets.
 */
export function printDanglingInside(node: FNode, open: string, close: string, options: ParserOptions<FNode>, spaced = false): Doc {
  const comments = danglingComments(node);
  const inline = comments.every((c) => c.kind === "block" && !c.value.includes("\n"));
  if (inline && !hasLineBreakInside(node, options.originalText)) {
    for (const c of comments) c.printed = true;
    const pad = spaced ? " " : "";
    return [open, pad, join(" ", comments.map((c) => c.value)), pad, close];
  }
  return [open, indent([hardline, printCommentLines(comments, options)]), hardline, close];
}

function hasLineBreakInside(node: FNode, text: string): boolean {
  return text.slice(node.start, node.end).includes("\n");
}
