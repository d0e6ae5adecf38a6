// One line on each property of each block, shown by completion and hover.
// The properties themselves are compiler/check-properties.ts's; docs/language.md
// has the long form.

export const PROPERTY_DOCS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  task: {
    run: "What the task runs: a tool call such as `read_text(path: p)`, or an expression.",
    agent: "The agent the task runs as; it may only call the tools the agent lists.",
    description: "What the task does, for people and for the IR.",
    output: "The task's output type, when the run's type should be narrowed or named: `output: Invoice`.",
    guard: 'A check after each attempt: `guard: x.score > 0.5 else "unsure"` or a guardrail. May repeat.',
    retries: "How many times a failed attempt is retried (0 to 1000).",
    backoff: "The wait between retries: `fixed(1s)` or `exponential(1s, max: 30s)`.",
    timeout: "The longest an attempt may run, as a duration: `30s`.",
    inject: "Templates to run after this task: a template name or a list of names (may depend on the output).",
    cache: "Reuse a result of the same task with the same inputs for this long: `cache: 1h`.",
  },
  flow: {
    description: "What the flow does.",
    schedule: 'When the flow runs: a cron expression such as `"0 6 * * 1-5"` or a preset such as `"@daily"`.',
    tags: "Labels for the flow: a list of strings.",
    start: 'The first date the schedule applies from: `"2026-01-01"`.',
    owner: "Who owns the flow.",
  },
  agent: {
    role: "The agent's role: `\"Accounts payable clerk\"`. Required.",
    goal: "What the agent is after. Required.",
    backstory: "Background that shapes how the agent works.",
    tools: "The tools the agent may use: `[read_text, my_tool]`.",
    memory: "`recall(top_k: 3)` gives the agent a memory it can remember into and recall from.",
  },
  tool: {
    description: "What the tool does (defaults to its doc comment).",
    ts: 'The TypeScript function the built-in runtime calls: `"./tools.ts#fn"`.',
    python: 'The Python function the Airflow backend calls: `"package.module:fn"`.',
    model: "The model the tool runs, instead of code.",
    pre: "How the parameter becomes the model's input: `hashed_words(dim: 512)`, `numbers` or `tokenizer(\"...\")`.",
    post: "What the tool returns from the model's output: `argmax`, `scores`, `raw` or `embedding`.",
  },
  model: {
    source: 'The model file: an OpenVINO IR (`.xml`) or ONNX (`.onnx`). Required.',
    device: 'The OpenVINO device: `"CPU"`, `"GPU"`, `"NPU"` or `"AUTO"`.',
    hint: "`latency` or `throughput`.",
    precision: '`"f32"`, `"f16"` or `"bf16"`.',
    cache: "A folder for compiled models.",
    labels: "The names of the output classes, in order.",
    batch: "How many requests are run together at most.",
    batch_wait: "How long to wait to fill a batch: `2ms`.",
  },
};
