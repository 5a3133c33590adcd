// The bad-input table of docs/ROBUSTNESS.md, checked against the faultbench binary.
//
// Each case of cli_cases.h builds its bad input in a scratch folder and runs the CLI
// there; the test checks the exit code (fixed in cli_cases.h) and that stderr equals,
// byte for byte, the message in the document's row of that id (the scratch folder's
// absolute path, if printed, reads DIR). Every case has a row and every row a case.
//
// Regenerate the table after changing a message or adding a case:
//   FAULTBENCH_UPDATE_ROBUSTNESS=1 build/tests/test_robustness --gtest_filter='RobustnessTable.Regenerate'
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "cli_cases.h"

namespace faultbench::robustness {
namespace {

const char* kBegin = "<!-- BEGIN robustness-table";
const char* kEnd = "<!-- END robustness-table -->";

fs::path doc_path() { return testing::source_dir() / "docs" / "ROBUSTNESS.md"; }

struct Row {
  int number = 0;
  std::string id;
  int exit_code = -1;
  std::string message;
};

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  if (from.empty()) return s;
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  return s;
}

// Runs one case in a fresh scratch folder; returns (exit code, normalized stderr).
CliRun run_case(const CliCase& c) {
  const fs::path dir = testing::make_temp_dir("robustness-" + c.id);
  c.setup(dir);
  CliRun r = run_cli(c.args, dir, c.env);
  r.err = replace_all(r.err, fs::canonical(dir).string(), "DIR");
  r.err = replace_all(r.err, dir.string(), "DIR");
  while (!r.err.empty() && r.err.back() == '\n') r.err.pop_back();
  fs::remove_all(dir);
  return r;
}

// Markdown cell text: each line in a ``code span``, lines joined by <br>, '|' escaped.
std::string cell(const std::string& text) {
  std::string out;
  size_t start = 0;
  for (;;) {
    const size_t nl = text.find('\n', start);
    const std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    out += (start ? "<br>" : "") + std::string("`` ") + replace_all(line, "|", "\\|") + " ``";
    if (nl == std::string::npos) return out;
    start = nl + 1;
  }
}

std::string uncell(const std::string& c) {
  std::string out;
  size_t start = 0;
  for (;;) {
    const size_t br = c.find("<br>", start);
    std::string part = c.substr(start, br == std::string::npos ? std::string::npos : br - start);
    if (part.starts_with("`` ") && part.ends_with(" ``")) part = part.substr(3, part.size() - 6);
    out += (start ? "\n" : "") + replace_all(part, "\\|", "|");
    if (br == std::string::npos) return out;
    start = br + 4;
  }
}

// Splits a table line on '|' not preceded by a backslash; trims each cell.
std::vector<std::string> split_row(const std::string& line) {
  std::vector<std::string> cells;
  std::string cur;
  for (size_t i = 1; i < line.size(); ++i) {  // line[0] is the leading '|'
    if (line[i] == '|' && line[i - 1] != '\\') {
      const size_t a = cur.find_first_not_of(' '), b = cur.find_last_not_of(' ');
      cells.push_back(a == std::string::npos ? "" : cur.substr(a, b - a + 1));
      cur.clear();
    } else {
      cur += line[i];
    }
  }
  return cells;
}

std::vector<Row> read_rows() {
  const std::string doc = read_bytes(doc_path());
  const size_t b = doc.find(kBegin), e = doc.find(kEnd);
  if (b == std::string::npos || e == std::string::npos) return {};
  std::vector<Row> rows;
  std::istringstream in(doc.substr(b, e - b));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("| ") || line.starts_with("| #")) continue;
    const auto cells = split_row(line);
    if (cells.size() != 7) continue;
    Row r;
    r.number = std::atoi(cells[0].c_str());
    r.id = replace_all(cells[1], "`", "");
    r.exit_code = std::atoi(cells[5].c_str());
    r.message = uncell(cells[6]);
    rows.push_back(r);
  }
  return rows;
}

std::string command_line(const CliCase& c) {
  std::string s = c.env.empty() ? "faultbench" : c.env + " faultbench";
  for (const std::string& a : c.args) s += " " + a;
  return s;
}

class CliErrors : public ::testing::TestWithParam<CliCase> {};

TEST_P(CliErrors, ExitCodeAndMessageMatchTheTable) {
  const CliCase& c = GetParam();
  const CliRun r = run_case(c);
  EXPECT_EQ(r.exit_code, c.exit_code) << c.id << ": " << r.err;
  EXPECT_FALSE(r.err.empty()) << c.id << ": no message on stderr";
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
  const std::vector<Row> rows = read_rows();
  auto it = std::find_if(rows.begin(), rows.end(), [&](const Row& row) { return row.id == c.id; });
  ASSERT_NE(it, rows.end()) << c.id << " has no row in docs/ROBUSTNESS.md (regenerate it, see the test's header)";
  EXPECT_EQ(it->exit_code, c.exit_code) << c.id;
  EXPECT_EQ(r.err, it->message) << c.id << ": the message differs from docs/ROBUSTNESS.md";
}

INSTANTIATE_TEST_SUITE_P(Table, CliErrors, ::testing::ValuesIn(cli_cases()),
                         [](const ::testing::TestParamInfo<CliCase>& info) {
                           return replace_all(info.param.id, "-", "_");
                         });

TEST(RobustnessTable, EveryRowHasACaseAndEveryCaseARow) {
  const std::vector<Row> rows = read_rows();
  const auto& cases = cli_cases();
  ASSERT_GE(cases.size(), 25u);
  ASSERT_EQ(rows.size(), cases.size()) << "docs/ROBUSTNESS.md is out of date: regenerate it";
  std::map<std::string, int> categories;
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].number, int(i + 1));
    EXPECT_EQ(rows[i].id, cases[i].id) << "row " << i + 1;
    ++categories[cases[i].category];
  }
  // Every file type and the command line are covered.
  for (const char* c :
       {"checkpoint", "safetensors", "cifar", "gtsrb", "fault list", "journal", "results", "command line", "output"})
    EXPECT_GE(categories[c], 1) << c;
}

TEST(RobustnessTable, Regenerate) {
  if (!std::getenv("FAULTBENCH_UPDATE_ROBUSTNESS"))
    GTEST_SKIP() << "set FAULTBENCH_UPDATE_ROBUSTNESS=1 to rewrite the table";
  std::string table =
      std::string(kBegin) +
      ": generated by tests/robustness/cli_errors_test.cpp, do not edit by hand -->\n"
      "| # | id | input | bad input | command (run in a scratch folder DIR) | exit | message (stderr) |\n"
      "|---|---|---|---|---|---|---|\n";
  int n = 0;
  for (const CliCase& c : cli_cases()) {
    const CliRun r = run_case(c);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.id << ": " << r.err;
    table += "| " + std::to_string(++n) + " | `" + c.id + "` | " + c.category + " | " + c.what + " | " +
             cell(command_line(c)) + " | " + std::to_string(r.exit_code) + " | " + cell(r.err) + " |\n";
  }
  table += kEnd;
  std::string doc = read_bytes(doc_path());
  const size_t b = doc.find(kBegin), e = doc.find(kEnd);
  ASSERT_NE(b, std::string::npos) << "docs/ROBUSTNESS.md lacks the table markers";
  ASSERT_NE(e, std::string::npos);
  doc.replace(b, e + std::string(kEnd).size() - b, table);
  write_bytes(doc_path(), doc);
}

}  // namespace
}  // namespace faultbench::robustness
