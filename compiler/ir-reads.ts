// What an IR task reads, found by walking its expressions.

import type { IrExpr, IrTask } from "./ir.ts";

/**
 * The tasks an IR task reads: its data dependencies, from every expression it
 * holds (arguments, when, fan-out items, description, guards, injection),
 * names in `own` excluded. The runtime's scheduler and the Airflow backend
 * both build their graphs from it.
 */
export function readsOf(task: IrTask, own: readonly string[]): Set<string> {
  const out = new Set<string>();
  const visit = (e: IrExpr | undefined): void => {
    if (e === undefined) return;
    switch (e.op) {
      case "task":
        if (!own.includes(e.name)) out.add(e.name);
        return;
      case "get":
        return visit(e.object);
      case "index":
        visit(e.object);
        return visit(e.index);
      case "call":
        return e.args.forEach(visit);
      case "not":
      case "neg":
        return visit(e.operand);
      case "binary":
        visit(e.left);
        return visit(e.right);
      case "list":
        return e.items.forEach(visit);
      case "record":
        return e.fields.forEach((f) => visit(f.value));
      case "concat":
        return e.parts.forEach(visit);
      default:
        return;
    }
  };
  if (task.run.kind === "tool") Object.values(task.run.args).forEach(visit);
  else visit(task.run.expr);
  visit(task.when);
  visit(task.forEach?.items);
  visit(task.description);
  for (const g of task.guards) {
    if (g.kind === "check") {
      visit(g.condition);
      visit(g.message);
    } else g.args.forEach(visit);
  }
  visit(task.inject?.choose);
  return out;
}
