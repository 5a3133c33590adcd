#!/usr/bin/python3
"""Seeded random weights for a zoo model, saved with torch.save (zip format), for campaign
benchmarks of models whose pretrained weights are not available here (VGG11_bn,
DenseNet121). He-scaled conv/linear weights, random BN affine parameters, BN running
statistics calibrated on random images, so every layer's activations stay O(1) and
faults propagate as they would in a trained network (roughly). Same seed, same file.

usage: make_random_weights.py --model vgg11_bn [--dataset cifar10] --out PATH [--seed 0]
"""
import argparse
import math

import torch
import torch.nn as nn

import campaign_common as cc


def randomize(net, input_shape, gen):
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
                m.momentum = 1.0  # running statistics := those of the calibration batch
        net.train()
        net(torch.randn((16,) + tuple(input_shape), generator=gen))
        net.eval()
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.momentum = 0.1


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
    randomize(net, (3, size, size), gen)
    torch.save(net.state_dict(), args.out)


if __name__ == "__main__":
    main()
