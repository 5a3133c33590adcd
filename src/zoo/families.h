// Internal: one builder per architecture family of MODELS.md §3 (A..H).
//
// Each builder calls GraphBuilder in PyTorch module registration order, so that the
// parameters come out in state_dict order. Per-image value shapes are noted as [C,H,W].
#pragma once
#include "faultbench/error.h"
#include "faultbench/graph.h"
#include "faultbench/zoo/zoo.h"

namespace faultbench::zoo_detail {

// Conv attributes in PyTorch's argument order (in, out, kernel, stride, padding).
inline Conv2dAttrs conv(int in, int out, int kernel, int stride = 1, int padding = 0, bool bias = false,
                        int groups = 1) {
  Conv2dAttrs a;
  a.in_channels = in;
  a.out_channels = out;
  a.window = Window2d::square(kernel, stride, padding);
  a.groups = groups;
  a.bias = bias;
  return a;
}

inline PoolAttrs pool(int kernel, int stride, int padding = 0, bool ceil_mode = false) {
  PoolAttrs p;
  p.window = Window2d::square(kernel, stride, padding);
  p.ceil_mode = ceil_mode;
  return p;
}

Graph build_resnet_cifar(const ModelInfo& info, int depth);  // A: depth 20/32/44/56/110
Graph build_resnet18(const ModelInfo& info);                 // B
Graph build_mobilenetv2(const ModelInfo& info);              // C
Graph build_vgg(const ModelInfo& info, int depth);           // D: 11/13/16/19
Graph build_densenet(const ModelInfo& info, int depth);      // E: 121/161
Graph build_densenet_bc(const ModelInfo& info);              // F
Graph build_googlenet_cifar10(const ModelInfo& info);        // G
Graph build_googlenet_cifar100(const ModelInfo& info);       // H

}  // namespace faultbench::zoo_detail
