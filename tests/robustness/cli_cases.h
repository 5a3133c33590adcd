// The rows of docs/ROBUSTNESS.md: one bad input or command-line mistake each, how to
// make it in a scratch folder, the faultbench command that meets it, and the exit code
// it must give. The exact message of each row is kept in the document and checked
// against the binary by cli_errors_test.cpp (FAULTBENCH_UPDATE_ROBUSTNESS=1 rewrites it).
#pragma once
#include "cli_cases_common.h"
#include "cli_cases_cluster.h"
#include "cli_cases_stats.h"
#include "cli_cases_fault_models.h"
#include "cli_cases_own_models.h"

namespace faultbench::robustness {

// The rows in table order: the original groups below, then the later issues' groups.
inline const std::vector<CliCase>& cli_cases() {
  static const std::vector<CliCase> cases = [] {
    using namespace detail;
    std::vector<CliCase> all = {
      // ---- checkpoints (faultbench convert reads, checks strictly, writes safetensors) ----
      {"ckpt-missing", "checkpoint", "checkpoint file does not exist", [](const fs::path&) {}, kConvert, 1},
      {"ckpt-empty", "checkpoint", "empty checkpoint file (0 bytes)",
       [](const fs::path& d) { write_bytes(d / "w.ckpt", ""); }, kConvert, 1},
      {"ckpt-wrong-magic", "checkpoint", "not a checkpoint (a text file)",
       [](const fs::path& d) { write_bytes(d / "w.ckpt", "hello, this is not a checkpoint\n"); }, kConvert, 1},
      {"ckpt-zip-truncated", "checkpoint", "zip checkpoint cut at half its size",
       [](const fs::path& d) { checkpoint_fixture(d, "zip_plain.pt", 0.5); }, kConvert, 1},
      {"ckpt-legacy-truncated", "checkpoint", "legacy .th checkpoint cut at 60 % of its size",
       [](const fs::path& d) { checkpoint_fixture(d, "legacy_plain.th", 0.6); }, kConvert, 1},
      {"ckpt-hostile-pickle", "checkpoint", "pickle calling os.system (code execution attempt)",
       [](const fs::path& d) { checkpoint_fixture(d, "evil_global.pt"); }, kConvert, 1},
      {"ckpt-other-model", "checkpoint", "checkpoint of another model (keys conv1, bn1, fc)",
       [](const fs::path& d) { checkpoint_fixture(d, "tiny_model.pt"); }, kConvert, 1},
      {"ckpt-wrong-shape", "checkpoint", "a weight with the wrong shape (conv1 5x5 instead of 3x3)",
       [](const fs::path& d) {
         write_bytes(d / "w.ckpt", safetensors_bytes(resnet20_with("conv1.weight", "F32", {16, 3, 5, 5})));
       },
       kConvert, 1},
      {"ckpt-missing-key", "checkpoint", "a key missing (linear.bias)",
       [](const fs::path& d) {
         auto t = model_tensors("resnet20", "cifar10");
         std::erase_if(t, [](const StTensor& e) { return e.name == "linear.bias"; });
         write_bytes(d / "w.ckpt", safetensors_bytes(t));
       },
       kConvert, 1},
      {"ckpt-unexpected-key", "checkpoint", "an unexpected extra key (resnet32 weights for resnet20)",
       [](const fs::path& d) { write_zero_weights("resnet32", "cifar10", d / "w.ckpt"); }, kConvert, 1},
      {"ckpt-integer-weight", "checkpoint", "a weight stored as an integer tensor (I32)",
       [](const fs::path& d) {
         write_bytes(d / "w.ckpt", safetensors_bytes(resnet20_with("conv1.weight", "I32", {16, 3, 3, 3})));
       },
       kConvert, 1},
      // ---- safetensors headers ----
      {"st-header-length", "safetensors", "header length field larger than the file",
       [](const fs::path& d) { write_bytes(d / "w.ckpt", std::string("\x00\x10\x00\x00\x00\x00\x00\x00{}", 10)); },
       kConvert, 1},
      {"st-header-json", "safetensors", "header is not JSON",
       [](const fs::path& d) { write_bytes(d / "w.ckpt", std::string("\x08\x00\x00\x00\x00\x00\x00\x00{\"a\":[1,", 16)); },
       kConvert, 1},
      {"st-bad-dtype", "safetensors", "unknown dtype F8",
       [](const fs::path& d) {
         write_bytes(d / "w.ckpt", safetensors_bytes(resnet20_with("conv1.weight", "F8", {16, 3, 3, 3})));
       },
       kConvert, 1},
      {"st-offsets-outside", "safetensors", "data_offsets past the end of the file",
       [](const fs::path& d) {
         write_bytes(d / "w.ckpt", safetensors_bytes(model_tensors("resnet20", "cifar10"), [](auto& h) {
                       h["linear.bias"]["data_offsets"][1] = 1u << 30;
                     }));
       },
       kConvert, 1},
      {"st-shape-size-mismatch", "safetensors", "shape and data_offsets disagree on the byte size",
       [](const fs::path& d) {
         write_bytes(d / "w.ckpt", safetensors_bytes(model_tensors("resnet20", "cifar10"), [](auto& h) {
                       h["conv1.weight"]["shape"] = {16, 3, 3, 4};
                     }));
       },
       kConvert, 1},
      // ---- CIFAR-10 binary ----
      {"cifar-missing", "cifar", "test_batch.bin absent from the data folder",
       [](const fs::path& d) {
         write_zero_weights("resnet20", "cifar10", d / "w.safetensors");
         fs::create_directories(d / "data");
       },
       kEvalCifar, 1},
      {"cifar-truncated", "cifar", "test_batch.bin cut inside record 2",
       [](const fs::path& d) {
         cifar_data(d);
         fs::resize_file(d / "data" / "cifar-10-batches-bin" / "test_batch.bin", 2 * 3073 + 100);
       },
       kEvalCifar, 1},
      {"cifar-oversized", "cifar", "test_batch.bin with 10001 records",
       [](const fs::path& d) {
         cifar_data(d);
         write_cifar(d / "data" / "cifar-10-batches-bin" / "test_batch.bin", 10001, 3073);
       },
       kEvalCifar, 1},
      {"cifar-bad-label", "cifar", "label 10 in record 5 (CIFAR-10 has classes 0..9)",
       [](const fs::path& d) {
         cifar_data(d);
         write_cifar(d / "data" / "cifar-10-batches-bin" / "test_batch.bin", 10000, 3073, 10);
       },
       kEvalCifar, 1},
      // ---- GTSRB ----
      {"gtsrb-missing", "gtsrb", "GTSRB image folder absent",
       [](const fs::path& d) {
         write_zero_weights("resnet20", "gtsrb", d / "w.safetensors");
         fs::create_directories(d / "data");
       },
       kEvalGtsrb, 1},
      {"gtsrb-no-ground-truth", "gtsrb", "GT-final_test.csv absent",
       [](const fs::path& d) {
         gtsrb_data(d);
         fs::remove(d / "data" / "GT-final_test.csv");
       },
       kEvalGtsrb, 1},
      {"gtsrb-bad-classid", "gtsrb", "ClassId 43 (GTSRB has classes 0..42)",
       [](const fs::path& d) {
         gtsrb_data(d);
         write_bytes(d / "data" / "GT-final_test.csv",
                     "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId\n00000.ppm;20;20;1;1;18;18;43\n");
       },
       kEvalGtsrb, 1},
      {"gtsrb-missing-image", "gtsrb", "ground truth names an image that does not exist",
       [](const fs::path& d) {
         gtsrb_data(d);
         fs::remove(d / "data" / "GTSRB" / "Final_Test" / "Images" / "00002.ppm");
       },
       kEvalGtsrb, 1},
      {"gtsrb-long-filename", "gtsrb", "Filename longer than the file system allows (300 characters)",
       [](const fs::path& d) {
         gtsrb_data(d);
         write_bytes(d / "data" / "GT-final_test.csv", "ClassId;Filename\n3;" + std::string(300, 'x') + ".ppm\n");
       },
       kEvalGtsrb, 1},
      {"ppm-bad-magic", "gtsrb", "image in ASCII PPM (P3) instead of binary P6",
       [](const fs::path& d) {
         gtsrb_data(d);
         write_bytes(d / "data" / "GTSRB" / "Final_Test" / "Images" / "00001.ppm", "P3\n1 1\n255\n1 2 3\n");
       },
       kEvalGtsrb, 1},
      {"ppm-truncated", "gtsrb", "image with fewer pixel bytes than its header says",
       [](const fs::path& d) {
         gtsrb_data(d);
         write_bytes(d / "data" / "GTSRB" / "Final_Test" / "Images" / "00000.ppm", ppm(20, 20).substr(0, 500));
       },
       kEvalGtsrb, 1},
      // ---- fault lists (faultlist --convert validates against the model first) ----
      {"fl-bad-header", "fault list", "header without the TensorIndex column",
       list_with("", "Injection,Layer,Index,Bit\n"), fl_convert("keras"), 1},
      {"fl-short-row", "fault list", "row with three fields", list_with("2,conv1,\"(0, 0, 0, 0)\"\n"),
       fl_convert("keras"), 1},
      {"fl-bad-index-syntax", "fault list", "TensorIndex that is not a tuple of integers",
       list_with("2,conv1,\"(0, 0, x, 0)\",3\n"), fl_convert("keras"), 1},
      {"fl-unknown-layer", "fault list", "unknown layer conv9", list_with("2,conv9,\"(0, 0, 0, 0)\",3\n"),
       fl_convert("keras"), 1},
      {"fl-index-range", "fault list", "index outside the weight (conv1 has 16 output channels)",
       list_with("2,conv1,\"(16, 0, 0, 0)\",3\n"), fl_convert("keras"), 1},
      {"fl-index-rank", "fault list", "index of rank 2 for a conv weight", list_with("2,conv1,\"(0, 0)\",3\n"),
       fl_convert("keras"), 1},
      {"fl-bit-32", "fault list", "bit 32", list_with("2,conv1,\"(0, 0, 0, 0)\",32\n"), fl_convert("keras"), 1},
      {"fl-duplicate-fault", "fault list", "the same fault listed twice",
       list_with("2,conv1,\"(3, 0, 2, 1)\",15\n"), fl_convert("keras"), 1},
      // Issue 17: consecutive rows of one id are one multi-site fault; an id used again
      // after another fault is the mistake this row shows (it was id 1 again on the next row).
      {"fl-duplicate-injection", "fault list", "Injection id used twice", list_with("0,conv1,\"(0, 0, 0, 0)\",3\n"),
       fl_convert("keras"), 1},
      {"fl-keras-unknown-layer", "fault list", "Keras list naming dense_1 (resnet20 has one dense layer)",
       [](const fs::path& d) {
         write_bytes(d / "list.csv", kTorchHeader + "0,conv2d,\"(2, 1, 0, 3)\",15\n1,dense_1,\"(0, 0)\",3\n");
       },
       fl_convert("torch"), 1},
      {"fl-missing", "fault list", "fault list file does not exist", [](const fs::path&) {}, fl_convert("keras"), 2},
      // ---- campaign journal ----
      {"journal-garbage", "journal", "RESULTS.csv.journal that is not a journal",
       [](const fs::path& d) {
         cifar_data(d);
         write_bytes(d / "list.csv", kTorchHeader + kGoodRows);
         write_bytes(d / "out" / "RESULTS.csv.journal", "this is not a journal\n");
       },
       kCampaign, 1},
      {"journal-other-campaign", "journal", "resuming an interrupted campaign with another fault list",
       [](const fs::path& d) {
         cifar_data(d);
         write_bytes(d / "list.csv", kTorchHeader + "0,conv1,\"(3, 0, 2, 1)\",15\n1,linear,\"(0, 0)\",30\n");
         fs::create_directories(d / "out");
         // The journal's test hook ends the process after one batch record, as a kill would.
         const CliRun first = run_cli(cat(kCampaign, {"--fault-batch", "1"}), d, "FAULTBENCH_TEST_CRASH_AFTER_RECORDS=1");
         if (!fs::exists(d / "out" / "RESULTS.csv.journal"))
           throw std::runtime_error("setup: the interrupted campaign left no journal: " + first.err);
         write_bytes(d / "list.csv", kTorchHeader + kGoodRows);
       },
       kCampaign, 2},
      // ---- result tables (faultbench compare) ----
      {"results-missing-column", "results", "result table without the critical column",
       [](const fs::path& d) { write_bytes(d / "a.csv", "Injection,masked,non_critical\n0,1,2\n"); },
       {"compare", "a.csv", "a.csv"}, 1},
      {"results-overflow", "results", "counts whose totals overflow 64 bits",
       [](const fs::path& d) {
         write_bytes(d / "a.csv", "Injection,masked,non_critical,critical\n0,9000000000000000000,0,1\n"
                                  "1,9000000000000000000,0,2\n");
       },
       {"compare", "a.csv", "a.csv"}, 1},
      // ---- command line ----
      {"cli-unknown-command", "command line", "unknown subcommand", [](const fs::path&) {}, {"train"}, 2},
      {"cli-unknown-model", "command line", "unknown model resnet21", [](const fs::path&) {},
       {"convert", "--model", "resnet21", "--dataset", "cifar10", "--weights", "w.ckpt", "--out", "o.safetensors"}, 2},
      {"cli-unknown-dataset", "command line", "model not trained on that dataset (mobilenetv2 on gtsrb)",
       [](const fs::path&) {},
       {"convert", "--model", "mobilenetv2", "--dataset", "gtsrb", "--weights", "w.ckpt", "--out", "o.safetensors"}, 2},
      {"cli-missing-option", "command line", "required option --out missing", [](const fs::path&) {},
       {"convert", "--model", "resnet20", "--dataset", "cifar10", "--weights", "w.ckpt"}, 2},
      {"cli-bad-images", "command line", "--images 0", [](const fs::path&) {},
       cat(std::vector<std::string>(kEvalCifar.begin(), kEvalCifar.end() - 4), {"--images", "0"}), 2},
      {"cli-bad-fault-model", "command line", "--fault-model stuck-at-2", [](const fs::path&) {},
       {"faultlist", "--model", "resnet20", "--dataset", "cifar10", "--out", "o.csv", "--fault-model", "stuck-at-2"}, 2},
      {"cli-bad-mode", "command line", "campaign --mode turbo",
       [](const fs::path& d) {
         cifar_data(d);
         write_bytes(d / "list.csv", kTorchHeader + kGoodRows);
       },
       cat(kCampaign, {"--mode", "turbo"}), 2},
      {"cli-conflicting-options", "command line", "--convert together with --seed", [](const fs::path& d) {
         write_bytes(d / "list.csv", kTorchHeader + kGoodRows);
       },
       cat(fl_convert("keras"), {"--seed", "1"}), 2},
      {"cli-no-data-dir", "command line", "neither --data-dir nor FAULTBENCH_DATA",
       [](const fs::path& d) { write_zero_weights("resnet20", "cifar10", d / "w.safetensors"); },
       {"eval", "--model", "resnet20", "--dataset", "cifar10", "--weights", "w.safetensors", "--images", "2"}, 2},
      {"out-unwritable", "output", "output folder is a regular file (cannot be created)",
       [](const fs::path& d) {
         write_zero_weights("resnet20", "cifar10", d / "w.ckpt");
         write_bytes(d / "blocked", "a file where a folder should be\n");
       },
       {"convert", "--model", "resnet20", "--dataset", "cifar10", "--weights", "w.ckpt", "--out",
        "blocked/out.safetensors"},
       1},
      {"weights-not-in-root", "checkpoint", "no --weights and no reference checkpoint in the data root",
       cifar_data, {"eval", "--model", "resnet20", "--dataset", "cifar10", "--data-dir", "data", "--images", "2"}, 1},
      // ---- outputs that would destroy inputs or other outputs, links at output paths ----
      {"out-logits-is-weights", "output", "eval --logits naming the checkpoint", cifar_data,
       cat(kEvalCifar, {"--logits", "w.safetensors"}), 2},
      {"out-logits-is-test-set", "output", "eval --logits naming the CIFAR-10 test file", cifar_data,
       cat(kEvalCifar, {"--logits", "data/cifar-10-batches-bin/test_batch.bin"}), 2},
      {"out-logits-is-test-image", "output", "eval --logits naming a GTSRB test image", gtsrb_data,
       cat(kEvalGtsrb, {"--logits", "data/GTSRB/Final_Test/Images/00001.ppm"}), 2},
      {"out-logits-folder", "output", "eval --logits naming a folder", cifar_data, cat(kEvalCifar, {"--logits", "data"}),
       1},
      {"out-logits-device", "output", "eval --logits /dev/null (a device, not a file)", cifar_data,
       cat(kEvalCifar, {"--logits", "/dev/null"}), 1},
      {"out-convert-onto-weights", "output", "convert --out naming the input checkpoint",
       [](const fs::path& d) { write_zero_weights("resnet20", "cifar10", d / "w.ckpt"); },
       with(kConvert, "--out", "w.ckpt"), 2},
      {"out-convert-hard-link", "output", "convert --out naming a hard link to the input checkpoint",
       [](const fs::path& d) {
         write_zero_weights("resnet20", "cifar10", d / "w.ckpt");
         fs::create_hard_link(d / "w.ckpt", d / "out.safetensors");
       },
       kConvert, 2},
      {"out-convert-other-spelling", "output", "convert --out naming the checkpoint as ./sub/../w.ckpt",
       [](const fs::path& d) {
         write_zero_weights("resnet20", "cifar10", d / "w.ckpt");
         fs::create_directories(d / "sub");
       },
       with(kConvert, "--out", "./sub/../w.ckpt"), 2},
      {"out-faultlist-onto-input", "output", "faultlist --convert writing over the list it converts",
       list_with(""), with(fl_convert("keras"), "--out", "list.csv"), 2},
      {"out-faultlist-symlink", "output", "faultlist --out is a symbolic link to a file outside",
       [](const fs::path& d) { fs::create_symlink("../victim.csv", d / "out.csv"); },
       {"faultlist", "--model", "resnet20", "--dataset", "cifar10", "--out", "out.csv"}, 1},
      {"out-campaign-onto-weights", "output", "campaign --out naming the checkpoint", campaign_inputs,
       with(kCampaign, "--out", "w.safetensors"), 2},
      {"out-profile-is-weights", "output", "campaign --profile naming the checkpoint", campaign_inputs,
       cat(kCampaign, {"--profile", "w.safetensors"}), 2},
      {"out-profile-is-out", "output", "campaign --profile naming the --out result file", campaign_inputs,
       cat(kCampaign, {"--profile", "out/RESULTS.csv"}), 2},
      {"out-profile-is-sidecar", "output", "campaign --profile naming the sidecar of --out, spelled differently",
       campaign_inputs, cat(kCampaign, {"--profile", "out/../out/RESULTS.csv.json"}), 2},
      {"out-faults-is-journal", "output", "campaign --faults naming the journal of --out",
       [](const fs::path& d) {
         campaign_inputs(d);
         fs::create_directories(d / "out");
         fs::rename(d / "list.csv", d / "out" / "RESULTS.csv.journal");
       },
       with(kCampaign, "--faults", "out/RESULTS.csv.journal"), 2},
      {"out-journal-symlink", "output", "RESULTS.csv.journal is a symbolic link to a file outside the folder",
       [](const fs::path& d) {
         campaign_inputs(d);
         write_bytes(d / "victim.txt", "precious\n");
         fs::create_directories(d / "out");
         fs::create_symlink("../victim.txt", d / "out" / "RESULTS.csv.journal");
       },
       kCampaign, 1},
      {"out-results-symlink", "output", "--out RESULTS.csv is a symbolic link",
       [](const fs::path& d) {
         campaign_inputs(d);
         fs::create_directories(d / "out");
         fs::create_symlink("../victim.txt", d / "out" / "RESULTS.csv");
       },
       kCampaign, 1},
      {"out-sidecar-foreign", "output", "RESULTS.csv.json that faultbench did not write, no RESULTS.csv",
       [](const fs::path& d) {
         campaign_inputs(d);
         write_bytes(d / "out" / "RESULTS.csv.json", "{\"mine\": true}\n");
       },
       kCampaign, 1},
      {"out-results-foreign", "output", "RESULTS.csv that faultbench did not write (no sidecar), even empty",
       [](const fs::path& d) {
         campaign_inputs(d);
         write_bytes(d / "out" / "RESULTS.csv", "");
       },
       kCampaign, 2},
      // ---- resources, option ranges, bad data accepted before, CSV friendliness ----
      {"cli-threads-range", "command line", "--threads 100000 (more than the 1024 supported)",
       [](const fs::path&) {}, with_threads(kEvalCifar, "100000"), 2},
      {"cli-thread-start-fails", "command line", "the system refuses a worker thread (no stack can be mapped)",
       [](const fs::path& d) { cifar_data(d); }, with_threads(kEvalCifar, "4"), 1, kNoThreads},
      {"cli-count-range", "command line", "faultlist --count 100000000 (more than the 10 million a list may hold)",
       [](const fs::path&) {},
       {"faultlist", "--model", "resnet20", "--dataset", "cifar10", "--out", "o.csv", "--count", "100000000"}, 2},
      {"cli-memory-mb-range", "command line", "campaign --memory-mb 9223372036854775807 (would overflow in bytes)",
       [](const fs::path&) {}, cat(kCampaign, {"--memory-mb", "9223372036854775807"}), 2},
      {"cli-out-of-memory", "command line", "an allocation fails (a 10-million-fault list under a 512 MB address space)",
       [](const fs::path&) {},
       {"faultlist", "--model", "resnet20", "--dataset", "cifar10", "--out", "o.csv", "--count", "10000000"}, 1,
       "prlimit --as=536870912"},
      {"eval-nan-network", "checkpoint", "fault-free network with NaN logits (BatchNorm running_var -1)",
       [](const fs::path& d) {
         cifar_data(d);
         nan_network_weights(d / "w.safetensors");
       },
       kEvalCifar, 1},
      {"campaign-nan-network", "checkpoint", "campaign on a network with NaN golden logits (running_var -1)",
       [](const fs::path& d) {
         cifar_data(d);
         nan_network_weights(d / "w.safetensors");
         write_bytes(d / "list.csv", kTorchHeader + kGoodRows);
         fs::create_directories(d / "out");
       },
       kCampaign, 1},
      {"results-bad-total", "results", "masked + non_critical + critical differs from n_injections",
       [](const fs::path& d) {
         write_bytes(d / "a.csv", "Injection,n_injections,masked,non_critical,critical\n0,100,90,9,1\n1,100,90,9,2\n");
       },
       {"compare", "a.csv", "a.csv"}, 1},
      {"gtsrb-negative-size", "gtsrb", "Width -20 in the ground truth",
       [](const fs::path& d) {
         gtsrb_data(d);
         write_bytes(d / "data" / "GT-final_test.csv",
                     "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId\n00000.ppm;-20;20;1;1;18;18;3\n");
       },
       kEvalGtsrb, 1},
      {"gtsrb-roi-outside", "gtsrb", "ROI reaching outside the 20x20 image",
       [](const fs::path& d) {
         gtsrb_data(d);
         write_bytes(d / "data" / "GT-final_test.csv",
                     "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId\n00000.ppm;20;20;1;1;18;18;3\n"
                     "00001.ppm;20;20;5;1;30;18;4\n");
       },
       kEvalGtsrb, 1},
      {"fl-bom-accepted", "fault list", "UTF-8 byte order mark before the header (Excel): accepted",
       [](const fs::path& d) { write_bytes(d / "list.csv", "\xEF\xBB\xBF" + kTorchHeader + kGoodRows); },
       fl_convert("keras"), 0},
      {"fl-nul-byte", "fault list", "NUL byte in line 4 (a binary or UTF-16 file)",
       list_with(std::string("2,conv1,\"(0, 0, 0, 0)\",3\0\n", 26)), fl_convert("keras"), 1},
      // ---- memory amplification and duplicates (hostile_inputs.h; memory_bounds_test.cpp
      // also checks the peak RSS of each) ----
      {"ckpt-pickle-memo-reuse", "checkpoint", "pickle loading a memoized 1 MB storage key 300,000 times",
       hostile::pickle_memo_storage_key, kConvert, 1},
      {"ckpt-legacy-pickle-too-long", "checkpoint", "legacy checkpoint whose state dict pickle is a 40 MB string",
       hostile::legacy_long_pickle, kConvert, 1},
      {"ckpt-zip-pickle-bomb", "checkpoint", "data.pkl deflated to 1 MB, inflating to 1 GiB",
       hostile::zip_pickle_bomb, kConvert, 1},
      {"ckpt-zip-storage-size", "checkpoint", "storage entry of 1 GiB for a storage declared 1 MB",
       [](const fs::path& d) { hostile::zip_storage_size_lie(d); }, kConvert, 1},
      {"ckpt-zip-duplicate-entry", "checkpoint", "two zip entries named archive/data.pkl",
       hostile::zip_duplicate_entry, kConvert, 1},
      {"ckpt-zip-entry-count", "checkpoint", "zip64 end record declaring a billion entries",
       hostile::zip_entry_count, kConvert, 1},
      {"ckpt-key-too-long", "checkpoint", "state dict key of 2,000 bytes", hostile::zip_long_key, kConvert, 1},
      {"st-deep-json", "safetensors", "header JSON nested 100,000 deep", hostile::st_deep_json, kConvert, 1},
      {"st-entry-values", "safetensors", "40 MB header: one entry of 13 million empty arrays",
       hostile::st_empty_arrays, kConvert, 1},
      {"st-duplicate-name", "safetensors", "the same tensor name twice in the header", hostile::st_duplicate_name,
       kConvert, 1},
      {"st-long-name", "safetensors", "tensor name of 2,000 bytes", hostile::st_long_name, kConvert, 1},
      {"st-many-tensors", "safetensors", "header of 100,001 tensors", hostile::st_many_tensors, kConvert, 1},
      {"st-names-total", "safetensors", "17,000 tensor names of 1,000 bytes (17 MB of names)", hostile::st_long_names,
       kConvert, 1},
      {"st-metadata-size", "safetensors", "__metadata__ of 300,000 entries", hostile::st_metadata_entries, kConvert,
       1},
      {"journal-oversized", "journal", "journal of this campaign padded to 3 GiB", hostile::journal_padded,
       kCampaign, 1},
      {"sidecar-oversized", "results", "finished campaign whose RESULTS.csv.json is padded to 2 GiB",
       hostile::sidecar_padded, kCampaign, 1},
      {"fetch-mirror-missing", "fetch", "--mirror names a folder that does not exist", [](const fs::path&) {},
       {"fetch", "--weights", "--model", "resnet20", "--dataset", "cifar10", "--mirror", "mirror", "--data-dir", "data"},
       1},
      {"fetch-checksum-mismatch", "fetch", "the mirror's checkpoint is not the published file (sha256 differs)",
       [](const fs::path& d) {
         write_bytes(d / "mirror/torch/gpu/image_classification/CIFAR10/fp32/resnet/ResNet20.th", "not the checkpoint\n");
       },
       {"fetch", "--weights", "--model", "resnet20", "--dataset", "cifar10", "--mirror", "mirror", "--data-dir", "data"},
       1},
      // ---- compare pairs faults by site and refuses what does not compare; fault lists ----
      {"compare-no-common-fault", "results", "two unrelated lists numbered alike (same Injection ids, other sites)",
       [](const fs::path& d) {
         const std::string h = "Injection,Layer,TensorIndex,Bit,n_injections,masked,non_critical,critical\n";
         write_bytes(d / "a.csv", h + "0,conv1,\"(3, 0, 2, 1)\",15,10,1,8,1\n1,conv1,\"(7, 0, 2, 0)\",5,10,0,9,1\n");
         write_bytes(d / "b.csv", h + "0,linear,\"(1, 2)\",30,10,0,1,9\n1,conv1,\"(7, 0, 2, 0)\",6,10,0,5,5\n");
       },
       {"compare", "a.csv", "b.csv"}, 1},
      {"compare-other-faults", "results", "B holds 2 of A's 4 faults (a run of part of the list)",
       [](const fs::path& d) {
         const std::string h = "Injection,Layer,TensorIndex,Bit,n_injections,masked,non_critical,critical\n";
         const std::string rows = "0,conv1,\"(3, 0, 2, 1)\",15,10,1,8,1\n1,conv1,\"(7, 0, 2, 0)\",5,10,0,9,1\n";
         write_bytes(d / "a.csv", h + rows + "2,conv1,\"(13, 0, 0, 0)\",30,10,0,1,9\n3,linear,\"(2, 26)\",4,10,2,8,0\n");
         write_bytes(d / "b.csv", h + rows);
       },
       {"compare", "a.csv", "b.csv"}, 1},
      {"compare-other-images", "results", "a 200-image run against 10,000-image results of the same faults",
       [](const fs::path& d) {
         const std::string h = "Injection,Layer,TensorIndex,Bit,n_injections,masked,non_critical,critical\n";
         write_bytes(d / "a.csv", h + "0,conv1,\"(3, 0, 2, 1)\",15,200,1,190,9\n1,linear,\"(2, 26)\",4,200,2,198,0\n");
         write_bytes(d / "b.csv",
                     h + "0,conv1,\"(3, 0, 2, 1)\",15,10000,14,9885,101\n1,linear,\"(2, 26)\",4,10000,2418,7582,0\n");
       },
       {"compare", "a.csv", "b.csv"}, 1},
      {"results-duplicate-site", "results", "the same fault (layer, index, bit) on two lines of a result file",
       [](const fs::path& d) {
         write_bytes(d / "a.csv", "Injection,Layer,TensorIndex,Bit,n_injections,masked,non_critical,critical\n"
                                  "0,conv1,\"(3, 0, 2, 1)\",15,10,1,8,1\n1,conv1,\"(7, 0, 2, 0)\",5,10,0,9,1\n"
                                  "2,conv1,\"(3, 0, 2, 1)\",15,10,1,8,1\n");
       },
       {"compare", "a.csv", "a.csv"}, 1},
      {"results-rate-no-images", "results", "compare --rates with a fault run on 0 images",
       [](const fs::path& d) {
         write_bytes(d / "a.csv", "Injection,masked,non_critical,critical\n0,1,8,1\n1,0,0,0\n");
       },
       {"compare", "--rates", "a.csv", "a.csv"}, 1},
      {"fl-keras-list-to-campaign", "fault list", "campaign given a Keras-convention list (conv2d, dense)",
       [](const fs::path& d) {
         cifar_data(d);
         write_bytes(d / "list.csv", kTorchHeader + "0,conv2d,\"(2, 1, 0, 3)\",15\n1,dense,\"(26, 2)\",4\n");
         fs::create_directories(d / "out");
       },
       kCampaign, 2},
      {"fl-convert-already-there", "fault list", "faultlist --convert --to keras of a list already in Keras names",
       [](const fs::path& d) {
         write_bytes(d / "list.csv", kTorchHeader + "0,conv2d,\"(2, 1, 0, 3)\",15\n1,dense,\"(26, 2)\",4\n");
       },
       fl_convert("keras"), 2},
      {"fl-result-file-accepted", "fault list", "a faultbench result file (FaultModel, due, top1_correct) as a list: accepted",
       [](const fs::path& d) {
         write_bytes(d / "list.csv",
                     "Injection,Layer,TensorIndex,Bit,FaultModel,n_injections,masked,non_critical,critical,due,"
                     "top1_correct\n0,conv1,\"(3, 0, 2, 1)\",15,stuck-at-1,20,0,14,6,19,19\n"
                     "1,linear,\"(2, 26)\",4,bitflip,20,2,18,0,0,15\n");
       },
       fl_convert("keras"), 0},
      {"cli-models-layers-ambiguous", "command line", "models --layers resnet20 (in the zoo for cifar10 and gtsrb)",
       [](const fs::path&) {}, {"models", "--layers", "resnet20"}, 2},
      {"cli-simd-unknown", "command line", "FAULTBENCH_SIMD naming no SIMD target",
       [](const fs::path&) {}, {"models"}, 2, "FAULTBENCH_SIMD=sse9"},
    };
    for (CliCase& c : cli_cases_cluster()) all.push_back(std::move(c));
    for (CliCase& c : cli_cases_stats()) all.push_back(std::move(c));
    for (CliCase& c : cli_cases_fault_models()) all.push_back(std::move(c));
    for (CliCase& c : cli_cases_own_models()) all.push_back(std::move(c));
    return all;
  }();
  return cases;
}

}  // namespace faultbench::robustness
