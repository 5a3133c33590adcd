"""Shared pieces of the PyTorch side of the campaign benchmark (issue 6).

Loading a zoo model with its weights, the CIFAR test images, a fault list, flipping one
weight bit in place, classifying faulty logits against golden ones exactly as the
reference campaigns do, and writing the reference result CSV. Used by
torch_reference.py (brute force, the reference tool's method) and
torch_cached_suffix.py (golden activations cached, only the suffix recomputed).
"""
import csv
import os
import resource
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
import reference_models  # noqa: E402

# torchvision's CIFAR-10 test transform: ToTensor (x/255) then Normalize((x-mean)/std).
NORMALIZATION = {
    "cifar10": ((0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010)),
    "cifar100": ((0.5070751592371323, 0.48654887331495095, 0.4409178433670343),
                 (0.2673342858792401, 0.2564384629170883, 0.27615047132568404)),
}
CIFAR_FILES = {"cifar10": ("cifar-10-batches-bin/test_batch.bin", 1),
               "cifar100": ("cifar-100-binary/test.bin", 2)}
RESULT_HEADER = ["Injection", "Layer", "TensorIndex", "Bit", "n_injections", "masked",
                 "non_critical", "critical", "due", "top1_correct"]


def load_model(model, dataset, weights):
    """Eval-mode zoo model with the checkpoint loaded strictly. Accepts the legacy .th files
    ({'state_dict': ..., keys prefixed 'module.'}) and plain torch.save'd state_dicts."""
    net = reference_models.build(model, dataset)
    obj = torch.load(weights, map_location="cpu")
    sd = obj.get("state_dict", obj) if isinstance(obj, dict) else obj
    sd = {(k[len("module."):] if k.startswith("module.") else k): v for k, v in sd.items()}
    missing, unexpected = net.load_state_dict(sd, strict=False)
    # Only BN's num_batches_tracked may be absent (the legacy ResNet files do not have it).
    bad = [k for k in missing if not k.endswith("num_batches_tracked")] + list(unexpected)
    if bad:
        raise SystemExit("%s: state_dict does not match %s/%s: %s" % (weights, model, dataset, bad[:5]))
    return net.eval()


def load_images(dataset, data_dir, n):
    """First n test images, normalized as torchvision does, and their labels.
    Returns (float32 tensor [n, 3, 32, 32], int64 tensor [n])."""
    rel, label_bytes = CIFAR_FILES[dataset]
    raw = np.fromfile(os.path.join(data_dir, rel), dtype=np.uint8)
    rec = label_bytes + 3072
    if raw.size % rec != 0 or raw.size // rec < n:
        raise SystemExit("%s: expected at least %d records of %d bytes" % (rel, n, rec))
    raw = raw[: n * rec].reshape(n, rec)
    labels = torch.from_numpy(raw[:, label_bytes - 1].astype(np.int64))
    x = torch.from_numpy(raw[:, label_bytes:].copy()).reshape(n, 3, 32, 32).float().div(255)
    mean, std = (torch.tensor(v, dtype=torch.float32).view(1, 3, 1, 1) for v in NORMALIZATION[dataset])
    return x.sub(mean).div(std).contiguous(), labels


def read_faults(path):
    """Rows of a fault list: dicts with Injection, Layer, TensorIndex (string as written),
    index (tuple of ints), Bit (int)."""
    out = []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            idx = tuple(int(v) for v in row["TensorIndex"].strip("() ").split(",") if v.strip())
            out.append({"Injection": row["Injection"], "Layer": row["Layer"], "TensorIndex": row["TensorIndex"],
                        "index": idx, "Bit": int(row["Bit"])})
    return out


def group_faults(rows):
    """Consecutive rows sharing an Injection id are one fault (multi-bit / multi-site lists,
    issue 17): a list of lists of rows, one per fault, in list order."""
    groups = []
    for r in rows:
        if groups and groups[-1][0]["Injection"] == r["Injection"]:
            groups[-1].append(r)
        else:
            groups.append([r])
    return groups


def flip_fault(net, sites):
    """XOR every site's bit into its weight (XORs commute: calling it again restores them)."""
    for site in sites:
        flip_bit(net, site)


def flip_bit(net, fault):
    """XOR the fault's bit into the weight in place (calling it again restores it)."""
    w = net.get_submodule(fault["Layer"]).weight.data
    flat = w.view(-1).view(torch.int32)
    offset = int(np.ravel_multi_index(fault["index"], tuple(w.shape)))
    mask = -(1 << 31) if fault["Bit"] == 31 else (1 << fault["Bit"])
    flat[offset] ^= mask


def top1(logits):
    """torch.argmax: largest logit, first NaN counts as largest, ties to the lowest index."""
    return logits.argmax(dim=1)


class Counts:
    """Per-fault outcome counts, accumulated batch by batch."""

    def __init__(self):
        self.masked = self.non_critical = self.critical = self.due = self.top1_correct = 0

    def add(self, golden, golden_top1, faulty, labels):
        """golden, faulty: [B, K] float32; golden_top1, labels: [B]."""
        same_bits = (golden.view(torch.int32) == faulty.view(torch.int32)).all(dim=1)
        nonfinite = ~torch.isfinite(faulty).all(dim=1)
        has_nan = torch.isnan(faulty).any(dim=1)
        masked = same_bits & ~has_nan
        t1 = top1(faulty)
        critical = (t1 != golden_top1) & ~masked
        self.masked += int(masked.sum())
        self.critical += int(critical.sum())
        self.non_critical += int((~masked & ~critical).sum())
        self.due += int(nonfinite.sum())
        self.top1_correct += int((t1 == labels).sum())


def write_results(path, faults, counts, n_images):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        w.writerow(RESULT_HEADER)
        for fault, c in zip(faults, counts):
            if isinstance(fault, list):  # a multi-site fault: its first row, as faultbench writes it
                fault = fault[0]
            w.writerow([fault["Injection"], fault["Layer"], fault["TensorIndex"], fault["Bit"], n_images,
                        c.masked, c.non_critical, c.critical, c.due, c.top1_correct])


def peak_rss_mib():
    """Peak resident set size of this process (Linux ru_maxrss is in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def common_args(ap):
    ap.add_argument("--model", required=True, help="zoo name, e.g. resnet20")
    ap.add_argument("--dataset", default="cifar10")
    ap.add_argument("--weights", required=True)
    ap.add_argument("--data-dir", required=True, help="folder holding cifar-10-batches-bin/")
    ap.add_argument("--faults", required=True, help="fault list CSV (Injection,Layer,TensorIndex,Bit)")
    ap.add_argument("--out", required=True, help="per-fault result CSV")
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=2)
