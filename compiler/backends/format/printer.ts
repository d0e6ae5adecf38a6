// The Prettier printer for `.aiw`: declarations, blocks and the file layout
// (blank lines, one property per line). Expressions and types are printed by
// print-expression.ts; where comments go is decided in attach.ts.

import type { AstPath, Doc, Printer } from "prettier";
import { doc, util } from "prettier";
import { handleComments } from "./attach.ts";
import { hasDanglingComments, isBlockComment, plainDanglingComments, printComment, printCommentLines, printCommentsAfter, printDanglingInside, printDocComments } from "./comments.ts";
import { mapChildren, printExpressionOrType, printList, type Options, type Print } from "./print-expression.ts";
import { childKeys, type FBlock, type FComment, type FFile, type FNode, type FRecordType, type FTask } from "./tree.ts";

const { group, hardline, indent, join, line } = doc.builders;

function printAiw(path: AstPath<FNode>, options: Options, print: Print): Doc {
  const docs = printDocComments(path.node);
  const printed = printNode(path, options, print);
  const after = printCommentsAfter(path.node, options.originalText);
  return docs.length > 0 || after.length > 0 ? [...docs, printed, ...after] : printed;
}

function printNode(path: AstPath<FNode>, options: Options, print: Print): Doc {
  const node = path.node;
  switch (node.type) {
    case "File":
      return printFile(path, options, print);
    case "Import":
      return ["import ", node.names ? [print("names"), " from "] : "", print("path")];
    case "NameList":
      // No trailing comma: the grammar does not allow one here.
      return printList(path, options, print, "items", "{", "}", { spaced: true, trailingComma: false });
    case "TypeDecl":
      return ["type ", print("name"), node.body.type === "RecordType" ? " " : " = ", print("body")];
    case "Model":
      return ["model ", print("name"), " ", print("body")];
    case "Agent":
      return ["agent ", print("name"), " ", print("body")];
    case "Tool":
      return ["tool ", print("name"), signature(node.returns, print), node.body ? [" ", print("body")] : ""];
    case "Guardrail":
      return group(["guardrail ", print("name"), print("params"), " = ", print("condition"), elseMessage(node.message, print)]);
    case "Flow":
      return ["flow ", print("name"), signature(node.returns, print), " ", print("body")];
    case "Block":
      return printBlock(path, options, print);
    case "Task":
      return printTask(path, node, print);
    case "Return":
      return ["return ", print("value")];
    case "Property":
      return group([print("key"), ": ", print(node.typeValue ? "typeValue" : "value"), elseMessage(node.message, print)]);
    case "Port":
      return [print("direction"), " ", print("name"), ": ", print("dtype"), print("dims")];
    case "Dims":
      return node.items.length === 0 && hasDanglingComments(node) ? printDanglingInside(node, "[", "]", options) : ["[", join(", ", mapChildren(path, print, "items")), "]"];
    case "Params":
      return printList(path, options, print, "items", "(", ")", { spaced: false, trailingComma: true, grouped: path.parent?.type === "Guardrail" });
    case "Binding":
      return [print("name"), node.annotation ? [": ", print("annotation")] : "", node.value ? [" = ", print("value")] : ""];
    case "RecordType":
      return path.parent?.type === "TypeDecl" ? printRecordBody(path, options, print) : printExpressionOrType(path, options, print);
    default:
      return printExpressionOrType(path, options, print);
  }
}

/**
 * `(params) -> returns` in one group: when too long, the parameters break one
 * per line first, and the return type gets the line after them.
 */
function signature(returns: unknown, print: Print): Doc {
  return group([print("params"), returns !== undefined ? [" -> ", print("returns")] : ""]);
}

/** `else message` of a guard or guardrail: moves to its own line first when the line is too long. */
function elseMessage(message: unknown, print: Print): Doc {
  return message === undefined ? "" : indent([line, "else ", print("message")]);
}

function printTask(path: AstPath<FNode>, task: FTask, print: Print): Doc {
  return [
    task.keyword,
    " ",
    print("name"),
    task.after.length > 0 ? [" after ", join(", ", mapChildren(path, print, "after"))] : "",
    task.when ? [" when ", print("when")] : "",
    task.variable ? [" for ", print("variable"), " in ", print("iterable")] : "",
    " ",
    print("body"),
  ];
}

// ------------------------------------------------------------------ layout

/** Declarations separated by one blank line; consecutive imports by none. */
function printFile(path: AstPath<FNode>, options: Options, print: Print): Doc {
  const file = path.node as FFile;
  if (file.members.length === 0) {
    const comments = plainDanglingComments(file);
    return comments.length > 0 ? [printCommentLines(comments, options), hardline] : "";
  }
  const parts = mapChildren(path, print, "members").map((printed, i) => {
    if (i === 0) return printed;
    const bothImports = file.members[i - 1]!.type === "Import" && file.members[i]!.type === "Import";
    return [hardline, bothImports ? "" : hardline, printed];
  });
  return [parts, hardline];
}

function printBlock(path: AstPath<FNode>, options: Options, print: Print): Doc {
  return printBraced(path, options, print, "members", (path.node as FBlock).members);
}

/** The record body of `type T { ... }`: always one field per line, without commas. */
function printRecordBody(path: AstPath<FNode>, options: Options, print: Print): Doc {
  return printBraced(path, options, print, "fields", (path.node as FRecordType).fields);
}

/** `{`, one member per line, `}`; `{}` when empty, unless comments are inside. */
function printBraced(path: AstPath<FNode>, options: Options, print: Print, key: string, members: readonly FNode[]): Doc {
  if (members.length === 0) {
    const comments = plainDanglingComments(path.node);
    return comments.length > 0 ? ["{", indent([hardline, printCommentLines(comments, options)]), hardline, "}"] : "{}";
  }
  return ["{", indent([hardline, printMembers(path, options, print, key, members)]), hardline, "}"];
}

/** One member per line; a blank line where the source had one, and always around tasks and templates. */
function printMembers(path: AstPath<FNode>, options: Options, print: Print, key: string, members: readonly FNode[]): Doc {
  return mapChildren(path, print, key).map((printed, i) => {
    if (i === 0) return printed;
    const prev = members[i - 1]!;
    const blank = prev.type === "Task" || members[i]!.type === "Task" || util.isNextLineEmpty(options.originalText, prev.end);
    return [hardline, blank ? hardline : "", printed];
  });
}

// ------------------------------------------------------------------ printer

export const printer: Printer<FNode> = {
  print: printAiw,
  printComment: (path) => printComment(path as unknown as AstPath<FComment>),
  isBlockComment: (node) => isBlockComment(node as unknown as FComment),
  canAttachComment: (node) => typeof node.type === "string" && (node.type as string) !== "Comment",
  getVisitorKeys: (node) => [...(childKeys[node.type] ?? [])],
  handleComments: handleComments as Printer<FNode>["handleComments"],
};
