// Placeholder: replaced by lowering.
import type { CheckedProgram } from "./check.ts";
import { IR_VERSION, type IrProgram } from "./ir.ts";
export function lowerProgram(_checked: CheckedProgram): IrProgram {
  return { irVersion: IR_VERSION, sources: [], types: {}, models: {}, tools: {}, agents: {}, guardrails: {}, flows: {} };
}
