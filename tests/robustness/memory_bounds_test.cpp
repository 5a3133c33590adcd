// Untrusted readers stay within the memory the model needs plus a constant.
//
// Each case writes a hostile input (hostile_inputs.h: pickles reusing memoized values,
// zip entries inflating a thousandfold or lying about their size, JSON headers nested or
// repeated without end, journals and sidecars padded to gigabytes), runs the faultbench
// binary on it and checks the exact outcome and the peak RSS of that process (wait4's
// rusage), which must stay under 256 MB plus the size of the model's tensors. The child
// also runs under an address-space limit, so that a regression fails the test (bad_alloc)
// rather than exhausting the machine. The peak a child reports includes the memory of the
// test process it was forked from (Linux records it at exec), so the inputs are built in
// another child, and the test process stays small: the measure can only err high.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>

#include "faultbench/campaign/journal.h"
#include "faultbench/error.h"
#include "faultbench/io/checkpoint.h"
#include "hostile_inputs.h"

namespace faultbench::robustness {
namespace {

namespace h = hostile;

struct MeasuredRun {
  int exit_code = -1;
  std::string err;
  long max_rss_kb = 0;
};

// Runs the CLI in `cwd` (stdout and stderr to files there), without FAULTBENCH_DATA.
MeasuredRun run_measured(const std::vector<std::string>& args, const fs::path& cwd) {
  const std::string cli = testing::cli_path().string();
  std::vector<std::string> argv_s = {cli};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    if (chdir(cwd.c_str()) != 0) _exit(126);
    unsetenv("FAULTBENCH_DATA");
    const int out = open(".stdout", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(".stderr", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) _exit(126);
    const rlimit as{rlim_t(3) << 30, rlim_t(3) << 30};
    setrlimit(RLIMIT_AS, &as);
    execv(argv[0], argv.data());
    _exit(127);
  }
  MeasuredRun r;
  int status = 0;
  rusage ru{};
  if (pid < 0 || wait4(pid, &status, 0, &ru) != pid) return r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.max_rss_kb = ru.ru_maxrss;
  r.err = read_bytes(cwd / ".stderr");
  while (!r.err.empty() && r.err.back() == '\n') r.err.pop_back();
  return r;
}

// 256 MB plus ResNet20's tensors (fp32).
long bound_kb() {
  int64_t floats = 0;
  for (const Param& p : build_model("resnet20", "cifar10").params) floats += numel(p.shape);
  return long(256 * 1024 + floats * 4 / 1024);
}

struct Case {
  std::string id;
  std::function<void(const fs::path&)> setup;
  std::vector<std::string> args;
  int exit_code;
  std::string message;  // exact stderr; "" for a success
};

// Runs setup(dir) in a child process (see the header); "" or what it threw.
std::string setup_in_child(const std::function<void(const fs::path&)>& setup, const fs::path& dir) {
  const fs::path err = dir / ".setup_error";
  const pid_t pid = fork();
  if (pid == 0) {
    try {
      setup(dir);
      _exit(0);
    } catch (const std::exception& e) {
      write_bytes(err, e.what());
    }
    _exit(1);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return "fork failed";
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  return fs::exists(err) ? read_bytes(err) : "setup died";
}

void check(const Case& c) {
  SCOPED_TRACE(c.id);
  const fs::path dir = testing::make_temp_dir("memory-" + c.id);
  ASSERT_EQ(setup_in_child(c.setup, dir), "");
  const MeasuredRun r = run_measured(c.args, dir);
  EXPECT_EQ(r.exit_code, c.exit_code) << r.err;
  if (c.exit_code == 0)
    EXPECT_TRUE(r.err.empty()) << r.err;
  else
    EXPECT_EQ(r.err, "faultbench: error: " + c.message);
  std::printf("[ memory   ] %s: peak RSS %ld MB\n", c.id.c_str(), r.max_rss_kb / 1024);
  EXPECT_GT(r.max_rss_kb, 0);
  EXPECT_LT(r.max_rss_kb, bound_kb()) << "peak RSS " << r.max_rss_kb / 1024 << " MB";
  fs::remove_all(dir);
}

const std::string kPickle = "w.ckpt: zip entry 'archive/data.pkl': pickle offset ";
const std::string kBudget = ": the pickle's objects need more than 64 MB of memory (the unpickler's limit)";

TEST(MemoryBounds, PicklesReusingMemoizedValues) {
  check({"memo-storage-key", h::pickle_memo_storage_key, h::kConvertArgs, 1, kPickle + "1048878" + kBudget});
  check({"memo-dict-key", h::pickle_memo_dict_key, h::kConvertArgs, 1, kPickle + "1048902" + kBudget});
  check({"legacy-memo-storage-key", h::legacy_memo_storage_key, h::kConvertArgs, 1,
         "w.ckpt: pickle offset 102751" + kBudget + " (reading the state dict)"});
}

TEST(MemoryBounds, PicklesOfManySmallObjects) {
  check({"many-objects", h::pickle_many_objects, h::kConvertArgs, 1, kPickle + "762601" + kBudget});
}

TEST(MemoryBounds, PickleLongerThanTheLimit) {
  check({"legacy-long-pickle", h::legacy_long_pickle, h::kConvertArgs, 1,
         "w.ckpt: pickle offset 27: the pickles are longer than 32 MB (the limit for a state dict) (reading the "
         "state dict)"});
}

TEST(MemoryBounds, ZipEntriesThatInflateAThousandfold) {
  // Valid: the tensors view the first MB of a 1 GiB storage; nothing more is inflated.
  check({"zip-storage-bomb", h::zip_storage_bomb_valid, h::kConvertArgs, 0, ""});
  check({"zip-pickle-bomb", h::zip_pickle_bomb, h::kConvertArgs, 1,
         "w.ckpt: zip entry 'archive/data.pkl' of 1073741824 bytes is larger than a state dict pickle can be "
         "(33554432 bytes)"});
}

TEST(MemoryBounds, ZipStorageLargerThanDeclared) {
  int64_t used = 0;
  (void)h::model_state_dict("resnet20", "cifar10", 0, &used);
  check({"zip-size-lie", h::zip_storage_size_lie, h::kConvertArgs, 1,
         "w.ckpt: zip entry 'archive/data/0' has 1073741824 bytes, storage of " + std::to_string(used) +
             " elements x 4 bytes declared"});
}

TEST(MemoryBounds, ZipArchiveStructure) {
  check({"zip-entry-count", h::zip_entry_count, h::kConvertArgs, 1,
         "w.ckpt: zip archive declares 1000000000 entries (the limit is 100000)"});
  check({"zip-duplicate-entry", h::zip_duplicate_entry, h::kConvertArgs, 1,
         "w.ckpt: zip entry 'archive/data.pkl' appears twice in the archive"});
  check({"zip-long-key", h::zip_long_key, h::kConvertArgs, 1,
         "w.ckpt: state_dict key '" + std::string(80, 'a') + "...' is 2000 bytes long (the limit is 1024)"});
}

TEST(MemoryBounds, LegacyStorageOfAGigabyte) {
  check({"legacy-storage-bomb", h::legacy_storage_bomb_valid, h::kConvertArgs, 0, ""});
}

TEST(MemoryBounds, SafetensorsHeaders) {
  check({"st-deep", h::st_deep_json, h::kConvertArgs, 1,
         "w.ckpt: safetensors header byte 77: JSON nested deeper than 64 levels (the limit)"});
  check({"st-empty-arrays", h::st_empty_arrays, h::kConvertArgs, 1,
         "w.ckpt: safetensors header byte 3084: tensor 'a': more than 1024 JSON values in its entry (the limit)"});
  check({"st-duplicate", h::st_duplicate_name, h::kConvertArgs, 1,
         "w.ckpt: tensor 'conv1.weight' appears twice in the safetensors header"});
  check({"st-long-name", h::st_long_name, h::kConvertArgs, 1,
         "w.ckpt: safetensors header byte 2011: tensor name '" + std::string(80, 'n') +
             "...' is 2000 bytes long (the limit is 1024)"});
  check({"st-many-tensors", h::st_many_tensors, h::kConvertArgs, 1,
         "w.ckpt: safetensors header byte 5788908: more than 100000 tensors (the limit)"});
  check({"st-long-names", h::st_long_names, h::kConvertArgs, 1,
         "w.ckpt: safetensors header byte 17650415: tensor names longer than 16 MB together (the limit)"});
  check({"st-metadata-entries", h::st_metadata_entries, h::kConvertArgs, 1,
         "w.ckpt: safetensors header byte 2784055: __metadata__ holds more than 16 MB (the limit)"});
}

TEST(MemoryBounds, JournalAndSidecarPaddedToGigabytes) {
  check({"journal-padded", h::journal_padded, h::kCampaignArgs, 1,
         "out/RESULTS.csv.journal: 3221225472 bytes, more than a journal of 2 faults can hold (65687 bytes)"});
  check({"sidecar-padded", h::sidecar_padded, h::kCampaignArgs, 1,
         "out/RESULTS.csv.json: 2147483648 bytes, more than a campaign sidecar can hold (the limit is 1048624 "
         "bytes)"});
}

// Without a model to bound it, a tensor reused under many keys is copied at most twice
// over what the storages hold (tied weights: twice).
TEST(MemoryBounds, WithoutAModelReusedTensorsAreCopiedAtMostTwiceOver) {
  const fs::path dir = testing::make_temp_dir("memory-reuse");
  auto write = [&](int keys) {
    std::string p = "\x80\x02}(";
    for (int k = 0; k < keys; ++k)
      p += h::str("k" + std::to_string(k)) +
           h::tensor(k == 0 ? h::float_storage("0", 1 << 20) + "q\x01" : std::string("h\x01"), 0, {1 << 20});
    write_bytes(dir / "w.pt", h::torch_zip(p + "u.", {h::deflated_zeros("archive/data/0", 4)}));
  };
  write(2);
  EXPECT_EQ(read_checkpoint(dir / "w.pt").entries.size(), 2u);
  write(64);
  try {
    read_checkpoint(dir / "w.pt");
    FAIL() << "copied a tensor 64 times";
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()),
              "w.pt: the tensors view their storages more than twice over (67108864 values from 1048576 stored): "
              "refusing to copy them");
  }
}

// The writer never journals an empty batch, so a checksummed one is damage: without
// this rule, empty records would make a valid journal of unbounded size.
TEST(MemoryBounds, JournalBatchOfNoFaultsIsDamage) {
  CampaignBinding b{"resnet20", "cifar10", "w", "d", 10, "f", 2, "as-listed"};
  std::string bytes(kJournalMagic);
  bytes += encode_journal_header(b);
  bytes += encode_journal_batch({});
  try {
    parse_journal(bytes, "empty.journal");
    FAIL() << "accepted a batch record of 0 faults";
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()), "empty.journal: record 1 at byte 169: batch record of 0 faults");
  }
}

}  // namespace
}  // namespace faultbench::robustness
