// HTTP download with libcurl and file digests with OpenSSL (see transfer.h).
#include <curl/curl.h>
#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <system_error>
#include <vector>

#include <unistd.h>

#include "faultbench/data/transfer.h"
#include "faultbench/error.h"
#include "faultbench/util/atomic_file.h"
#include "faultbench/util/digest.h"

namespace faultbench {
namespace {

struct Sink {
  int fd = -1;
  int64_t written = 0;
  int64_t max_bytes = 0;
  bool too_large = false;
  int write_errno = 0;
};

size_t write_body(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t bytes = size * n;
  if (sink->written + int64_t(bytes) > sink->max_bytes) {
    sink->too_large = true;
    return 0;  // makes libcurl abort with CURLE_WRITE_ERROR
  }
  // Called from inside libcurl: report failure by the return value, never by throwing.
  size_t done = 0;
  while (done < bytes) {
    const ssize_t w = ::write(sink->fd, data + done, bytes - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      sink->write_errno = errno;
      return 0;
    }
    done += size_t(w);
  }
  sink->written += int64_t(bytes);
  return bytes;
}

bool is_file_url(const std::string& url) {
  if (url.size() < 7) return false;
  std::string scheme = url.substr(0, 7);
  for (char& c : scheme) c = char(std::tolower(static_cast<unsigned char>(c)));
  return scheme == "file://";
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

void download_file(const std::string& url, const std::filesystem::path& dest, int64_t max_bytes) {
  global_init();
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) throw IoError(fmt::format("{}: curl_easy_init failed", url));
  // A fresh, unique file beside dest (never a planted link's target), removed on failure.
  TempFile part(dest);
  Sink sink;
  sink.max_bytes = max_bytes;
  sink.fd = part.fd();
  char errbuf[CURL_ERROR_SIZE] = {0};
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  // file:// only when asked for by the URL itself (a local mirror); a server can never
  // redirect to a local file, nor to any scheme but http(s).
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, is_file_url(url) ? "file" : "http,https");
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
  if (sink.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
    throw IoError(fmt::format("{}: download larger than the {} bytes accepted", url, max_bytes));
  }
  if (sink.write_errno != 0)
    throw IoError(fmt::format("{}: write failed: {}", dest.string(), std::strerror(sink.write_errno)));
  if (rc != CURLE_OK)
    throw IoError(fmt::format("{}: download failed: {}", url, errbuf[0] ? errbuf : curl_easy_strerror(rc)));
  part.commit();  // fsync, rename over dest
}

std::string file_digest(const std::filesystem::path& file, const std::string& algorithm) {
  if (algorithm == "md5") return file_digest_hex(file, DigestAlgorithm::Md5);
  if (algorithm == "sha256") return file_digest_hex(file, DigestAlgorithm::Sha256);
  throw UsageError(fmt::format("unknown digest algorithm '{}'", algorithm));
}

void verify_digest(const std::filesystem::path& file, const std::string& algorithm, const std::string& expected) {
  std::string want = expected;
  for (char& c : want) c = char(std::tolower(static_cast<unsigned char>(c)));
  const std::string got = file_digest(file, algorithm);
  if (got != want) {
    throw FormatError(fmt::format("{}: {} checksum mismatch: expected {}, found {} (corrupt or wrong download)",
                                  file.string(), algorithm, want, got));
  }
}

}  // namespace faultbench
