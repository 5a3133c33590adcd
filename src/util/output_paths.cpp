#include "faultbench/util/output_paths.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <system_error>

#include <fmt/format.h>

#include "faultbench/error.h"

namespace faultbench {

namespace fs = std::filesystem;

namespace {

// What a path refers to: the file's identity when it exists, else its normalized path.
struct Identity {
  bool exists = false;
  dev_t dev = 0;
  ino_t ino = 0;
  std::string key;  // normalized absolute path, used when !exists

  bool same(const Identity& o) const {
    if (exists != o.exists) return false;
    return exists ? dev == o.dev && ino == o.ino : key == o.key;
  }
};

// The absolute path with symbolic links in its existing part resolved and "." / ".."
// removed from the rest; the lexically normal absolute path when even that fails.
std::string normalized(const fs::path& p) {
  std::error_code ec;
  const fs::path abs = fs::absolute(p, ec);
  if (ec) return p.lexically_normal().string();
  const fs::path canon = fs::weakly_canonical(abs, ec);
  return (ec ? abs.lexically_normal() : canon).string();
}

Identity from_stat(const struct stat& st) {
  Identity id;
  id.exists = true;
  id.dev = st.st_dev;
  id.ino = st.st_ino;
  return id;
}

// Inputs: links are followed (a checkpoint given through a link is that checkpoint).
Identity input_identity(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) == 0) return from_stat(st);
  Identity id;
  id.key = normalized(p);
  return id;
}

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a named pipe";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// Outputs: the path itself (lstat) must be absent or a regular file.
Identity output_identity(const std::string& what, const fs::path& p) {
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) {
    Identity id;
    id.key = normalized(p);
    return id;
  }
  if (S_ISLNK(st.st_mode)) {
    std::error_code ec;
    const fs::path target = fs::read_symlink(p, ec);
    throw IoError(
        fmt::format("{} {}: is a symbolic link{}: refusing to write through it or replace it; remove "
                    "it or choose another path",
                    what, p.string(), ec ? "" : " (to " + target.string() + ")"));
  }
  if (!S_ISREG(st.st_mode))
    throw IoError(fmt::format("{} {}: is {}: refusing to replace it; choose another path", what, p.string(),
                              kind_of(st.st_mode)));
  return from_stat(st);
}

}  // namespace

void IoPlan::input(std::string what, fs::path path) { inputs_.push_back({std::move(what), std::move(path)}); }

void IoPlan::input_folder(std::string what, fs::path dir) { folders_.push_back({std::move(what), std::move(dir)}); }

void IoPlan::output(std::string what, fs::path path) { outputs_.push_back({std::move(what), std::move(path)}); }

void IoPlan::check() const {
  std::vector<Identity> outs;
  bool any_existing = false;
  for (const Entry& o : outputs_) {
    outs.push_back(output_identity(o.what, o.path));
    any_existing = any_existing || outs.back().exists;
  }
  auto same_as_input = [](const Entry& o, const Entry& in) {
    return UsageError(
        fmt::format("{} {} is the same file as {} {}: refusing to overwrite an input; choose "
                    "another output path",
                    o.what, o.path.string(), in.what, in.path.string()));
  };
  for (size_t i = 0; i < outputs_.size(); ++i) {
    for (size_t k = 0; k < i; ++k)
      if (outs[i].same(outs[k]))
        throw UsageError(
            fmt::format("{} {} is the same file as {} {}: two outputs cannot share a file; choose "
                        "another output path",
                        outputs_[i].what, outputs_[i].path.string(), outputs_[k].what, outputs_[k].path.string()));
    for (const Entry& in : inputs_)
      if (outs[i].same(input_identity(in.path))) throw same_as_input(outputs_[i], in);
  }
  // A folder's files can only clash with outputs that exist; listing it costs a stat per
  // file (12,630 for GTSRB), so only then.
  for (const Entry& folder : any_existing ? folders_ : std::vector<Entry>{}) {
    std::error_code ec;
    for (fs::directory_iterator it(folder.path, ec), end; !ec && it != end; it.increment(ec)) {
      struct stat st {};
      if (::stat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      const Identity file = from_stat(st);
      for (size_t i = 0; i < outputs_.size(); ++i)
        if (outs[i].same(file)) throw same_as_input(outputs_[i], Entry{folder.what, it->path()});
    }
  }
  create_output_folders();
}

void IoPlan::create_output_folders() const {
  // An output into a folder that does not exist yet gets that folder now, before any work,
  // so the run cannot fail at its end for want of it; a failure names the output.
  for (const Entry& o : outputs_) {
    const fs::path parent = o.path.parent_path();
    std::error_code ec;
    if (parent.empty() || fs::is_directory(parent, ec)) continue;
    fs::create_directories(parent, ec);
    if (ec)
      throw IoError(fmt::format("{} {}: cannot create its folder {}: {}", o.what, o.path.string(), parent.string(),
                                ec.message()));
  }
}

}  // namespace faultbench
