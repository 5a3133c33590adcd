// The hostile inputs themselves (see hostile_files.h for how they are built): each setup
// writes one into a scratch folder, as w.ckpt for `faultbench convert` (kConvertArgs) or
// as a campaign's journal or sidecar (kCampaignArgs). Used by memory_bounds_test.cpp,
// which runs them under a memory bound, and by the robustness table (cli_cases.h).
#pragma once
#include <stdexcept>

#include "hostile_files.h"

namespace faultbench::robustness::hostile {

inline const std::vector<std::string> kConvertArgs = {"convert",   "--model", "resnet20", "--dataset",      "cifar10",
                                                      "--weights", "w.ckpt",  "--out",    "out.safetensors"};
inline const std::vector<std::string> kCampaignArgs = {
    "campaign",        "--model",    "resnet20", "--dataset", "cifar10",  "--weights",
    "w.safetensors",   "--data-dir", "data",     "--faults",  "list.csv", "--out",
    "out/RESULTS.csv", "--images",   "2",        "--threads", "1"};

// ---- pickles ---------------------------------------------------------------------------
// A persistent id with a 1 MB storage key, memoized, then loaded 300,000 times (a reader
// that copies the key per load needs 300 GB). data.pkl is 2.2 MB, deflated to a few KB.
inline void pickle_memo_storage_key(const fs::path& d) {
  std::string p = "\x80\x02(" + str("storage") + "ctorch\nFloatStorage\n" + str(std::string(1 << 20, 'k')) +
                  str("cpu") + "K\x01" + "tq\x01" + "0" + "](";
  for (int i = 0; i < 300000; ++i) p += "h\x01Q0";
  write_bytes(d / "w.ckpt", torch_zip(p + "e."));
}

// One 1 MB string, memoized, made the key of 300,000 dicts (each dict indexes its keys).
inline void pickle_memo_dict_key(const fs::path& d) {
  std::string p = "\x80\x02" + str(std::string(1 << 20, 'k')) + "q\x02" + "0](";
  for (int i = 0; i < 300000; ++i) p += "}h\x02Ns";
  write_bytes(d / "w.ckpt", torch_zip(p + "e."));
}

// 12 million None appended to a list: many small objects (a 24 MB pickle).
inline void pickle_many_objects(const fs::path& d) {
  std::string p = "\x80\x02]";
  p.reserve(24'000'010);
  for (int i = 0; i < 12'000'000; ++i) p += "Na";
  write_bytes(d / "w.ckpt", torch_zip(p + "."));
}

// The storage-key reuse of pickle_memo_storage_key in a legacy file (no compression:
// a 100 KB key loaded 200,000 times from a 900 KB file).
inline void legacy_memo_storage_key(const fs::path& d) {
  std::string p = "\x80\x02(" + str("storage") + "ctorch\nFloatStorage\n" + str(std::string(100'000, 'k')) +
                  str("cpu") + "K\x01" + "tq\x01" + "0](";
  for (int i = 0; i < 200000; ++i) p += "h\x01Q0";
  write_bytes(d / "w.ckpt", legacy_head(p + "e.", {"0"}));
}

// A legacy state dict pickle that is a 40 MB string (sparse), past the pickle limit.
inline void legacy_long_pickle(const fs::path& d) {
  const std::string head = legacy_head("", {});
  const std::string start = head.substr(0, 25) + "\x80\x02X" + le(40u << 20, 4);
  write_bytes(d / "w.ckpt", start);
  fs::resize_file(d / "w.ckpt", start.size() + (40u << 20) + 1);
}

// ---- zip archives ------------------------------------------------------------------------
// A complete ResNet20 state dict whose storage declares 1 GiB (deflated to ~1 MB) while
// the tensors view its first MB: valid, and must load without inflating the rest.
inline void zip_storage_bomb_valid(const fs::path& d) {
  write_bytes(d / "w.ckpt",
              torch_zip(model_state_dict("resnet20", "cifar10", kGiBFloats), {deflated_zeros("archive/data/0", 1024)}));
}

// The storage declares exactly what the tensors use, its entry holds 1 GiB.
inline int64_t zip_storage_size_lie(const fs::path& d) {
  int64_t used = 0;
  (void)model_state_dict("resnet20", "cifar10", 0, &used);
  write_bytes(d / "w.ckpt",
              torch_zip(model_state_dict("resnet20", "cifar10", used), {deflated_zeros("archive/data/0", 1024)}));
  return used;
}

// data.pkl itself inflates to 1 GiB.
inline void zip_pickle_bomb(const fs::path& d) {
  write_bytes(d / "w.ckpt",
              zip_bytes({deflated_zeros("archive/data.pkl", 1024), stored("archive/byteorder", "little")}));
}

// Two entries named archive/data.pkl: a harmless and a hostile one.
inline void zip_duplicate_entry(const fs::path& d) {
  write_bytes(d / "w.ckpt", zip_bytes({deflated("archive/data.pkl", "\x80\x02}."),
                                       deflated("archive/data.pkl",
                                                "\x80\x02"
                                                "cos\nsystem\n."),
                                       stored("archive/byteorder", "little")}));
}

// End records (zip64) declaring a billion entries.
inline void zip_entry_count(const fs::path& d) {
  std::string z = torch_zip("\x80\x02}.");
  const std::string eocd = z.substr(z.size() - 22);
  z.resize(z.size() - 22);
  const uint64_t cd_size = uint64_t(uint8_t(eocd[12])) | uint64_t(uint8_t(eocd[13])) << 8;
  const uint64_t cd_at = uint64_t(uint8_t(eocd[16])) | uint64_t(uint8_t(eocd[17])) << 8;
  const uint64_t z64_at = z.size();
  z += le(0x06064b50, 4) + le(44, 8) + le(45, 2) + le(45, 2) + le(0, 4) + le(0, 4) + le(1'000'000'000, 8) +
       le(1'000'000'000, 8) + le(cd_size, 8) + le(cd_at, 8);
  z += le(0x07064b50, 4) + le(0, 4) + le(z64_at, 8) + le(1, 4);
  z += le(0x06054b50, 4) + le(0, 2) + le(0, 2) + le(0xffff, 2) + le(0xffff, 2) + le(cd_size, 4) + le(cd_at, 4) +
       le(0, 2);
  write_bytes(d / "w.ckpt", z);
}

// A state dict key of 2,000 bytes.
inline void zip_long_key(const fs::path& d) {
  const std::string p = "\x80\x02}" + str(std::string(2000, 'a')) + tensor(float_storage("0", 1), 0, {1}) + "s.";
  write_bytes(d / "w.ckpt", torch_zip(p, {stored("archive/data/0", std::string(4, '\0'))}));
}

// ---- legacy files --------------------------------------------------------------------------
// A complete ResNet20 legacy checkpoint whose one storage is 1 GiB (sparse on disk).
inline void legacy_storage_bomb_valid(const fs::path& d) {
  write_legacy(d / "w.ckpt", legacy_head(model_state_dict("resnet20", "cifar10", kGiBFloats), {"0"}), kGiBFloats);
}

// ---- safetensors headers ---------------------------------------------------------------
inline void st_deep_json(const fs::path& d) {
  write_bytes(d / "w.ckpt",
              safetensors_with_header("{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}"));
}

// A 40 MB header: one entry made of 13 million empty arrays.
inline void st_empty_arrays(const fs::path& d) {
  std::string h = "{\"a\":[";
  h.reserve(40'000'000);
  while (h.size() < 40'000'000) h += "[],";
  h += "[]]}";
  write_bytes(d / "w.ckpt", safetensors_with_header(h));
}

inline void st_duplicate_name(const fs::path& d) {
  write_bytes(d / "w.ckpt",
              safetensors_with_header(R"({"conv1.weight":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                      R"("conv1.weight":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                                      std::string(8, '\0')));
}

inline void st_long_name(const fs::path& d) {
  write_bytes(d / "w.ckpt", safetensors_with_header("{\"" + std::string(2000, 'n') +
                                                    R"(":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}})"));
}

inline void st_many_tensors(const fs::path& d) {
  std::string h = "{";
  for (int i = 0; i <= 100'000; ++i)
    h += (i ? ",\"t" : "\"t") + std::to_string(i) + R"(":{"dtype":"F32","shape":[0],"data_offsets":[0,0]})";
  write_bytes(d / "w.ckpt", safetensors_with_header(h + "}"));
}

// 17,000 tensors with names of 1,000 bytes (17 MB of names in an 18 MB header).
inline void st_long_names(const fs::path& d) {
  std::string h = "{";
  h.reserve(18'000'000);
  for (int i = 0; i < 17'000; ++i) {
    std::string name = std::to_string(i);
    name.resize(1000, 'n');
    h += (i ? ",\"" : "\"") + name + R"(":{"dtype":"F32","shape":[0],"data_offsets":[0,0]})";
  }
  write_bytes(d / "w.ckpt", safetensors_with_header(h + "}"));
}

// __metadata__ of 300,000 entries with empty values (a 3.5 MB header, far more in memory).
inline void st_metadata_entries(const fs::path& d) {
  std::string h = "{\"__metadata__\":{";
  for (int i = 0; i < 300'000; ++i) h += (i ? ",\"" : "\"") + std::to_string(i) + "\":\"\"";
  write_bytes(d / "w.ckpt", safetensors_with_header(h + "}}"));
}

// ---- campaign journal and sidecar --------------------------------------------------------
inline void campaign_inputs(const fs::path& d) {
  write_zero_weights("resnet20", "cifar10", d / "w.safetensors");
  write_cifar(d / "data" / "cifar-10-batches-bin" / "test_batch.bin", 10000, 3073);
  write_bytes(d / "list.csv", "Injection,Layer,TensorIndex,Bit\n0,conv1,\"(3, 0, 2, 1)\",15\n1,linear,\"(0, 0)\",30\n");
  fs::create_directories(d / "out");
}

// A journal of this very campaign (one batch record), padded to 3 GiB (sparse).
inline void journal_padded(const fs::path& d) {
  campaign_inputs(d);
  std::vector<std::string> args = kCampaignArgs;
  args.insert(args.end(), {"--fault-batch", "1"});
  const CliRun first = run_cli(args, d, "FAULTBENCH_TEST_CRASH_AFTER_RECORDS=1");
  if (!fs::exists(d / "out" / "RESULTS.csv.journal"))
    throw std::runtime_error("setup: the interrupted campaign left no journal: " + first.err);
  fs::resize_file(d / "out" / "RESULTS.csv.journal", uint64_t(3) << 30);
}

// A finished campaign's results whose sidecar is padded to 2 GiB (sparse).
inline void sidecar_padded(const fs::path& d) {
  campaign_inputs(d);
  write_bytes(d / "out" / "RESULTS.csv", "Injection\n");
  write_bytes(d / "out" / "RESULTS.csv.json", "{");
  fs::resize_file(d / "out" / "RESULTS.csv.json", uint64_t(2) << 30);
}

}  // namespace faultbench::robustness::hostile
