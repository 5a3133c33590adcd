// The zoo's ONNX exports the tests import (tools/export_onnx.py: the PyTorch definitions of
// tools/reference_models.py, unfolded, seeded random weights; ROOT/<dataset>_<model>_<opset>/
// model.onnx and weights.safetensors, the same weights for the built-in model).
//
// Under ctest they are written once, by the fixture test onnx.zoo_exports, into the folder
// that FAULTBENCH_ONNX_EXPORTS names: every test of test_onnx is its own process, and each
// exporting for itself cost about 6 s. Run directly, or with FAULTBENCH_ONNX_ZOO=all (every
// zoo pair at opset 13: the longer manual run of docs/ONNX.md), the binary exports what it
// needs itself, in one Python process.
#pragma once
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "faultbench/zoo/zoo.h"
#include "test_support.h"

namespace faultbench::testing {

struct ZooExport {
  std::string dataset, model;
  int opset = 13;
  std::string key() const { return dataset + "_" + model + "_" + std::to_string(opset); }
  std::string job() const { return dataset + ":" + model + ":" + std::to_string(opset); }
};

// gtest prints a parameter with the test's name (and ctest's list): "cifar10:resnet20:13".
inline void PrintTo(const ZooExport& e, std::ostream* os) { *os << e.job(); }

namespace zoo_exports_detail {

// "cifar10:resnet20:13,cifar10:mobilenetv2:17" (tests/CMakeLists.txt, the one list).
inline std::vector<ZooExport> parse_jobs(const std::string& text) {
  std::vector<ZooExport> v;
  std::stringstream s(text);
  std::string job;
  while (std::getline(s, job, ',')) {
    const size_t a = job.find(':'), b = job.rfind(':');
    v.push_back({job.substr(0, a), job.substr(a + 1, b - a - 1), std::stoi(job.substr(b + 1))});
  }
  return v;
}

inline bool all_zoo() {
  const char* all = std::getenv("FAULTBENCH_ONNX_ZOO");
  return all && std::string(all) == "all";
}

inline std::string jobs_of(const std::vector<ZooExport>& v) {
  std::string jobs;
  for (const ZooExport& e : v) jobs += (jobs.empty() ? "" : ",") + e.job();
  return jobs;
}

}  // namespace zoo_exports_detail

// CI's exports (FAULTBENCH_ONNX_CI_EXPORTS: what onnx.zoo_exports writes) and, with
// FAULTBENCH_ONNX_ZOO=all, every zoo pair at opset 13 too.
inline const std::vector<ZooExport>& zoo_exports() {
  static const std::vector<ZooExport> e = [] {
    std::vector<ZooExport> v = zoo_exports_detail::parse_jobs(FAULTBENCH_ONNX_CI_EXPORTS);
    if (zoo_exports_detail::all_zoo())
      for (const ModelInfo& m : zoo_models())
        if (std::none_of(v.begin(), v.end(), [&](const ZooExport& x) {
              return x.model == m.model && x.dataset == m.dataset && x.opset == 13;
            }))
          v.push_back({m.dataset, m.model, 13});
    return v;
  }();
  return e;
}

// The exports whose 200-image campaign CI runs (FAULTBENCH_ONNX_CI_CAMPAIGNS), or every zoo
// pair at opset 13 with FAULTBENCH_ONNX_ZOO=all.
inline std::vector<ZooExport> zoo_campaign_exports() {
  if (!zoo_exports_detail::all_zoo()) return zoo_exports_detail::parse_jobs(FAULTBENCH_ONNX_CI_CAMPAIGNS);
  std::vector<ZooExport> v;
  for (const ModelInfo& m : zoo_models()) v.push_back({m.dataset, m.model, 13});
  return v;
}

struct ZooExportFolder {
  std::string skip;  // why the tests skip (no torch, exports not written); "" when ready
  std::filesystem::path root;
};

inline const ZooExportFolder& zoo_export_folder() {
  static const ZooExportFolder f = [] {
    ZooExportFolder x;
    const std::string jobs = zoo_exports_detail::jobs_of(zoo_exports());
    const char* given = std::getenv("FAULTBENCH_ONNX_EXPORTS");
    if (given && *given) {
      // Written by onnx.zoo_exports (or export_onnx.py --jobs by hand): its last act is the
      // list of what it wrote.
      std::ifstream done(std::filesystem::path(given) / "jobs.done");
      std::string written;
      std::getline(done, written);
      if (written == jobs) {
        x.root = given;
        return x;
      }
      if (!zoo_exports_detail::all_zoo()) {
        x.skip = std::string("the ONNX exports in ") + given + " are not there (the fixture onnx.zoo_exports " +
                 "skips without /usr/bin/python3's torch): skipping";
        return x;
      }
    }
    if (std::system("/usr/bin/python3 -c 'import torch, torch.onnx' >/dev/null 2>&1") != 0) {
      x.skip = "/usr/bin/python3 cannot import torch: skipping the ONNX export tests";
      return x;
    }
    x.root = make_temp_dir("onnx-zoo");
    const std::string cmd = "/usr/bin/python3 '" + (source_dir() / "tools" / "export_onnx.py").string() + "' --jobs " +
                            jobs + " --out '" + x.root.string() + "' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) x.skip = "export_onnx.py failed: " + cmd;
    return x;
  }();
  return f;
}

}  // namespace faultbench::testing

#define REQUIRE_ZOO_EXPORTS()                                                                    \
  const ::faultbench::testing::ZooExportFolder& fx = ::faultbench::testing::zoo_export_folder(); \
  if (!fx.skip.empty()) GTEST_SKIP() << fx.skip
