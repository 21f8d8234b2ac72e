#include <algorithm>
#include <fstream>
#include <sstream>

#include "config/config.hpp"
#include "leakhound/report.hpp"

namespace leakhound {

std::string FormatBaselineLine(const std::string& fingerprint, const std::string& rule_id,
                               const std::string& path, uint64_t line) {
  std::string out = fingerprint + " " + rule_id;
  if (!path.empty()) {
    // A path could hold a newline; the comment must stay on its line.
    std::string where = path;
    for (char& c : where)
      if (c == '\n' || c == '\r') c = ' ';
    out += "  # " + where + ":" + std::to_string(line);
  }
  return out;
}

std::string FormatBaselineText(std::vector<std::string> lines) {
  std::sort(lines.begin(), lines.end());
  lines.erase(std::unique(lines.begin(), lines.end(),
                          [](const std::string& a, const std::string& b) {
                            return a.compare(0, a.find(' '), b, 0, b.find(' ')) == 0;
                          }),
              lines.end());
  std::string out =
      "# leakhound baseline v1: findings accepted as known. One \"<fingerprint> <rule id>\" per "
      "line,\n# then a comment with where it was first found. Regenerate with `leakhound baseline "
      "create`;\n# remove a line to report it again.\n";
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::string FormatBaseline(const std::vector<Finding>& findings, const RuleSet& rules) {
  std::vector<std::string> lines;
  for (const auto& f : findings) {
    const Location* first = f.locations.empty() ? nullptr : &f.locations.front();
    lines.push_back(FormatBaselineLine(f.fingerprint, rules.rule(f.rule).id,
                                       first ? first->origin.path : "", first ? first->line : 0));
  }
  return FormatBaselineText(std::move(lines));
}

std::vector<std::string> LoadBaseline(const std::string& path) {
  std::vector<std::string> out;
  for (auto& [fp, line] : LoadBaselineEntries(path)) out.push_back(std::move(fp));
  return out;
}

std::vector<std::pair<std::string, uint64_t>> LoadBaselineEntries(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot read baseline file");
  std::vector<std::pair<std::string, uint64_t>> out;
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    std::string fp;
    ss >> fp;
    const bool hex = fp.size() == 32 && std::all_of(fp.begin(), fp.end(), [](char c) {
                       return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                     });
    if (!hex)
      throw ConfigError(path + ":" + std::to_string(n) + ": expected a 32-hex-digit fingerprint");
    out.emplace_back(fp, n);
  }
  return out;
}

}  // namespace leakhound
