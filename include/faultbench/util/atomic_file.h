// Writing result files so that a reader (or a rerun after a crash) never sees a partial file.
#pragma once
#include <filesystem>
#include <string>

namespace faultbench {

// Writes `text` to `path` through a temporary file in the same folder (path + ".tmp"),
// fsync, rename, then fsync of the folder. IoError naming the path and the system error
// on failure (disk full, read-only folder); the temporary file is removed then.
void write_file_atomically(const std::filesystem::path& path, const std::string& text);

}  // namespace faultbench
