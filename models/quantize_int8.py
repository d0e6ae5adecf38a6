"""Quantize the ticket classifier to INT8 with NNCF and compare it with FP32 on
the held-out split: accuracy, agreement, and speed in the same process.

Usage: python models/quantize_int8.py BUILD_DIR [--json] [--minilm]

Reads BUILD_DIR/text_classifier.xml, train.jsonl (calibration: 300 rows) and
test.jsonl (the held-out rows, phrasings never seen in training); writes
BUILD_DIR/text_classifier_int8.xml and prints a report. Features are the
training script's own (models/train_text_classifier.py). Timings: median of 5
rounds, each over every held-out row at batch 1 and in batches of 64, with the
CPU plugin's default precision hint (what a user gets) and with f32.

With --minilm it also quantizes all-MiniLM-L6-v2 (BUILD_DIR/minilm, a model
big enough for INT8 to matter) and compares FP32 and INT8 on the same held-out
tickets: 1-nearest-neighbour accuracy against 500 embedded training tickets,
cosine similarity of the two embeddings, and texts per second at batch 1.
"""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import sys
import time

import numpy as np
import openvino as ov

HERE = os.path.dirname(os.path.abspath(__file__))
CALIBRATION_ROWS = 300
ROUNDS = 5


def train_module():
    spec = importlib.util.spec_from_file_location("train", os.path.join(HERE, "train_text_classifier.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def load_rows(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def rates(configs: dict, x: np.ndarray, batch: int) -> dict:
    """Rows per second of each compiled model, median of ROUNDS rounds; the
    configurations take turns within each round, so a busy machine slows all alike."""
    chunks = [x[i:i + batch] for i in range(0, len(x) - batch + 1, batch)]
    reqs = {k: c.create_infer_request() for k, c in configs.items()}
    for r in reqs.values():
        for c in chunks[:50]:
            r.infer({0: c})
    seen: dict = {k: [] for k in configs}
    for _ in range(ROUNDS):
        for k, r in reqs.items():
            t = time.perf_counter()
            for c in chunks:
                r.infer({0: c})
            seen[k].append(len(chunks) * batch / (time.perf_counter() - t))
    return {k: statistics.median(v) for k, v in seen.items()}


def main(build: str, as_json: bool, with_minilm: bool) -> None:
    import nncf

    mod = train_module()
    labels = mod.LABELS
    train = load_rows(os.path.join(build, "train.jsonl"))
    test = load_rows(os.path.join(build, "test.jsonl"))
    x_cal = mod.featurize([r["text"] for r in train[:CALIBRATION_ROWS]])
    x_test = mod.featurize([r["text"] for r in test])
    y_test = np.array([labels.index(r["label"]) for r in test])

    core = ov.Core()
    fp32 = core.read_model(os.path.join(build, "text_classifier.xml"))
    int8 = nncf.quantize(fp32, nncf.Dataset([x_cal[i:i + 1] for i in range(len(x_cal))]), subset_size=CALIBRATION_ROWS)
    out = os.path.join(build, "text_classifier_int8.xml")
    ov.save_model(int8, out, compress_to_fp16=False)

    report: dict = {"openvino": ov.get_version(), "nncf": nncf.__version__, "held_out_rows": len(test), "calibration_rows": CALIBRATION_ROWS, "models": {}}
    predictions = {}
    compiled = {}
    for name, path in (("fp32", os.path.join(build, "text_classifier.xml")), ("int8", out)):
        report["models"][name] = {"file_bytes": os.path.getsize(path.replace(".xml", ".bin"))}
        for hint_name, config in (("default", {"PERFORMANCE_HINT": "LATENCY"}), ("f32", {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": "f32"})):
            c = core.compile_model(path, "CPU", config)
            compiled[(name, hint_name)] = c
            pred = c.create_infer_request().infer({0: x_test})[0].argmax(axis=1)
            predictions[(name, hint_name)] = pred
            report["models"][name][hint_name] = {"accuracy": float((pred == y_test).mean())}
            if hint_name == "default":
                report["models"][name]["inference_precision"] = str(c.get_property("INFERENCE_PRECISION_HINT"))
    for batch in (1, 64):
        for (name, hint_name), r in rates(compiled, x_test, batch).items():
            report["models"][name][hint_name][f"rows_per_s_batch{batch}"] = r
    report["agreement_int8_vs_fp32"] = float((predictions[("int8", "f32")] == predictions[("fp32", "f32")]).mean())
    for hint_name in ("default", "f32"):
        report[f"speedup_{hint_name}"] = {
            b: report["models"]["int8"][hint_name][f"rows_per_s_{b}"] / report["models"]["fp32"][hint_name][f"rows_per_s_{b}"] for b in ("batch1", "batch64")
        }
    if with_minilm:
        report["minilm"] = minilm_report(build, train, test, labels)
    if as_json:
        json.dump(report, sys.stdout, indent=2, sort_keys=True)
        print()
        return
    print(f"OpenVINO {report['openvino']}, NNCF {report['nncf']}; {len(test)} held-out rows, {CALIBRATION_ROWS} calibration rows; "
          f"default inference precision on this CPU: {report['models']['fp32']['inference_precision']}")
    print("| model | precision hint | held-out accuracy | rows/s batch 1 | rows/s batch 64 |")
    print("| --- | --- | ---: | ---: | ---: |")
    for name in ("fp32", "int8"):
        for hint_name in ("default", "f32"):
            e = report["models"][name][hint_name]
            print(f"| {name} ({report['models'][name]['file_bytes']:,} B weights) | {hint_name} | {e['accuracy']:.4f} | {e['rows_per_s_batch1']:,.0f} | {e['rows_per_s_batch64']:,.0f} |")
    print(f"INT8 agrees with FP32 on {report['agreement_int8_vs_fp32']:.2%} of held-out rows; "
          f"speed-up INT8/FP32: default {report['speedup_default']['batch1']:.2f}x (batch 1), {report['speedup_default']['batch64']:.2f}x (batch 64); "
          f"f32 {report['speedup_f32']['batch1']:.2f}x, {report['speedup_f32']['batch64']:.2f}x")
    if "minilm" in report:
        m = report["minilm"]
        print()
        print(f"all-MiniLM-L6-v2, f32 hint, batch 1: 1-NN accuracy on {m['held_out_rows']} held-out tickets against {m['reference_rows']} training tickets")
        print("| model | 1-NN held-out accuracy | texts/s |")
        print("| --- | ---: | ---: |")
        for name in ("fp32", "int8"):
            print(f"| {name} | {m[name]['knn_accuracy']:.4f} | {m[name]['texts_per_s_batch1']:,.0f} |")
        print(f"INT8 embeddings: mean cosine to FP32 {m['mean_cosine_int8_vs_fp32']:.4f}; speed-up {m['speedup']:.2f}x")


def minilm_report(build: str, train: list[dict], test: list[dict], labels: list[str]) -> dict:
    import nncf
    import openvino_tokenizers  # noqa: F401  (registers the tokenizer extension)

    core = ov.Core()
    tok = core.compile_model(os.path.join(build, "minilm", "tokenizer.xml"), "CPU")
    names = ("input_ids", "attention_mask", "token_type_ids")

    def tokenize(text: str) -> dict:
        t = tok([text])
        return {n: t[n] for n in names}

    fp32 = core.read_model(os.path.join(build, "minilm", "all-minilm-l6-v2.onnx"))
    calibration = [tokenize(r["text"]) for r in train[:CALIBRATION_ROWS]]
    int8 = nncf.quantize(fp32, nncf.Dataset(calibration), model_type=nncf.ModelType.TRANSFORMER, subset_size=CALIBRATION_ROWS)
    ov.save_model(int8, os.path.join(build, "minilm", "all-minilm-l6-v2-int8.xml"))
    reference = train[::7][:500]
    feeds_ref = [tokenize(r["text"]) for r in reference]
    feeds_test = [tokenize(r["text"]) for r in test]
    y_ref = np.array([labels.index(r["label"]) for r in reference])
    y_test = np.array([labels.index(r["label"]) for r in test])

    def embed(compiled, feeds) -> np.ndarray:
        req = compiled.create_infer_request()
        out = []
        for f in feeds:
            h = req.infer(f)[0][0]
            m = f["attention_mask"][0].astype(np.float32)[:, None]
            v = (h * m).sum(axis=0) / max(m.sum(), 1e-9)
            out.append(v / max(np.linalg.norm(v), 1e-12))
        return np.stack(out)

    result: dict = {"reference_rows": len(reference), "held_out_rows": len(test)}
    compiled = {}
    vectors = {}
    for name, model in (("fp32", fp32), ("int8", int8)):
        c = core.compile_model(model, "CPU", {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": "f32"})
        compiled[name] = c
        ref = embed(c, feeds_ref)
        vec = embed(c, feeds_test)
        vectors[name] = vec
        pred = y_ref[(vec @ ref.T).argmax(axis=1)]
        result[name] = {"knn_accuracy": float((pred == y_test).mean())}
    result["mean_cosine_int8_vs_fp32"] = float((vectors["fp32"] * vectors["int8"]).sum(axis=1).mean())
    sample = feeds_test[:200]
    speeds: dict = {k: [] for k in compiled}
    for _ in range(ROUNDS):
        for name, c in compiled.items():
            req = c.create_infer_request()
            t = time.perf_counter()
            for f in sample:
                req.infer(f)
            speeds[name].append(len(sample) / (time.perf_counter() - t))
    for name in compiled:
        result[name]["texts_per_s_batch1"] = statistics.median(speeds[name])
    result["speedup"] = result["int8"]["texts_per_s_batch1"] / result["fp32"]["texts_per_s_batch1"]
    return result


if __name__ == "__main__":
    if len(sys.argv) < 2 or any(a not in ("--json", "--minilm") for a in sys.argv[2:]):
        sys.exit("usage: quantize_int8.py BUILD_DIR [--json] [--minilm]")
    main(sys.argv[1], "--json" in sys.argv[2:], "--minilm" in sys.argv[2:])
