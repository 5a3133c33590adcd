// What every group of robustness rows shares: the CliCase record and the fixtures and
// command lines the rows are made of (cli_cases.h lists the groups in table order).
#pragma once
#include <cstring>
#include <functional>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "cluster_fixtures.h"
#include "faultbench/faults/list_sidecar.h"
#include "faultbench/util/digest.h"
#include "hostile_inputs.h"
#include "onnx_files.h"
#include "robustness_fixtures.h"

namespace faultbench::robustness {

struct CliCase {
  std::string id;        // stable row id, e.g. "ckpt-zip-truncated"
  std::string category;  // checkpoint | safetensors | cifar | gtsrb | npy | fault list | journal | results | command
                         // line | output | onnx
  std::string what;      // the bad input, in words
  std::function<void(const fs::path& dir)> setup;  // writes the inputs into the scratch folder
  std::vector<std::string> args;                   // run in the scratch folder
  int exit_code = 1;                               // 1: bad file / I/O, 2: usage
  // Put before the binary on the command line: NAME=value settings, or a command that runs
  // it under a resource limit, e.g. "prlimit --stack=N" (run_cli runs `env ENV faultbench`).
  std::string env = "";
};

// gtest prints a parameter by its id.
inline void PrintTo(const CliCase& c, std::ostream* os) { *os << c.id; }

namespace detail {

inline std::vector<std::string> cat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

inline const std::vector<std::string> kConvert = {"convert",   "--model", "resnet20", "--dataset",      "cifar10",
                                                  "--weights", "w.ckpt",  "--out",    "out.safetensors"};
inline const std::vector<std::string> kEvalCifar = {"eval",      "--model",       "resnet20",   "--dataset", "cifar10",
                                                    "--weights", "w.safetensors", "--data-dir", "data",      "--images",
                                                    "2",         "--threads",     "1"};
inline const std::vector<std::string> kEvalGtsrb = {"eval",      "--model",       "resnet20",   "--dataset", "gtsrb",
                                                    "--weights", "w.safetensors", "--data-dir", "data",      "--images",
                                                    "2",         "--threads",     "1"};
inline std::vector<std::string> fl_convert(const std::string& to) {
  return {"faultlist", "--convert", "list.csv", "--to",  to,       "--model",
          "resnet20",  "--dataset", "cifar10",  "--out", "out.csv"};
}
inline const std::vector<std::string> kCampaign = {
    "campaign",        "--model",    "resnet20", "--dataset", "cifar10",  "--weights",
    "w.safetensors",   "--data-dir", "data",     "--faults",  "list.csv", "--out",
    "out/RESULTS.csv", "--images",   "2",        "--threads", "1"};

// `args` with the value of `option` replaced.
inline std::vector<std::string> with(std::vector<std::string> args, const std::string& option,
                                     const std::string& value) {
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == option) args[i + 1] = value;
  return args;
}

inline const std::string kTorchHeader = "Injection,Layer,TensorIndex,Bit\n";
inline const std::string kGoodRows = "0,conv1,\"(3, 0, 2, 1)\",15\n1,layer1.0.conv1,\"(7, 0, 2, 0)\",5\n";

// A torch list with two good rows and then `bad` (line 4).
inline std::function<void(const fs::path&)> list_with(const std::string& bad,
                                                      const std::string& header = kTorchHeader) {
  return [=](const fs::path& d) { write_bytes(d / "list.csv", header + kGoodRows + bad); };
}

inline void checkpoint_fixture(const fs::path& d, const std::string& name, double fraction = 1.0) {
  write_prefix(testing::source_dir() / "tests" / "io" / "fixtures" / name, d / "w.ckpt", fraction);
}

inline void cifar_data(const fs::path& d) {
  write_zero_weights("resnet20", "cifar10", d / "w.safetensors");
  write_cifar(d / "data" / "cifar-10-batches-bin" / "test_batch.bin", 10000, 3073);
}

// The inputs of kCampaign: weights, CIFAR-10 test file, a two-fault list.
inline void campaign_inputs(const fs::path& d) {
  cifar_data(d);
  write_bytes(d / "list.csv", kTorchHeader + kGoodRows);
}

inline void gtsrb_data(const fs::path& d) {
  write_zero_weights("resnet20", "gtsrb", d / "w.safetensors");
  write_gtsrb(d / "data", 3);
}

inline std::vector<StTensor> resnet20_with(const std::string& key, const std::string& dtype, Shape shape) {
  std::vector<StTensor> t = model_tensors("resnet20", "cifar10");
  for (StTensor& e : t)
    if (e.name == key) e = {key, dtype, std::move(shape)};
  return t;
}

// ResNet20 weights whose every BatchNorm has running_var -1: sqrt(var + eps) is NaN, and
// so is every logit of the fault-free network.
inline void nan_network_weights(const fs::path& path) {
  Graph g = build_model("resnet20", "cifar10");
  for (Param& p : g.params)
    if (p.role == ParamRole::RunningVar) std::fill(p.value.data.begin(), p.value.data.end(), -1.0f);
  write_safetensors(g, path);
}

inline std::vector<std::string> with_threads(const std::vector<std::string>& args, const std::string& threads) {
  std::vector<std::string> out(args.begin(), args.end() - 2);  // drop "--threads 1"
  return cat(out, {"--threads", threads});
}

// Each new thread asks for a stack as large as the address space (RLIMIT_STACK sets
// glibc's default stack size), so pthread_create fails with EAGAIN, as it does under a
// small ulimit -u or cgroup pids.max; unlike those, this limit binds root too.
inline const std::string kNoThreads = "prlimit --stack=140737488355328";

// ---- npy dataset: images.npy / labels.npy beside the ResNet32 weights (resnet32 is in the
// zoo once, so it runs on npy data by its name alone).
inline std::string npy_bytes(const std::string& dict, const std::string& data, int major = 1) {
  const size_t prefix = major == 1 ? 10 : 12;
  std::string header = dict;
  while ((prefix + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += char(major);
  out += '\0';
  out += char(header.size() & 0xff);
  out += char(header.size() >> 8);
  if (major != 1) out += std::string(2, '\0');
  return out + header + data;
}
inline std::string npy_floats(size_t n, float value = 0.5f) {
  std::string out(n * 4, '\0');
  for (size_t i = 0; i < n; ++i) std::memcpy(out.data() + 4 * i, &value, 4);
  return out;
}
inline std::string npy_int64s(const std::vector<int64_t>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * 8);
}
inline const std::string kNpyImages = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 32, 32), }";
inline const std::string kNpyLabels = "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }";
// Weights and a good npy set; then `edit` overwrites what the case breaks.
inline std::function<void(const fs::path&)> npy_data(std::function<void(const fs::path&)> edit = {}) {
  return [edit](const fs::path& d) {
    write_zero_weights("resnet32", "cifar10", d / "w.safetensors");
    fs::create_directories(d / "npy");
    write_bytes(d / "npy" / "images.npy", npy_bytes(kNpyImages, npy_floats(2 * 3072)));
    write_bytes(d / "npy" / "labels.npy", npy_bytes(kNpyLabels, npy_int64s({3, 7})));
    if (edit) edit(d / "npy");
  };
}
inline const std::vector<std::string> kEvalNpy = {"eval",      "--model",       "resnet32",   "--dataset", "npy",
                                                  "--weights", "w.safetensors", "--data-dir", "npy",       "--threads",
                                                  "1"};

}  // namespace detail

}  // namespace faultbench::robustness
