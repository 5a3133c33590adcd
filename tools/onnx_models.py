#!/usr/bin/python3
"""ONNX models with their own npy datasets and reference logits, for the import tests.

Runs with Debian's python3-torch (1.13) and python3-onnx (1.12). For each model it writes

    OUT/<name>/<name>.onnx     the model (file stem = the name faultbench gives the model)
    OUT/<name>/images.npy      float32 [N, C, H, W], already preprocessed (--dataset npy)
    OUT/<name>/labels.npy      int64 [N]
    OUT/<name>/logits.npy      float32 [N, classes]: PyTorch's fp32 forward pass

and OUT/manifest.json (name, kind, input shape, classes, opset). Models:

  zoo       any zoo pair of tools/reference_models.py (--zoo resnet20/cifar10 ...), with
            torch_reference.py's seeded random weights, exported UNFOLDED: BatchNorm stays a
            separate node and the initializers are the state_dict's parameters by name
            (training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False).
  custom    six CNNs that are not in the zoo, seeded random weights (see CUSTOM below):
            mobilenetv3 (HardSwish, SE with Hardsigmoid/Sigmoid gate Mul), squeezenet (fire
            modules Concat, MaxPool ceil_mode), resnext (grouped conv), vgg_avgpool
            (AveragePool count_include_pad=False, asymmetric F.pad), gemm_norm (Sub/Div
            normalization in the graph, Gemm transB), efficientnet (SiLU, Sigmoid SE,
            depthwise 5x5 stride 2).
  tf2onnx   a graph built with onnx.helper as tf2onnx writes one: NHWC input, a Transpose at
            the input, Conv weights stored HWIO behind a Transpose of constants, MatMul + Add.
            Its reference logits are computed by the same operations in PyTorch (Debian's
            onnx 1.12 has no onnx.reference evaluator).

usage: onnx_models.py --out DIR [--zoo resnet20/cifar10 ...] [--custom all|NAME ...] [--tf2onnx]
                      [--opset 11..17] [--images 64] [--seed 0]
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_models  # noqa: E402
import torch_reference  # noqa: E402


# ---------------------------------------------------------------- the six non-zoo CNNs
class SE(nn.Module):
    """Squeeze-excitation: global average, 1x1 down, ReLU, 1x1 up, gate, Mul."""

    def __init__(self, c, r, gate):
        super().__init__()
        self.fc1 = nn.Conv2d(c, c // r, 1)
        self.fc2 = nn.Conv2d(c // r, c, 1)
        self.gate = gate

    def forward(self, x):
        s = F.adaptive_avg_pool2d(x, 1)
        return x * self.gate(self.fc2(F.relu(self.fc1(s))))


class MobileNetV3Style(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.Hardswish())
        self.expand = nn.Sequential(nn.Conv2d(16, 48, 1, bias=False), nn.BatchNorm2d(48), nn.Hardswish())
        self.dw = nn.Sequential(nn.Conv2d(48, 48, 3, 1, 1, groups=48, bias=False), nn.BatchNorm2d(48), nn.ReLU6())
        self.se1 = SE(48, 4, nn.Hardsigmoid())
        self.project = nn.Sequential(nn.Conv2d(48, 16, 1, bias=False), nn.BatchNorm2d(16))
        self.dw2 = nn.Sequential(nn.Conv2d(16, 16, 3, 2, 1, groups=16, bias=False), nn.BatchNorm2d(16), nn.Hardswish())
        self.se2 = SE(16, 4, nn.Sigmoid())
        self.head = nn.Linear(16, 32)
        self.classifier = nn.Linear(32, classes)

    def forward(self, x):
        x = self.stem(x)
        x = x + self.project(self.se1(self.dw(self.expand(x))))
        x = self.se2(self.dw2(x))
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.classifier(F.hardswish(self.head(x)))


class Fire(nn.Module):
    def __init__(self, cin, squeeze, expand):
        super().__init__()
        self.squeeze = nn.Conv2d(cin, squeeze, 1)
        self.expand1x1 = nn.Conv2d(squeeze, expand, 1)
        self.expand3x3 = nn.Conv2d(squeeze, expand, 3, padding=1)

    def forward(self, x):
        s = F.relu(self.squeeze(x))
        return torch.cat([F.relu(self.expand1x1(s)), F.relu(self.expand3x3(s))], 1)


class SqueezeNetStyle(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, 1, 1)
        self.fire2 = Fire(32, 8, 16)
        self.fire3 = Fire(32, 8, 16)
        self.fire4 = Fire(32, 16, 32)
        self.classifier = nn.Conv2d(64, classes, 1)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 3, 2, ceil_mode=True)  # 32 -> 16 (15.5 rounded up)
        x = F.max_pool2d(self.fire3(self.fire2(x)), 3, 2, ceil_mode=True)  # 16 -> 8
        x = self.fire4(x)
        return F.adaptive_avg_pool2d(F.relu(self.classifier(x)), 1).flatten(1)


class ResNeXtBlock(nn.Module):
    def __init__(self, cin, width, cout, groups, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, groups=groups, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, cout, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        o = F.relu(self.bn1(self.conv1(x)))
        o = F.relu(self.bn2(self.conv2(o)))
        return F.relu(self.bn3(self.conv3(o)) + self.shortcut(x))


class ResNeXtStyle(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(32)
        self.layer1 = ResNeXtBlock(32, 32, 64, 8, 1)
        self.layer2 = ResNeXtBlock(64, 64, 64, 8, 2)
        self.linear = nn.Linear(64, classes)

    def forward(self, x):
        x = self.layer2(self.layer1(F.relu(self.bn1(self.conv1(x)))))
        return self.linear(F.adaptive_avg_pool2d(x, 1).flatten(1))


class VGGAvgPool(nn.Module):
    """Average pooling without the padding in the count, and TF-style 'same' padding made by
    an asymmetric F.pad (0 left/top, 1 right/bottom) before a stride-2 valid conv."""

    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1)
        self.conv2 = nn.Conv2d(16, 32, 3, 2, 0)
        self.conv3 = nn.Conv2d(32, 32, 3, 1, 1)
        self.fc = nn.Linear(32 * 4 * 4, classes)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.avg_pool2d(x, 3, 2, 1, count_include_pad=False)  # 32 -> 16
        x = F.relu(self.conv2(F.pad(x, (0, 1, 0, 1))))  # 16 -> 8
        x = F.relu(self.conv3(x))
        x = F.avg_pool2d(x, 3, 2, 1, count_include_pad=False)  # 8 -> 4
        return self.fc(x.flatten(1))


class GemmNorm(nn.Module):
    """Normalization inside the graph ((x - mean) / std with per-channel constants: Sub, Div),
    then a conv and two Linear layers (Gemm with transB=1)."""

    def __init__(self, classes=10):
        super().__init__()
        self.register_buffer("mean", torch.tensor([0.49, 0.48, 0.45]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.25, 0.24, 0.26]).view(1, 3, 1, 1))
        self.conv = nn.Conv2d(3, 8, 5, 4, 2)
        self.fc1 = nn.Linear(8 * 8 * 8, 64)
        self.fc2 = nn.Linear(64, classes)

    def forward(self, x):
        x = (x - self.mean) / self.std
        x = F.relu(self.conv(x))
        return self.fc2(F.leaky_relu(self.fc1(x.flatten(1)), 0.1))


class EfficientNetStyle(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.SiLU())
        self.expand = nn.Sequential(nn.Conv2d(16, 64, 1, bias=False), nn.BatchNorm2d(64), nn.SiLU())
        self.dw = nn.Sequential(nn.Conv2d(64, 64, 5, 2, 2, groups=64, bias=False), nn.BatchNorm2d(64), nn.SiLU())
        self.se = SE(64, 4, nn.Sigmoid())
        self.project = nn.Sequential(nn.Conv2d(64, 24, 1, bias=False), nn.BatchNorm2d(24))
        self.head = nn.Sequential(nn.Conv2d(24, 64, 1, bias=False), nn.BatchNorm2d(64), nn.SiLU())
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = self.project(self.se(self.dw(self.expand(self.stem(x)))))
        x = self.head(x)
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


CUSTOM = {
    "mobilenetv3": MobileNetV3Style,
    "squeezenet": SqueezeNetStyle,
    "resnext": ResNeXtStyle,
    "vgg_avgpool": VGGAvgPool,
    "gemm_norm": GemmNorm,
    "efficientnet": EfficientNetStyle,
}


# ---------------------------------------------------------------- the tf2onnx-style graph
def tf2onnx_graph(opset, seed):
    """NHWC input -> Transpose -> Conv(W = Transpose(W_hwio)) + ReLU -> GlobalAveragePool ->
    Flatten -> MatMul + Add. Returns (onnx model, torch function computing the same)."""
    rng = np.random.default_rng(seed)
    w_hwio = (rng.standard_normal((3, 3, 3, 8)) * 0.3).astype(np.float32)
    b = (rng.standard_normal(8) * 0.1).astype(np.float32)
    w_fc = (rng.standard_normal((8, 10)) * 0.5).astype(np.float32)
    b_fc = (rng.standard_normal(10) * 0.1).astype(np.float32)
    nodes = [
        helper.make_node("Transpose", ["input:0"], ["nchw"], name="input_transpose", perm=[0, 3, 1, 2]),
        helper.make_node("Transpose", ["conv/kernel"], ["conv/kernel_oihw"], name="kernel_transpose",
                         perm=[3, 2, 0, 1]),
        helper.make_node("Conv", ["nchw", "conv/kernel_oihw", "conv/bias"], ["conv_out"], name="conv/Conv2D",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]),
        helper.make_node("Relu", ["conv_out"], ["relu_out"], name="conv/Relu"),
        helper.make_node("GlobalAveragePool", ["relu_out"], ["gap"], name="gap"),
        helper.make_node("Flatten", ["gap"], ["flat"], name="flatten", axis=1),
        helper.make_node("MatMul", ["flat", "dense/kernel"], ["mm"], name="dense/MatMul"),
        helper.make_node("Add", ["mm", "dense/bias"], ["logits"], name="dense/BiasAdd"),
    ]
    inits = [numpy_helper.from_array(w_hwio, "conv/kernel"), numpy_helper.from_array(b, "conv/bias"),
             numpy_helper.from_array(w_fc, "dense/kernel"), numpy_helper.from_array(b_fc, "dense/bias")]
    graph = helper.make_graph(nodes, "tf2onnx_style",
                              [helper.make_tensor_value_info("input:0", TensorProto.FLOAT, ["N", 32, 32, 3])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])], inits)
    model = helper.make_model(graph, producer_name="tf2onnx-style (onnx.helper)",
                              opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8 if opset >= 15 else 7

    def forward(x_nhwc):
        x = x_nhwc.permute(0, 3, 1, 2)
        w = torch.from_numpy(w_hwio).permute(3, 2, 0, 1).contiguous()
        x = F.relu(F.conv2d(x, w, torch.from_numpy(b), padding=1))
        x = x.mean((2, 3))
        return x @ torch.from_numpy(w_fc) + torch.from_numpy(b_fc)

    return model, forward


# ---------------------------------------------------------------- writing
def write_set(out, name, images, labels, logits, entry, manifest):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    np.save(os.path.join(d, "images.npy"), np.ascontiguousarray(images, dtype=np.float32))
    np.save(os.path.join(d, "labels.npy"), np.asarray(labels, dtype=np.int64))
    np.save(os.path.join(d, "logits.npy"), np.ascontiguousarray(logits, dtype=np.float32))
    manifest.append(dict(entry, name=name, onnx=os.path.join(name, name + ".onnx"), images=int(images.shape[0])))


def export(net, shape, path, opset):
    torch.onnx.export(net, torch.zeros(1, *shape), path, opset_version=opset,
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    onnx.checker.check_model(onnx.load(path))


def random_images(gen, n, shape):
    return torch.randn((n, *shape), generator=gen, dtype=torch.float32)


def make_torch_model(net, name, shape, classes, kind, args, gen, manifest):
    net.eval()
    d = os.path.join(args.out, name)
    os.makedirs(d, exist_ok=True)
    export(net, shape, os.path.join(d, name + ".onnx"), args.opset)
    x = random_images(gen, args.images, shape)
    labels = torch.randint(0, classes, (args.images,), generator=gen)
    with torch.no_grad():
        logits = net(x)
    write_set(args.out, name, x.numpy(), labels.numpy(), logits.numpy(),
              dict(kind=kind, input=list(shape), classes=classes, opset=args.opset), manifest)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--zoo", nargs="*", default=[], help="MODEL/DATASET pairs, or 'all' for the 19")
    ap.add_argument("--custom", nargs="*", default=[], help="names of CUSTOM, or 'all'")
    ap.add_argument("--tf2onnx", action="store_true")
    ap.add_argument("--opset", type=int, default=13, choices=range(11, 18))
    ap.add_argument("--images", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    manifest = []

    zoo = [(m, d) for d, m in reference_models.ZOO] if args.zoo == ["all"] else [z.split("/") for z in args.zoo]
    for model, dataset in zoo:
        gen = torch.Generator().manual_seed(args.seed)
        net = reference_models.build(model, dataset)
        size = reference_models.INPUT_SIZE[dataset]
        torch_reference.randomize(net, (3, size, size), gen, calibration_images=2)
        make_torch_model(net, "%s-%s" % (model, dataset), (3, size, size), reference_models.CLASSES[dataset],
                         "zoo", args, gen, manifest)

    for name in (list(CUSTOM) if args.custom == ["all"] else args.custom):
        torch.manual_seed(args.seed)  # the modules' default initialization draws from it
        net = CUSTOM[name]()
        gen = torch.Generator().manual_seed(args.seed + 1)
        # BatchNorm statistics away from identity, so that folding them wrongly would show.
        with torch.no_grad():
            for m in net.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.running_mean.uniform_(-0.2, 0.2, generator=gen)
                    m.running_var.uniform_(0.5, 1.5, generator=gen)
                    m.weight.uniform_(0.5, 1.5, generator=gen)
                    m.bias.uniform_(-0.2, 0.2, generator=gen)
        make_torch_model(net, name, (3, 32, 32), 10, "custom", args, gen, manifest)

    if args.tf2onnx:
        name = "tf2onnx_nhwc"
        model, forward = tf2onnx_graph(args.opset, args.seed)
        onnx.checker.check_model(model)
        d = os.path.join(args.out, name)
        os.makedirs(d, exist_ok=True)
        onnx.save(model, os.path.join(d, name + ".onnx"))
        gen = torch.Generator().manual_seed(args.seed + 2)
        # The images.npy of an NHWC model is NHWC too: [N, 32, 32, 3] read as (C, H, W) =
        # (32, 32, 3), the ONNX input's own shape.
        x = random_images(gen, args.images, (32, 32, 3))
        labels = torch.randint(0, 10, (args.images,), generator=gen)
        with torch.no_grad():
            logits = forward(x)
        write_set(args.out, name, x.numpy(), labels.numpy(), logits.numpy(),
                  dict(kind="tf2onnx", input=[32, 32, 3], classes=10, opset=args.opset), manifest)

    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print("wrote %d models to %s" % (len(manifest), args.out))


if __name__ == "__main__":
    main()
