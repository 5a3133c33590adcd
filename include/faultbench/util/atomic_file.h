// Writing result files so that a reader (or a rerun after a crash) never sees a partial
// file, and so that nothing planted in the output folder can redirect the write.
#pragma once
#include <filesystem>
#include <string>
#include <string_view>

namespace faultbench {

// A new temporary file beside `target`, named "<target>.tmp.XXXXXX" (six random letters
// or digits), created with O_CREAT | O_EXCL | O_NOFOLLOW, mode 0644 before the umask: it
// is never an existing file and never a link's target, whatever was planted in the folder
// (a link at "<target>.tmp" is simply not used). commit() renames it over `target`; a
// TempFile destroyed uncommitted removes its file.
class TempFile {
 public:
  // IoError "<target>: cannot create a temporary file in <folder>: <system error>".
  explicit TempFile(const std::filesystem::path& target);
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile();

  int fd() const { return fd_; }
  const std::filesystem::path& path() const { return path_; }
  // Appends bytes; IoError "<target>: write failed: <system error>".
  void write(std::string_view bytes);
  // fsync, close, rename over the target (a link there is replaced, never followed), then
  // fsync of the folder so that the rename is durable. IoError naming the target.
  void commit();

 private:
  std::filesystem::path target_, path_;
  int fd_ = -1;
  bool done_ = false;
};

// Writes `text` to `path` through a TempFile: write, fsync, rename, fsync of the folder.
// IoError naming the path and the system error on failure (disk full, read-only folder);
// the temporary file is removed then.
void write_file_atomically(const std::filesystem::path& path, const std::string& text);

// Removes the regular files named like the TempFiles of `target` ("<target>.tmp.XXXXXX")
// that a killed process left behind. Only for a caller that holds a lock excluding every
// other writer of `target` (the campaign's journal lock); links are left alone.
void remove_stale_temp_files(const std::filesystem::path& target);

}  // namespace faultbench
