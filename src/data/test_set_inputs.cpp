// The test set's files as inputs of the output checks (faultbench/util/output_paths.h),
// in the layouts load_test_set reads (dataset.h).
#include "faultbench/data/dataset.h"
#include "faultbench/util/output_paths.h"

namespace faultbench {

void add_test_set_inputs(IoPlan& plan, const std::string& dataset, const std::filesystem::path& data_dir) {
  if (dataset == "cifar10") plan.input("the test set", data_dir / "cifar-10-batches-bin" / "test_batch.bin");
  if (dataset == "cifar100") plan.input("the test set", data_dir / "cifar-100-binary" / "test.bin");
  if (dataset == "gtsrb") {
    const auto images = data_dir / "GTSRB" / "Final_Test" / "Images";
    plan.input("the test set's ground truth", data_dir / "GT-final_test.csv");
    plan.input("the test set's ground truth", images / "GT-final_test.csv");
    plan.input_folder("the test image", images);
  }
  if (dataset == kNpyDataset) {
    plan.input("the test images", data_dir / "images.npy");
    plan.input("the test labels", data_dir / "labels.npy");
  }
}

}  // namespace faultbench
