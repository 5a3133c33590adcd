// SHA-256 helpers used to tie campaign results and journals to their exact inputs.
#pragma once
#include <cstddef>
#include <filesystem>
#include <string>

namespace faultbench {

// Lower-case hex SHA-256 of a file's bytes. IoError names the file when it cannot be read.
std::string sha256_file(const std::filesystem::path& path);

// Raw 32-byte SHA-256 digest of a buffer (used as the journal record checksum).
void sha256_bytes(const void* data, size_t size, unsigned char digest[32]);

}  // namespace faultbench
