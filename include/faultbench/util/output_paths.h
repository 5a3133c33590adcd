// The output guard every verb runs before it does any work: no file it writes may be a
// file it reads or another file it writes, and no output path may be a symbolic link or
// anything but a regular file.
//
// A verb lists its inputs (checkpoint, fault list, the test set's files and image folder)
// and its outputs, derived ones included (RESULTS.csv.json, RESULTS.csv.journal). Two
// paths are the same file when
//   - both exist and have the same (st_dev, st_ino): links, hard links, other spellings;
//   - otherwise, when their normalized absolute paths are equal (symbolic links in the
//     existing part resolved, ".." and "." removed): `a/x` and `./a/../a/x`.
// Temporary files need no entry: write_file_atomically creates them under fresh unique
// names with O_EXCL, so they can never be an existing file.
//
// Policy for links: a symbolic link at an output path is refused (IoError, exit 1), not
// followed and not replaced: it may point at anything the user can write, and replacing it
// would silently change where the user's link leads.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace faultbench {

class IoPlan {
 public:
  // `what` names the path in messages: the option ("--weights") or the role of a derived
  // file ("the journal of --out"). Inputs that do not exist are still compared by path
  // (their reader reports them missing later).
  void input(std::string what, std::filesystem::path path);
  // A folder whose files are read (the GTSRB images): no output may be one of its files.
  void input_folder(std::string what, std::filesystem::path dir);
  void output(std::string what, std::filesystem::path path);

  // Throws, naming both paths as given:
  //   IoError    an output is a symbolic link, a folder or another non-regular file;
  //   UsageError an output is the same file as an input or as another output.
  // Then creates the missing folders of the outputs (IoError naming the output when one
  // cannot be made), so that an output into a new folder works and fails, if it must,
  // before the work rather than after it.
  void check() const;

 private:
  struct Entry {
    std::string what;
    std::filesystem::path path;
  };
  void create_output_folders() const;
  std::vector<Entry> inputs_, folders_, outputs_;
};

}  // namespace faultbench
