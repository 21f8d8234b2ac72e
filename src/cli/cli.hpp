// The command-line entry point. `main` only calls this and returns its value.
#pragma once

#include <iosfwd>

namespace leakhound {

// Exit codes.
constexpr int kExitClean = 0;     // no finding at or above --fail-on
constexpr int kExitFindings = 1;  // findings at or above --fail-on
constexpr int kExitError = 2;     // bad usage, bad rules/config, or an incomplete scan

// Runs leakhound with `argv`; reports to `out`, diagnostics to `err`. Never throws.
int Main(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace leakhound
