#include "faultbench/faults/validate.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "faultbench/error.h"
#include "faultbench/faults/fault_group.h"
#include "faultbench/faults/fault_list_csv.h"

namespace faultbench {

namespace {

std::string where(const FaultList& list, size_t i) {
  if (i < list.lines.size()) return fmt::format("{}:{}", list.source, list.lines[i]);
  return fmt::format("{}: fault {}", list.source, i);
}

std::string layer_choices(const std::vector<WeightSite>& all, const SiteWords& words) {
  std::vector<WeightSite> sites;  // the layers; an int8 graph's int32 biases are named after
  int64_t biases = 0;
  for (const WeightSite& s : all) s.bits == 32 ? void(++biases) : sites.push_back(s);
  std::string names;
  const size_t shown = sites.size() < 6 ? sites.size() : 6;
  for (size_t i = 0; i < shown; ++i) names += (i ? ", " : "") + sites[i].layer;
  if (shown < sites.size()) names += ", ...";
  return fmt::format("the model has {} {}: {}{}", sites.size(), words.layers, names,
                     biases ? fmt::format("; and {} int32 biases '<layer>.bias'", biases) : "");
}

// Why a ".bias" layer is unknown: under int8 it names no int32 bias, else biases are no sites.
std::string bias_hint(const std::string& layer, const std::vector<WeightSite>& sites) {
  if (!layer.ends_with(".bias")) return "";
  for (const WeightSite& s : sites)
    if (s.bits == 32)
      return "; an int32 bias site is '<layer>.bias' of an int8 conv or linear layer that has a bias or a folded "
             "batch norm";
  return "; bias sites exist under --numerics int8 only (the int32 biases)";
}

}  // namespace

void check_fault_bits(const FaultList& list, Numerics numerics, const std::vector<WeightSite>& sites) {
  const int width = numerics_weight_bits(numerics);
  std::unordered_set<std::string> int32_sites;  // int8's int32 biases: bits 0..31 (validate_fault_list)
  for (const WeightSite& s : sites)
    if (s.bits == 32) int32_sites.insert(s.layer);
  for (size_t i = 0; i < list.faults.size(); ++i)
    if ((list.faults[i].site.bit < 0 || list.faults[i].site.bit >= width) &&
        !int32_sites.count(list.faults[i].site.layer))
      throw FormatError(fmt::format("{}: bit {} outside 0..{}: the {} weights have {} bits", where(list, i),
                                    list.faults[i].site.bit, width - 1, numerics_name(numerics), width));
}

void validate_fault_list(const FaultList& list, const std::vector<WeightSite>& sites, const SiteWords& words) {
  if (!list.results.empty() && list.results.size() != list.faults.size())
    throw FormatError(
        fmt::format("{}: {} result rows for {} faults", list.source, list.results.size(), list.faults.size()));
  std::unordered_map<std::string, size_t> by_name;
  std::vector<int64_t> offsets;  // global flat offset of each layer (for the duplicate key)
  int64_t offset = 0;
  for (size_t i = 0; i < sites.size(); ++i) {
    by_name.emplace(sites[i].layer, i);
    offsets.push_back(offset);
    offset += numel(sites[i].shape);
  }
  // Duplicate keys: ((offset + flat) * 32 + bit) * 3 + model -> fault position.
  std::unordered_map<uint64_t, size_t> seen_fault;
  std::unordered_map<int64_t, size_t> seen_injection;
  // A multi-site fault's key: its sites' keys, sorted (the order of its rows is no matter).
  std::map<std::vector<uint64_t>, size_t> seen_multi;
  seen_fault.reserve(list.faults.size() * 2);
  seen_injection.reserve(list.faults.size() * 2);
  std::vector<uint64_t> keys(list.faults.size());
  size_t group_start = 0;
  for (size_t i = 0; i < list.faults.size(); ++i) {
    const Fault& f = list.faults[i];
    auto it = by_name.find(f.site.layer);
    if (it == by_name.end())
      throw FormatError(fmt::format("{}: unknown layer '{}' ({}){}", where(list, i), f.site.layer,
                                    layer_choices(sites, words), words.weights ? bias_hint(f.site.layer, sites) : ""));
    const WeightSite& site = sites[it->second];
    if (f.site.index.size() != site.shape.size())
      throw FormatError(fmt::format("{}: index {} has rank {}, layer '{}' has rank {} ({} {}){}", where(list, i),
                                    tensor_index_to_string(f.site.index), f.site.index.size(), site.layer,
                                    site.shape.size(), words.shape, shape_to_string(site.shape), words.rank_hint));
    for (size_t d = 0; d < site.shape.size(); ++d)
      if (f.site.index[d] < 0 || f.site.index[d] >= site.shape[d])
        throw FormatError(fmt::format("{}: index {} out of range: entry {} = {} outside 0..{} (layer '{}' {} {})",
                                      where(list, i), tensor_index_to_string(f.site.index), d, f.site.index[d],
                                      site.shape[d] - 1, site.layer, words.shape, shape_to_string(site.shape)));
    if (f.site.bit < 0 || f.site.bit > 31)
      throw FormatError(fmt::format("{}: bit {} outside 0..31", where(list, i), f.site.bit));
    if (f.injection < 0) throw FormatError(fmt::format("{}: Injection {} is negative", where(list, i), f.injection));
    keys[i] = (uint64_t(offsets[it->second] + flat_index(site.shape, f.site.index)) * 32 + uint64_t(f.site.bit)) * 3 +
              uint64_t(f.model);
    // Rows sharing an id are one fault when consecutive (fault_group.h); an id that comes
    // back after another fault is a mistake.
    const bool continues = i > 0 && list.faults[i - 1].injection == f.injection;
    if (!continues) {
      group_start = i;
      if (auto [pos, fresh] = seen_injection.emplace(f.injection, i); !fresh)
        throw FormatError(fmt::format(
            "{}: duplicate Injection id {} (already used at {}; the rows of one multi-site fault are consecutive)",
            where(list, i), f.injection, where(list, pos->second)));
    } else {
      if (i - group_start + 1 > kMaxSitesPerFault)
        throw FormatError(
            fmt::format("{}: fault {} has more than {} sites", where(list, i), f.injection, kMaxSitesPerFault));
      // One site twice in a fault (whatever the fault models) would flip a bit back.
      for (size_t j = group_start; j < i; ++j)
        if (keys[j] / 3 == keys[i] / 3)
          throw FormatError(fmt::format("{}: fault {} lists layer '{}' index {} bit {} twice (already at {})",
                                        where(list, i), f.injection, f.site.layer, tensor_index_to_string(f.site.index),
                                        f.site.bit, where(list, j)));
    }
    const bool closes = i + 1 == list.faults.size() || list.faults[i + 1].injection != f.injection;
    if (!closes) continue;
    if (group_start == i) {
      if (auto [pos, fresh] = seen_fault.emplace(keys[i], i); !fresh)
        throw FormatError(fmt::format("{}: duplicate fault: layer '{}' index {} bit {} {} already listed at {}",
                                      where(list, i), f.site.layer, tensor_index_to_string(f.site.index), f.site.bit,
                                      fault_model_name(f.model), where(list, pos->second)));
    } else {
      std::vector<uint64_t> multi(keys.begin() + std::ptrdiff_t(group_start), keys.begin() + std::ptrdiff_t(i + 1));
      std::sort(multi.begin(), multi.end());
      if (auto [pos, fresh] = seen_multi.emplace(std::move(multi), group_start); !fresh)
        throw FormatError(fmt::format("{}: duplicate fault: fault {} has the sites of fault {} at {}",
                                      where(list, group_start), f.injection, list.faults[pos->second].injection,
                                      where(list, pos->second)));
    }
  }
}

bool in_other_convention(const FaultList& list, const std::vector<WeightSite>& torch_sites, Convention expected) {
  const std::vector<WeightSite> keras = keras_sites(torch_sites);
  const std::vector<WeightSite>& own = expected == Convention::Torch ? torch_sites : keras;
  const std::vector<WeightSite>& other = expected == Convention::Torch ? keras : torch_sites;
  std::unordered_set<std::string> own_names, other_names;
  for (const WeightSite& s : own) own_names.insert(s.layer);
  for (const WeightSite& s : other) other_names.insert(s.layer);
  for (const Fault& f : list.faults)
    if (own_names.count(f.site.layer) || !other_names.count(f.site.layer)) return false;
  return !list.faults.empty();
}

namespace {

const char* convention_name(Convention c) { return c == Convention::Torch ? "torch" : "keras"; }

// A path as one shell word (the command in the message is meant to be pasted).
std::string shell_word(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+-./,=:@%") ==
                        std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Names the first fault's layer: every layer of the list is of the other convention.
[[noreturn]] void refuse_other_convention(const FaultList& list, Convention expected, const std::filesystem::path& path,
                                          const ListPurpose& purpose) {
  const size_t i = 0;
  const Convention found = expected == Convention::Torch ? Convention::Keras : Convention::Torch;
  const std::string& layer = list.faults[i].site.layer;
  const std::string what = found == Convention::Keras
                               ? fmt::format(
                                     "layer '{}' is a Keras layer name: the list is in the Keras convention "
                                     "(layers conv2d, conv2d_1, ..., dense; indices (kh, kw, in, out))",
                                     layer)
                               : fmt::format(
                                     "layer '{}' is a PyTorch layer name: the list is in the PyTorch "
                                     "convention (indices (out, in, kh, kw))",
                                     layer);
  if (purpose.converting)
    throw UsageError(fmt::format("{}: {}, the one --to {} asks for: nothing to convert", where(list, i), what,
                                 convention_name(found)));
  // A campaign needs a PyTorch list: say how to make one from this one, beside it.
  std::filesystem::path out = path;
  out.replace_filename(path.stem().string() + "_torch" + path.extension().string());
  throw UsageError(
      fmt::format("{}: {}; a campaign needs the PyTorch convention. Convert it first:\n  faultbench "
                  "faultlist --convert {} --to torch --model {} --dataset {} --out {}",
                  where(list, i), what, shell_word(path.string()), shell_word(purpose.model),
                  shell_word(purpose.dataset), shell_word(out.string())));
}

}  // namespace

FaultList load_fault_list(const std::filesystem::path& path, const std::vector<WeightSite>& torch_sites,
                          Convention convention, const ListPurpose* purpose) {
  FaultList list = read_fault_list(path);
  if (purpose != nullptr)
    if (in_other_convention(list, torch_sites, convention)) refuse_other_convention(list, convention, path, *purpose);
  if (convention == Convention::Torch) {
    validate_fault_list(list, torch_sites);
    return list;
  }
  validate_fault_list(list, keras_sites(torch_sites));
  return to_torch(list, torch_sites);
}

}  // namespace faultbench
