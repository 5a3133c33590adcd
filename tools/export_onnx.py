#!/usr/bin/python3
"""Exports a zoo architecture (tools/reference_models.py) to ONNX, unfolded, for the import tests.

The network gets torch_reference.py's seeded random weights; BatchNorm stays a separate node
(training=PRESERVE on an eval-mode module, no constant folding: the recipe of docs/ONNX.md),
so that the initializers are exactly the state_dict's parameters under their PyTorch names.
Writes OUT/model.onnx and OUT/weights.safetensors (the same weights, for the built-in model).

usage: export_onnx.py --model resnet20 --dataset cifar10 --out DIR [--opset 13] [--seed 0]
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_models  # noqa: E402
import torch_reference  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--opset", type=int, default=13)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(a.seed)
    net = reference_models.build(a.model, a.dataset)
    size = reference_models.INPUT_SIZE[a.dataset]
    torch_reference.randomize(net, (3, size, size), gen, calibration_images=2)
    net.eval()
    os.makedirs(a.out, exist_ok=True)
    torch_reference.write_safetensors(net.state_dict(), os.path.join(a.out, "weights.safetensors"))
    torch.onnx.export(net, torch.zeros(1, 3, size, size), os.path.join(a.out, "model.onnx"),
                      opset_version=a.opset, training=torch.onnx.TrainingMode.PRESERVE,
                      do_constant_folding=False, input_names=["input"], output_names=["logits"])


if __name__ == "__main__":
    main()
