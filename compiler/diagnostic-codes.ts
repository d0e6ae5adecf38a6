// The table of diagnostic codes: one stable code per kind of problem, its
// default severity, a title, and the long explanation `aiwc explain` prints.
// Every explanation says what the problem is, shows a small `.aiw` snippet
// that causes it (with carets under the spot reported), and how to fix it.
// test/diagnostics/ holds a real input and its rendered output for each code.

export interface CodeInfo {
  readonly severity: "error" | "warning";
  readonly title: string;
  readonly explanation: string;
}

export const DIAGNOSTIC_CODES = {
  AIW0001: {
    severity: "error",
    title: "unexpected character",
    explanation: `A character was found that cannot start anything in the language, such as
'#', ';', '@', a backtick, or a curly quote pasted from a word processor.

  # Archive one file.
  ^ this character is not part of the language
  flow archive(path: string) {
    task read { run: read_text(path: path); }
                                          ^ not part of the language either
  }

Comments start with '//' and run to the end of the line; '///' starts a doc
comment for the declaration that follows it; '/* ... */' encloses a comment
over several lines. Properties and statements need no ';' at the end.
Strings are written in straight double quotes: "like this".

The words after a stray '#' are then read as code, so a syntax error
(AIW0003) often follows; it goes away with the '#'.`,
  },
  AIW0002: {
    severity: "error",
    title: "unterminated string",
    explanation: `A string was opened with '"' but not closed before the end of the line.
A string cannot span lines.

  agent analyst {
    role: "Financial analyst
          ^^^^^^^^^^^^^^^^^^ the string starts here and runs to the end
    goal: "Check every invoice against the budget"
  }

Close the string with '"' on the same line. Inside a string, write '\\n' for
a line break and '\\"' for a double quote.

An interpolation that is never closed ("Hello \${name") also leaves its
string unclosed, because everything after '\${' is read as an expression;
close the interpolation with '}' (see AIW0005).`,
  },
  AIW0003: {
    severity: "error",
    title: "syntax error",
    explanation: `The parser expected something else at this point. The message says what
it expected, what it found instead, and in which kind of declaration:

  flow archive(path: string) {
    task read
             ^ expected '{' here
      run: read_text(path: path)
    }
  }

Common causes:

  - a '{', '}', '(', ')' or ']' is missing, or there is one too many; a
    missing '}' is often reported where the next task or declaration
    starts, not where the brace should be;
  - a property has no value ('run:' followed by nothing), or is written
    with '=' instead of ':' (run: read_text(path: path));
  - a word at the top level does not start a declaration: a file holds only
    import, type, model, tool, agent, guardrail and flow declarations;
  - an expression is incomplete: an operator with nothing after it
    (run: a +), or a '(' or '[' that is never closed.

Fix the first error first: later errors in the same declaration are often
consequences of it. The parser starts afresh at each top-level declaration,
so an error in one does not hide the errors in the next.`,
  },
  AIW0004: {
    severity: "error",
    title: "invalid escape sequence",
    explanation: `Inside a string, a backslash starts an escape sequence. The valid ones
are \\" \\\\ \\n \\r \\t \\$ and \\u{XXXX}, a Unicode code point in hex (from 0
to 10FFFF, outside the surrogates D800 to DFFF): "\\u{2014}" is an em dash.
Any other character after a backslash is an error.

  run: write_text(path: "backups\\archive-\${name}.txt", text: name)
                                ^^ '\\a' is not a valid escape

To put a backslash in a string, double it: "backups\\\\archive-\${name}.txt".
For paths, '/' works on every platform: "backups/archive-\${name}.txt".`,
  },
  AIW0005: {
    severity: "error",
    title: "invalid interpolation",
    explanation: `'\${' inside a string starts an interpolation: an expression, closed by
'}', whose value is put into the string. This one is empty, never closed,
or does not hold a valid expression.

  run: write_text(path: "greeting.txt", text: "Hello \${} and \${name}")
                                                     ^^^ nothing between
                                                         '\${' and '}'

Put an expression between '\${' and '}': a name (\${name}), a field
(\${read.text}), a call of a built-in function (\${len(lines)}), an
arithmetic expression (\${total * 2}). When the '}' is missing, the string
usually looks unclosed as well (AIW0002): add the '}' and both go away.

For a literal '\${', escape the dollar sign: "\\\${name}" gives the text
\${name}. A '$' not followed by '{' needs no escape: "$\${price}" puts a
dollar sign before the price. An import path is a plain path and cannot
hold interpolations at all.`,
  },
  AIW0101: {
    severity: "error",
    title: "unknown name",
    explanation: `A name was used that nothing in scope declares, or that names the wrong
kind of thing for where it is used.

  flow summarise(document: string) {
    task read {
      run: read_text(path: documnet)
                           ^^^^^^^^ not found in this scope
    }
  }

Inside a flow, the values in scope are the flow's inputs, its tasks (a
task's name stands for its output), and the loop variable of a fan-out task
('task t for item in ...'). The other names are the top-level declarations
of the file and those it imports: tools in 'run:', agents in 'agent:' and
'tools:', models in a tool's 'model:', guardrails in 'guard:', types after
':' and '->'. The same code is reported for an unknown tool, agent, model,
built-in function or task name in 'after', for a name that an
'import { ... } from' asks for but the file does not declare, for a tool or
agent used as if it were a value, and for a name that two whole-file imports
both bring in (ambiguous).

Check the spelling (the 'help' line suggests the nearest name), declare the
name, or import the file that declares it:

  import { notify } from "./common.aiw"`,
  },
  AIW0102: {
    severity: "error",
    title: "duplicate name",
    explanation: `Two things in the same scope have the same name, so a reference to the
name could mean either. Names must be unique among:

  - the top-level declarations of a file (types, models, tools, agents,
    guardrails, flows) together with the names the file imports;
  - the tasks, templates and inputs of a flow;
  - the parameters of a tool, guardrail or flow;
  - the fields of a record type or of a record value;
  - the inputs, and the outputs, of a model.

  flow publish(path: string) {
    task read {
         ---- first here
      run: read_text(path: path)
    }
    task read {
         ^^^^ second task with this name
      run: read_text(path: "\${path}.bak")
    }
  }

Rename one of them. A 'type' cannot take the name of a built-in type
(string, number, boolean, json). When an import brings in a name that this
file declares too, or two imports bring in the same name, import only the
names you need from one of the files:

  import { notify, Notice } from "./common.aiw"`,
  },
  AIW0103: {
    severity: "error",
    title: "import not found",
    explanation: `An import names a file that does not exist or cannot be read. Import
paths are relative to the file that holds the import, not to the current
folder.

  import { notify } from "./support/comon.aiw"
                         ^^^^^^^^^^^^^^^^^^^^^ no file at this path

The note shows the path that was tried. Fix the path: "./common.aiw" for a
file next to this one, "../lib/common.aiw" for one in a sibling folder.
The names the import would have brought in are then unknown too (AIW0101);
those errors go away with this one.`,
  },
  AIW0104: {
    severity: "error",
    title: "import cycle",
    explanation: `Files import each other in a cycle: following the imports from a file
leads back to that file. The message prints the cycle, and the error points
at the import that closes it.

  // tickets.aiw
  import { Ticket } from "./types.aiw"

  // types.aiw
  import { route } from "./tickets.aiw"
                        ^^^^^^^^^^^^^^^ this import closes the cycle

  import cycle: tickets.aiw -> types.aiw -> tickets.aiw

Move the declarations that both files need into a third file that both
import, so that imports go one way only.`,
  },
  AIW0105: {
    severity: "error",
    title: "unknown type",
    explanation: `A type name is neither a built-in type nor a 'type' declared in scope. The
built-in types are string, number, boolean and json (any JSON value). A list
is written T[] (string[], Invoice[]), an optional value T? (string?), and a
record inline as { vendor: string, amount: number }.

  type Invoice {
    vendor: string
    amount: numbr
            ^^^^^ unknown type
  }

Check the spelling, declare the type (type Money = number, or
type Invoice { ... }), or import it. The same code is reported when the
name belongs to something that is not a type (a tool, an agent), and for a
type that refers to itself (type Node { next: Node? }): recursive types are
not supported; use json for a field whose shape is open.

In a model, the element type of an input or output must be one of f32, f16,
bf16, f64, i64, i32, i16, i8, u8, u16, u32, u64, boolean and string:

  input features: f32[?, 512]`,
  },
  AIW0106: {
    severity: "error",
    title: "unknown field",
    explanation: `A field was read that the value's type does not have. A task's output has
the type its tool returns (or the type of its 'output:'), so 'read.txt'
below is checked against what read_text returns, { text: string }:

  task write {
    run: write_text(path: "copy.txt", text: read.txt)
                                                 ^^^ unknown field
  }

The note lists the fields the value has, and the help suggests the nearest
one. Reading a field of something that is not a record (a string, a number,
a list) is reported too. The output of a fan-out task
('task t for item in ...') is a list with one item per run: index it
(t[0].text) or fan out over it (task u for x in t { ... x.text ... }).
Values of type json are not checked.`,
  },
  AIW0107: {
    severity: "error",
    title: "unknown property",
    explanation: `A block contains a property that this kind of block does not have. The
properties are:

  task, template  run, agent, description, output, guard, retries,
                  backoff, timeout, inject, cache
  flow            description, schedule, tags, start, owner
  agent           role, goal, backstory, tools, memory
  tool            description, ts, python, model, pre, post
  model           source, device, hint, precision, cache, labels, batch,
                  batch_wait, and ports: input NAME: f32[...] and
                  output NAME: f32[...]

  agent analyst {
    role: "Financial analyst"
    goal: "Check every invoice against the budget"
    tool: [read_text]
    ^^^^ unknown property
  }

Check the spelling (here: tools) and the block the property is in: a task
property written outside the task's braces is read as a property of the
flow. In a model, a port starts with 'input' or 'output'.`,
  },
  AIW0108: {
    severity: "error",
    title: "missing property",
    explanation: `A required property is missing. A task or template needs 'run' (what it
does), an agent needs 'role' and 'goal', a model needs 'source' (the path of
its OpenVINO .xml or ONNX .onnx file).

  task read {
       ^^^^ 'run' is required
    retries: 2
  }

Add the property:

  task read {
    run: read_text(path: path)
    retries: 2
  }`,
  },
  AIW0109: {
    severity: "error",
    title: "property given twice",
    explanation: `A property that may appear only once appears twice in the same block.
Only 'guard' may be repeated in a task (every guard must hold).

  task download {
    run: http_request(url: url)
    timeout: 10s
    ------- first given here
    retries: 2
    timeout: 30s
    ^^^^^^^ second value
  }

Remove one of them.`,
  },
  AIW0110: {
    severity: "error",
    title: "unknown argument",
    explanation: `A call passes an argument that the tool or function does not take: a name
that is not one of its parameters, more arguments than it has parameters,
the same parameter twice, or a positional argument after named ones.

  run: read_text(path: document, encoding: "utf-8")
                                 ^^^^^^^^ unknown argument

The note shows the signature, here read_text(path: string) -> { text:
string }. Remove the argument or correct its name. A tool takes its
arguments by position first, then by name: notify("ops", text: report).
Built-in functions (len, round, split, ...) take theirs by position only:
round(score, 2), not round(score, digits: 2). An agent's
'memory: recall(...)' takes only top_k.`,
  },
  AIW0111: {
    severity: "error",
    title: "missing argument",
    explanation: `A call leaves out a parameter that has no default value.

  run: write_text(text: text)
                 ^^^^^^^^^^^^ missing path

Give every parameter that has no default: write_text(path: "out.txt",
text: text). In the note's signature, parameters shown with '= ...' have a
default and may be left out.

The same code is reported for a built-in function called with too few
arguments (split(text) instead of split(text, ",")), for 'guard: NAME' when
the guardrail takes more than one parameter (call it:
guard: NAME(a, b)), and for a guardrail declared without a parameter: a
guardrail checks a value, so it takes at least one:

  guardrail positive(inv: Invoice) = inv.amount > 0 else "not positive"`,
  },
  AIW0112: {
    severity: "error",
    title: "not callable here",
    explanation: `Only built-in functions may be called inside an expression. A tool is
called only as the whole 'run:' of a task, so that every tool call is one
step of the flow: observable, retried and timed out on its own.

  task report {
    run: "Label: \${classify(text: read.text).label}"
                   ^^^^^^^^ tool call inside an expression
  }

Give the tool call its own task, and read that task's output:

  task label {
    run: classify(text: read.text)
  }
  task report {
    run: "Label: \${label.label}"
  }

The built-in functions are len, lower, upper, trim, contains, starts_with,
ends_with, replace, split, join, to_string, to_number, round, floor, ceil,
abs, min, max, sum, keys and coalesce. A guardrail cannot be called in an
expression either: use it as a task's 'guard:'. And only a name can be
called: read.text() is reported too.`,
  },
  AIW0113: {
    severity: "error",
    title: "reserved word",
    explanation: `A keyword of the language was used to name something that expressions
must be able to refer to: a flow input, a parameter, a task or a fan-out
variable. Keywords (type, model, tool, agent, flow, task, when, in, and, ...)
cannot be read as values, so such a name could never be used.

  flow report(type: string) { ... }
              ^^^^ 'type' is a keyword

Choose another name, e.g. kind or report_type. Keywords are fine as
property names and record field names ({ type: "x" }, inv.type).`,
  },
  AIW0201: {
    severity: "error",
    title: "type mismatch",
    explanation: `A value's type does not fit where it is used: an argument of the wrong
type, a default or constant of the wrong type, a task whose run gives
something else than its 'output:' declares, a guardrail given a value of
another type, or an index that is not a number.

  tool classify(text: string) -> { label: string, score: number } { ... }
  ...
  task save {
    run: write_text(path: "labels.txt", text: label.score)
                                              ^^^^^^^^^^^ expected string,
                                                          found number
  }

Convert the value (to_string(label.score), or "\${label.score}"), pass
another one, or change the declared type. A record fits a record type when
it has every field the type needs (fields with a default, and fields of an
optional type T?, may be left out). A value of type json fits anywhere;
null fits only an optional type T? (or json).`,
  },
  AIW0202: {
    severity: "error",
    title: "condition is not boolean",
    explanation: `A 'when' condition, a guard, or a guardrail's condition must be a boolean.
There is no truthiness: a string, a number or a list is not true or false by
itself.

  task file_invoice when label.label {
                         ^^^^^^^^^^^ string, not boolean
    run: write_text(path: "invoices/ticket.txt", text: ticket)
  }

Compare the value: when label.label == "invoice", when ticket != "",
guard: len(read.text) > 0.`,
  },
  AIW0203: {
    severity: "error",
    title: "invalid operands",
    explanation: `An operator was applied to values it does not accept:

  + - * / %      numbers; '+' also joins two strings, or two lists of one type
  < <= > >=      two numbers or two strings
  == !=          two values of types that could be equal
  and or not     booleans
  in, not in     an item and a list of such items, or a string in a string
  x[i]           a list or a string, with a number as index
  -x             a number

  run: "Words: " + len(split(read.text, " "))
                 ^ '+' adds numbers and joins strings or lists of one type

Convert or compare the values so that the types fit:
"Words: " + to_string(len(...)), or "Words: \${len(...)}". The secondary
labels show the type found on each side.`,
  },
  AIW0204: {
    severity: "error",
    title: "invalid tool binding",
    explanation: `A tool's body says what runs when the tool is called: your code, or a
model. This body does not fit either form.

  tool classify(text: string) -> { label: string } {
       ^^^^^^^^ no binding
    description: "Sorts a ticket into a queue"
  }

A tool bound to code names a TypeScript export, a Python function, or both:

  tool notify(channel: string, text: string) -> { delivered: boolean } {
    ts: "./tools/notify.ts#notify"
    python: "aiwork_examples.notify:notify"
  }

A tool bound to a model names a 'model' declaration, how its one parameter
becomes the input tensor (pre), and how the output tensor becomes its result
(post):

  tool classify_ticket(text: string) -> { label: string, score: number } {
    model: ticket_classifier
    pre: hashed_words(dim: 512)
    post: argmax
  }

pre is hashed_words(dim: N) for text, numbers for a number[] parameter, or
tokenizer("path/to/tokenizer.xml"); post is argmax, scores, raw or embedding
(argmax and scores need the model's 'labels'). The error is also reported
when a tool has both 'model' and 'ts'/'python', when 'ts' is not
"path/to/module.ts#exportName" or 'python' not "package.module:function",
when 'pre' or 'post' appear without 'model', when 'model' names something
that is not a model, and when a model-bound tool does not take exactly one
parameter.`,
  },
  AIW0205: {
    severity: "error",
    title: "invalid property value",
    explanation: `A property has a value of the wrong kind:

  retries      a whole number from 0 to 1000
  timeout      a positive duration: 500ms, 30s, 5m, 1h, 1d
  cache        a positive duration (how long a result is reused)
  backoff      fixed(DELAY) or exponential(DELAY, max: DELAY)
  output       a type (output: Invoice), not a value
  start        a date, "2026-01-01", or a date-time with a time zone,
               "2026-01-01T06:00:00Z"
  tools        a list of tool names: [read_text, notify]
  memory       recall(top_k: N), N a whole number of at least 1, or none
  source       a path ending in .xml or .onnx
  device       an OpenVINO device: "CPU", "GPU", "NPU", "AUTO", ...
  hint         latency or throughput
  precision    "f32", "f16" or "bf16"
  batch        a whole number of at least 1; batch_wait: a duration

  task download {
    run: http_request(url: url)
    timeout: 30
             ^^ not a duration
  }

Write the value in the form above: timeout: 30s. The properties of
declarations (an agent's role and goal, a flow's description, tags and
owner, a model's labels, parameter defaults) must be constants: literals,
and lists or records of literals, without \${...}. Only a guard takes
'else "message"', and not when it names a guardrail, which has its own
message.`,
  },
  AIW0206: {
    severity: "error",
    title: "fan-out over a non-list",
    explanation: `'task NAME for ITEM in EXPR' runs the task once for each element of EXPR,
so EXPR must be a list (or a json value holding one).

  task lines for line in read.text {
                         ^^^^^^^^^ string, not a list
    run: write_text(path: "lines.txt", text: line)
  }

Fan out over a list: split the text first
(task lines for line in split(read.text, "\\n") { ... }), use a list field
of a record (for hit in about_topic.hits), or use the output of another
fan-out task, which is a list.`,
  },
  AIW0301: {
    severity: "error",
    title: "agent lacks tool",
    explanation: `A task run by an agent calls a tool that is not in that agent's 'tools'
list. An agent may only use the tools it is given.

  agent analyst {
    role: "Analyst"
    goal: "Summarise documents"
    tools: [write_text]
           ------------ analyst's tools: write_text
  }
  ...
    task read {
      agent: analyst
      run: read_text(path: path)
           ^^^^^^^^^ not among analyst's tools
    }

Add the tool to the agent's list (tools: [read_text, write_text]), or run
the task without that agent, or with another one. Built-in tools must be
listed too, except 'remember' and 'recall', which need an agent with memory
instead (AIW0303).`,
  },
  AIW0302: {
    severity: "error",
    title: "not a tool or an agent",
    explanation: `A name that must be a tool or an agent stands for something else. An
agent's 'tools' list holds tool names (not strings, not types); a task's
'agent:' names an agent; a task's 'run:' calls a tool or a built-in
function.

  agent clerk {
    role: "Accounts payable clerk"
    goal: "File every invoice"
    tools: [read_text, Invoice]
                       ^^^^^^^ not a tool
  }

Remove the name, or replace it with a tool (in 'tools' and 'run:') or an
agent (in 'agent:'). Write tool names without quotes: tools: [read_text],
not tools: ["read_text"].`,
  },
  AIW0303: {
    severity: "error",
    title: "memory tool without memory",
    explanation: `The built-in tools 'remember' (store a text) and 'recall' (find the stored
texts that best match a query) work on the memory of the task's agent. The
task must run as an agent, and that agent must have
'memory: recall(top_k: N)'.

  task keep {
    run: remember(text: read.text)
         ^^^^^^^^ needs an agent with memory
  }

Give the task an agent with memory:

  agent archivist {
    role: "Archivist"
    goal: "Keep notes of everything read"
    memory: recall(top_k: 3)
  }
  ...
    task keep {
      agent: archivist
      run: remember(text: read.text)
    }`,
  },
  AIW0401: {
    severity: "error",
    title: "dependency cycle",
    explanation: `Tasks wait for each other in a cycle, so none of them could ever start. A
task waits for another when it names it in 'after', and when it reads the
other's output (an implicit dependency). The message prints the cycle, and
the labels show where each task waits for the next:

  task draft after approve {
       ^^^^^       ------- 'draft' waits for 'approve' here
    run: read_text(path: path)
  }
  task approve {
    run: write_text(path: "approved.txt", text: draft.text)
                                                ----- 'approve' waits
                                                      for 'draft' here
  }

Remove one of the dependencies. The same code is reported for a task that
waits for itself, or reads its own output in 'run', 'when', 'for' or
'description'; a task may read its own output only in 'guard' and
'inject', which are evaluated after it has run.`,
  },
  AIW0402: {
    severity: "error",
    title: "invalid injection",
    explanation: `'inject: EXPR' adds templates of the same flow to the run once the task has
finished. EXPR may read the task's own output; it must give the name of a
template (a string) or a list of names:

  task triage {
    run: assess(report: report)
    inject: triage.steps        // e.g. ["page_oncall", "status_page"]
  }
  template page_oncall { ... }
  template status_page { ... }

This error means that a name written in the file is not a template of this
flow, that EXPR is not a string or a list of strings, that the flow declares
no templates, or that the injecting task is a template or a fan-out task,
which cannot inject.

  task triage {
    run: read_text(path: report)
    inject: ["page_on_call"]
            ^^^^^^^^^^^^^^^^ unknown template
  }
  template page_oncall { ... }

Correct the name, or declare the template in the flow:
template NAME { run: ... }. Names computed at run time (triage.steps)
cannot be checked here.`,
  },
  AIW0403: {
    severity: "error",
    title: "template used as a task",
    explanation: `A template runs only when a task injects it, and may not run at all, so
nothing can depend on it by name: other tasks cannot read its output or wait
for it with 'after'.

  task close after page_oncall {
                   ^^^^^^^^^^^ a template
    run: write_text(path: "closed.txt", text: report)
  }

Wait for the task that injects it instead (task close after triage): a task
that waits for an injecting task also waits for every template that task
injects. If the step must always run, make it a task.`,
  },
  AIW0404: {
    severity: "error",
    title: "invalid return",
    explanation: `'return EXPR' gives the flow's result. When the flow declares an output type
(flow f(...) -> Type), it must have a 'return', and the value returned must
have that type.

  flow count_words(path: string) -> number {
                                    ------ declared here
    task read {
      run: read_text(path: path)
    }
    return read
           ^^^^ expected number
  }

Return a value of the declared type (return len(split(read.text, " "))),
change the declared type, or leave it out: the flow then returns whatever
its 'return' gives.`,
  },
  AIW0405: {
    severity: "error",
    title: "invalid schedule",
    explanation: `A flow's 'schedule' is a cron expression of five fields (minute, hour, day
of month, month, day of week), or one of the presets @once, @hourly, @daily,
@weekly, @monthly, @yearly and @continuous.

  flow nightly(path: string) {
    schedule: "@nightly"
              ^^^^^^^^^^ expected a cron expression or a preset
  }

A field is '*', a number, a range (1-5), a list (1,15), any of these with a
step (*/15), or a month or day name (jan, mon). Every night at two is
schedule: "0 2 * * *". Leave 'schedule' out for a flow that runs only on
demand.`,
  },
  AIW0501: {
    severity: "warning",
    title: "unused declaration",
    explanation: `Something is declared but never used. In a file named on the command line
that declares a flow, the tools, agents, models, guardrails and types that
nothing refers to are reported, and so are flow inputs that nothing reads.
Flows are entry points and never reported; files without a flow are
libraries, whose declarations are there to be imported.

  agent archivist {
        ^^^^^^^^^ unused
    role: "Archivist"
    ...
  }

Remove it, or use it (agent: archivist in a task). This is a warning: the
file still compiles, and 'aiwc check' exits with 0 unless --deny-warnings is
given. A name that an error made unreadable (a misspelt input, say) can be
reported as unused too; fixing the error fixes both.`,
  },
  AIW0502: {
    severity: "warning",
    title: "unreachable task",
    explanation: `A task or template can never run: its 'when' condition is always false, it
waits for a task that never runs, or it is a template that no task injects.

  task preview when false {
       ^^^^^^^ never runs
    run: write_text(path: "preview.txt", text: read.text)
  }

Remove it, correct its condition, or inject the template from a task
(inject: ["page_oncall"]). This is a warning: the rest of the flow still
compiles and runs.`,
  },
  AIW0601: {
    severity: "error",
    title: "model shape mismatch",
    explanation: `A model-bound tool does not fit the shapes its model declares:
hashed_words makes a different number of features than the model's input
takes, the model has a different number of labels than its output has
classes, or the pre- or post-processing cannot fit the declared ports
(hashed_words and numbers feed one input, hashed_words an f32 one; a
tokenizer feeds token ids; argmax and scores need class scores, embedding an
output [?, hidden] or [?, tokens, hidden]). The runtime checks the model
file's real ports again when it loads.

  model ticket_classifier {
    ...
    input features: f32[?, 512]
                           --- the model expects 512
  }
  tool classify_ticket(text: string) -> { label: string, score: number } {
    model: ticket_classifier
    pre: hashed_words(dim: 256)
                           ^^^ 256 features
    post: argmax
  }

Make the numbers agree with the model: hashed_words(dim: 512), and as many
labels as the last dimension of the output.`,
  },
} as const satisfies Record<string, CodeInfo>;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

export function isDiagnosticCode(s: string): s is DiagnosticCode {
  return Object.hasOwn(DIAGNOSTIC_CODES, s);
}
