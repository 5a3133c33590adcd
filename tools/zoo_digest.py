#!/usr/bin/python3
"""Writes tests/zoo/zoo_expected.json: a small digest of ../shared/spec/models.json.

The zoo structure test (tests/zoo/zoo_spec_test.cpp) compares every built graph with
models.json when the spec folder is present, and with this digest otherwise, so that a
fresh clone without ../shared still checks names, shapes, order, counts and MACs.

Canonical text forms hashed here (FNV-1a 64, hex) are rebuilt from the Graph by the C++
test; keep both sides in sync:
  parameters / buffers: one line per entry "name[d0,d1,...]\n" in order
  layers: one line per conv/linear module, see layer_line()

usage: tools/zoo_digest.py [--spec ../shared/spec/models.json] [--out tests/zoo/zoo_expected.json]
"""
import argparse
import json
import os

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3


def fnv1a64(text):
    h = FNV_OFFSET
    for byte in text.encode("utf-8"):
        h ^= byte
        h = (h * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def shape_str(shape):
    return "[" + ",".join(str(d) for d in shape) + "]"


def entries_text(entries):
    return "".join(name + shape_str(shape) + "\n" for name, shape in entries)


def layer_line(layer):
    if layer["type"] == "Conv2d":
        k, s, p = layer["kernel"], layer["stride"], layer["padding"]
        return "%s Conv2d %d->%d k%dx%d s%dx%d p%dx%d g%d bias%d %s->%s macs%d\n" % (
            layer["name"], layer["in_channels"], layer["out_channels"], k[0], k[1], s[0], s[1],
            p[0], p[1], layer["groups"], int(layer["bias"]), shape_str(layer["input_shape"]),
            shape_str(layer["output_shape"]), layer["macs"])
    return "%s Linear %d->%d bias%d macs%d\n" % (
        layer["name"], layer["in_features"], layer["out_features"], int(layer["bias"]), layer["macs"])


def digest(m):
    return {
        "dataset": m["dataset"],
        "model": m["model"],
        "fault_list": m["fault_list"],
        "input": m["input"],
        "classes": m["classes"],
        "params_total": m["params_total"],
        "conv_linear_weights": m["conv_linear_weights"],
        "num_conv_linear_layers": m["num_conv_linear_layers"],
        "macs_per_image": m["macs_per_image"],
        "num_batchnorm": m["num_batchnorm"],
        "batchnorm_eps_overrides": m["batchnorm_eps_overrides"],
        "num_parameters": len(m["parameters"]),
        "num_buffers": len(m["buffers"]),
        "parameters_fnv1a64": fnv1a64(entries_text(m["parameters"])),
        "buffers_fnv1a64": fnv1a64(entries_text(m["buffers"])),
        "layers_fnv1a64": fnv1a64("".join(layer_line(l) for l in m["conv_linear_layers"])),
    }


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", default=os.path.join(root, "..", "shared", "spec", "models.json"))
    ap.add_argument("--out", default=os.path.join(root, "tests", "zoo", "zoo_expected.json"))
    args = ap.parse_args()
    with open(args.spec) as f:
        models = json.load(f)
    with open(args.out, "w") as f:
        json.dump([digest(m) for m in models], f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
