// yaml-cpp, guarded. yaml-cpp 0.7 (Debian 12's) loops forever, allocating until memory runs
// out, on some malformed input: a ',' where a block node should start (",", "{a: 1}\n,"; found
// by fuzzing the compose analyzer). Every YAML leakhound reads may come from the repository or
// image being scanned (.leakhound.yaml, compose files, Kubernetes manifests, rule files), so it
// all goes through here: a first pass counts the parser's events without building nodes, and a
// stream with more events than its size allows is refused as malformed.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string_view>
#include <vector>

namespace leakhound {

// Throws YAML::ParserException (with the line where it gave up) for a stream yaml-cpp cannot
// parse in bounded work; otherwise returns what YAML::LoadAll / YAML::Load would.
std::vector<YAML::Node> SafeLoadAll(std::string_view text);
YAML::Node SafeLoad(std::string_view text);

}  // namespace leakhound
