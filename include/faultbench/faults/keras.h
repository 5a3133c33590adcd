// The Keras (TensorFlow) convention of the published lists.
//
// The Keras models were converted from the PyTorch ones: the k-th Conv2d of
// named_parameters() order becomes Keras layer "conv2d" (k = 0) or "conv2d_k", the k-th
// Linear "dense" / "dense_k" (depthwise convs included: they are plain conv2d layers there).
// Index order: conv (kh, kw, in, out) = PyTorch (out, in, kh, kw) permuted; dense (in, out).
// Bit, Injection, fault model and results are unchanged. The published Keras lists carry
// only the four fault columns: write them with WriteOptions{.results = false}.
#pragma once
#include <vector>

#include "faultbench/faults/fault.h"

namespace faultbench {

enum class Convention { Torch, Keras };

// The Keras names and shapes of the PyTorch sites, in the same order.
std::vector<WeightSite> keras_sites(const std::vector<WeightSite>& torch_sites);

// PyTorch index -> Keras index (rank 4: (o,i,h,w) -> (h,w,i,o); rank 2: (o,i) -> (i,o)).
std::vector<int64_t> keras_index(const std::vector<int64_t>& torch_index);
// Keras index -> PyTorch index (the inverse permutation).
std::vector<int64_t> torch_index(const std::vector<int64_t>& keras_index);

// Convert a list between conventions. The input must be valid for the model in its own
// convention (validate_fault_list); a layer the model lacks throws FormatError.
FaultList to_keras(const FaultList& torch_list, const std::vector<WeightSite>& torch_sites);
FaultList to_torch(const FaultList& keras_list, const std::vector<WeightSite>& torch_sites);

}  // namespace faultbench
