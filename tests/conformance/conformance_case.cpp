// One conformance case: import_onnx, then every test_data_set_* through the Executor.
#include "conformance_case.h"

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <vector>

#include "faultbench/error.h"
#include "faultbench/executor.h"
#include "faultbench/onnx/import.h"

namespace faultbench::conformance {

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Passed: return "passed";
    case Verdict::Failed: return "failed";
    case Verdict::Unsupported: return "unsupported";
    case Verdict::Crashed: return "crashed";
  }
  return "?";
}

namespace {

namespace fs = std::filesystem;

// A TensorProto of FLOAT as dims and values; std::runtime_error saying what is wrong.
struct FloatTensor {
  std::vector<int64_t> dims;
  std::vector<float> values;
};

FloatTensor read_float_tensor(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(in), {}};
  onnx::TensorProto t;
  if (!t.ParseFromString(bytes)) throw std::runtime_error(path.filename().string() + ": not a TensorProto");
  if (t.data_type() != onnx::TensorProto::FLOAT)
    throw std::runtime_error(
        fmt::format("{}: data type {} (the runner compares FLOAT tensors)", path.filename().string(), t.data_type()));
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    throw std::runtime_error(path.filename().string() + ": external data");
  FloatTensor out;
  int64_t n = 1;
  for (int64_t d : t.dims()) {
    if (d < 0 || d > (int64_t(1) << 31)) throw std::runtime_error(path.filename().string() + ": bad dims");
    out.dims.push_back(d);
    n *= d;
  }
  if (n > (int64_t(1) << 28)) throw std::runtime_error(path.filename().string() + ": too large");
  if (!t.raw_data().empty()) {
    if (t.raw_data().size() != size_t(n) * 4) throw std::runtime_error(path.filename().string() + ": raw_data size");
    out.values.resize(size_t(n));
    std::memcpy(out.values.data(), t.raw_data().data(), size_t(n) * 4);
  } else {
    if (t.float_data_size() != n) throw std::runtime_error(path.filename().string() + ": float_data size");
    out.values.assign(t.float_data().begin(), t.float_data().end());
  }
  return out;
}

std::vector<fs::path> sorted_matching(const fs::path& dir, const std::string& prefix, bool folders) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind(prefix, 0) == 0 && e.is_directory() == folders) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string shape_text(const std::vector<int64_t>& dims) { return fmt::format("[{}]", fmt::join(dims, ", ")); }

// "" when the data set matches; otherwise what differs.
std::string run_data_set(const Graph& g, const fs::path& set) {
  const auto inputs = sorted_matching(set, "input_", false);
  const auto outputs = sorted_matching(set, "output_", false);
  if (inputs.size() != 1 || outputs.size() != 1)
    return fmt::format("{}: {} inputs and {} outputs, the imported graph has one of each", set.filename().string(),
                       inputs.size(), outputs.size());
  const FloatTensor x = read_float_tensor(inputs[0]);
  const FloatTensor want = read_float_tensor(outputs[0]);
  const ValueShape& in = g.input_shape;
  if (x.dims.empty() || x.dims[0] == 0 || int64_t(x.values.size()) != x.dims[0] * in.numel())
    return fmt::format("input {} does not fill [N, {}, {}, {}] (the imported input)", shape_text(x.dims), in.c, in.h,
                       in.w);
  const int64_t batch = x.dims[0];
  // The imported output is per image [C, H, W] of any shape (import.h); compared flat.
  const ValueShape& out = g.values.at(size_t(g.output_value));
  if (int64_t(want.values.size()) != batch * out.numel())
    return fmt::format("expected output {} is not [{}, {}, {}, {}] (the imported output)", shape_text(want.dims), batch,
                       out.c, out.h, out.w);
  ExecutorOptions options;
  options.threads = 1;
  Executor executor(g, options);
  const Tensor got = executor.forward(Tensor({batch, in.c, in.h, in.w}, x.values));
  double worst = 0;
  int64_t bad = -1;
  for (size_t i = 0; i < want.values.size(); ++i) {
    const double a = got.data[i], b = want.values[i];
    if (std::isnan(a) && std::isnan(b)) continue;
    const double err = std::abs(a - b);
    if (!(err <= 1e-7 + 1e-3 * std::abs(b))) {
      if (bad < 0 || std::isnan(err) || err > worst) bad = int64_t(i);
      worst = std::isnan(err) ? worst : std::max(worst, err);
    }
  }
  if (bad >= 0)
    return fmt::format("{}: element {} is {:.9g}, expected {:.9g} (max |error| {:.3g})", set.filename().string(), bad,
                       got.data[size_t(bad)], want.values[size_t(bad)], worst);
  return "";
}

}  // namespace

CaseResult run_case(const fs::path& dir) {
  Graph g;
  try {
    g = import_onnx(dir / "model.onnx");
  } catch (const FormatError& e) {
    const std::string what = e.what();
    // The importer's refusal of an op, attribute, type or shape it does not support.
    if (what.find("not supported") != std::string::npos) return {Verdict::Unsupported, what};
    return {Verdict::Failed, "import: " + what};
  } catch (const std::exception& e) {
    return {Verdict::Failed, std::string("import: ") + e.what()};
  }
  try {
    const auto sets = sorted_matching(dir, "test_data_set_", true);
    if (sets.empty()) return {Verdict::Failed, "no test_data_set_* folder"};
    for (const fs::path& set : sets) {
      const std::string problem = run_data_set(g, set);
      if (!problem.empty()) return {Verdict::Failed, problem};
    }
  } catch (const std::exception& e) {
    return {Verdict::Failed, std::string("run: ") + e.what()};
  }
  return {Verdict::Passed, ""};
}

}  // namespace faultbench::conformance
