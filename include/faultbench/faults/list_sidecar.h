// The sidecar of a generated fault list, LIST.csv.json beside LIST.csv: what the list was
// drawn for (model, dataset, target) and how (seed, Leveugle parameters, population, sample
// size, per-layer allocation). The CSV keeps the published four columns, so lists stay
// readable by every tool; the sidecar lets a campaign record the seed, refuse a list drawn
// for another model, and lets statistics use the sampled population.
//
// A sidecar is bound to the bytes of its list by their sha256: a list edited after it was
// drawn no longer matches, and its sidecar is then ignored (with a note), never trusted.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "faultbench/faults/sampling.h"

namespace faultbench {

struct FaultListSidecar {
  std::string model, dataset;
  std::string target = "weights";  // what the sites are: weights (activations come later)
  std::string convention;          // torch | keras
  std::string fault_model;         // bitflip | stuck-at-0 | stuck-at-1
  std::string numerics = "fp32";   // the number format the bits were drawn for (absent: fp32)
  SamplingParams params;           // seed, e, t, p, count, scope; bits/sites per fault ("fault_shape")
  SamplePlan plan;                 // W, N, n, per-layer allocation
  int64_t faults = 0;              // faults in the list (rows, for a single-site list)
  int64_t rows = 0;                // rows in the list (fault_shape, multi-site lists only)
  std::string list_sha256;         // sha256 of the list file's bytes
};

std::filesystem::path fault_list_sidecar_path(const std::filesystem::path& list);  // list + ".json"

// The sidecar as JSON text (faultbench version and commit included).
std::string fault_list_sidecar_json(const FaultListSidecar& sidecar);

struct FoundListSidecar {
  std::optional<FaultListSidecar> sidecar;  // present and bound to these list bytes
  std::string note;                         // why a present sidecar was not used
};

// Reads the sidecar beside `list` when there is one. Absent: nothing, no note. Present but
// recorded for other list bytes: nothing, and a note saying so. Present and malformed (not
// JSON, nested over 16 levels, a field missing or of the wrong type, over 4 MiB): FormatError naming the file.
// A campaign's sidecar (the list is a RESULTS.csv) is no list sidecar: nothing, no note.
FoundListSidecar find_fault_list_sidecar(const std::filesystem::path& list, const std::string& list_sha256);

}  // namespace faultbench
