// `faultbench faultlist`: generate a statistical fault list for a zoo model, or convert a
// list between the PyTorch and the Keras conventions.
//
//   faultbench faultlist --model M --dataset D --out FILE.csv [--seed 42] [--error 0.01]
//       [--confidence-t 2.58] [--p 0.5] [--count N] [--scope network|layer]
//       [--format torch|keras] [--fault-model bitflip|stuck-at-0|stuck-at-1]
//       [--bits-per-fault K [--adjacent] | --sites-per-fault M [--same-layer]]
//       [--target weights|activations] [--numerics F [--int8-biases]]
//   faultbench faultlist --convert IN.csv --to torch|keras --model M --dataset D --out OUT.csv
// The summary (population, sample size, per-layer allocation, time) goes to stderr.
#include <fmt/format.h>

#include <chrono>
#include <limits>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "commands.h"
#include "faultbench/campaign/int8_setup.h"
#include "faultbench/campaign/model_source.h"
#include "common.h"
#include "faultbench/error.h"
#include "faultbench/faults/activation_sites.h"
#include "faultbench/faults/fault_group.h"
#include "faultbench/faults/fault_list_csv.h"
#include "faultbench/faults/keras.h"
#include "faultbench/faults/list_sidecar.h"
#include "faultbench/faults/sampling.h"
#include "faultbench/faults/validate.h"
#include "faultbench/graph/quantize.h"
#include "faultbench/util/atomic_file.h"
#include "faultbench/util/digest.h"
#include "faultbench/util/output_paths.h"
#include "faultbench/zoo/zoo.h"

namespace faultbench::cli {

namespace {

struct FaultlistOptions {
  std::string model, dataset, out;
  std::string convert, to;
  int64_t seed = 42;
  double error = 0.01, confidence_t = 2.58, p = 0.5;
  std::optional<int64_t> count;
  SamplingScope scope = SamplingScope::Network;
  Convention format = Convention::Torch;
  FaultModel fault_model = FaultModel::BitFlip;
  int bits_per_fault = 1, sites_per_fault = 1;
  bool adjacent = false, same_layer = false;
  bool int8_biases = false;  // --int8-biases: the int32 bias sites in the population too
  Numerics numerics = Numerics::Fp32;
  FaultTarget target = FaultTarget::Weights;
};

const char* convention_name(Convention c) { return c == Convention::Torch ? "torch" : "keras"; }

void write_list(const std::string& out, const FaultList& torch_list, const std::vector<WeightSite>& sites,
                Convention format) {
  if (format == Convention::Torch) {
    write_fault_list(out, torch_list);
  } else {
    // The published Keras lists carry only the fault columns.
    write_fault_list(out, to_keras(torch_list, sites), WriteOptions{.results = false});
  }
}

void run_generate(const FaultlistOptions& o, const std::vector<WeightSite>& sites) {
  SamplingParams params;
  params.seed = o.seed;
  params.error = o.error;
  params.confidence_t = o.confidence_t;
  params.p = o.p;
  params.count = o.count;
  params.scope = o.scope;
  params.model = o.fault_model;
  params.bits_per_fault = o.bits_per_fault;
  params.adjacent = o.adjacent;
  params.sites_per_fault = o.sites_per_fault;
  params.same_layer = o.same_layer;
  params.bits = numerics_weight_bits(o.numerics);
  const auto start = std::chrono::steady_clock::now();
  SamplePlan plan;
  const FaultList list = generate_fault_list(sites, params, &plan);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  write_list(o.out, list, sites, o.format);
  // How the list was drawn, bound to its bytes: campaigns record the seed and refuse a list
  // drawn for another model; statistics use the population.
  FaultListSidecar sidecar;
  sidecar.model = model_record_name(o.model);
  sidecar.dataset = o.dataset;
  sidecar.convention = convention_name(o.format);
  sidecar.fault_model = fault_model_name(o.fault_model);
  sidecar.numerics = numerics_name(o.numerics);
  sidecar.target = fault_target_name(o.target);
  sidecar.params = params;
  sidecar.plan = plan;
  sidecar.faults = int64_t(fault_groups(list).size());
  sidecar.rows = int64_t(list.size());
  sidecar.list_sha256 = file_digest_hex(o.out, DigestAlgorithm::Sha256);
  write_file_atomically(fault_list_sidecar_path(o.out), fault_list_sidecar_json(sidecar));
  std::fprintf(stderr, "%s/%s: ", o.model.c_str(), o.dataset.c_str());
  std::fputs(describe_plan(plan, params).c_str(), stderr);
  std::fprintf(stderr, "wrote %lld faults (%s convention) to %s (how they were drawn: %s); sampling took %.1f ms\n",
               static_cast<long long>(sidecar.faults), convention_name(o.format), o.out.c_str(),
               fault_list_sidecar_path(o.out).string().c_str(), ms);
}

void run_convert(const FaultlistOptions& o, const std::vector<WeightSite>& sites) {
  // --to keras reads a torch list and the other way round; load validates before converting.
  const Convention from = o.format == Convention::Keras ? Convention::Torch : Convention::Keras;
  const ListPurpose purpose{o.model, o.dataset, /*converting=*/true};
  // The Keras convention is defined for weights only: a list of other sites is refused by
  // its sidecar's target rather than converted as if its names were weights.
  {
    const FoundListSidecar found =
        find_fault_list_sidecar(o.convert, file_digest_hex(o.convert, DigestAlgorithm::Sha256));
    if (found.sidecar && found.sidecar->target != "weights")
      throw UsageError(
          fmt::format("{}: this fault list's sites are {} ({}); the Keras convention is defined for "
                      "weight fault lists only",
                      o.convert, found.sidecar->target, fault_list_sidecar_path(o.convert).filename().string()));
  }
  const FaultList list = load_fault_list(o.convert, sites, from, &purpose);
  write_list(o.out, list, sites, o.format);
  std::fprintf(stderr, "%s/%s: converted %zu faults from the %s to the %s convention: %s\n", o.model.c_str(),
               o.dataset.c_str(), list.size(), convention_name(from), convention_name(o.format), o.out.c_str());
}

}  // namespace

void add_faultlist_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "faultlist", "Generate a statistical fault list (reference procedure), or convert one between conventions");
  auto o = std::make_shared<FaultlistOptions>();
  const std::vector<std::pair<std::string, SamplingScope>> scopes = {{"network", SamplingScope::Network},
                                                                     {"layer", SamplingScope::Layer}};
  const std::vector<std::pair<std::string, Convention>> formats = {{"torch", Convention::Torch},
                                                                   {"keras", Convention::Keras}};
  const std::vector<std::pair<std::string, FaultModel>> models = {
      {"bitflip", FaultModel::BitFlip}, {"stuck-at-0", FaultModel::StuckAt0}, {"stuck-at-1", FaultModel::StuckAt1}};
  cmd->add_option("--model", o->model, "Zoo model (see `faultbench models`) or an ONNX file (PATH.onnx)")->required();
  cmd->add_option("--dataset", o->dataset, "cifar10, cifar100, gtsrb or npy (the data set the list is drawn for)")
      ->required();
  cmd->add_option("--out", o->out, "Output CSV file")->required();
  auto* seed = integer_range(
      cmd->add_option("--seed", o->seed, "random.seed() of the CPython-compatible stream")->default_val(42),
      std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
  auto* error =
      real_range(cmd->add_option("--error", o->error, "Leveugle error margin e")->default_val(0.01), 0, 1, true, true);
  auto* t = real_range(
      cmd->add_option("--confidence-t", o->confidence_t, "Leveugle cut-off t (2.58 = 99 %)")->default_val(2.58), 0, 10,
      true, false);
  auto* p =
      real_range(cmd->add_option("--p", o->p, "Leveugle estimated probability p")->default_val(0.5), 0, 1, true, true);
  // The list is held in memory (about 300 bytes a fault): SamplingParams' limit, also on
  // the total of a layer-scope sample (--count per layer x layers).
  auto* count = integer_range(cmd->add_option("--count", o->count, "Override the sample size (scope layer: per layer)"),
                              1, kMaxSampleFaults);
  auto* scope = add_choice(cmd, "--scope", o->scope, scopes, "network (reference) or layer (a sample per layer)");
  auto* fault_model =
      add_choice(cmd, "--fault-model", o->fault_model, models, "the fault model written into every fault");
  auto* format = add_choice(cmd, "--format", o->format, formats, "Output convention");
  auto* bits = integer_range(
      cmd->add_option("--bits-per-fault", o->bits_per_fault, "K distinct bits of one weight per fault (multi-bit)"), 1,
      32);
  auto* adjacent = cmd->add_flag("--adjacent", o->adjacent, "The K bits are consecutive (one memory row)");
  auto* sites_opt = integer_range(
      cmd->add_option("--sites-per-fault", o->sites_per_fault, "M single-bit sites per fault (multi-site)"), 1,
      int64_t(kMaxSitesPerFault));
  auto* same_layer = cmd->add_flag("--same-layer", o->same_layer, "The M sites of a fault in one layer");
  auto* target = add_choice(cmd, "--target", o->target,
                            {{"weights", FaultTarget::Weights}, {"activations", FaultTarget::Activations}},
                            "sites to draw: weights (default) or activations (one output value of a conv/linear/"
                            "activation layer, flipped in every image: `faultbench models --layers M --target "
                            "activations`)");
  auto* numerics = add_numerics_option(
      cmd, o->numerics,
      "number format of the campaign: bits per weight (32, 16 for bf16/fp16, 8 for int8; default fp32)");
  auto* int8_biases = cmd->add_flag(
      "--int8-biases", o->int8_biases,
      "with --numerics int8: the int32 biases are fault sites too ('<layer>.bias', bits 0..31; N = W x 8 x 2 + B x 32 "
      "x 2)");
  auto* convert =
      cmd->add_option("--convert", o->convert, "Convert this list instead of generating one")->check(CLI::ExistingFile);
  auto* to = add_choice(cmd, "--to", o->format, formats, "Target convention of --convert");
  convert->needs(to);
  to->needs(convert);
  for (CLI::Option* gen : {seed, error, t, p, count, scope, fault_model, format, bits, adjacent, sites_opt, same_layer,
                           numerics, target, int8_biases})
    convert->excludes(gen);
  cmd->callback([o] {
    IoPlan plan;
    if (!o->convert.empty()) plan.input("--convert", o->convert);
    std::error_code ec;
    if (!o->convert.empty() && std::filesystem::exists(fault_list_sidecar_path(o->convert), ec))
      plan.input("the sidecar of --convert", fault_list_sidecar_path(o->convert));
    plan.output("--out", o->out);
    if (o->convert.empty()) plan.output("the sidecar of --out", fault_list_sidecar_path(o->out));
    plan.check();
    check_model_argument(o->model, o->dataset);  // UsageError naming the choices
    if (o->target == FaultTarget::Activations) {
      // A transient fault flips one fp32 value, and the Keras convention names weights only.
      if (o->bits_per_fault > 1 || o->sites_per_fault > 1)
        throw UsageError(
            "faultlist --target activations: an activation fault is one bit of one value "
            "(--bits-per-fault and --sites-per-fault are for weight lists)");
      if (o->format == Convention::Keras)
        throw UsageError(
            "faultlist --target activations: the Keras convention is defined for weight fault lists "
            "only (--format keras)");
      if (o->numerics != Numerics::Fp32)
        throw UsageError(
            fmt::format("faultlist --target activations: activation faults are drawn for fp32 only, "
                        "not --numerics {}",
                        numerics_name(o->numerics)));
    }
    if (o->int8_biases) {
      // Only int8 stores its biases as integers whose bits a fault flips (docs/NUMERICS.md).
      if (o->numerics != Numerics::Int8)
        throw UsageError(
            fmt::format("faultlist --int8-biases: the int32 biases exist under --numerics int8 only, not "
                        "--numerics {}",
                        numerics_name(o->numerics)));
      if (o->target == FaultTarget::Activations || o->format == Convention::Keras)
        throw UsageError(
            "faultlist --int8-biases: bias sites are weight sites in the PyTorch convention (not --target "
            "activations or --format keras)");
    }
    // Fault sites: the conv/linear weights in graph order, zoo model or ONNX import alike;
    // or the activation sites (outputs of conv/linear/activation modules) in forward order;
    // with --int8-biases, the int32 bias sites after the weights.
    const Graph graph = resolve_model(o->model, o->dataset).graph;
    check_quantized_model_use(graph, o->numerics, o->model, "");  // a quantized model's weights have 8 bits
    std::vector<WeightSite> sites =
        o->target == FaultTarget::Activations ? activation_sites(graph) : fault_sites(graph);
    if (o->int8_biases)
      for (WeightSite& b : int8_bias_sites(graph)) sites.push_back(std::move(b));
    if (sites.empty())
      throw UsageError(fmt::format("faultlist: {} has no {} sites", o->model, fault_target_name(o->target)));
    if (o->convert.empty())
      run_generate(*o, sites);
    else
      run_convert(*o, sites);
  });
}

}  // namespace faultbench::cli
