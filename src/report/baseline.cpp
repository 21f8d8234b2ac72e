#include <algorithm>
#include <fstream>
#include <sstream>

#include "config/config.hpp"
#include "leakhound/report.hpp"

namespace leakhound {

std::string FormatBaseline(const std::vector<Finding>& findings, const RuleSet& rules) {
  std::vector<std::string> lines;
  for (const auto& f : findings) lines.push_back(f.fingerprint + " " + rules.rule(f.rule).id);
  std::sort(lines.begin(), lines.end());
  lines.erase(std::unique(lines.begin(), lines.end()), lines.end());
  std::string out =
      "# leakhound baseline v1: findings accepted as known. One \"<fingerprint> <rule id>\" per "
      "line.\n# Regenerate with `leakhound baseline create`; remove a line to report it again.\n";
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::vector<std::string> LoadBaseline(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot read baseline file");
  std::vector<std::string> out;
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
    out.push_back(fp);
  }
  return out;
}

}  // namespace leakhound
