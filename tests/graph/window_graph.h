// A small hand-built graph whose conv and pooling layers use the windows that only ONNX
// models have (rectangular kernels, per-axis strides, dilation, asymmetric pads, ceil
// mode, count_include_pad = false, global max pooling), between square layers, with a
// fused conv -> batch norm -> add -> ReLU on a non-square window. For the executor and
// fast-mode tests. Per-image shapes are noted as [C,H,W].
#pragma once
#include "faultbench/graph.h"

namespace faultbench::testing {

inline Graph window_graph() {
  auto conv = [](int in, int out, Window2d w, int groups = 1, bool bias = false) {
    return Conv2dAttrs{in, out, groups, bias, w};
  };
  GraphBuilder b("windows", "cifar10", ValueShape{3, 16, 16}, 10);
  // (The stem's names are those the executor tests look up.)
  int x = b.relu(b.batch_norm("stem.bn", b.conv2d("stem", b.input(), conv(3, 8, Window2d::square(3, 1, 1)))));
  // 1x3, stride (2, 1), pads (0, 1, 0, 1): [8,8,16]
  const int a = b.relu(b.conv2d("conv2", x, conv(8, 8, {1, 3, 2, 1, 1, 1, 0, 1, 0, 1}, 1, true)));
  // Depthwise 3x3, dilation 2, pads 2, fused with its batch norm, the residual add and ReLU.
  int d = b.batch_norm("bn3", b.conv2d("conv3", a, conv(8, 8, {3, 3, 1, 1, 2, 2, 2, 2, 2, 2}, 8)));
  x = b.relu(b.add(d, a));
  // Max pool 3x3 stride 2, pads (0, 1, 1, 0), ceil mode: [8,4,8]
  x = b.max_pool(x, PoolAttrs{{3, 3, 2, 2, 1, 1, 0, 1, 1, 0}, true, true});
  // 5x1 grouped conv, pads (2, 0, 2, 0): [16,4,8]
  x = b.relu(b.conv2d("conv4", x, conv(8, 16, {5, 1, 1, 1, 1, 1, 2, 0, 2, 0}, 2)));
  // Average pool 2x3 stride 2, pads (0, 1, 0, 1), ceil mode, padding not counted: [16,2,5]
  x = b.avg_pool(x, PoolAttrs{{2, 3, 2, 2, 1, 1, 0, 1, 0, 1}, true, false});
  // A square conv after them (the vectorized paths), then both global pools: [64,1,1]
  x = b.relu(b.conv2d("conv5", x, conv(16, 32, Window2d::square(3, 1, 1))));
  x = b.concat({b.global_max_pool(x), b.global_avg_pool(x)});
  return b.finish(b.linear("fc", b.flatten(x), 10));
}

}  // namespace faultbench::testing
