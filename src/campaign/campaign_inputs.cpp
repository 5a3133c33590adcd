#include "faultbench/campaign/campaign_inputs.h"

#include <fmt/format.h>

#include "faultbench/campaign/hashing.h"
#include "faultbench/campaign/int8_setup.h"
#include "faultbench/campaign/model_source.h"
#include "faultbench/data/dataset.h"
#include "faultbench/error.h"
#include "faultbench/faults/fault_group.h"
#include "faultbench/faults/validate.h"
#include "faultbench/io/checkpoint.h"
#include "faultbench/zoo/zoo.h"

namespace faultbench {

CampaignInputs load_campaign_inputs(const CampaignSpec& spec) {
  CampaignInputs in;
  const std::string faults_sha256 = sha256_file(spec.faults);
  // How the list was drawn, when its sidecar says so; a list drawn for another model or
  // dataset is refused (its layer names may exist in both and mean other weights).
  in.list_sidecar = find_fault_list_sidecar(spec.faults, faults_sha256);
  const FoundListSidecar& list_sidecar = in.list_sidecar;
  if (list_sidecar.sidecar &&
      (list_sidecar.sidecar->model != model_record_name(spec.model) || list_sidecar.sidecar->dataset != spec.dataset))
    throw UsageError(fmt::format("{}: this fault list was drawn for {}/{} ({}), the campaign runs {}/{}",
                                 spec.faults.string(), list_sidecar.sidecar->model, list_sidecar.sidecar->dataset,
                                 fault_list_sidecar_path(spec.faults).filename().string(),
                                 model_record_name(spec.model), spec.dataset));

  if (list_sidecar.sidecar && list_sidecar.sidecar->numerics != numerics_name(spec.numerics))
    throw UsageError(fmt::format("{}: this fault list was drawn for --numerics {} ({}), the campaign runs {}",
                                 spec.faults.string(), list_sidecar.sidecar->numerics,
                                 fault_list_sidecar_path(spec.faults).filename().string(),
                                 numerics_name(spec.numerics)));
  // A list is run on the sites its sidecar records (target), never silently on the others.
  const bool activations = spec.target == FaultTarget::Activations;
  if (list_sidecar.sidecar && list_sidecar.sidecar->target != fault_target_name(spec.target))
    throw UsageError(fmt::format("{}: this fault list's sites are {} ({}); the campaign runs {} faults{}",
                                 spec.faults.string(), list_sidecar.sidecar->target,
                                 fault_list_sidecar_path(spec.faults).filename().string(),
                                 activations ? "activation" : "weight",
                                 activations ? "" : " (an activation list runs with --target activations)"));
  // The flipped value is an fp32 word: other formats round activations (Round nodes) where
  // a fault's meaning is not settled.
  if (activations && spec.numerics != Numerics::Fp32)
    throw UsageError(fmt::format("campaign --target activations: activation faults run in fp32 only, not --numerics {}",
                                 numerics_name(spec.numerics)));
  // A part of a list has no seeded order of its own to stop in: --until-margin runs whole lists.
  if (spec.until_margin && spec.shard.active())
    throw UsageError("campaign: --until-margin and --shard do not go together (an early stop needs the whole list)");
  // A zoo model, or an imported ONNX graph with its initializers (--weights optional).
  ModelSource model = resolve_model(spec.model, spec.dataset);
  check_quantized_model_use(model.graph, spec.numerics, spec.model,
                            !spec.weights.empty()    ? "--weights"
                            : spec.calibration_given ? "--calibration-images"
                                                     : "");
  load_model_weights(model, spec.weights);
  if (model.graph.numerics == Numerics::Int8)  // a quantized ONNX model: its own scales
    in.int8 = int8_from_model(model.graph, model.onnx_sha256);
  else if (spec.numerics == Numerics::Int8)
    in.int8 = quantize_with_test_images(model.graph, spec.dataset, spec.data_dir, spec.calibration_images,
                                        spec.engine.threads);
  else
    in.numerics = apply_numerics(model.graph, spec.numerics);
  in.selected = load_selected_images(spec.dataset, spec.data_dir, spec.images);
  const ImageSet& images = in.selected.images;
  if (images.size() == 0) throw UsageError("campaign: the test set is empty (--images 0?)");
  // npy: the error names the images file; the built-in sets: the ONNX file.
  if (model.is_onnx() && spec.dataset != kNpyDataset)
    check_model_fits_data(model, images.shape, images.classes - 1, spec.dataset);
  check_images_fit_model(images, model.graph.input_shape, model.graph.classes, spec.data_dir);
  in.graph = std::move(model.graph);
  // A Keras-convention list is told how to convert it (ListPurpose), not "unknown layer".
  const ListPurpose purpose{spec.model, spec.dataset};
  // An int8 graph's sites: its weights, then its int32 biases (named when listed).
  std::vector<WeightSite> sites = activations ? activation_sites(in.graph) : fault_sites(in.graph);
  const std::vector<WeightSite> biases = activations ? std::vector<WeightSite>{} : int32_bias_sites(in.graph);
  sites.insert(sites.end(), biases.begin(), biases.end());
  in.list = activations ? load_activation_list(spec.faults, sites)
                        : load_fault_list(spec.faults, sites, Convention::Torch, &purpose);
  if (in.list.size() == 0) throw UsageError(fmt::format("{}: the fault list is empty", spec.faults.string()));
  check_fault_bits(in.list, spec.numerics, biases);
  if (spec.fault_model)
    for (Fault& f : in.list.faults) f.model = *spec.fault_model;
  const std::vector<FaultGroup> groups = fault_groups(in.list);
  if (list_sidecar.sidecar && list_sidecar.sidecar->params.same_layer) check_same_layer(in.list, groups);
  for (const FaultGroup& g : groups) {
    in.faults.push_back(in.list.faults[g.first]);
    in.sites.push_back(int(g.count));
    in.resolved.push_back(activations ? resolve_activation_fault(in.graph, in.list.faults[g.first])
                                      : resolve_fault_sites(in.graph, &in.list.faults[g.first], g.count));
  }
  in.multi_site = has_multi_site(groups);

  CampaignBinding& binding = in.binding;
  binding.model = model.name;
  binding.dataset = spec.dataset;
  // An ONNX model without --weights: its weights are the file's initializers.
  binding.weights_sha256 = spec.weights.empty() ? model.onnx_sha256 : sha256_file(spec.weights);
  binding.model_sha256 = model.onnx_sha256;
  binding.data_sha256 = images.sha256();
  binding.images = images.size();
  binding.faults_sha256 = faults_sha256;
  binding.faults = int64_t(in.faults.size());
  binding.fault_model = spec.fault_model ? fault_model_name(*spec.fault_model) : "as-listed";
  binding.numerics = numerics_name(spec.numerics);
  binding.target = fault_target_name(spec.target);
  if (spec.numerics == Numerics::Int8) binding.calibration = in.int8.describe();
  binding.shard = spec.shard.name();
  if (spec.until_margin) binding.until_margin = spec.until_margin->describe();
  return in;
}

}  // namespace faultbench
