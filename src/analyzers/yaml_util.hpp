// yaml-cpp helpers shared by the compose and Kubernetes analyzers (private to src/analyzers).
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "analyzers/analyzers.hpp"
#include "base/yaml_safe.hpp"

namespace leakhound::yaml_util {

// Every document of a YAML stream; on a syntax error, a warning with its line and no
// documents. A Helm template ({{ ... }} outside strings) is not YAML: no warning for it.
inline std::vector<YAML::Node> LoadAll(std::string_view data, Analysis* out) {
  try {
    return SafeLoadAll(data);
  } catch (const YAML::Exception& e) {
    if (data.find("{{") == std::string_view::npos)
      out->warnings.push_back({static_cast<uint64_t>(e.mark.line) + 1, "invalid YAML: " + e.msg});
  }
  return {};
}

inline std::string Scalar(const YAML::Node& n) {
  return n && n.IsScalar() ? n.Scalar() : std::string();
}

// Calls fn(key, value) for each entry of a mapping, with YAML merge keys (<<: *anchor, or a
// list of them) expanded; entries written in the mapping win over merged ones.
inline void ForEachEntry(const YAML::Node& map,
                         const std::function<void(const std::string&, const YAML::Node&,
                                                  const YAML::Node&)>& fn,
                         int depth = 0) {
  if (!map || !map.IsMap() || depth > 8) return;
  std::vector<std::string> own;
  for (const auto& kv : map)
    if (kv.first.IsScalar() && kv.first.Scalar() != "<<") own.push_back(kv.first.Scalar());
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) continue;
    const std::string key = kv.first.Scalar();
    if (key == "<<") {
      std::vector<YAML::Node> sources;
      if (kv.second.IsMap()) sources.push_back(kv.second);
      if (kv.second.IsSequence())
        for (const auto& s : kv.second) sources.push_back(s);
      for (const auto& src : sources)
        ForEachEntry(src, [&](const std::string& k, const YAML::Node& kn, const YAML::Node& v) {
          for (const auto& o : own)
            if (o == k) return;
          fn(k, kn, v);
        }, depth + 1);
      continue;
    }
    fn(key, kv.first, kv.second);
  }
}

// [begin, end) of a scalar in the file: from its mark to the end of its line (a block
// scalar's span runs to the end of the file's next lines holding it; Locate finds the value).
inline std::pair<uint64_t, uint64_t> Span(const YAML::Node& n, const LineIndex& lines,
                                          size_t value_size) {
  // Never past the input: a mark can point at its end, and a value reached through an alias or
  // a merge key is longer than the text at the alias (found by fuzzing).
  const uint64_t b = std::min<uint64_t>(static_cast<uint64_t>(std::max(0, n.Mark().pos)), lines.size());
  const uint64_t e = std::min<uint64_t>(std::max<uint64_t>(lines.LineEnd(b), b + value_size + 8),
                                        lines.size());
  return {b, e};
}

}  // namespace leakhound::yaml_util
