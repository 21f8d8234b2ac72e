// The "|N KEY=VALUE ... command" prefix of a history step's created_by. Invariants: a parse that
// succeeds yields at least one argument, each with a non-empty key without spaces, and the rest
// of the command is a suffix of the input.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "sources/image_source.hpp"

using namespace leakhound;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(bytes), size);
  std::vector<BuildArg> args;
  std::string rest;
  if (!ParseBuildArgs(text, &args, &rest)) return 0;
  FUZZ_CHECK(text.find('|') != std::string_view::npos && !args.empty());
  for (const auto& a : args)
    FUZZ_CHECK(!a.key.empty() && a.key.find(' ') == std::string::npos);
  FUZZ_CHECK(rest.size() <= text.size());
  FUZZ_CHECK(text.substr(text.size() - rest.size()) == rest);
  return 0;
}
