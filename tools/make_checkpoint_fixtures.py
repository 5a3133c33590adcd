#!/usr/bin/python3
"""Writes the small checkpoint fixtures of tests/io/fixtures (a few KB in all).

Run with Debian's python3-torch:  /usr/bin/python3 tools/make_checkpoint_fixtures.py
Tensor values are deterministic (fixed seeds; legacy storage keys are not); the tests read expected.json, which holds the
float32 bit patterns of every floating tensor as torch.load sees them.

  zip_plain.pt       torch.save zip of an OrderedDict: float32/float64/float16/bfloat16/int64
                     tensors, a transposed (non-contiguous) view, an offset view and two
                     tensors sharing one storage
  legacy_plain.th    the same dict in the legacy format (_use_new_zipfile_serialization=False)
  tiny_model.pt      state_dict() of the Tiny module (conv1, bn1, fc) as saved by users
  zip_wrapped.pt     {'epoch', 'best_acc', 'net': DataParallel(Tiny).state_dict()} ('module.' keys)
  legacy_wrapped.th  {'best_prec1', 'state_dict': DataParallel(Tiny).state_dict()}, legacy format,
                     like the reference .th files
  zip_proto4.pt      zip_plain's dict pickled with protocol 4 (FRAME, MEMOIZE, STACK_GLOBAL)
  zip_params.pt      dict(Tiny.named_parameters()): nn.Parameter values (_rebuild_parameter)
  evil_global.pt     zip_plain.pt with data.pkl replaced by a pickle calling os.system
"""
import collections
import json
import os
import struct
import sys
import zipfile

import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "io", "fixtures")


class Tiny(nn.Module):
    """Matches the GraphBuilder graph of tests/io: conv1 3->4 k3 (no bias), bn1, fc 4->2."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4, 2)


def plain_dict():
    g = torch.Generator().manual_seed(1234)
    base = torch.randn(3, 5, generator=g)
    big = torch.arange(10, dtype=torch.float32) * 0.25
    d = collections.OrderedDict()
    d["conv.weight"] = torch.randn(4, 2, 3, 3, generator=g)
    d["conv.bias"] = torch.randn(4, generator=g)
    d["bn.running_mean"] = torch.randn(4, generator=g, dtype=torch.float64)
    d["bn.num_batches_tracked"] = torch.tensor(7, dtype=torch.int64)
    d["fc.weight"] = base.t()  # shape [5, 3], stride (1, 5)
    d["fc.bias"] = big[4:7]  # storage offset 4, shares big's storage
    d["shared.all"] = big
    d["half.weight"] = torch.tensor([1.5, -0.0, 6e-8, float("inf"), 65504.0], dtype=torch.float16)
    d["bf.weight"] = torch.tensor([3.140625, -1e30], dtype=torch.bfloat16)
    d["scalar"] = torch.tensor(2.5)  # 0-dim
    return d


def tiny_state():
    torch.manual_seed(99)
    m = Tiny()
    with torch.no_grad():
        m.bn1.running_mean.copy_(torch.randn(4))
        m.bn1.running_var.copy_(torch.rand(4) + 0.5)
        m.bn1.weight.copy_(torch.randn(4))
        m.bn1.bias.copy_(torch.randn(4))
    return m


def bits(t):
    """float32 bit patterns of a floating tensor, row-major, as torch.load returns it."""
    f = t.detach().to(torch.float32).contiguous().flatten()
    return [struct.unpack("<I", struct.pack("<f", float(x)))[0] for x in f.tolist()]


def describe(d):
    out = collections.OrderedDict()
    for k, v in d.items():
        e = {"dtype": str(v.dtype).replace("torch.", ""), "shape": list(v.shape)}
        if v.is_floating_point():
            e["bits"] = bits(v)
        out[k] = e
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    path = lambda name: os.path.join(OUT, name)
    d = plain_dict()
    torch.save(d, path("zip_plain.pt"))
    torch.save(d, path("legacy_plain.th"), _use_new_zipfile_serialization=False)

    torch.save(d, path("zip_proto4.pt"), pickle_protocol=4)

    m = tiny_state()
    torch.save(m.state_dict(), path("tiny_model.pt"))
    torch.save(dict(m.named_parameters()), path("zip_params.pt"))
    dp = nn.DataParallel(m).state_dict()  # keys "module.conv1.weight", ...
    torch.save({"epoch": 3, "best_acc": 91.5, "net": dp}, path("zip_wrapped.pt"))
    torch.save({"best_prec1": 91.25, "state_dict": dp}, path("legacy_wrapped.th"),
               _use_new_zipfile_serialization=False)

    # A zip whose pickle names os.system: a safe loader must refuse it without running it.
    evil = b"\x80\x02cos\nsystem\nX\x0b\x00\x00\x00echo pwned!\x85R."
    with zipfile.ZipFile(path("zip_plain.pt")) as src, \
            zipfile.ZipFile(path("evil_global.pt"), "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith("/data.pkl"):
                data = evil
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0)), data)

    expected = {
        "torch_version": torch.__version__,
        "plain": describe(d),
        "tiny": describe(m.state_dict()),
        "params": describe(dict(m.named_parameters())),
    }
    # The loader must reproduce what torch.load gives back, so check that here too.
    for name in ("zip_plain.pt", "legacy_plain.th", "zip_proto4.pt"):
        back = torch.load(path(name))
        assert describe(back) == expected["plain"], name
    with open(path("expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(path(n)) for n in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total} bytes, to {os.path.normpath(OUT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
