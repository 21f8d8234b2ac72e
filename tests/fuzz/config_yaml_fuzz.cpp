// .leakhound.yaml on arbitrary text: either a Config or a ConfigError naming the file.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "config/config.hpp"

using namespace leakhound;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  const fuzz::TempFile file(std::string_view(reinterpret_cast<const char*>(bytes), size),
                            ".yaml");
  try {
    const Config c = LoadConfigFile(file.path());
    FUZZ_CHECK(c.source == file.path());
    AllowList allow(c.allow_values, c.allow_regexes);
  } catch (const ConfigError& e) {
    FUZZ_CHECK(std::string(e.what()).find(file.path()) != std::string::npos);
  }
  return 0;
}
