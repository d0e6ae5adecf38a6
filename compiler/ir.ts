// The IR: plain, versioned JSON, the one contract between the compiler and
// everything that executes or translates a flow (runtime, Airflow backend,
// REST API, Kafka worker). compiler/ir.schema.json describes the same shape;
// a test keeps the two in step. Bump IR_VERSION on any incompatible change.

export const IR_VERSION = 1;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface IrProgram {
  readonly irVersion: typeof IR_VERSION;
  /** Every source file that went into this IR, with the SHA-256 of its text. */
  readonly sources: readonly IrSourceFile[];
  readonly types: Readonly<Record<string, IrType>>;
  readonly models: Readonly<Record<string, IrModel>>;
  readonly tools: Readonly<Record<string, IrTool>>;
  readonly agents: Readonly<Record<string, IrAgent>>;
  readonly guardrails: Readonly<Record<string, IrGuardrail>>;
  readonly flows: Readonly<Record<string, IrFlow>>;
}

export interface IrSourceFile {
  readonly path: string;
  readonly sha256: string;
}

/** Where a declaration was written: for messages and generated-code comments. */
export interface IrLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

// ------------------------------------------------------------------ types

export type IrType =
  | { readonly kind: "string" }
  | { readonly kind: "number" }
  | { readonly kind: "boolean" }
  | { readonly kind: "null" }
  | { readonly kind: "json" }
  | { readonly kind: "list"; readonly element: IrType }
  | { readonly kind: "optional"; readonly inner: IrType }
  | { readonly kind: "record"; readonly fields: readonly IrField[] }
  /** A reference to `IrProgram.types[name]`. */
  | { readonly kind: "named"; readonly name: string };

export interface IrField {
  readonly name: string;
  readonly type: IrType;
  /** Filled in when the field is missing from a value. */
  readonly default?: JsonValue;
}

export interface IrParam {
  readonly name: string;
  readonly type: IrType;
  readonly default?: JsonValue;
  readonly doc?: string;
}

// ------------------------------------------------------------ declarations

export interface IrModel {
  /** Path of the `.xml` (OpenVINO IR) or `.onnx` file, relative to the directory of `location.file`. */
  readonly source: string;
  readonly device: string;
  readonly hint: "latency" | "throughput";
  readonly precision?: string;
  readonly cacheDir?: string;
  readonly labels?: readonly string[];
  readonly batch?: { readonly maxSize: number; readonly maxWaitMs: number };
  readonly inputs: readonly IrPort[];
  readonly outputs: readonly IrPort[];
  readonly location: IrLocation;
}

export interface IrPort {
  readonly name: string;
  readonly dtype: string;
  /** Sizes; -1 for a dynamic dimension (written `?` or a name). */
  readonly shape: readonly number[];
}

export type IrToolBinding =
  | { readonly kind: "builtin"; readonly name: string }
  | {
      readonly kind: "extern";
      /** `path/to/module.ts#exportName`, relative to the directory of `location.file`. */
      readonly ts?: string;
      /** `package.module:function` for Python backends. */
      readonly python?: string;
    }
  | {
      readonly kind: "model";
      readonly model: string;
      readonly input: IrPreprocess;
      readonly output: IrPostprocess;
    };

export type IrPreprocess =
  | { readonly kind: "hashed_words"; readonly dim: number; readonly param: string }
  | { readonly kind: "numbers"; readonly param: string }
  | { readonly kind: "tokenizer"; readonly path: string; readonly param: string };

export type IrPostprocess =
  | { readonly kind: "argmax" }
  | { readonly kind: "scores" }
  | { readonly kind: "raw" }
  | { readonly kind: "embedding" };

export interface IrTool {
  readonly params: readonly IrParam[];
  readonly returns: IrType;
  readonly binding: IrToolBinding;
  readonly description?: string;
  readonly location?: IrLocation;
}

export interface IrAgent {
  readonly role: string;
  readonly goal: string;
  readonly backstory?: string;
  readonly tools: readonly string[];
  readonly memory: { readonly kind: "recall"; readonly topK: number } | null;
  readonly location: IrLocation;
}

export interface IrGuardrail {
  readonly params: readonly IrParam[];
  readonly condition: IrExpr;
  readonly message: IrExpr;
  readonly location: IrLocation;
}

export interface IrFlow {
  readonly description?: string;
  readonly inputs: readonly IrParam[];
  readonly output?: { readonly type: IrType; readonly value: IrExpr };
  /** Cron expression or preset such as `@daily`; null when the flow runs on demand. */
  readonly schedule: string | null;
  /** ISO date-time with offset, e.g. `2026-01-01T00:00:00Z`. */
  readonly startDate: string;
  readonly tags: readonly string[];
  readonly owner?: string;
  /** Tasks in a deterministic topological order: dependencies first, ties in source order. */
  readonly tasks: readonly IrTask[];
  /**
   * Templates, injected at run time. A template's `dependsOn` lists the tasks
   * it reads; the task that injects it is added when it is injected (an
   * injected copy gets the id `<injector>.<template>`).
   */
  readonly templates: readonly IrTask[];
  readonly location: IrLocation;
}

export interface IrTask {
  readonly id: string;
  readonly kind: "task" | "template";
  readonly agent?: string;
  readonly description?: IrExpr;
  readonly run: IrRun;
  /** Explicit (`after`) and implicit (referenced outputs) dependencies, sorted. */
  readonly dependsOn: readonly string[];
  readonly when?: IrExpr;
  readonly forEach?: { readonly variable: string; readonly items: IrExpr };
  readonly guards: readonly IrGuard[];
  readonly retries: number;
  readonly backoff: IrBackoff;
  readonly timeoutMs?: number;
  /** The output of one run of the task (for a fan-out task: of one item). */
  readonly output: IrType;
  readonly inject?: { readonly choose: IrExpr; readonly templates: readonly string[] };
  readonly cacheTtlMs?: number;
  readonly location: IrLocation;
}

export type IrRun =
  | { readonly kind: "tool"; readonly tool: string; readonly args: Readonly<Record<string, IrExpr>> }
  | { readonly kind: "expr"; readonly expr: IrExpr };

export type IrGuard =
  | { readonly kind: "check"; readonly condition: IrExpr; readonly message: IrExpr }
  | { readonly kind: "guardrail"; readonly guardrail: string; readonly args: readonly IrExpr[] };

export interface IrBackoff {
  readonly kind: "fixed" | "exponential";
  readonly delayMs: number;
  readonly maxDelayMs?: number;
}

// ------------------------------------------------------------ expressions

export type IrBinaryOperator = "or" | "and" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not in" | "+" | "-" | "*" | "/" | "%";

export type IrExpr =
  | { readonly op: "lit"; readonly value: JsonValue }
  /** A flow input. */
  | { readonly op: "input"; readonly name: string }
  /** The output of a task (inside its own guards: of the attempt being checked). */
  | { readonly op: "task"; readonly name: string }
  /** A fan-out loop variable or a guardrail parameter. */
  | { readonly op: "var"; readonly name: string }
  | { readonly op: "get"; readonly object: IrExpr; readonly field: string }
  | { readonly op: "index"; readonly object: IrExpr; readonly index: IrExpr }
  /** A pure built-in function (see compiler/builtins.ts). */
  | { readonly op: "call"; readonly fn: string; readonly args: readonly IrExpr[] }
  | { readonly op: "not"; readonly operand: IrExpr }
  | { readonly op: "neg"; readonly operand: IrExpr }
  | { readonly op: "binary"; readonly operator: IrBinaryOperator; readonly left: IrExpr; readonly right: IrExpr }
  | { readonly op: "list"; readonly items: readonly IrExpr[] }
  | { readonly op: "record"; readonly fields: readonly { readonly name: string; readonly value: IrExpr }[] }
  /** String interpolation: each part converted to text and joined. */
  | { readonly op: "concat"; readonly parts: readonly IrExpr[] };
