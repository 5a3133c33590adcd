// Where a data root keeps each test set. One documented layout, the one `faultbench fetch`
// writes (docs/DATA.md):
//
//   ROOT/cifar-10-batches-bin/test_batch.bin         fetch --dataset cifar10
//   ROOT/cifar-100-binary/test.bin                   fetch --dataset cifar100
//   ROOT/GTSRB/Final_Test/Images/*.ppm               fetch --dataset gtsrb
//   ROOT/GT-final_test.csv                           (or beside the images)
//   ROOT/weights/<dataset>/<checkpoint>              fetch --weights --model M --dataset D
//   ROOT/faultlists/torch/<DATASET>/<list>           fetch --faultlists [--dataset D] [--model M]
//   ROOT/faultlists/tensorflow/<DATASET>/<list>      fetch --faultlists --keras
//   (<dataset>: cifar10, cifar100, gtsrb; <DATASET>: CIFAR10, CIFAR100, GTSRB)
//
// A test set may also sit one folder down, ROOT/<any name>/<the layout above> (for
// example a rebuilt CIFAR-10 set kept as ROOT/cifar10-jpeg/cifar-10-batches-bin), so that
// one root can hold several copies side by side; two such copies of one dataset make the
// root ambiguous and the error lists them.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace faultbench {

// The file or folder whose presence marks a dataset's test set, relative to the folder that
// holds it: "cifar-10-batches-bin/test_batch.bin", "cifar-100-binary/test.bin",
// "GTSRB/Final_Test/Images". UsageError for an unknown dataset.
std::filesystem::path test_set_marker(const std::string& dataset);

// The folder holding `dataset`'s test set under `root`: root itself when root/marker exists,
// else the one sub-folder of root that has it. IoError when none has it ("looked for ...;
// get it with faultbench fetch"), or when several do (naming them).
std::filesystem::path locate_test_set(const std::string& dataset, const std::filesystem::path& root);

// The reference checkpoint of (model, dataset) in a data root, where `fetch --weights`
// puts it: root/weights/<dataset>/<published file name>. IoError when it is not there
// (naming the path and the fetch command), UsageError for a pair without a published
// checkpoint.
std::filesystem::path locate_weights(const std::string& model, const std::string& dataset,
                                     const std::filesystem::path& root);

}  // namespace faultbench
