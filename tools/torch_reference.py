#!/usr/bin/python3
"""Generates PyTorch reference fixtures for the C++ zoo (tests/zoo/zoo_torch_test.cpp).

For a zoo pair it builds the tools/reference_models.py network, fills every parameter and
BN buffer with seeded random values that keep activations O(1), makes N random normalized
input images, runs an eval-mode fp32 forward on the CPU and writes into DIR:
  weights.safetensors  every state_dict entry in order (F32; num_batches_tracked as I64 [])
  input.bin            raw little-endian f32 [N, C, H, W]
  logits.bin           raw little-endian f32 [N, K]
  logits64.bin         raw little-endian f64 [N, K]: the same network and inputs evaluated in
                       float64, a near-exact reference for judging both fp32 engines

usage:
  torch_reference.py --model resnet20 --dataset cifar10 --out DIR [--images 4] [--seed 0]
  torch_reference.py --jobs cifar10:resnet20:8,gtsrb:vgg11_bn:2 --out ROOT [--seed 0]
      (one process for many pairs: writes ROOT/<dataset>_<model>/)
"""
import argparse
import copy
import json
import math
import os
import struct
import sys

try:
    import torch
    import torch.nn as nn
except ImportError:
    # Exit 77: the C++ tests skip (they used to ask python3 to import torch first, which
    # cost a second interpreter and torch import, about 1.1 s of CPU, per test process).
    print("torch_reference.py: /usr/bin/python3 cannot import torch (python3-torch): skipped", file=sys.stderr)
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_models  # noqa: E402


def randomize(net, input_shape, gen, calibration_images=4, perturb_stats=True):
    """Random weights (He-scaled), random BN affine, BN statistics calibrated on
    `calibration_images` random images (then perturbed, unless perturb_stats is False) so
    that every layer's activations stay O(1) even in 110-layer nets."""
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                fan_in = m.weight[0].numel()
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen) * math.sqrt(2.0 / fan_in))
                if m.bias is not None:
                    m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(torch.rand(m.weight.shape, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.2)
                m.momentum = 1.0  # running stats := the calibration batch's statistics
        net.train()
        net(torch.randn((calibration_images,) + tuple(input_shape), generator=gen))
        net.eval()
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.momentum = 0.1
                if not perturb_stats:
                    continue
                std = m.running_var.clamp_min(1e-4).sqrt()
                m.running_mean.add_(torch.randn(m.running_mean.shape, generator=gen) * 0.1 * std)
                m.running_var.copy_(std * std * (0.75 + 0.5 * torch.rand(m.running_var.shape, generator=gen)))


def write_safetensors(state_dict, path):
    """The safetensors layout, written by hand: u64 LE header length, JSON header, raw data."""
    header, blobs, offset = {}, [], 0
    for name, t in state_dict.items():
        t = t.detach().cpu().contiguous()
        if t.dtype == torch.int64:
            dtype, data = "I64", struct.pack("<%dq" % t.numel(), *t.flatten().tolist())
        else:
            dtype, data = "F32", t.to(torch.float32).numpy().astype("<f4").tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # keep the data 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def generate(model, dataset, out_dir, images, seed):
    gen = torch.Generator().manual_seed(seed)
    net = reference_models.build(model, dataset)
    size = reference_models.INPUT_SIZE[dataset]
    shape = (3, size, size)
    randomize(net, shape, gen)
    x = torch.randn((images,) + shape, generator=gen)
    with torch.no_grad():
        logits = net(x)
        logits64 = copy.deepcopy(net).double()(x.double())
    os.makedirs(out_dir, exist_ok=True)
    write_safetensors(net.state_dict(), os.path.join(out_dir, "weights.safetensors"))
    with open(os.path.join(out_dir, "input.bin"), "wb") as f:
        f.write(x.numpy().astype("<f4").tobytes())
    with open(os.path.join(out_dir, "logits.bin"), "wb") as f:
        f.write(logits.numpy().astype("<f4").tobytes())
    with open(os.path.join(out_dir, "logits64.bin"), "wb") as f:
        f.write(logits64.numpy().astype("<f8").tobytes())


def main():
    ap = argparse.ArgumentParser(description="PyTorch reference fixtures for the zoo")
    ap.add_argument("--model")
    ap.add_argument("--dataset")
    ap.add_argument("--jobs", help="dataset:model:images,... (writes OUT/<dataset>_<model>/)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--images", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.jobs:
        for job in args.jobs.split(","):
            dataset, model, images = job.split(":")
            generate(model, dataset, os.path.join(args.out, "%s_%s" % (dataset, model)), int(images), args.seed)
    elif args.model and args.dataset:
        generate(args.model, args.dataset, args.out, args.images, args.seed)
    else:
        ap.error("give --model and --dataset, or --jobs")


if __name__ == "__main__":
    main()
