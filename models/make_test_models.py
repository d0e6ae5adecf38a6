"""Write the tiny OpenVINO models the inference tests use, with fixed weights.

Usage: python models/make_test_models.py OUT_DIR

  tiny.xml      x f32[?, 4] -> MatMul(4x3) + bias -> Softmax -> y f32[?, 3]
  tiny.onnx     the same graph and weights as ONNX
  static.xml    x f32[2, 4] -> the same -> y f32[2, 3] (a static batch of 2)
  counts.xml    ids i64[?, 3] -> Convert f32 -> ReduceSum(axis 1) -> total f32[?]

Weights are written as f32 (compress_to_fp16=False), so every engine reads the
same numbers.
"""

from __future__ import annotations

import os
import sys

import numpy as np

W = np.array([[0.5, -1.0, 0.25], [1.5, 0.75, -0.5], [-0.25, 0.5, 1.0], [0.125, -0.375, 0.625]], dtype=np.float32)
B = np.array([0.1, -0.2, 0.05], dtype=np.float32)


def classifier(batch: int):
    import openvino as ov
    import openvino.opset13 as ops

    x = ops.parameter(ov.PartialShape([batch, 4]), ov.Type.f32, name="x")
    x.output(0).get_tensor().set_names({"x"})
    y = ops.softmax(ops.add(ops.matmul(x, ops.constant(W), False, False), ops.constant(B)), 1)
    y.output(0).get_tensor().set_names({"y"})
    return ov.Model([y], [x], "tiny")


def counts():
    import openvino as ov
    import openvino.opset13 as ops

    ids = ops.parameter(ov.PartialShape([-1, 3]), ov.Type.i64, name="ids")
    ids.output(0).get_tensor().set_names({"ids"})
    total = ops.reduce_sum(ops.convert(ids, ov.Type.f32), ops.constant(np.array([1], dtype=np.int64)), False)
    total.output(0).get_tensor().set_names({"total"})
    return ov.Model([total], [ids], "counts")


def save_onnx(path: str) -> None:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["mm"]), helper.make_node("Add", ["mm", "b"], ["z"]),
         helper.make_node("Softmax", ["z"], ["y"], axis=1)],
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])],
        initializer=[numpy_helper.from_array(W, "w"), numpy_helper.from_array(B, "b")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="aiwork-make_test_models")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def main(out_dir: str) -> None:
    import openvino as ov

    os.makedirs(out_dir, exist_ok=True)
    ov.save_model(classifier(-1), os.path.join(out_dir, "tiny.xml"), compress_to_fp16=False)
    ov.save_model(classifier(2), os.path.join(out_dir, "static.xml"), compress_to_fp16=False)
    ov.save_model(counts(), os.path.join(out_dir, "counts.xml"), compress_to_fp16=False)
    save_onnx(os.path.join(out_dir, "tiny.onnx"))
    print(f"test models -> {out_dir}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_test_models.py OUT_DIR")
    main(sys.argv[1])
