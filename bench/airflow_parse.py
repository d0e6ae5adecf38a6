"""Airflow's parse time of DAG files, measured as Airflow's DAG processor parses
them: a parent with Airflow imported forks one child per parse, and the child
times DagBag (import of the file, its own imports, building and checking the
DAG). Files are parsed in alternation, round after round, so both see the
same machine. Used by bench/airflow.ts.

Usage: python airflow_parse.py ROUNDS LABEL=FILE... ; prints JSON to the last line.
"""

import json
import os
import sys
import time
from pathlib import Path


def parse_in_child(path):
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        from airflow.dag_processing.dagbag import BundleDagBag

        t0 = time.perf_counter()
        bag = BundleDagBag(dag_folder=path, bundle_path=Path(os.path.dirname(path)))
        seconds = time.perf_counter() - t0
        result = {
            "seconds": seconds,
            "errors": {os.path.basename(k): v[-300:] for k, v in bag.import_errors.items()},
            "tasks": sum(len(d.tasks) for d in bag.dags.values()),
            "dags": len(bag.dags),
        }
        os.write(write, json.dumps(result).encode())
        os._exit(0)
    os.close(write)
    chunks = []
    while True:
        chunk = os.read(read, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read)
    os.waitpid(pid, 0)
    return json.loads(b"".join(chunks))


def main():
    rounds = int(sys.argv[1])
    files = dict(arg.split("=", 1) for arg in sys.argv[2:])
    # What the DAG processor has loaded before it forks a parser.
    import airflow  # noqa: F401
    from airflow.dag_processing.dagbag import BundleDagBag  # noqa: F401
    from airflow.sdk import dag, task  # noqa: F401

    samples = {label: [] for label in files}
    info = {}
    for r in range(rounds + 1):
        order = list(files.items()) if r % 2 == 0 else list(reversed(files.items()))
        for label, path in order:
            result = parse_in_child(path)
            if result["errors"]:
                raise SystemExit("%s: %s" % (label, result["errors"]))
            info[label] = {"tasks": result["tasks"], "dags": result["dags"]}
            if r > 0:  # round 0 warms the file system cache
                samples[label].append(result["seconds"])
    print(json.dumps({"samples": samples, "info": info}))


if __name__ == "__main__":
    main()
