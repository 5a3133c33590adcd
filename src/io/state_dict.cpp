// Strict loading of a StateDict into a Graph (PyTorch's load_state_dict(strict=True)).
#include "faultbench/io/state_dict.h"

#include <unordered_map>

#include <fmt/format.h>

#include "faultbench/error.h"

namespace faultbench {

const StateDictEntry* StateDict::find(const std::string& key) const {
  for (const StateDictEntry& e : entries)
    if (e.key == key) return &e;
  return nullptr;
}

bool is_floating_dtype(const std::string& dtype) {
  return dtype == "float32" || dtype == "float64" || dtype == "float16" || dtype == "bfloat16";
}

void load_state_dict(Graph& graph, const StateDict& sd) {
  // Key as the graph names it ("module." stripped) -> entry.
  std::unordered_map<std::string, const StateDictEntry*> by_key;
  for (const StateDictEntry& e : sd.entries) {
    std::string k = e.key.rfind("module.", 0) == 0 ? e.key.substr(7) : e.key;
    if (!by_key.emplace(k, &e).second)
      throw FormatError(fmt::format("{}: state_dict key '{}' appears twice (after stripping 'module.')", sd.source, k));
  }
  std::vector<std::string> problems;
  std::vector<const StateDictEntry*> matched(graph.params.size(), nullptr);
  for (size_t i = 0; i < graph.params.size(); ++i) {
    const Param& p = graph.params[i];
    auto it = by_key.find(p.name);
    if (it == by_key.end()) {
      if (p.role != ParamRole::NumBatchesTracked)  // the reference .th files have none
        problems.push_back(
            fmt::format("state_dict key '{}' is missing (expected shape {})", p.name, shape_to_string(p.shape)));
      continue;
    }
    const StateDictEntry& e = *it->second;
    by_key.erase(it);
    if (p.role == ParamRole::NumBatchesTracked) {
      if (is_floating_dtype(e.dtype) || numel(e.shape) != 1)
        problems.push_back(fmt::format("state_dict key '{}': expected an integer scalar, found {} {}", p.name, e.dtype,
                                       shape_to_string(e.shape)));
      continue;
    }
    if (e.shape != p.shape) {
      problems.push_back(fmt::format("state_dict key '{}': expected shape {}, found {}", p.name,
                                     shape_to_string(p.shape), shape_to_string(e.shape)));
      continue;
    }
    if (!is_floating_dtype(e.dtype) || e.value.data.size() != size_t(numel(p.shape))) {
      problems.push_back(fmt::format("state_dict key '{}': expected a floating tensor, found {}", p.name, e.dtype));
      continue;
    }
    matched[i] = &e;
  }
  // Whatever is left is unexpected; report in file order.
  for (const StateDictEntry& e : sd.entries) {
    std::string k = e.key.rfind("module.", 0) == 0 ? e.key.substr(7) : e.key;
    if (by_key.count(k))
      problems.push_back(fmt::format("unexpected state_dict key '{}' (shape {})", e.key, shape_to_string(e.shape)));
  }
  if (!problems.empty()) {
    std::string msg = fmt::format("{}: {}", sd.source, problems[0]);
    constexpr size_t kShown = 5;
    for (size_t k = 1; k < problems.size() && k < kShown; ++k) msg += "; " + problems[k];
    if (problems.size() > kShown) msg += fmt::format("; and {} more problems", problems.size() - kShown);
    msg += fmt::format(" (model {})", graph.model.empty() ? "?" : graph.model);
    throw FormatError(msg);
  }
  for (size_t i = 0; i < graph.params.size(); ++i)
    if (matched[i]) graph.params[i].value = matched[i]->value;
}

}  // namespace faultbench
