// Where comments attach, on top of Prettier's defaults. The goals: a `///` run
// stays right above the node it documents (the AST reads docs from there), no
// two `//` comments ever end up on one line (they would merge into one), and
// a second run of the formatter leaves every comment where the first put it.

import { util } from "prettier";
import { AFTER_MARKER, DOC_MARKER } from "./comments.ts";
import { childKeys, type FBlock, type FComment, type FFile, type FNode, type FRecordType } from "./tree.ts";

type Handler = (comment: FComment, text: string, options: unknown, ast: FFile) => boolean;

/** Comments that end a line: on their own line, or after code. */
const lineEnding: Handler = (comment, text, _options, ast) =>
  moveHeaderCommentIntoBody(comment) ||
  attachDocComment(comment, text) ||
  keepBeforeComma(comment, text) ||
  keepWithLeftOperand(comment) ||
  keepInPlace(comment, ast, true);

export const handleComments: { ownLine: Handler; endOfLine: Handler; remaining: Handler } = {
  ownLine: lineEnding,
  endOfLine: lineEnding,
  // Not ending its line itself, but maybe followed only by more comments there.
  remaining: (comment, text, _options, ast) => attachDocComment(comment, text) || keepInPlace(comment, ast, codeResumesBelow(text, comment)),
};

/** Whether the code after a comment (and any comments after it) starts on a later line. */
function codeResumesBelow(text: string, comment: FComment): boolean {
  const next = util.getNextNonSpaceNonCommentCharacterIndex(text, comment.end);
  return next === false || text.slice(comment.end, next).includes("\n");
}

// ------------------------------------------------------------ doc comments

/**
 * A run of `///` comments followed only by whitespace documents the next
 * node. Attached as a marked dangling comment, it is printed by the node
 * itself, right above it, whatever blank lines the source had in between.
 */
function attachDocComment(comment: FComment, text: string): boolean {
  const following = comment.followingNode;
  if (comment.kind !== "doc" || following === undefined) return false;
  if (!onlyDocCommentsBetween(text, comment.end, following.start)) return false;
  if (comment.enclosingNode !== undefined) comment.padBefore = !spaceBefore(comment.enclosingNode, following);
  util.addDanglingComment(following, comment, DOC_MARKER);
  return true;
}

function onlyDocCommentsBetween(text: string, from: number, to: number): boolean {
  let i = from;
  while (i < to) {
    if (/\s/.test(text[i]!)) i++;
    else if (text.startsWith("///", i)) i = lineEnd(text, i);
    else return false;
  }
  return true;
}

function lineEnd(text: string, from: number): number {
  const n = text.indexOf("\n", from);
  return n < 0 ? text.length : n;
}

// ------------------------------------------------------- declaration headers

/**
 * A comment on its own line, or ending a line, in the header of a declaration
 * that has a body (`task a // why` then `{` on the next line): printed where
 * Prettier would put it, it would end up after the `{` and move again on the
 * next run. It goes into the body, above the first member, in one step.
 */
function moveHeaderCommentIntoBody(comment: FComment): boolean {
  const body = bodyOf(comment.enclosingNode);
  if (body === undefined || comment.followingNode !== body) return false;
  return moveIntoBody(comment, body);
}

function moveIntoBody(comment: FComment, body: FBlock | FRecordType): boolean {
  // A `///` moved into the body could become the doc of its first task or field.
  if (comment.kind === "doc") return false;
  const first = body.type === "Block" ? body.members[0] : body.fields[0];
  if (first !== undefined) util.addLeadingComment(first, comment);
  else util.addDanglingComment(body, comment, undefined);
  return true;
}

function bodyOf(node: FNode | undefined): FBlock | FRecordType | undefined {
  switch (node?.type) {
    case "Model":
    case "Agent":
    case "Flow":
    case "Task":
    case "Tool":
      return node.body;
    case "TypeDecl":
      return node.body.type === "RecordType" ? node.body : undefined;
    default:
      return undefined;
  }
}

// ------------------------------------------------------ commas and operators

/**
 * A comment on its own line just before the comma after a list item goes
 * with that item: as a leading comment of the next item it would jump over a
 * comment that follows the comma.
 */
function keepBeforeComma(comment: FComment, text: string): boolean {
  const preceding = comment.precedingNode;
  if (preceding === undefined || !COMMA_LISTS.has(comment.enclosingNode?.type ?? "File")) return false;
  if (util.getNextNonSpaceNonCommentCharacter(text, comment.end) !== ",") return false;
  util.addTrailingComment(preceding, comment);
  return true;
}

// Lists that break one item per line (not `Dims`, always on one line), and
// blocks, whose properties may be followed by an optional comma.
const COMMA_LISTS = new Set<FNode["type"]>(["List", "Args", "Params", "Record", "RecordType", "NameList", "Block"]);

/**
 * Between the operands of `a + b`, and before the message of `x else "m"`,
 * the printer may break the line. A comment there, before or after the
 * operator, goes with the left part and ends its line (`a // why` then
 * `+ b`): the one place where it prints the same way on every run.
 */
function keepWithLeftOperand(comment: FComment): boolean {
  const { enclosingNode: enclosing, precedingNode: preceding, followingNode: following } = comment;
  if (preceding === undefined || following === undefined) return false;
  const split = enclosing?.type === "Binary" || ((enclosing?.type === "Property" || enclosing?.type === "Guardrail") && following === enclosing.message);
  if (!split) return false;
  util.addTrailingComment(preceding, comment);
  return true;
}

// ------------------------------------------------- comments inside one line

/**
 * A comment that ends a line in the middle of something printed on one line
 * (`role // why` then `: "x"`) would be pushed to the end of the output line,
 * possibly next to another `//` comment (and two would merge into one). It is
 * printed where it was instead, followed by a line break: before the next
 * part, or, with no next part (`string // why` then `[]`), right after the
 * previous one. Later comments there follow it, so the order never changes.
 */
function keepInPlace(comment: FComment, ast: FFile, endsLine: boolean): boolean {
  const { enclosingNode: enclosing, precedingNode: preceding, followingNode: following } = comment;
  // Alone inside empty brackets: the container prints it there.
  if (preceding === undefined && following === undefined) return false;
  if (preceding !== undefined && hasCommentsAfter(preceding)) return addCommentAfter(preceding, comment);
  if (!endsLine || canBreakBetween(enclosing, following)) return false;
  if (following !== undefined) {
    comment.padBefore = !spaceBefore(enclosing!, following);
    util.addLeadingComment(following, comment);
    return true;
  }
  const chain = nodesContaining(ast, comment);
  if (lineOwner(chain) === undefined && moveOutOfHeader(comment, chain)) return true;
  return addCommentAfter(preceding!, comment);
}

function hasCommentsAfter(node: FNode): boolean {
  return (node.comments ?? []).some((c) => c.marker === AFTER_MARKER);
}

function addCommentAfter(node: FNode, comment: FComment): boolean {
  return util.addDanglingComment(node, comment, AFTER_MARKER);
}

/** Inside the header of a declaration with a body (`-> string // why` then `[]`): into the body. */
function moveOutOfHeader(comment: FComment, chain: readonly FNode[]): boolean {
  for (let i = chain.length - 1; i >= 0; i--) {
    const body = bodyOf(chain[i]);
    if (body !== undefined && comment.end <= body.start) return moveIntoBody(comment, body);
  }
  return false;
}

/** Whether the printer may put a line break between a node's children just before `following`. */
function canBreakBetween(enclosing: FNode | undefined, following: FNode | undefined): boolean {
  switch (enclosing?.type) {
    case undefined:
    case "File":
    case "Block":
    case "List":
    case "Args":
    case "Params":
    case "Record":
    case "RecordType":
    case "NameList":
    case "Binary":
      return true;
    case "Property":
    case "Guardrail":
      return following !== undefined && following === enclosing.message;
    default:
      return false;
  }
}

/** Whether the printer puts a space right before `following` (`key: value`, not `f(`). */
function spaceBefore(enclosing: FNode, following: FNode): boolean {
  switch (enclosing.type) {
    case "Member":
    case "Index":
    case "Call":
    case "Paren":
      return false;
    case "Unary":
      return enclosing.operator === "not";
    case "Port":
      return following !== enclosing.dims;
    case "Dims":
      return following !== enclosing.items[0];
    case "Tool":
    case "Guardrail":
    case "Flow":
      return following !== enclosing.params;
    default:
      return true;
  }
}

const LINE_SIZED = new Set<FNode["type"]>(["Property", "Port", "Binding", "Return", "Import", "RecordField", "Arg", "Guardrail"]);

/** The innermost node of the chain printed as one line of its own (when its container breaks), if any. */
function lineOwner(chain: readonly FNode[]): FNode | undefined {
  for (let i = chain.length - 1; i >= 1; i--) {
    const node = chain[i]!;
    const parent = chain[i - 1]!;
    if (LINE_SIZED.has(node.type) || parent.type === "List") return node;
    if ((node.type === "Tool" && node.body === undefined) || (node.type === "TypeDecl" && node.body.type !== "RecordType")) return node;
  }
  return undefined;
}

/** Root first: every node whose span holds the comment. */
function nodesContaining(root: FNode, comment: FComment): FNode[] {
  const chain: FNode[] = [root];
  for (;;) {
    const inner = childrenOf(chain[chain.length - 1]!).find((c) => c.start <= comment.start && comment.end <= c.end);
    if (inner === undefined) return chain;
    chain.push(inner);
  }
}

function childrenOf(node: FNode): FNode[] {
  const record = node as unknown as Record<string, FNode | FNode[] | undefined>;
  return childKeys[node.type].flatMap((k) => record[k] ?? []);
}
