#!/usr/bin/python3
"""Oracle for ImageSet::normalize: torchvision's ToTensor + Normalize, computed with torch.

Usage: torch_normalize_oracle.py DATASET IN.u8 C H W OUT.f32
IN.u8 holds N images of uint8 CHW; OUT.f32 receives N x C x H x W float32 (native order).
Replicates torchvision (0.14) exactly without needing torchvision installed:
  ToTensor:  img.float().div(255)      (byte tensor -> float32)
  Normalize: mean = torch.as_tensor(mean, dtype=float32); tensor.sub_(mean[:,None,None]).div_(std[:,None,None])
"""
import sys

import numpy as np
import torch

NORM = {
    "cifar10": ((0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010)),
    "cifar100": ((0.5070751592371323, 0.48654887331495095, 0.4409178433670343),
                 (0.2673342858792401, 0.2564384629170883, 0.27615047132568404)),
    "gtsrb": ((0.3403, 0.3121, 0.3214), (0.2724, 0.2608, 0.2669)),
}


def main():
    dataset, src, c, h, w, dst = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
    raw = np.fromfile(src, dtype=np.uint8).reshape(-1, c, h, w)
    mean_l, std_l = NORM[dataset]
    out = []
    for img in raw:
        t = torch.from_numpy(img.copy()).float().div(255)  # ToTensor on a CHW byte tensor
        mean = torch.as_tensor(mean_l, dtype=t.dtype)
        std = torch.as_tensor(std_l, dtype=t.dtype)
        t.sub_(mean[:, None, None]).div_(std[:, None, None])
        out.append(t.numpy())
    np.stack(out).astype(np.float32).tofile(dst)


if __name__ == "__main__":
    main()
