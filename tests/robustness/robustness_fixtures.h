// Bad-input fixtures for the robustness table tests (tests/robustness/cli_errors_test.cpp).
// Everything is written into a scratch folder at test time; nothing comes from
// ../shared/data, so the table is checked on a fresh clone too.
#pragma once
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "faultbench/graph.h"
#include "faultbench/io/safetensors.h"
#include "faultbench/zoo/zoo.h"
#include "test_support.h"

namespace faultbench::robustness {

namespace fs = std::filesystem;

inline void write_bytes(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
}

inline std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The first `fraction` of a file's bytes (a transfer cut short).
inline void write_prefix(const fs::path& from, const fs::path& to, double fraction) {
  const std::string b = read_bytes(from);
  write_bytes(to, b.substr(0, size_t(double(b.size()) * fraction)));
}

// One tensor of a hand-made safetensors file (zero-filled data).
struct StTensor {
  std::string name, dtype;
  Shape shape;
};

inline int dtype_size(const std::string& dtype) {
  if (dtype == "F64" || dtype == "I64") return 8;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16") return 2;
  if (dtype == "U8" || dtype == "I8" || dtype == "BOOL") return 1;
  return 4;
}

// Header JSON and zero data for `tensors`; `edit` may change the header before writing.
template <class Edit>
std::string safetensors_bytes(const std::vector<StTensor>& tensors, Edit&& edit) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  uint64_t off = 0;
  for (const StTensor& t : tensors) {
    const uint64_t n = uint64_t(numel(t.shape)) * uint64_t(dtype_size(t.dtype));
    header[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {off, off + n}}};
    off += n;
  }
  edit(header);
  std::string h = header.dump();
  h.append((8 - h.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[size_t(i)] = char((uint64_t(h.size()) >> (8 * i)) & 0xff);
  return out + h + std::string(off, '\0');
}
inline std::string safetensors_bytes(const std::vector<StTensor>& tensors) {
  return safetensors_bytes(tensors, [](auto&) {});
}

// The state-dict entries of a zoo model (F32, num_batches_tracked I64 []).
inline std::vector<StTensor> model_tensors(const std::string& model, const std::string& dataset) {
  std::vector<StTensor> out;
  for (const Param& p : build_model(model, dataset).params)
    out.push_back({p.name, p.role == ParamRole::NumBatchesTracked ? "I64" : "F32", p.shape});
  return out;
}

// Valid (all-zero) weights of a zoo model, as faultbench convert writes them.
inline void write_zero_weights(const std::string& model, const std::string& dataset, const fs::path& path) {
  write_safetensors(build_model(model, dataset), path);
}

// A CIFAR binary of `records` zero records (sparse: costs no disk), `label` in record 5.
inline void write_cifar(const fs::path& path, int64_t records, int record_bytes, int label5 = -1) {
  write_bytes(path, "");
  fs::resize_file(path, uint64_t(records) * uint64_t(record_bytes));
  if (label5 >= 0) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(5 * record_bytes + record_bytes - 3073);
    f.put(char(label5));
  }
}

inline std::string ppm(int w, int h) {
  std::string s = "P6\n" + std::to_string(w) + " " + std::to_string(h) + "\n255\n";
  s.append(size_t(w) * size_t(h) * 3, '\x40');
  return s;
}

// A GTSRB test folder with `n` valid 20x20 images and their ground truth.
inline void write_gtsrb(const fs::path& dir, int n) {
  const fs::path images = dir / "GTSRB" / "Final_Test" / "Images";
  std::string csv = "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId\n";
  for (int i = 0; i < n; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "%05d.ppm", i);
    write_bytes(images / name, ppm(20, 20));
    csv += std::string(name) + ";20;20;1;1;18;18;" + std::to_string(i % 43) + "\n";
  }
  write_bytes(dir / "GT-final_test.csv", csv);
}

struct CliRun {
  int exit_code = -1;
  std::string err;  // stderr
};

// Runs the faultbench binary in `cwd` with `args` (each single-quoted), without
// FAULTBENCH_DATA in its environment; `env` adds variables ("NAME=value ...").
inline CliRun run_cli(const std::vector<std::string>& args, const fs::path& cwd, const std::string& env = "") {
  std::string cmd =
      "cd '" + cwd.string() + "' && env -u FAULTBENCH_DATA " + env + " '" + testing::cli_path().string() + "'";
  for (const std::string& a : args) cmd += " '" + a + "'";
  cmd += " >'" + (cwd / ".stdout").string() + "' 2>'" + (cwd / ".stderr").string() + "'";
  const int status = std::system(cmd.c_str());
  return CliRun{WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_bytes(cwd / ".stderr")};
}

}  // namespace faultbench::robustness
