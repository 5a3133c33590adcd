// NumPy .npy files (format versions 1.0, 2.0 and 3.0, numpy.lib.format), read strictly and
// memory-mapped: the tensor dataset of `--dataset npy` (tensor_dataset.h).
//
//   magic "\x93NUMPY" | u8 major | u8 minor | header length (u16 LE for 1.0, u32 LE for 2.0
//   and 3.0) | header: a Python dict literal {'descr': '<f4', 'fortran_order': False,
//   'shape': (N, C, H, W), } padded with spaces and ended by '\n' | the data, C order
//
// Only what a dataset needs is accepted: little-endian float32 ('<f4'), int64 ('<i8') and
// int32 ('<i4'), C order. The header is bounded (numpy's own limit, 10000 bytes), the dict
// must hold exactly those three keys, and the shape's byte count (checked for overflow) must
// equal the data that follows. Anything else is a FormatError naming the file and the rule.
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace faultbench {

enum class NpyDtype { Float32, Int64, Int32 };

// "'<f4' (float32)" etc., as messages write them.
const char* npy_dtype_name(NpyDtype dtype);
int npy_dtype_size(NpyDtype dtype);

// numpy refuses longer headers unless told otherwise (max_header_size).
inline constexpr size_t kNpyMaxHeaderBytes = 10000;
// A dimension larger than this cannot describe a file (and keeps products in int64).
inline constexpr int64_t kNpyMaxDim = int64_t(1) << 40;

struct NpyArray {
  NpyDtype dtype = NpyDtype::Float32;
  std::vector<int64_t> shape;
  size_t data_offset = 0;  // where the data starts in the file
  int64_t numel = 0;

  // "[64, 3, 32, 32]".
  std::string shape_text() const;
};

// Parses and checks the file bytes `file` (the whole file: the data size is checked against
// the shape). `name` is the file name messages start with.
NpyArray parse_npy(std::span<const unsigned char> file, const std::string& name);

// A whole file mapped read-only (never written: PROT_READ, MAP_PRIVATE). IoError naming the
// file when it cannot be opened, is not a regular file, or cannot be mapped. An empty file is
// an empty span. (A file truncated by another process while mapped makes reads fault, as
// with any mapped reader; faultbench's inputs are not expected to change under a run.)
class MappedFile {
 public:
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const unsigned char> bytes() const { return {data_, size_}; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  const unsigned char* data_ = nullptr;
  size_t size_ = 0;
};

// A mapped .npy file with its parsed header.
struct NpyFile {
  std::shared_ptr<const MappedFile> file;
  NpyArray array;
  const unsigned char* data() const { return file->bytes().data() + array.data_offset; }
};

NpyFile open_npy(const std::filesystem::path& path);

}  // namespace faultbench
