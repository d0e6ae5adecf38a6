"""Checks generated Python files: each must be ASCII only and parse with `ast`;
DAG files (*_dag.py) must hold no f-strings and no `%` formatting of strings. Prints, as JSON, every
file's string constants (implicitly concatenated literals joined), so the test
can check that each string the user wrote comes back exactly.

Usage: python check_generated.py FILE... > RESULT.json
"""

import ast
import json
import sys


def check(path):
    data = open(path, "rb").read()
    problems = []
    bad = [i for i, b in enumerate(data) if b >= 0x80]
    if bad:
        problems.append("non-ASCII byte at offset %d" % bad[0])
    try:
        tree = ast.parse(data.decode("utf-8"), filename=path)
    except SyntaxError as e:
        return {"problems": problems + ["does not parse: %s" % e], "strings": []}
    strings = []
    dag = path.endswith("_dag.py")
    for node in ast.walk(tree):
        if dag and isinstance(node, ast.JoinedStr):
            problems.append("f-string at line %d" % node.lineno)
        elif dag and isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            if isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
                problems.append("%% formatting at line %d" % node.lineno)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            strings.append(node.value)
    # Surrogates cannot reach json.dump as text: keep them escaped.
    return {"problems": problems, "strings": strings}


json.dump({p: check(p) for p in sys.argv[1:]}, sys.stdout, ensure_ascii=True)
