// Printing of expressions, types and bracketed lists: one line when it fits in
// printWidth, otherwise one item per line (lists) or a break before each
// operator (binary chains). Literals are printed exactly as written.

import type { AstPath, Doc, ParserOptions } from "prettier";
import { doc } from "prettier";
import type { BinaryOperator } from "../../ast.ts";
import { hasDanglingComments, printDanglingInside } from "./comments.ts";
import type { FBinary, FNode, FUnary } from "./tree.ts";

const { group, indent, line, softline, ifBreak, join } = doc.builders;

export type Print = (selector?: string | number | (string | number)[] | AstPath<FNode>) => Doc;
export type Options = ParserOptions<FNode>;

/** Prints each child under `key` (Prettier's path typing cannot follow a union of node types). */
export function mapChildren(path: AstPath<FNode>, print: Print, key: string): Doc[] {
  return (path as unknown as AstPath<Record<string, FNode[]>>).map((p) => print(p as unknown as AstPath<FNode>), key);
}

export function printExpressionOrType(path: AstPath<FNode>, options: Options, print: Print): Doc {
  const node = path.node;
  switch (node.type) {
    case "Literal":
      // From the source: keeps escapes, interpolations and number spellings (1e3, 1.50, 90s).
      return options.originalText.slice(node.start, node.end);
    case "Ident":
      return node.name;
    case "Member":
      return [print("object"), ".", print("field")];
    case "Index":
      return [print("object"), "[", print("index"), "]"];
    case "Call":
      return [print("callee"), print("args")];
    case "Args":
      return printList(path, options, print, "items", "(", ")", { spaced: false, trailingComma: true });
    case "Arg":
      return node.name ? [print("name"), ": ", print("value")] : print("value");
    case "Unary":
      return printUnary(node, print);
    case "Binary":
      return printBinary(path, node, print);
    case "List":
      return printList(path, options, print, "items", "[", "]", { spaced: false, trailingComma: true });
    case "Record":
      return printList(path, options, print, "fields", "{", "}", { spaced: true, trailingComma: true });
    case "RecordField":
      return [print("key"), ": ", print("value")];
    case "Paren":
      return ["(", print("inner"), ")"];
    case "NamedType":
      return print("name");
    case "ListType":
      return [print("element"), "[]"];
    case "OptionalType":
      return [print("inner"), "?"];
    case "RecordType":
      return printList(path, options, print, "fields", "{", "}", { spaced: true, trailingComma: true });
    default:
      throw new Error(`aiw formatter: no printer for node type ${node.type}`);
  }
}

function printUnary(node: FUnary, print: Print): Doc {
  return [node.operator === "not" ? "not " : "-", print("operand")];
}

const PRECEDENCE: Readonly<Record<BinaryOperator, number>> = {
  or: 1,
  and: 2,
  "==": 3,
  "!=": 3,
  "<": 3,
  "<=": 3,
  ">": 3,
  ">=": 3,
  in: 3,
  "not in": 3,
  "+": 4,
  "-": 4,
  "*": 5,
  "/": 5,
  "%": 5,
};

/**
 * `a + b + c` is left-nested in the AST. The left operand of a same-precedence
 * parent returns its parts ungrouped, so the whole chain lives in one group
 * and breaks before every operator at once, all at the same indentation.
 */
function printBinary(path: AstPath<FNode>, node: FBinary, print: Print): Doc {
  const parts: Doc[] = [print("left"), indent([line, node.operator, " ", print("right")])];
  const parent = path.parent;
  const chained = parent?.type === "Binary" && path.key === "left" && PRECEDENCE[parent.operator] === PRECEDENCE[node.operator];
  return chained ? parts : group(parts);
}

interface ListStyle {
  /** Spaces inside the brackets on one line: `{ a: 1 }` but `[1, 2]`. */
  readonly spaced: boolean;
  /** A trailing comma when broken; only where the grammar allows one. */
  readonly trailingComma: boolean;
  /** False when the caller groups the list with what follows it (a signature). */
  readonly grouped?: boolean;
}

/** A bracketed, comma-separated list: all on one line, or one item per line. */
export function printList(path: AstPath<FNode>, options: Options, print: Print, key: string, open: string, close: string, style: ListStyle): Doc {
  const node = path.node;
  const items = (node as unknown as Record<string, unknown[]>)[key] ?? [];
  if (items.length === 0) return hasDanglingComments(node) ? printDanglingInside(node, open, close, options, style.spaced) : open + close;
  const edge = style.spaced ? line : softline;
  const list = [open, indent([edge, join([",", line], mapChildren(path, print, key))]), style.trailingComma ? ifBreak(",") : "", edge, close];
  return style.grouped === false ? list : group(list);
}
