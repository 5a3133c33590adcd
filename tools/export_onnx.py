#!/usr/bin/python3
"""Exports a zoo architecture (tools/reference_models.py) to ONNX, unfolded, for the import tests.

The network gets torch_reference.py's seeded random weights; BatchNorm stays a separate node
(training=PRESERVE on an eval-mode module, no constant folding: the recipe of docs/ONNX.md),
so that the initializers are exactly the state_dict's parameters under their PyTorch names.
Writes OUT/model.onnx and OUT/weights.safetensors (the same weights, for the built-in model).

usage: export_onnx.py --model resnet20 --dataset cifar10 --out DIR [--opset 13] [--seed 0]
       export_onnx.py --jobs cifar10:resnet20:13,cifar10:mobilenetv2:11 --out ROOT [--seed 0]
           (one process for many: writes ROOT/<dataset>_<model>_<opset>/, then ROOT/jobs.done
           holding the --jobs argument, which the tests compare with their list)
Exit 77 (ctest's skip) when torch cannot be imported.
"""
import argparse
import os
import sys

try:
    import torch
except ImportError:
    print("export_onnx.py: /usr/bin/python3 cannot import torch (python3-torch): skipped", file=sys.stderr)
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_models  # noqa: E402
import torch_reference  # noqa: E402


def export(model, dataset, opset, seed, out):
    gen = torch.Generator().manual_seed(seed)
    net = reference_models.build(model, dataset)
    size = reference_models.INPUT_SIZE[dataset]
    torch_reference.randomize(net, (3, size, size), gen, calibration_images=2)
    net.eval()
    os.makedirs(out, exist_ok=True)
    torch_reference.write_safetensors(net.state_dict(), os.path.join(out, "weights.safetensors"))
    torch.onnx.export(net, torch.zeros(1, 3, size, size), os.path.join(out, "model.onnx"),
                      opset_version=opset, training=torch.onnx.TrainingMode.PRESERVE,
                      do_constant_folding=False, input_names=["input"], output_names=["logits"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model")
    ap.add_argument("--dataset")
    ap.add_argument("--jobs")
    ap.add_argument("--out", required=True)
    ap.add_argument("--opset", type=int, default=13)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(1)
    if a.jobs:
        done = os.path.join(a.out, "jobs.done")
        if os.path.exists(done):
            os.remove(done)
        for job in a.jobs.split(","):
            dataset, model, opset = job.split(":")
            export(model, dataset, int(opset), a.seed, os.path.join(a.out, "%s_%s_%s" % (dataset, model, opset)))
        with open(done, "w") as f:
            f.write(a.jobs + "\n")
    else:
        export(a.model, a.dataset, a.opset, a.seed, a.out)


if __name__ == "__main__":
    main()
