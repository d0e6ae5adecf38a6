"""Python `openvino` side of bench/openvino.ts: the same IR, the same inputs.

Usage: python bench/openvino_python.py MODEL.xml FEATURES.f32 ROWS DIM N
Prints one JSON object: single-request latency (p50/p99, microseconds) of
`req.infer({0: x})` (input in, output read) and of `req.infer()` alone, and
throughput in rows/s at batch 1 (a loop) and batch 64.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import openvino as ov


def percentiles(ns: list[int]) -> dict:
    a = np.sort(np.array(ns, dtype=np.float64)) / 1000.0
    return {"p50": float(np.percentile(a, 50)), "p99": float(np.percentile(a, 99))}


def main(model: str, features: str, rows: int, dim: int, n: int) -> None:
    x = np.fromfile(features, dtype=np.float32).reshape(rows, dim)
    core = ov.Core()
    compiled = core.compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": "f32", "PERFORMANCE_HINT": "LATENCY"})
    req = compiled.create_infer_request()
    one = [x[i % rows : i % rows + 1] for i in range(rows)]
    for i in range(2000):
        req.infer({0: one[i % rows]})
    times = []
    for i in range(n):
        t = time.perf_counter_ns()
        r = req.infer({0: one[i % rows]})
        _ = r[0][0, 0]
        times.append(time.perf_counter_ns() - t)
    full = percentiles(times)
    req.set_input_tensor(ov.Tensor(one[0]))
    times = []
    for i in range(n):
        t = time.perf_counter_ns()
        req.infer()
        times.append(time.perf_counter_ns() - t)
    bare = percentiles(times)
    t = time.perf_counter()
    for i in range(n):
        req.infer({0: one[i % rows]})[0].copy()
    rps1 = n / (time.perf_counter() - t)
    batch = [x[(i * 64) % (rows - 64) : (i * 64) % (rows - 64) + 64] for i in range(64)]
    for i in range(200):
        req.infer({0: batch[i % 64]})
    t = time.perf_counter()
    k = max(1, n // 64)
    for i in range(k):
        req.infer({0: batch[i % 64]})[0].copy()
    rps64 = k * 64 / (time.perf_counter() - t)
    json.dump({"version": ov.get_version(), "latency_us": full, "infer_only_us": bare, "rows_per_s_batch1": rps1, "rows_per_s_batch64": rps64}, sys.stdout)


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit("usage: openvino_python.py MODEL.xml FEATURES.f32 ROWS DIM N")
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
