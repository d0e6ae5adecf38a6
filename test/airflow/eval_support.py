"""Evaluates generated Python expressions with the support module, for the
test that compares them with the runtime's interpreter (runtime/expressions.ts).

Reads JSON from stdin: [{"code": PYTHON_EXPRESSION, "inputs": {...}}, ...] or
tool calls [{"tool": NAME, "args": {...}}]; writes one result per item:
{"value": JSON.stringify of the value} or {"error": message}.
Usage: python eval_support.py SUPPORT_DIR < REQUEST.json
"""

import json
import sys

sys.path.insert(0, sys.argv[1])
import aiwork_support as aiw  # noqa: E402


class Scope:
    def __init__(self, inputs):
        self.inputs = inputs

    def input(self, name):
        if name not in self.inputs:
            raise aiw.EvaluationError("no input '%s'" % name)
        return self.inputs[name]

    def output(self, name):
        raise aiw.EvaluationError("task '%s' has no output yet" % name)


class Ctx:
    work_dir = "."
    agent = None


def run(item):
    try:
        if "tool" in item:
            value = aiw.BUILTIN_TOOLS[item["tool"]](item["args"], Ctx())
        elif "recall" in item:
            value = aiw.bm25_recall(item["recall"]["texts"], item["recall"]["query"], item["recall"]["top_k"])
        else:
            inputs = {k: aiw.from_python(v) for k, v in item["inputs"].items()}
            value = eval(item["code"], {"aiw": aiw, "s": Scope(inputs)})
        return {"value": aiw.stable_json(value)}
    except (aiw.EvaluationError, aiw.ToolError) as e:
        return {"error": str(e)}


request = json.load(sys.stdin)
json.dump([run(item) for item in request], sys.stdout, ensure_ascii=True)
