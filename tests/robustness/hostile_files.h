// Hostile inputs for the memory-bound tests (memory_bounds_test.cpp) and the robustness
// table (cli_cases.h): each is small on disk (a few KB to MB, or sparse) but makes a
// careless reader allocate far more than the model needs: pickles whose memoized values
// are reused many times, zip entries that inflate a thousandfold or lie about their size,
// JSON headers nested or repeated without end, journals and sidecars padded to gigabytes.
#pragma once
#include <zlib.h>

#include <cstdint>
#include <string>
#include <vector>

#include "faultbench/graph.h"
#include "faultbench/zoo/zoo.h"
#include "robustness_fixtures.h"

namespace faultbench::robustness::hostile {

constexpr int64_t kGiBFloats = int64_t(1) << 28;  // float32 elements in 1 GiB

// ---- pickle opcodes (protocol 2) -------------------------------------------------------
inline std::string le(uint64_t v, int bytes) {
  std::string s;
  for (int i = 0; i < bytes; ++i) s.push_back(char((v >> (8 * i)) & 0xff));
  return s;
}
inline std::string str(const std::string& s) { return "X" + le(s.size(), 4) + s; }  // BINUNICODE
inline std::string integer(int64_t v) { return "\x8a\x08" + le(uint64_t(v), 8); }   // LONG1, 8 bytes
inline std::string int_tuple(const Shape& v) {
  std::string s = "(";
  for (int64_t x : v) s += integer(x);
  return s + "t";
}
// ('storage', FloatStorage, key, 'cpu', numel)
inline std::string float_storage(const std::string& key, int64_t numel) {
  return "(" + str("storage") + "ctorch\nFloatStorage\n" + str(key) + str("cpu") + integer(numel) + "tQ";
}
// _rebuild_tensor_v2(<storage pickled by `storage`>, offset, size, contiguous stride, False, OrderedDict())
inline std::string tensor(const std::string& storage, int64_t offset, const Shape& size) {
  Shape stride(size.size(), 1);
  for (size_t d = size.size(); d-- > 1;) stride[d - 1] = stride[d] * size[d];
  return "ctorch._utils\n_rebuild_tensor_v2\n(" + storage + integer(offset) + int_tuple(size) + int_tuple(stride) +
         "\x89" + "ccollections\nOrderedDict\n)R" + "tR";
}

// A state dict of every parameter of `model` but num_batches_tracked (allowed to be
// missing), all views of one FloatStorage '0' of `numel` elements, packed from its start.
// Returns the pickle; *used gets the elements the views cover.
inline std::string model_state_dict(const std::string& model, const std::string& dataset, int64_t storage_numel,
                                    int64_t* used = nullptr) {
  std::string p = "\x80\x02}(";
  int64_t at = 0;
  bool first = true;
  for (const Param& prm : build_model(model, dataset).params) {
    if (prm.role == ParamRole::NumBatchesTracked) continue;
    // The storage is memoized once (BINPUT 1) and fetched again (BINGET 1) by every view.
    const std::string storage = first ? float_storage("0", storage_numel) + "q\x01" : std::string("h\x01");
    first = false;
    p += str(prm.name) + tensor(storage, at, prm.shape);
    at += numel(prm.shape);
  }
  if (used) *used = at;
  return p + "u.";
}

// ---- zip archives, written byte by byte (so that they can lie) --------------------------
struct ZipEntry {
  std::string name;
  std::string data;     // as stored (deflated or not)
  uint16_t method = 0;  // 0 stored, 8 deflated
  uint32_t crc = 0;
  uint64_t size = 0;  // uncompressed size, as declared
};

inline ZipEntry stored(const std::string& name, const std::string& data) {
  return {name, data, 0, uint32_t(crc32(0, reinterpret_cast<const Bytef*>(data.data()), uInt(data.size()))),
          data.size()};
}

// Raw deflate of `data` with a full flush (`final`: then the final block).
inline std::string deflate_raw(const std::string& data, bool final) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, uLong(data.size())) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = uInt(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  deflate(&z, final ? Z_FINISH : Z_FULL_FLUSH);
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  return out;
}

inline ZipEntry deflated(const std::string& name, const std::string& data) {
  ZipEntry e = stored(name, data);
  e.data = deflate_raw(data, true);
  e.method = 8;
  return e;
}

// `mib` MiB of zero bytes, deflated: one fully flushed MiB repeated (each copy decodes
// alone), about 1 KB per MiB on disk.
inline ZipEntry deflated_zeros(const std::string& name, uint64_t mib) {
  const std::string one(1 << 20, '\0');
  const std::string seg = deflate_raw(one, false);
  const uLong crc1 = crc32(0, reinterpret_cast<const Bytef*>(one.data()), uInt(one.size()));
  ZipEntry e{name, "", 8, 0, mib << 20};
  uLong crc = 0;
  e.data.reserve(seg.size() * mib + 16);
  for (uint64_t i = 0; i < mib; ++i) {
    e.data += seg;
    crc = crc32_combine(crc, crc1, z_off_t(one.size()));
  }
  e.data += deflate_raw("", true);
  e.crc = uint32_t(crc);
  return e;
}

inline std::string zip_bytes(const std::vector<ZipEntry>& entries) {
  std::string out, central;
  for (const ZipEntry& e : entries) {
    const std::string common = le(20, 2) + le(0, 2) + le(e.method, 2) + le(0, 2) + le(0x21, 2) + le(e.crc, 4) +
                               le(e.data.size(), 4) + le(e.size, 4) + le(e.name.size(), 2) + le(0, 2);
    central +=
        le(0x02014b50, 4) + le(20, 2) + common + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(out.size(), 4) + e.name;
    out += le(0x04034b50, 4) + common + e.name + e.data;
  }
  const uint64_t cd_at = out.size();
  out += central;
  return out + le(0x06054b50, 4) + le(0, 2) + le(0, 2) + le(entries.size(), 2) + le(entries.size(), 2) +
         le(central.size(), 4) + le(cd_at, 4) + le(0, 2);
}

// A torch.save zip: archive/data.pkl (deflated), archive/byteorder, then `more`.
inline std::string torch_zip(const std::string& pickle, std::vector<ZipEntry> more = {}) {
  std::vector<ZipEntry> e = {deflated("archive/data.pkl", pickle), stored("archive/byteorder", "little")};
  e.insert(e.end(), more.begin(), more.end());
  return zip_bytes(e);
}

// ---- legacy torch.save files -------------------------------------------------------------
// Magic number, protocol 1001, sys_info (an empty dict), then `object` and the key list.
inline std::string legacy_head(const std::string& object, const std::vector<std::string>& keys) {
  std::string s = std::string("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.", 15) + "\x80\x02M\xe9\x03." +
                  "\x80\x02}." + object + "\x80\x02](";
  for (const std::string& k : keys) s += str(k);
  return s + "e.";
}

// Writes `head`, then storage '0' of `numel` float32 zeros as a sparse tail (no disk).
inline void write_legacy(const fs::path& path, const std::string& head, int64_t numel) {
  write_bytes(path, head + le(uint64_t(numel), 8));
  fs::resize_file(path, head.size() + 8 + uint64_t(numel) * 4);
}

// ---- safetensors ---------------------------------------------------------------------------
inline std::string safetensors_with_header(const std::string& header, const std::string& data = "") {
  return le(header.size(), 8) + header + data;
}

}  // namespace faultbench::robustness::hostile
