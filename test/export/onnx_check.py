#!/usr/bin/env python3
"""Checks ONNX files exported by CNN Lens with Debian's onnx.

Reads a JSON list of paths on stdin and prints, per file, {"opset",
"input", "inputDims", "outputDims", "initializers"} after
onnx.checker.check_model(full_check=True) and strict shape inference (whose
inferred output shape is reported), or {"error": traceback}.
"""

import json
import sys
import traceback

import onnx


def dims(value):
    return [d.dim_param if d.dim_param else d.dim_value for d in value.type.tensor_type.shape.dim]


def check(path):
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    output = inferred.graph.output[0]
    # The output's declared shape is the analysis's; inference must reach the same by itself.
    model.graph.output[0].type.tensor_type.ClearField("shape")
    bare = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    return {
        "opset": [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")][0],
        "input": inferred.graph.input[0].name,
        "inputDims": dims(inferred.graph.input[0]),
        "outputDims": dims(output),
        "inferredOutputDims": dims(bare.graph.output[0]),
        "initializers": sum(1 for _ in model.graph.initializer),
    }


def main():
    reports = []
    for path in json.load(sys.stdin):
        try:
            reports.append(check(path))
        except Exception:
            reports.append({"error": traceback.format_exc()})
    json.dump(reports, sys.stdout)


if __name__ == "__main__":
    main()
