#!/usr/bin/python3
"""PyTorch definitions of the 16 zoo architectures, written from ../shared/spec/MODELS.md.

These are independent re-implementations used only as a numerical oracle for the C++ zoo
(tests/zoo/zoo_torch_test.cpp via tools/torch_reference.py). Module names are chosen so that
state_dict() keys, shapes and order equal the reference benchmark's (MODELS.md §3).
Classes are named after the MODELS.md families A..H. Runs with Debian's torch 1.13 (CPU).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


# ---------------------------------------------------------------- A: ResNet-CIFAR, option A
class OptionAShortcut(nn.Module):
    """x[:, :, ::2, ::2], then planes/4 zero channels in front and behind (quirk 3)."""

    def __init__(self, planes):
        super().__init__()
        self.pad = planes // 4

    def forward(self, x):
        return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad), "constant", 0.0)


class ResNetCifarBlock(nn.Module):
    def __init__(self, in_planes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = OptionAShortcut(planes) if (stride != 1 or in_planes != planes) else nn.Identity()

    def forward(self, x):
        o = F.relu(self.bn1(self.conv1(x)))
        o = self.bn2(self.conv2(o))
        return F.relu(o + self.shortcut(x))


class ResNetCifar(nn.Module):
    """Family A: depth 6n+2, widths 16/32/64, avg pool with kernel = final map width."""

    def __init__(self, depth, classes):
        super().__init__()
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        in_planes = 16
        for stage, planes in enumerate((16, 32, 64), start=1):
            blocks = []
            for i in range(n):
                stride = 2 if (i == 0 and stage > 1) else 1
                blocks.append(ResNetCifarBlock(in_planes, planes, stride))
                in_planes = planes
            setattr(self, "layer%d" % stage, nn.Sequential(*blocks))
        self.linear = nn.Linear(64, classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        x = F.avg_pool2d(x, int(x.size(3)))  # 8 on CIFAR, 13 on GTSRB (quirk 4); int(): a constant when traced for ONNX
        return self.linear(x.flatten(1))


# ---------------------------------------------------------------- B: ResNet18 (CIFAR100)
class ResNet18Block(nn.Module):
    def __init__(self, cin, c, stride):
        super().__init__()
        self.residual_function = nn.Sequential(
            nn.Conv2d(cin, c, 3, stride, 1, bias=False), nn.BatchNorm2d(c), nn.ReLU(inplace=True),
            nn.Conv2d(c, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c))
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != c:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, c, 1, stride, bias=False), nn.BatchNorm2d(c))

    def forward(self, x):
        return F.relu(self.residual_function(x) + self.shortcut(x))


class ResNet18Cifar(nn.Module):
    """Family B."""

    def __init__(self, classes):
        super().__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True))
        cin = 64
        for k, (c, s) in enumerate(((64, 1), (128, 2), (256, 2), (512, 2)), start=2):
            setattr(self, "conv%d_x" % k, nn.Sequential(ResNet18Block(cin, c, s), ResNet18Block(c, c, 1)))
            cin = c
        self.avg_pool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512, classes)

    def forward(self, x):
        x = self.conv1(x)
        x = self.conv5_x(self.conv4_x(self.conv3_x(self.conv2_x(x))))
        return self.fc(self.avg_pool(x).flatten(1))


# ---------------------------------------------------------------- C: MobileNetV2 (CIFAR10)
class MobileNetV2Block(nn.Module):
    def __init__(self, cin, expansion, cout, stride):
        super().__init__()
        planes = expansion * cin
        self.stride = stride
        self.conv1 = nn.Conv2d(cin, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, groups=planes, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, cout, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride == 1 and cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        o = F.relu(self.bn1(self.conv1(x)))
        o = F.relu(self.bn2(self.conv2(o)))
        o = self.bn3(self.conv3(o))
        return o + self.shortcut(x) if self.stride == 1 else o


class MobileNetV2Cifar(nn.Module):
    """Family C: stem stride 1, plain ReLU, fixed avg pool kernel 4."""

    STAGES = ((1, 16, 1, 1), (6, 24, 2, 1), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))

    def __init__(self, classes):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(32)
        blocks, cin = [], 32
        for t, cout, n, s in self.STAGES:
            for r in range(n):
                blocks.append(MobileNetV2Block(cin, t, cout, s if r == 0 else 1))
                cin = cout
        self.layers = nn.Sequential(*blocks)
        self.conv2 = nn.Conv2d(320, 1280, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(1280)
        self.linear = nn.Linear(1280, classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(self.layers(x))))
        return self.linear(F.avg_pool2d(x, 4).flatten(1))


# ---------------------------------------------------------------- D: VGG with BatchNorm
VGG_CONFIGS = {
    11: [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    13: [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    16: [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    19: [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


class VGGbn(nn.Module):
    """Family D. GTSRB has no avgpool module (the map is already 1x1 after floor pooling)."""

    def __init__(self, depth, classes, with_avgpool):
        super().__init__()
        layers, cin = [], 3
        for v in VGG_CONFIGS[depth]:
            if v == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(cin, v, 3, 1, 1), nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
                cin = v
        self.features = nn.Sequential(*layers)
        if with_avgpool:
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.classifier = nn.Sequential(
            nn.Linear(512, 4096), nn.ReLU(True), nn.Dropout(0.5),
            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(0.5), nn.Linear(4096, classes))

    def forward(self, x):
        x = self.features(x)
        if hasattr(self, "avgpool"):
            x = self.avgpool(x)
        return self.classifier(x.flatten(1))


# ---------------------------------------------------------------- E: DenseNet (torchvision style)
class DenseNetTVLayer(nn.Module):
    def __init__(self, cin, growth):
        super().__init__()
        self.norm1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, 4 * growth, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(4 * growth)
        self.conv2 = nn.Conv2d(4 * growth, growth, 3, 1, 1, bias=False)

    def forward(self, x):
        o = self.conv1(F.relu(self.norm1(x)))
        o = self.conv2(F.relu(self.norm2(o)))
        return torch.cat([x, o], 1)


class DenseNetTV(nn.Module):
    """Family E: 121 (k 32, C0 64, blocks 6/12/24/16) and 161 (k 48, C0 96, 6/12/36/24)."""

    def __init__(self, depth, classes):
        super().__init__()
        growth, c, blocks = {121: (32, 64, (6, 12, 24, 16)), 161: (48, 96, (6, 12, 36, 24))}[depth]
        f = nn.Sequential()
        f.add_module("conv0", nn.Conv2d(3, c, 3, 1, 1, bias=False))
        f.add_module("norm0", nn.BatchNorm2d(c))
        f.add_module("relu0", nn.ReLU(inplace=True))
        f.add_module("pool0", nn.MaxPool2d(3, 2, 1))
        for b, n in enumerate(blocks, start=1):
            block = nn.Sequential()
            for l in range(1, n + 1):
                block.add_module("denselayer%d" % l, DenseNetTVLayer(c + (l - 1) * growth, growth))
            f.add_module("denseblock%d" % b, block)
            c += n * growth
            if b < 4:
                t = nn.Sequential()
                t.add_module("norm", nn.BatchNorm2d(c))
                t.add_module("relu", nn.ReLU(inplace=True))
                t.add_module("conv", nn.Conv2d(c, c // 2, 1, bias=False))
                t.add_module("pool", nn.AvgPool2d(2, 2))
                f.add_module("transition%d" % b, t)
                c //= 2
        f.add_module("norm5", nn.BatchNorm2d(c))
        self.features = f
        self.classifier = nn.Linear(c, classes)

    def forward(self, x):
        x = F.relu(self.features(x))
        return self.classifier(F.adaptive_avg_pool2d(x, (1, 1)).flatten(1))


# ---------------------------------------------------------------- F: DenseNet-BC (compact)
class DenseNetBCLayer(nn.Module):
    def __init__(self, cin, growth):
        super().__init__()
        self.bottle_neck = nn.Sequential(
            nn.BatchNorm2d(cin), nn.ReLU(inplace=True), nn.Conv2d(cin, 4 * growth, 1, bias=False),
            nn.BatchNorm2d(4 * growth), nn.ReLU(inplace=True), nn.Conv2d(4 * growth, growth, 3, 1, 1, bias=False))

    def forward(self, x):
        return torch.cat([x, self.bottle_neck(x)], 1)


class DenseNetBCTransition(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        # No ReLU here (quirk 8).
        self.down_sample = nn.Sequential(nn.BatchNorm2d(cin), nn.Conv2d(cin, cout, 1, bias=False), nn.AvgPool2d(2, 2))

    def forward(self, x):
        return self.down_sample(x)


class DenseNetBC(nn.Module):
    """Family F: stem conv outside `features`, last block named dense_block3."""

    def __init__(self, classes, growth=32, blocks=(6, 12, 24, 16)):
        super().__init__()
        c = 2 * growth
        self.conv1 = nn.Conv2d(3, c, 3, 1, 1, bias=False)
        self.features = nn.Sequential()
        for b, n in enumerate(blocks):
            block = nn.Sequential()
            for j in range(n):
                block.add_module("bottle_neck_layer_%d" % j, DenseNetBCLayer(c + j * growth, growth))
            c += n * growth
            if b < len(blocks) - 1:
                self.features.add_module("dense_block_layer_%d" % b, block)
                self.features.add_module("transition_layer_%d" % b, DenseNetBCTransition(c, c // 2))
                c //= 2
            else:
                self.features.add_module("dense_block%d" % b, block)
        self.features.add_module("bn", nn.BatchNorm2d(c))
        self.features.add_module("relu", nn.ReLU(inplace=True))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.linear = nn.Linear(c, classes)

    def forward(self, x):
        x = self.features(self.conv1(x))
        return self.linear(self.avgpool(x).flatten(1))


# ---------------------------------------------------------------- G / H: GoogLeNet
INCEPTIONS = [  # (G name, H name, in, c1, c3r, c3, c5r, c5, pp)
    ("inception3a", "a3", 192, 64, 96, 128, 16, 32, 32),
    ("inception3b", "b3", 256, 128, 128, 192, 32, 96, 64),
    ("inception4a", "a4", 480, 192, 96, 208, 16, 48, 64),
    ("inception4b", "b4", 512, 160, 112, 224, 24, 64, 64),
    ("inception4c", "c4", 512, 128, 128, 256, 24, 64, 64),
    ("inception4d", "d4", 512, 112, 144, 288, 32, 64, 64),
    ("inception4e", "e4", 528, 256, 160, 320, 32, 128, 128),
    ("inception5a", "a5", 832, 256, 160, 320, 32, 128, 128),
    ("inception5b", "b5", 832, 384, 192, 384, 48, 128, 128),
]


class BasicConv2d(nn.Module):
    """conv (no bias) -> BN(eps 1e-3, quirk 1) -> ReLU."""

    def __init__(self, cin, cout, kernel, padding=0, stride=1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride, padding, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=0.001)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class GoogLeNetTVInception(nn.Module):
    def __init__(self, cin, c1, c3r, c3, c5r, c5, pp):
        super().__init__()
        self.branch1 = BasicConv2d(cin, c1, 1)
        self.branch2 = nn.Sequential(BasicConv2d(cin, c3r, 1), BasicConv2d(c3r, c3, 3, 1))
        self.branch3 = nn.Sequential(BasicConv2d(cin, c5r, 1), BasicConv2d(c5r, c5, 3, 1))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, 1, 1, ceil_mode=True), BasicConv2d(cin, pp, 1))

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class GoogLeNetTV(nn.Module):
    """Family G (CIFAR10): no aux heads, no input transform, stem 3->192."""

    def __init__(self, classes):
        super().__init__()
        self.conv1 = BasicConv2d(3, 192, 3, 1)
        for name, _, *cfg in INCEPTIONS[:2]:
            setattr(self, name, GoogLeNetTVInception(*cfg))
        self.maxpool3 = nn.MaxPool2d(3, 2, 1)
        for name, _, *cfg in INCEPTIONS[2:7]:
            setattr(self, name, GoogLeNetTVInception(*cfg))
        self.maxpool4 = nn.MaxPool2d(3, 2, 1)
        for name, _, *cfg in INCEPTIONS[7:]:
            setattr(self, name, GoogLeNetTVInception(*cfg))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(0.2)
        self.fc = nn.Linear(1024, classes)

    def forward(self, x):
        x = self.conv1(x)
        for name, *_ in INCEPTIONS[:2]:
            x = getattr(self, name)(x)
        x = self.maxpool3(x)
        for name, *_ in INCEPTIONS[2:7]:
            x = getattr(self, name)(x)
        x = self.maxpool4(x)
        for name, *_ in INCEPTIONS[7:]:
            x = getattr(self, name)(x)
        return self.fc(self.dropout(self.avgpool(x).flatten(1)))


class GoogLeNetC100Inception(nn.Module):
    def __init__(self, cin, c1, c3r, c3, c5r, c5, pp):
        super().__init__()
        self.b1 = nn.Sequential(nn.Conv2d(cin, c1, 1), nn.BatchNorm2d(c1), nn.ReLU(True))
        self.b2 = nn.Sequential(nn.Conv2d(cin, c3r, 1), nn.BatchNorm2d(c3r), nn.ReLU(True),
                                nn.Conv2d(c3r, c3, 3, padding=1), nn.BatchNorm2d(c3), nn.ReLU(True))
        # BN eps = c5 in the middle (quirk 2): BatchNorm2d(c5, c5) in the reference.
        self.b3 = nn.Sequential(nn.Conv2d(cin, c5r, 1), nn.BatchNorm2d(c5r), nn.ReLU(True),
                                nn.Conv2d(c5r, c5, 3, padding=1), nn.BatchNorm2d(c5, eps=float(c5)), nn.ReLU(True),
                                nn.Conv2d(c5, c5, 3, padding=1), nn.BatchNorm2d(c5), nn.ReLU(True))
        self.b4 = nn.Sequential(nn.MaxPool2d(3, 1, 1), nn.Conv2d(cin, pp, 1), nn.BatchNorm2d(pp), nn.ReLU(True))

    def forward(self, x):
        return torch.cat([self.b1(x), self.b2(x), self.b3(x), self.b4(x)], 1)


class GoogLeNetC100(nn.Module):
    """Family H (CIFAR100): prelayer of three conv-BN-ReLU, one max-pool module used 3 times."""

    def __init__(self, classes):
        super().__init__()
        self.prelayer = nn.Sequential(
            nn.Conv2d(3, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(True),
            nn.Conv2d(64, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(True),
            nn.Conv2d(64, 192, 3, padding=1, bias=False), nn.BatchNorm2d(192), nn.ReLU(True))
        for _, name, *cfg in INCEPTIONS:
            setattr(self, name, GoogLeNetC100Inception(*cfg))
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout2d(0.4)
        self.linear = nn.Linear(1024, classes)

    def forward(self, x):
        x = self.maxpool(self.prelayer(x))
        x = self.b3(self.a3(x))
        x = self.maxpool(x)
        for name in ("a4", "b4", "c4", "d4", "e4"):
            x = getattr(self, name)(x)
        x = self.maxpool(x)
        x = self.b5(self.a5(x))
        return self.linear(self.dropout(self.avgpool(x)).flatten(1))


# ---------------------------------------------------------------- registry
CLASSES = {"cifar10": 10, "cifar100": 100, "gtsrb": 43}
INPUT_SIZE = {"cifar10": 32, "cifar100": 32, "gtsrb": 50}


def build(model, dataset):
    """The zoo pair (CLI names, e.g. ("resnet20", "gtsrb")) as an eval-mode nn.Module."""
    k = CLASSES[dataset]
    builders = {
        "cifar10": {
            **{"resnet%d" % d: (lambda d=d: ResNetCifar(d, k)) for d in (20, 32, 44, 56, 110)},
            "mobilenetv2": lambda: MobileNetV2Cifar(k),
            **{"vgg%d_bn" % d: (lambda d=d: VGGbn(d, k, with_avgpool=True)) for d in (11, 13, 16, 19)},
            "densenet121": lambda: DenseNetTV(121, k),
            "densenet161": lambda: DenseNetTV(161, k),
            "googlenet": lambda: GoogLeNetTV(k),
        },
        "cifar100": {
            "resnet18": lambda: ResNet18Cifar(k),
            "densenet121": lambda: DenseNetBC(k),
            "googlenet": lambda: GoogLeNetC100(k),
        },
        "gtsrb": {
            "resnet20": lambda: ResNetCifar(20, k),
            "densenet121": lambda: DenseNetBC(k),
            "vgg11_bn": lambda: VGGbn(11, k, with_avgpool=False),
        },
    }
    if model not in builders.get(dataset, {}):
        raise KeyError("unknown zoo pair %s/%s" % (dataset, model))
    return builders[dataset][model]().eval()


ZOO = [(d, m) for d, ms in (
    ("cifar10", ["resnet20", "resnet32", "resnet44", "resnet56", "resnet110", "mobilenetv2", "vgg11_bn",
                 "vgg13_bn", "vgg16_bn", "vgg19_bn", "densenet121", "densenet161", "googlenet"]),
    ("cifar100", ["resnet18", "densenet121", "googlenet"]),
    ("gtsrb", ["resnet20", "densenet121", "vgg11_bn"])) for m in ms]
