// HTTP download with libcurl and file digests with OpenSSL (see transfer.h).
#include <curl/curl.h>
#include <fmt/format.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <system_error>
#include <vector>

#include <unistd.h>

#include "faultbench/data/transfer.h"
#include "faultbench/error.h"
#include "faultbench/util/digest.h"

namespace faultbench {
namespace {

struct Sink {
  std::FILE* file = nullptr;
  int64_t written = 0;
  int64_t max_bytes = 0;
  bool too_large = false;
};

size_t write_body(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t bytes = size * n;
  if (sink->written + int64_t(bytes) > sink->max_bytes) {
    sink->too_large = true;
    return 0;  // makes libcurl abort with CURLE_WRITE_ERROR
  }
  if (std::fwrite(data, 1, bytes, sink->file) != bytes) return 0;
  sink->written += int64_t(bytes);
  return bytes;
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

void download_file(const std::string& url, const std::filesystem::path& dest, int64_t max_bytes) {
  global_init();
  const std::filesystem::path part = dest.string() + ".part";
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) throw IoError(fmt::format("{}: curl_easy_init failed", url));
  Sink sink;
  sink.max_bytes = max_bytes;
  sink.file = std::fopen(part.c_str(), "wb");
  if (!sink.file) throw IoError(fmt::format("{}: cannot open for writing", part.string()));
  char errbuf[CURL_ERROR_SIZE] = {0};
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);  // 4xx/5xx are errors, not bodies
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
  // Abort a stalled transfer: less than 1 kB/s for 60 s.
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(max_bytes));
  curl_easy_setopt(h, CURLOPT_USERAGENT, "faultbench/" FAULTBENCH_VERSION);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &write_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  const CURLcode rc = curl_easy_perform(h);
  const bool flushed = std::fflush(sink.file) == 0 && ::fsync(fileno(sink.file)) == 0;
  std::fclose(sink.file);
  if (rc != CURLE_OK || sink.too_large || !flushed) {
    std::error_code ec;
    std::filesystem::remove(part, ec);
    if (sink.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
      throw IoError(fmt::format("{}: download larger than the {} bytes accepted", url, max_bytes));
    }
    if (!flushed) throw IoError(fmt::format("{}: writing failed", part.string()));
    throw IoError(fmt::format("{}: download failed: {}", url, errbuf[0] ? errbuf : curl_easy_strerror(rc)));
  }
  std::error_code ec;
  std::filesystem::rename(part, dest, ec);
  if (ec) throw IoError(fmt::format("{}: cannot rename to {}: {}", part.string(), dest.string(), ec.message()));
}

std::string file_digest(const std::filesystem::path& file, const std::string& algorithm) {
  if (algorithm == "md5") return file_digest_hex(file, DigestAlgorithm::Md5);
  if (algorithm == "sha256") return file_digest_hex(file, DigestAlgorithm::Sha256);
  throw UsageError(fmt::format("unknown digest algorithm '{}'", algorithm));
}

void verify_digest(const std::filesystem::path& file, const std::string& algorithm,
                   const std::string& expected) {
  std::string want = expected;
  for (char& c : want) c = char(std::tolower(static_cast<unsigned char>(c)));
  const std::string got = file_digest(file, algorithm);
  if (got != want) {
    throw FormatError(fmt::format("{}: {} checksum mismatch: expected {}, found {} (corrupt or wrong download)",
                                  file.string(), algorithm, want, got));
  }
}

}  // namespace faultbench
