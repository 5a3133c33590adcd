// Rows of docs/ROBUSTNESS.md: Multi-bit and multi-site faults (issue 17) and number formats (issue 16).
#pragma once
#include "cli_cases_common.h"

namespace faultbench::robustness {

inline std::vector<CliCase> cli_cases_fault_models() {
  using namespace detail;
  return {
      // ---- multi-bit and multi-site faults (issue 17) ----
      {"fl-multi-site-two-layers", "fault list",
       "a fault with sites in two layers in a list whose sidecar records --same-layer",
       [](const fs::path& d) {
         cifar_data(d);
         write_bytes(d / "list.csv", kTorchHeader +
                                         "0,conv1,\"(3, 0, 2, 1)\",15\n0,conv1,\"(4, 0, 2, 1)\",15\n"
                                         "1,layer1.0.conv1,\"(7, 0, 2, 0)\",5\n1,linear,\"(2, 26)\",4\n");
         FaultListSidecar sidecar;
         sidecar.model = "resnet20";
         sidecar.dataset = "cifar10";
         sidecar.convention = "torch";
         sidecar.fault_model = "bitflip";
         sidecar.params.sites_per_fault = 2;
         sidecar.params.same_layer = true;
         sidecar.faults = 2;
         sidecar.rows = 4;
         sidecar.list_sha256 = file_digest_hex(d / "list.csv", DigestAlgorithm::Sha256);
         write_bytes(d / "list.csv.json", fault_list_sidecar_json(sidecar));
         fs::create_directories(d / "out");
       },
       kCampaign, 1},
      {"fl-multi-site-site-twice", "fault list", "one site twice in a multi-site fault (rows of one Injection id)",
       list_with("1,layer1.0.conv1,\"(7, 0, 2, 0)\",5\n"), fl_convert("keras"), 1},
      {"fl-multi-site-duplicate", "fault list", "two multi-site faults with the same sites (in another order)",
       list_with("1,conv1,\"(0, 0, 0, 0)\",3\n2,conv1,\"(0, 0, 0, 0)\",3\n2,layer1.0.conv1,\"(7, 0, 2, 0)\",5\n"),
       fl_convert("keras"), 1},
      {"fl-multi-site-result-file", "fault list", "a multi-site campaign's result file (sites column) read as a list",
       [](const fs::path& d) {
         write_bytes(
             d / "list.csv",
             "Injection,Layer,TensorIndex,Bit,n_injections,masked,non_critical,critical,due,top1_correct,sites\n"
             "0,conv1,\"(3, 0, 2, 1)\",15,20,0,14,6,0,19,1\n1,linear,\"(2, 26)\",4,20,2,18,0,0,15,2\n");
       },
       fl_convert("keras"), 1},
      {"cli-bits-and-sites",
       "command line",
       "faultlist --bits-per-fault 2 --sites-per-fault 2",
       [](const fs::path&) {},
       {"faultlist", "--model", "resnet20", "--dataset", "cifar10", "--out", "l.csv", "--bits-per-fault", "2",
        "--sites-per-fault", "2"},
       2},
      {"fl-target-activations-to-campaign", "fault list",
       "a list whose sidecar says its sites are activations given to a (weight) campaign",
       [](const fs::path& d) {
         cifar_data(d);
         write_bytes(d / "list.csv", kTorchHeader + kGoodRows);
         FaultListSidecar sidecar;
         sidecar.model = "resnet20";
         sidecar.dataset = "cifar10";
         sidecar.target = "activations";
         sidecar.convention = "torch";
         sidecar.fault_model = "bitflip";
         sidecar.faults = 2;
         sidecar.list_sha256 = file_digest_hex(d / "list.csv", DigestAlgorithm::Sha256);
         write_bytes(d / "list.csv.json", fault_list_sidecar_json(sidecar));
         fs::create_directories(d / "out");
       },
       kCampaign, 2},
      {"fl-target-activations-to-keras", "fault list", "faultlist --convert --to keras of an activation list",
       [](const fs::path& d) {
         write_bytes(d / "list.csv", kTorchHeader + kGoodRows);
         FaultListSidecar sidecar;
         sidecar.model = "resnet20";
         sidecar.dataset = "cifar10";
         sidecar.target = "activations";
         sidecar.convention = "torch";
         sidecar.fault_model = "bitflip";
         sidecar.faults = 2;
         sidecar.list_sha256 = file_digest_hex(d / "list.csv", DigestAlgorithm::Sha256);
         write_bytes(d / "list.csv.json", fault_list_sidecar_json(sidecar));
       },
       fl_convert("keras"), 2},
      {"cli-adjacent-alone",
       "command line",
       "faultlist --adjacent without --bits-per-fault",
       [](const fs::path&) {},
       {"faultlist", "--model", "resnet20", "--dataset", "cifar10", "--out", "l.csv", "--adjacent"},
       2},
      // Number formats (docs/NUMERICS.md).
      {"fl-bit-outside-format", "fault list", "campaign --numerics bf16 on a list with bit 20 (bf16 has 16 bits)",
       [](const fs::path& d) {
         cifar_data(d);
         write_bytes(d / "list.csv", kTorchHeader + kGoodRows + "2,layer1.0.conv1,\"(7, 0, 2, 1)\",20\n");
         fs::create_directories(d / "out");
       },
       cat(kCampaign, {"--numerics", "bf16"}), 1},
      {"cli-numerics-unknown", "command line", "--numerics int4 (not a number format faultbench has)",
       [](const fs::path&) {}, cat(kEvalCifar, {"--numerics", "int4"}), 2},
      // ---- transient activation faults (issue 17 item 2) ----
      {"act-index-outside-output", "fault list",
       "campaign --target activations: an index outside the layer's output shape (conv1 has 16 channels)",
       [](const fs::path& d) {
         cifar_data(d);
         write_bytes(d / "list.csv", kTorchHeader + "0,conv1,\"(3, 5, 7)\",30\n1,conv1,\"(16, 0, 0)\",3\n");
         fs::create_directories(d / "out");
       },
       cat(kCampaign, {"--target", "activations"}), 1},
      {"act-unknown-layer", "fault list",
       "campaign --target activations: a layer that is no activation site (a batch norm; ResNet20's F.relu has none)",
       [](const fs::path& d) {
         cifar_data(d);
         write_bytes(d / "list.csv", kTorchHeader + "0,bn1,\"(3, 5, 7)\",30\n");
         fs::create_directories(d / "out");
       },
       cat(kCampaign, {"--target", "activations"}), 1},
      {"act-weight-list-to-activation-campaign", "fault list",
       "a weight list (no sidecar) given to an activation campaign: its 4-D weight index",
       [](const fs::path& d) {
         campaign_inputs(d);
         fs::create_directories(d / "out");
       },
       cat(kCampaign, {"--target", "activations"}), 1},
      {"act-weight-sidecar-to-activation-campaign", "fault list",
       "a list whose sidecar says its sites are weights given to an activation campaign",
       [](const fs::path& d) {
         cifar_data(d);
         write_bytes(d / "list.csv", kTorchHeader + "0,conv1,\"(3, 5, 7)\",30\n");
         FaultListSidecar sidecar;
         sidecar.model = "resnet20";
         sidecar.dataset = "cifar10";
         sidecar.convention = "torch";
         sidecar.fault_model = "bitflip";
         sidecar.faults = 1;
         sidecar.list_sha256 = file_digest_hex(d / "list.csv", DigestAlgorithm::Sha256);
         write_bytes(d / "list.csv.json", fault_list_sidecar_json(sidecar));
         fs::create_directories(d / "out");
       },
       cat(kCampaign, {"--target", "activations"}), 2},
      {"act-two-rows-one-fault", "fault list", "an activation list with two rows of one Injection id",
       [](const fs::path& d) {
         cifar_data(d);
         write_bytes(d / "list.csv", kTorchHeader + "0,conv1,\"(3, 5, 7)\",30\n0,linear,\"(4,)\",2\n");
         fs::create_directories(d / "out");
       },
       cat(kCampaign, {"--target", "activations"}), 1},
      {"act-numerics", "command line", "campaign --target activations --numerics bf16",
       [](const fs::path& d) {
         cifar_data(d);
         write_bytes(d / "list.csv", kTorchHeader + "0,conv1,\"(3, 5, 7)\",30\n");
         fs::create_directories(d / "out");
       },
       cat(kCampaign, {"--target", "activations", "--numerics", "bf16"}), 2},
      {"cli-activations-keras",
       "command line",
       "faultlist --target activations --format keras",
       [](const fs::path&) {},
       {"faultlist", "--model", "resnet20", "--dataset", "cifar10", "--out", "l.csv", "--target", "activations",
        "--format", "keras"},
       2},
      {"cli-activations-multi-bit",
       "command line",
       "faultlist --target activations --bits-per-fault 2",
       [](const fs::path&) {},
       {"faultlist", "--model", "resnet20", "--dataset", "cifar10", "--out", "l.csv", "--target", "activations",
        "--bits-per-fault", "2"},
       2},
      // Multi-bit lists of 16-bit formats (issue 16): K bits of a 16-bit word.
      {"cli-bits-per-fault-over-width",
       "command line",
       "faultlist --numerics bf16 --bits-per-fault 17 (a bf16 weight has 16 bits)",
       [](const fs::path&) {},
       {"faultlist", "--model", "resnet20", "--dataset", "cifar10", "--out", "l.csv", "--numerics", "bf16",
        "--bits-per-fault", "17"},
       2},
      // int8 (docs/NUMERICS.md "int8").
      {"fl-bit-outside-int8", "fault list", "campaign --numerics int8 on a list with bit 8 (int8 weights have 8 bits)",
       [](const fs::path& d) {
         cifar_data(d);
         write_bytes(d / "list.csv",
                     kTorchHeader + "0,conv1,\"(0, 0, 0, 0)\",7\n1,layer1.0.conv1,\"(7, 0, 2, 1)\",8\n");
         fs::create_directories(d / "out");
       },
       cat(kCampaign, {"--numerics", "int8"}), 1},
      {"cli-calibration-images-zero", "command line", "--numerics int8 --calibration-images 0", [](const fs::path&) {},
       cat(kEvalCifar, {"--numerics", "int8", "--calibration-images", "0"}), 2},
      {"cli-calibration-images-text", "command line", "--calibration-images ten", [](const fs::path&) {},
       cat(kEvalCifar, {"--numerics", "int8", "--calibration-images", "ten"}), 2},
      {"cli-calibration-images-without-int8", "command line", "--calibration-images 50 with --numerics fp32",
       [](const fs::path&) {}, cat(kEvalCifar, {"--calibration-images", "50"}), 2},
      // int8's int32 bias sites ("<layer>.bias", bits 0..31; docs/NUMERICS.md "int8", Faults).
      {"fl-int8-bias-bit-32", "fault list", "campaign --numerics int8 on a list with bit 32 of an int32 bias",
       [](const fs::path& d) {
         cifar_data(d);
         write_bytes(d / "list.csv", kTorchHeader + "0,conv1.bias,\"(3)\",31\n1,linear.bias,\"(4)\",32\n");
         fs::create_directories(d / "out");
       },
       cat(kCampaign, {"--numerics", "int8"}), 1},
      {"fl-int8-bias-no-int32", "fault list",
       "campaign --numerics int8 naming the bias of a folded batch norm (no int32 bias of its own)",
       [](const fs::path& d) {
         cifar_data(d);
         write_bytes(d / "list.csv", kTorchHeader + "0,layer1.0.bn1.bias,\"(3)\",5\n");
         fs::create_directories(d / "out");
       },
       cat(kCampaign, {"--numerics", "int8"}), 1},
      {"fl-bias-not-int8", "fault list", "campaign --numerics fp32 on a list naming a bias site",
       [](const fs::path& d) {
         cifar_data(d);
         write_bytes(d / "list.csv", kTorchHeader + "0,linear.bias,\"(4)\",5\n");
         fs::create_directories(d / "out");
       },
       kCampaign, 1},
      {"cli-int8-biases-not-int8",
       "command line",
       "faultlist --int8-biases without --numerics int8",
       [](const fs::path&) {},
       {"faultlist", "--model", "resnet20", "--dataset", "cifar10", "--out", "l.csv", "--numerics", "bf16",
        "--int8-biases"},
       2},
  };
}

}  // namespace faultbench::robustness
