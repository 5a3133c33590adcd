// One case of ONNX's conformance suite: import, run, compare (see onnx_conformance.cpp).
#pragma once
#include <filesystem>
#include <string>

namespace faultbench::conformance {

enum class Verdict { Passed, Failed, Unsupported, Crashed };
const char* verdict_name(Verdict v);

struct CaseResult {
  Verdict verdict = Verdict::Failed;
  std::string detail;  // why (empty when passed)
};

// Imports DIR/model.onnx and runs every DIR/test_data_set_*; never throws.
CaseResult run_case(const std::filesystem::path& dir);

}  // namespace faultbench::conformance
