#!/usr/bin/python3
"""Seeded random weights for a zoo model, saved with torch.save (zip format), for campaign
benchmarks of models whose pretrained weights are not available here (VGG11_bn,
DenseNet121). He-scaled conv/linear weights, random BN affine parameters, BN running
statistics calibrated on random images, so every layer's activations stay O(1) and
faults propagate as they would in a trained network (roughly). Same seed, same file.

usage: make_random_weights.py --model vgg11_bn [--dataset cifar10] --out PATH [--seed 0]
"""
import argparse

import torch

import campaign_common as cc
from torch_reference import randomize  # tools/, on the path through campaign_common


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--dataset", default="cifar10")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    net = cc.reference_models.build(args.model, args.dataset)
    size = cc.reference_models.INPUT_SIZE[args.dataset]
    randomize(net, (3, size, size), gen, calibration_images=16, perturb_stats=False)
    torch.save(net.state_dict(), args.out)


if __name__ == "__main__":
    main()
