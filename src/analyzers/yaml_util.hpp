// yaml-cpp helpers shared by the compose and Kubernetes analyzers (private to src/analyzers).
#pragma once

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "analyzers/analyzers.hpp"
#include "base/yaml_safe.hpp"

namespace leakhound::yaml_util {

// The number of nodes a document holds once its aliases are expanded (each alias counts the
// whole tree it points at, every time), or `cap + 1` as soon as it passes `cap`. Linear in the
// nodes as parsed: an anchored subtree's size is computed once (nodes are told apart by their
// position and type; an alias is the very node it points at).
inline uint64_t ExpandedSize(const YAML::Node& root, uint64_t cap) {
  std::map<std::pair<int, int>, uint64_t> memo;
  std::function<uint64_t(const YAML::Node&, int)> size = [&](const YAML::Node& n,
                                                             int depth) -> uint64_t {
    if (!n || !(n.IsMap() || n.IsSequence())) return 1;
    if (depth > 512) return cap + 1;  // deeper than any real file (and the stack)
    const auto id = std::make_pair(n.Mark().pos, n.IsMap() ? 1 : 2);
    if (auto it = memo.find(id); it != memo.end()) return it->second;
    uint64_t total = 1;
    for (auto it = n.begin(); it != n.end() && total <= cap; ++it) {
      if (n.IsMap()) {
        total += size(it->first, depth + 1) + size(it->second, depth + 1);
      } else {
        total += size(*it, depth + 1);
      }
    }
    total = std::min<uint64_t>(total, cap + 1);
    memo.emplace(id, total);
    return total;
  };
  return size(root, 0);
}

// How many nodes a file's documents may expand to, all told: generous for real files (compose
// files that share blocks through anchors), far below what a "billion laughs" file asks for.
inline uint64_t ExpansionCap(size_t bytes) { return 200000 + 64 * static_cast<uint64_t>(bytes); }

// Every document of a YAML stream; on a syntax error, a warning with its line and no
// documents. A Helm template ({{ ... }} outside strings) is not YAML: no warning for it. A
// stream whose anchors and aliases expand past ExpansionCap is refused with a warning (the
// walkers below visit every expanded node).
inline std::vector<YAML::Node> LoadAll(std::string_view data, Analysis* out) {
  std::vector<YAML::Node> docs;
  try {
    docs = SafeLoadAll(data);
  } catch (const YAML::Exception& e) {
    if (data.find("{{") == std::string_view::npos)
      out->warnings.push_back({static_cast<uint64_t>(e.mark.line) + 1, "invalid YAML: " + e.msg});
    return {};
  }
  const uint64_t cap = ExpansionCap(data.size());
  uint64_t total = 0;
  for (const auto& d : docs) {
    total += ExpandedSize(d, cap);
    if (total > cap) {
      out->warnings.push_back(
          {0, "YAML anchors and aliases expand to more than " + std::to_string(cap) +
                  " nodes (a \"billion laughs\" file?): not analyzed"});
      return {};
    }
  }
  return docs;
}

inline std::string Scalar(const YAML::Node& n) {
  return n && n.IsScalar() ? n.Scalar() : std::string();
}

// Calls fn(key, key node, value) for each entry of a mapping, with YAML merge keys (<<: *anchor,
// or a list of them) expanded: entries written in the mapping win over merged ones, and an
// earlier mapping of a merge list over a later one (YAML 1.1 merge key type). Aliases are the
// node they point at, so a value reached through one keeps the place where it is written.
inline void ForEachEntry(const YAML::Node& map,
                         const std::function<void(const std::string&, const YAML::Node&,
                                                  const YAML::Node&)>& fn,
                         int depth = 0, std::set<std::string>* seen_in = nullptr) {
  if (!map || !map.IsMap() || depth > 8) return;
  std::set<std::string> own_seen;
  std::set<std::string>& seen = seen_in ? *seen_in : own_seen;
  std::vector<YAML::Node> sources;
  std::vector<std::string> here;
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) continue;
    const std::string key = kv.first.Scalar();
    if (key == "<<" && kv.first.Tag() != "!") {  // "<<" quoted is a plain key
      if (kv.second.IsMap()) sources.push_back(kv.second);
      if (kv.second.IsSequence())
        for (const auto& s : kv.second) sources.push_back(s);
      continue;
    }
    // A merged entry hidden by one written or merged before it. (A key written twice in one
    // mapping is invalid YAML, but both values are visited: either may be a secret.)
    if (seen_in && seen.count(key)) continue;
    here.push_back(key);
    fn(key, kv.first, kv.second);
  }
  seen.insert(here.begin(), here.end());
  for (const auto& src : sources) ForEachEntry(src, fn, depth + 1, &seen);
}

// The value under `key` in a mapping, merge keys included (an undefined node when absent).
// Never use operator[] then assignment on yaml-cpp nodes: assigning an absent key's node throws.
inline YAML::Node Get(const YAML::Node& map, const std::string& key) {
  YAML::Node found;
  bool have = false;
  ForEachEntry(map, [&](const std::string& k, const YAML::Node&, const YAML::Node& v) {
    if (!have && k == key) {
      found.reset(v);
      have = true;
    }
  });
  return have ? found : YAML::Node(YAML::NodeType::Undefined);
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
