// Fuzz target: the safe unpickler (src/io/pickle.h) on raw pickle bytes, then a walk over
// every object it built (what the checkpoint readers do next).
#include <span>

#include "fuzz_util.h"
#include "io/pickle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  faultbench::fuzz::run_expecting_errors([&] {
    faultbench::io::Unpickler up(std::span<const uint8_t>(data, size), "fuzz.pkl", 0);
    const int root = up.run();
    if (up.consumed() > size) faultbench::fuzz::finding("pickle", "consumed more bytes than given");
    const auto& o = up.obj(root);
    if (o.kind == faultbench::io::PyKind::Dict) {
      (void)up.dict_get(root, "state_dict");
      for (size_t i = 0; i + 1 < o.items.size(); i += 2) (void)up.obj(o.items[i + 1]).kind;
    }
    for (const auto& t : up.tensors()) {
      if (t.storage < 0 || size_t(t.storage) >= up.storages().size())
        faultbench::fuzz::finding("pickle", "tensor names a storage that does not exist");
    }
  });
  return 0;
}
