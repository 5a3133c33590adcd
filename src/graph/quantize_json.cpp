// The fp32 graph and its int8 calibration as JSON (faultbench/graph/quantize.h), the input
// of tools/int8_reference.py, which re-implements the rewrite and the integer arithmetic
// from docs/NUMERICS.md and compares the logits bit for bit.
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <variant>

#include "faultbench/graph/quantize.h"

namespace faultbench {

namespace {
nlohmann::json window_json(const Window2d& w) {
  return {{"kernel", {w.kernel_h, w.kernel_w}},
          {"stride", {w.stride_h, w.stride_w}},
          {"dilation", {w.dilation_h, w.dilation_w}},
          {"pads", {w.pad_top, w.pad_left, w.pad_bottom, w.pad_right}}};
}
}  // namespace

std::string int8_calibration_json(const Graph& g, const Int8Calibration& cal) {
  nlohmann::ordered_json j;
  j["model"] = g.model;
  j["calibration_images"] = cal.images;
  j["input_value"] = g.input_value;
  j["output_value"] = g.output_value;
  j["values"] = nlohmann::json::array();
  for (size_t v = 0; v < g.values.size(); ++v) {
    const ValueShape& s = g.values[v];
    // max_abs as the float's exact decimal (%.9g round-trips binary32).
    j["values"].push_back({{"shape", {s.c, s.h, s.w}}, {"max_abs", fmt::format("{:.9g}", cal.max_abs.at(v))}});
  }
  j["nodes"] = nlohmann::json::array();
  for (const Node& n : g.nodes) {
    nlohmann::ordered_json o;
    o["kind"] = op_kind_name(n.kind);
    o["name"] = n.name;
    o["inputs"] = n.inputs;
    o["output"] = n.output;
    o["params"] = nlohmann::json::array();
    for (int p : n.params) o["params"].push_back(g.params[size_t(p)].name);
    if (const auto* c = std::get_if<Conv2dAttrs>(&n.attrs)) {
      o["window"] = window_json(c->window);
      o["groups"] = c->groups;
      o["bias"] = c->bias;
    } else if (const auto* p = std::get_if<PoolAttrs>(&n.attrs)) {
      o["window"] = window_json(p->window);
      o["ceil_mode"] = p->ceil_mode;
    } else if (const auto* b = std::get_if<BatchNormAttrs>(&n.attrs)) {
      o["eps"] = fmt::format("{:.9g}", float(b->eps));
    } else if (const auto* s = std::get_if<ShortcutAAttrs>(&n.attrs)) {
      o["pad_front"] = s->pad_front;
      o["pad_back"] = s->pad_back;
    } else if (const auto* l = std::get_if<LinearAttrs>(&n.attrs)) {
      o["bias"] = l->bias;
    }
    j["nodes"].push_back(o);
  }
  return j.dump(1) + "\n";
}

}  // namespace faultbench
