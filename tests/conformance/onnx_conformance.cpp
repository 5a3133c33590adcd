// ONNX's conformance suite (Debian libonnx-testdata) run through faultbench's importer and
// executor. Every case folder (a model.onnx and test_data_set_*/input_0.pb, output_0.pb
// TensorProtos) is imported with import_onnx, run on its inputs (batch = the first dim) and
// compared as ONNX's backend test runner compares (numpy's assert_allclose, rtol 1e-3,
// atol 1e-7: |got - want| <= atol + rtol * |want|, NaN equal to NaN). Each case is
//   passed       imported, and every data set matches
//   unsupported  the importer refused it with its "not supported" FormatError
//   failed       anything else: a wrong value, another error, a crash or a time-out
// Each case runs in a child process, so that a crash is counted instead of ending the run.
//
//   onnx_conformance [--data DIR] [--suite NAME]... [--case REGEX] [--verbose]
//                    [--require FILE] [--update-doc docs/ONNX.md] [--write-passed FILE]
//
// --require FILE: exit 1 unless every case listed (one "suite/case" a line, # comments) passed,
// and no case anywhere crashed or timed out; CI runs it with the cases of the ops faultbench
// claims. --update-doc rewrites the generated section of docs/ONNX.md (between
// "<!-- conformance:begin -->" and "<!-- conformance:end -->"). Exit 77 when DIR is missing.
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "conformance_case.h"

namespace fs = std::filesystem;
using namespace faultbench::conformance;

namespace {

constexpr const char* kDefaultData = "/usr/share/libonnx-testdata/data";
constexpr int kCaseSeconds = 60;

// Runs run_case(dir) in a child: the verdict comes back through a pipe as "<kind>\t<detail>".
CaseResult run_isolated(const fs::path& dir) {
  int fds[2];
  if (::pipe(fds) != 0) return {Verdict::Failed, "pipe failed"};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    ::alarm(kCaseSeconds);
    const CaseResult r = run_case(dir);
    const std::string line = std::string(verdict_name(r.verdict)) + "\t" + r.detail;
    size_t done = 0;
    while (done < line.size()) {
      const ssize_t w = ::write(fds[1], line.data() + done, line.size() - done);
      if (w <= 0) break;
      done += size_t(w);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string text;
  char buf[4096];
  for (ssize_t r; (r = ::read(fds[0], buf, sizeof buf)) > 0;) text.append(buf, size_t(r));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    return {Verdict::Crashed, sig == SIGALRM ? fmt::format("timed out after {} s", kCaseSeconds)
                                             : fmt::format("killed by signal {} ({})", sig, strsignal(sig))};
  }
  const size_t tab = text.find('\t');
  if (tab == std::string::npos) return {Verdict::Crashed, "the child exited without a verdict"};
  const std::string kind = text.substr(0, tab);
  for (Verdict v : {Verdict::Passed, Verdict::Failed, Verdict::Unsupported, Verdict::Crashed})
    if (kind == verdict_name(v)) return {v, text.substr(tab + 1)};
  return {Verdict::Crashed, "unreadable verdict"};
}

std::set<std::string> read_list(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::set<std::string> out;
  for (std::string line; std::getline(in, line);) {
    line = line.substr(0, line.find('#'));
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    if (!line.empty()) out.insert(line);
  }
  return out;
}

struct Counts {
  int passed = 0, failed = 0, unsupported = 0;
};

// The message of a failure without what is particular to the case: the file path, quoted
// names and numbers, so that one cause gives one line of the table.
std::string failure_pattern(const std::string& detail) {
  std::string s = detail.substr(0, detail.find(" (supported ops:"));
  if (s.size() < detail.size()) s += " (supported ops: ...)";
  s = std::regex_replace(s, std::regex("/[^ :]*model\\.onnx"), "MODEL");
  s = std::regex_replace(s, std::regex("'[^']*'"), "'...'");
  s = std::regex_replace(s, std::regex("test_data_set_[0-9]+"), "test_data_set_N");
  s = std::regex_replace(s, std::regex("\\b[0-9][0-9.e+]*"), "N");
  for (char& c : s)
    if (c == '|' || c == '`') c = ' ';
  return s.substr(0, 200);
}

// A table of (case, message) pairs grouped by failure_pattern, most frequent first.
std::string grouped_table(const std::vector<std::pair<std::string, std::string>>& cases, size_t rows) {
  std::map<std::string, std::pair<int, std::string>> groups;
  for (const auto& [id, detail] : cases) {
    auto& g = groups[failure_pattern(detail)];
    if (g.first++ == 0) g.second = id;
  }
  std::vector<std::pair<std::string, std::pair<int, std::string>>> sorted(groups.begin(), groups.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
  std::string s = "| cases | message (names replaced by ...) | e.g. |\n|---:|---|---|\n";
  for (size_t i = 0; i < sorted.size() && i < rows; ++i)
    s += fmt::format("| {} | {} | `{}` |\n", sorted[i].second.first, sorted[i].first, sorted[i].second.second);
  return s;
}

std::string doc_section(const std::map<std::string, Counts>& counts,
                        const std::vector<std::pair<std::string, std::string>>& failures,
                        const std::vector<std::pair<std::string, std::string>>& unsupported,
                        const std::vector<std::string>& passed, const std::string& data) {
  std::string s = "<!-- conformance:begin -->\n";
  s += "<!-- generated by `build/tests/onnx_conformance --update-doc docs/ONNX.md`; do not edit by hand -->\n";
  s += fmt::format("Cases of `{}` (Debian libonnx-testdata), rtol 1e-3, atol 1e-7:\n\n", data);
  s += "| suite | cases | passed | failed | unsupported |\n|---|---:|---:|---:|---:|\n";
  Counts total;
  for (const auto& [suite, c] : counts) {
    s += fmt::format("| {} | {} | {} | {} | {} |\n", suite, c.passed + c.failed + c.unsupported, c.passed, c.failed,
                     c.unsupported);
    total.passed += c.passed, total.failed += c.failed, total.unsupported += c.unsupported;
  }
  s += fmt::format("| **all** | {} | {} | {} | {} |\n", total.passed + total.failed + total.unsupported, total.passed,
                   total.failed, total.unsupported);
  if (!passed.empty()) {
    s += "\nPassed: ";
    for (size_t i = 0; i < passed.size(); ++i) s += (i ? ", `" : "`") + passed[i] + "`";
    s += ".\n";
  }
  if (!failures.empty())
    s += "\nFailed cases (imported and wrong, or refused other than as \"not supported\"), by message:\n\n" +
         grouped_table(failures, 1000);
  if (!unsupported.empty())
    s += "\nUnsupported cases, by the importer's message (the 25 most frequent):\n\n" + grouped_table(unsupported, 25);
  return s + "<!-- conformance:end -->\n";
}

void update_doc(const fs::path& doc, const std::string& section) {
  std::string text;
  {
    std::ifstream in(doc);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string begin = "<!-- conformance:begin -->", end = "<!-- conformance:end -->\n";
  const size_t b = text.find(begin), e = text.find(end);
  if (b != std::string::npos && e != std::string::npos && e > b) {
    text.replace(b, e + end.size() - b, section);
  } else {
    text += (text.empty() ? "" : "\n") + std::string("## Conformance: ONNX's test suite\n\n") + section;
  }
  const fs::path tmp = doc.string() + ".tmp";
  std::ofstream(tmp) << text;
  fs::rename(tmp, doc);
}

}  // namespace

int main(int argc, char** argv) {
  fs::path data = kDefaultData, require, doc, write_passed;
  std::vector<std::string> suites;
  std::string case_filter;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        fmt::print(stderr, "onnx_conformance: {} needs a value\n", a);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--data")
      data = value();
    else if (a == "--suite")
      suites.push_back(value());
    else if (a == "--case")
      case_filter = value();
    else if (a == "--require")
      require = value();
    else if (a == "--update-doc")
      doc = value();
    else if (a == "--write-passed")
      write_passed = value();
    else if (a == "--verbose")
      verbose = true;
    else {
      fmt::print(stderr, "onnx_conformance: unknown argument {}\n", a);
      return 2;
    }
  }
  if (suites.empty()) suites = {"node", "pytorch-converted"};
  if (!fs::is_directory(data)) {
    fmt::print("skipped: {} is missing (install libonnx-testdata)\n", data.string());
    return 77;
  }
  const std::set<std::string> required = require.empty() ? std::set<std::string>{} : read_list(require);
  const std::regex filter(case_filter.empty() ? ".*" : case_filter);

  std::map<std::string, Counts> counts;
  std::vector<std::pair<std::string, std::string>> failures, unsupported;  // case, detail
  std::vector<std::string> passed, problems;
  for (const std::string& suite : suites) {
    std::vector<fs::path> cases;
    for (const auto& e : fs::directory_iterator(data / suite))
      if (fs::exists(e.path() / "model.onnx")) cases.push_back(e.path());
    std::sort(cases.begin(), cases.end());
    Counts& c = counts[suite];
    for (const fs::path& dir : cases) {
      const std::string id = suite + "/" + dir.filename().string();
      if (!std::regex_search(id, filter)) continue;
      const CaseResult r = run_isolated(dir);
      if (verbose || r.verdict == Verdict::Crashed) fmt::print("{:<12} {} {}\n", verdict_name(r.verdict), id, r.detail);
      switch (r.verdict) {
        case Verdict::Passed:
          ++c.passed;
          passed.push_back(id);
          break;
        case Verdict::Unsupported:
          ++c.unsupported;
          unsupported.emplace_back(id, r.detail);
          break;
        case Verdict::Crashed: problems.push_back(id + ": " + r.detail); [[fallthrough]];
        case Verdict::Failed:
          ++c.failed;
          failures.emplace_back(id, r.detail);
          break;
      }
    }
  }
  for (const auto& [suite, c] : counts)
    fmt::print("{}: {} passed, {} failed, {} unsupported\n", suite, c.passed, c.failed, c.unsupported);
  for (const std::string& id : required)
    if (std::find(passed.begin(), passed.end(), id) == passed.end())
      problems.push_back(id + ": required, did not pass");
  if (!doc.empty()) update_doc(doc, doc_section(counts, failures, unsupported, passed, data.string()));
  if (!write_passed.empty()) {
    std::ofstream out(write_passed);
    out << "# ONNX conformance cases faultbench passes (onnx_conformance --write-passed); CI requires them\n";
    for (const std::string& id : passed) out << id << "\n";
  }
  for (const std::string& p : problems) fmt::print("PROBLEM {}\n", p);
  return problems.empty() ? 0 : 1;
}
