// The table of diagnostic codes: one stable code per kind of problem, its
// default severity, a title, and the long explanation `aiwc explain` prints.

export interface CodeInfo {
  readonly severity: "error" | "warning";
  readonly title: string;
  readonly explanation: string;
}

export const DIAGNOSTIC_CODES = {
  AIW0001: {
    severity: "error",
    title: "unexpected character",
    explanation: `A character that cannot start any token of the language was found.

  flow f() { task a { run: 1 # 2 } }
                             ^ '#' is not part of AIWork

Comments start with '//' (to the end of the line), '///' (a doc comment for
the next declaration) or are enclosed in '/* ... */'.`,
  },
  AIW0002: {
    severity: "error",
    title: "unterminated string",
    explanation: `A string literal was opened with '"' but not closed on the same line.

  role: "Financial analyst
        ^ the string never ends

Close the string with '"'. To put a line break inside a string, write '\\n'.`,
  },
  AIW0003: {
    severity: "error",
    title: "syntax error",
    explanation: `The parser expected something else at this point. The message says what
it was parsing and what it expected, for example:

  task triage after extract
    run: classify(text: extract.text)
  ^ expected '{' to open the body of task 'triage'

Only the first error in a declaration is shown; the parser then skips to the
next declaration it recognises and carries on, so later errors are reported
too.`,
  },
  AIW0004: {
    severity: "error",
    title: "invalid escape sequence",
    explanation: `Inside a string, a backslash starts an escape. The valid escapes are
\\" \\\\ \\n \\r \\t \\$ and \\u{XXXX} (a Unicode scalar value in hex).

  description: "C:\\temp"     // '\\t' is a tab here: write "C:\\\\temp"`,
  },
  AIW0005: {
    severity: "error",
    title: "invalid interpolation",
    explanation: `A string contains '\${' that does not hold a valid expression.

  description: "Summarise \${document"    // missing '}'

Write '\\$' for a literal dollar sign.`,
  },
  AIW0101: {
    severity: "error",
    title: "unknown name",
    explanation: `A name was used that is not declared in this scope. In a flow, the names in
scope are the flow's inputs, its tasks, the loop variable of a fan-out task,
and the top-level declarations of this file and of the files it imports.

  task triage { run: clasify(text: ticket) }
                     ^^^^^^^ unknown tool 'clasify'
  help: a tool with a similar name exists: 'classify'

Check the spelling, or declare the name, or import the file that declares it.`,
  },
  AIW0102: {
    severity: "error",
    title: "duplicate name",
    explanation: `Two declarations in the same scope have the same name. Top-level names share
one scope per file, together with the names the file imports; tasks and
templates share one scope per flow; fields share one scope per record.

Rename one of them.`,
  },
  AIW0103: {
    severity: "error",
    title: "import not found",
    explanation: `An import names a file that does not exist or cannot be read. Import paths are
relative to the importing file and must end in '.aiw':

  import "./common.aiw"`,
  },
  AIW0104: {
    severity: "error",
    title: "import cycle",
    explanation: `Files import each other in a cycle. The message prints the cycle:

  a.aiw -> b.aiw -> a.aiw

Move the declarations both files need into a third file that both import.`,
  },
  AIW0105: {
    severity: "error",
    title: "unknown type",
    explanation: `A type name is neither a built-in type (string, number, boolean, any,
list<T>) nor a 'type' declared in scope.

  type Invoice { amount: numbr }
                         ^^^^^ did you mean 'number'?`,
  },
  AIW0106: {
    severity: "error",
    title: "unknown field",
    explanation: `A field was read that the value's type does not have. Task outputs are typed
by their tool's return type (or their 'output:' declaration), so
'extract.txt' is checked against the fields of 'extract's output.

  run: classify(text: extract.txt)
                              ^^^ 'extract' has fields: text`,
  },
  AIW0107: {
    severity: "error",
    title: "unknown property",
    explanation: `A block (agent, model, task, flow) contains a property it does not define.
The message lists the properties that block accepts, e.g. for an agent:
role, goal, backstory, tools, memory.`,
  },
  AIW0108: {
    severity: "error",
    title: "missing property",
    explanation: `A required property is missing: a task needs 'run', a model needs 'source',
an agent needs 'role'.

  task extract { retries: 2 }
       ^^^^^^^ task 'extract' has no 'run'`,
  },
  AIW0109: {
    severity: "error",
    title: "property given twice",
    explanation: `A property that may appear once appears twice in the same block. Only
'guard' may be repeated (every guard must hold).`,
  },
  AIW0110: {
    severity: "error",
    title: "unknown argument",
    explanation: `A call names an argument the tool (or function) does not take.

  tool read_text(path: string) -> { text: string }
  ...
  run: read_text(file: document)
                 ^^^^ 'read_text' takes: path`,
  },
  AIW0111: {
    severity: "error",
    title: "missing argument",
    explanation: `A call leaves out a parameter that has no default value. Give it by name:

  run: read_text(path: document)`,
  },
  AIW0112: {
    severity: "error",
    title: "not callable here",
    explanation: `Tools are called only as the whole 'run:' of a task, so that every tool call
is one observable, retryable step. Inside other expressions only the pure
built-in functions may be called: len, lower, upper, trim, contains,
starts_with, ends_with, join, split, keys, round, floor, ceil, min, max, abs,
str, num, default.

To use a tool's result in an expression, give the call its own task and
refer to that task's output.`,
  },
  AIW0201: {
    severity: "error",
    title: "type mismatch",
    explanation: `A value's type does not fit where it is used: an argument of the wrong type,
a default value that does not match its declared type, or a task output that
does not match its 'output:' type.

  tool classify(text: string) -> { label: string }
  ...
  run: classify(text: 42)
                      ^^ expected string, found number`,
  },
  AIW0202: {
    severity: "error",
    title: "condition is not boolean",
    explanation: `Guards and 'when' conditions must be boolean expressions.

  task analyze after triage when triage.label { ... }
                                 ^^^^^^^^^^^^ this is a string
  help: compare it: when triage.label == "invoice"`,
  },
  AIW0203: {
    severity: "error",
    title: "invalid operands",
    explanation: `An operator was applied to values it does not accept: arithmetic needs
numbers ('+' also joins strings and lists), ordering comparisons need two
numbers or two strings, 'and'/'or'/'not' need booleans.`,
  },
  AIW0204: {
    severity: "error",
    title: "invalid tool binding",
    explanation: `A tool's '= ...' binding is not one of the supported forms:

  = builtin("read_text")                                  // a built-in tool
  = extern(js: "./tools.ts#fn", py: "pkg.module:fn")      // your own code
  = openvino(model_name, input: hashed_words(dim: 512), output: argmax(labels: [...]))`,
  },
  AIW0205: {
    severity: "error",
    title: "invalid property value",
    explanation: `A property has a value of the wrong kind, for example a retry count that is
not a whole number, a timeout that is not a duration (30s, 500ms, 5m, 1h),
a backoff that is neither fixed(...) nor exponential(...), or a model hint
other than latency or throughput.`,
  },
  AIW0206: {
    severity: "error",
    title: "fan-out over a non-list",
    explanation: `'task name for item in EXPR' runs the task once per element of EXPR, which
must be a list.`,
  },
  AIW0301: {
    severity: "error",
    title: "agent lacks tool",
    explanation: `A task run by an agent calls a tool that is not in that agent's 'tools' list.
Agents may only use the tools they are given.

  agent analyst { role: "Analyst" tools: [classify] }
  task t { agent: analyst run: read_text(path: doc) }
                               ^^^^^^^^^ not among analyst's tools

Add the tool to the agent's list, or run the task without that agent.`,
  },
  AIW0302: {
    severity: "error",
    title: "not a tool",
    explanation: `An agent's 'tools' list names something that is not a tool, or a task's
'agent:' names something that is not an agent.`,
  },
  AIW0303: {
    severity: "error",
    title: "memory tool without memory",
    explanation: `The built-in tools 'recall' and 'remember' use the memory of the task's agent.
The task must have an agent, and that agent must declare 'memory: recall(...)'.`,
  },
  AIW0401: {
    severity: "error",
    title: "dependency cycle",
    explanation: `Tasks depend on each other in a cycle, so none of them could ever start. The
message prints the cycle. Dependencies come from 'after' and from reading
another task's output (an implicit dependency).

  a -> b -> a`,
  },
  AIW0402: {
    severity: "error",
    title: "invalid injection",
    explanation: `'inject: EXPR from [t1, t2]' must list templates declared in the same flow
('template name { ... }'), and EXPR must evaluate to a string or a list of
strings: the names of the templates to add to the run.`,
  },
  AIW0403: {
    severity: "error",
    title: "template used as a task",
    explanation: `A template only runs when a task injects it, so other tasks cannot read its
output or wait for it with 'after'. Wait for the injecting task instead: its
dependants wait for every task it injects.`,
  },
  AIW0404: {
    severity: "error",
    title: "invalid return",
    explanation: `A flow returns at most one value, which must match the flow's declared
output type ('flow f(...) -> Type').`,
  },
  AIW0405: {
    severity: "error",
    title: "invalid schedule",
    explanation: `A schedule is a cron expression of five fields ("0 6 * * *") or one of
@once, @hourly, @daily, @weekly, @monthly, @yearly. Leave it out for a flow
that runs on demand.`,
  },
  AIW0501: {
    severity: "warning",
    title: "unused declaration",
    explanation: `A declaration is never used. Tools, agents, models, guardrails and types that
nothing refers to are reported, as are flow inputs that no task reads.
Remove them, or use them. Flows are entry points and are never reported.`,
  },
  AIW0502: {
    severity: "warning",
    title: "unreachable task",
    explanation: `A task can never run: its 'when' condition is always false, it depends on
such a task, or it is a template that no task can inject.`,
  },
  AIW0601: {
    severity: "error",
    title: "model shape mismatch",
    explanation: `A model-backed tool's pre- and post-processing do not fit the model's
declared input and output shapes, e.g. 'hashed_words(dim: 256)' feeding a
model whose input is declared [-1, 512].`,
  },
} as const satisfies Record<string, CodeInfo>;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

export function isDiagnosticCode(s: string): s is DiagnosticCode {
  return Object.hasOwn(DIAGNOSTIC_CODES, s);
}
