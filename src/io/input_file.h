// Bounded reads of an untrusted input file (internal to src/io).
//
// The readers never load a whole file: they learn its size first, then read the byte
// ranges they need (a header, a pickle, the part of a storage a tensor views), so that
// their memory follows what the model needs, not what the file holds or claims.
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace faultbench::io {

class InputFile {
 public:
  // IoError "<path>: cannot open for reading" when it cannot be opened.
  explicit InputFile(const std::filesystem::path& path);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  uint64_t size() const { return size_; }
  // Reads exactly n bytes at `offset`; IoError when the file fails or got shorter.
  void read_at(uint64_t offset, void* dst, size_t n) const;
  std::vector<uint8_t> read_range(uint64_t offset, size_t n) const;

 private:
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

}  // namespace faultbench::io
