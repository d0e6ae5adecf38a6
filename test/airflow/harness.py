"""Runs compiled AIWork DAGs in real Airflow and reports their results in the
shape of `aiwc run --json` (task states, attempts and outputs by runtime task
id), for the differential tests in test/airflow-dags.test.ts.

Usage: python harness.py REQUEST.json RESULT.json (Airflow logs to stdout), with AIRFLOW_HOME and
AIRFLOW__CORE__DAGS_FOLDER set. REQUEST: {"runs": [{"label", "dag_id",
"conf", "work_dir"}]}. One process runs every DAG (Airflow's start-up is paid
once); the database must have been migrated (`airflow db migrate`).
"""

import json
import os
import sys
import time
import traceback


def main():
    request = json.load(open(sys.argv[1]))
    started = time.time()
    from pathlib import Path

    from airflow.dag_processing.dagbag import BundleDagBag

    # As Airflow's DAG processor and workers do, the bundle's folder is on sys.path
    # (the DAGs import aiwork_support from it).
    folder = os.environ["AIRFLOW__CORE__DAGS_FOLDER"]
    bag = BundleDagBag(dag_folder=folder, bundle_path=Path(folder))
    out = {
        "import_errors": {os.path.basename(k): v for k, v in bag.import_errors.items()},
        "dag_ids": sorted(bag.dag_ids),
        "parse_seconds": time.time() - started,
        "runs": {},
    }
    for run in request["runs"]:
        t0 = time.time()
        try:
            result = run_one(bag, run)
        except Exception:
            result = {"error": traceback.format_exc()}
        result["seconds"] = time.time() - t0
        out["runs"][run["label"]] = result
    with open(sys.argv[2], "w") as fh:
        json.dump(out, fh, indent=1, sort_keys=True)


def flow_of(dag):
    """The FLOW object of the DAG's module (its runtime ids and Airflow ids)."""
    for module in list(sys.modules.values()):
        if getattr(module, "__file__", None) == dag.fileloc and hasattr(module, "FLOW"):
            return module.FLOW
    raise RuntimeError("no FLOW in %s" % dag.fileloc)


def run_one(bag, run):
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    os.environ["AIWORK_WORK_DIR"] = run["work_dir"]
    dag = bag.get_dag(run["dag_id"])
    dr = dag.test(run_conf=run.get("conf") or {})
    tis = {(ti.task_id, ti.map_index): ti for ti in dr.get_task_instances()}
    xcoms = {}
    with create_session() as session:
        rows = session.scalars(
            select(XComModel).where(XComModel.dag_id == dag.dag_id, XComModel.run_id == dr.run_id)
        ).all()
        for row in rows:
            xcoms[(row.task_id, row.map_index, row.key)] = XComModel.deserialize_value(row)
    flow = flow_of(dag)
    airflow_states = {"%s[%d]" % k if k[1] >= 0 else k[0]: str(ti.state) for k, ti in tis.items()}
    tasks = {}
    for node in flow.tasks.values():
        result = node_result(flow, node, tis, xcoms)
        if result is not None:
            tasks[node.name] = result
    out = {
        "run_id": dr.run_id,
        "status": "COMPLETED" if str(dr.state) == "success" else "FAILED",
        "tasks": tasks,
        "airflow_states": airflow_states,
    }
    if ("return", -1) in tis and str(tis[("return", -1)].state) == "success":
        out["output"] = xcoms.get(("return", -1, "return_value"))
    return out


def state_of(ti):
    state = None if ti is None else str(ti.state)
    if state == "success":
        return "COMPLETED"
    if state in ("skipped", "upstream_failed"):
        return "SKIPPED"
    if state == "failed":
        return "FAILED"
    return "PENDING:%s" % state


def node_result(flow, node, tis, xcoms):
    if node.injected_by is not None:
        injector = flow.tasks[node.injected_by]
        chosen = xcoms.get((injector.task_id, -1, "aiwork_inject")) or []
        template = node.name.split(".", 1)[1]
        if template not in chosen:
            return None  # not injected: the runtime never creates it
    if node.items_id is None:
        ti = tis.get((node.task_id, -1))
        state = state_of(ti)
        r = {"state": state}
        if state == "COMPLETED":
            r["output"] = xcoms.get((node.task_id, -1, "return_value"))
        if state in ("COMPLETED", "FAILED"):
            r["attempts"] = ti.try_number
        return r
    items_ti = tis.get((node.items_id, -1))
    items_state = state_of(items_ti)
    if items_state != "COMPLETED":
        return {"state": items_state}
    items = xcoms.get((node.items_id, -1, "return_value")) or []
    mapped = [tis.get((node.task_id, i)) for i in range(len(items))]
    states = [state_of(ti) for ti in mapped]
    # As the runtime counts a fan-out task: its most-tried item's attempts.
    attempts = max((ti.try_number for ti in mapped if ti is not None), default=0)
    if "FAILED" in states:
        return {"state": "FAILED", "attempts": attempts}
    if any(s != "COMPLETED" for s in states):
        return {"state": "PENDING:" + ",".join(states)}
    outputs = [xcoms.get((node.task_id, i, "return_value")) for i in range(len(items))]
    return {"state": "COMPLETED", "output": outputs, "attempts": attempts}


if __name__ == "__main__":
    main()
