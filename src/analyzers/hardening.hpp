// The compose hardening checks (hardening_compose.cpp), called by the compose analyzer for each
// document; private to src/analyzers.
#pragma once

#include <yaml-cpp/yaml.h>

#include "analyzers/analyzers.hpp"

namespace leakhound {

void CheckComposeHardening(const YAML::Node& doc, const LineIndex& lines, Analysis* out);

}  // namespace leakhound
