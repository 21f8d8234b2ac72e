// git's pre-push stdin ("<local ref> <local sha> <remote ref> <remote sha>" lines): bad lines
// are refused with an exception, good ones give well-formed updates.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "fuzz_support.hpp"
#include "sources/git_source.hpp"

using namespace leakhound;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  const std::string text(reinterpret_cast<const char*>(bytes), size);
  try {
    for (const auto& u : ParsePrePushInput(text)) {
      FUZZ_CHECK(u.local_sha.size() == 40 || u.local_sha.size() == 64);
      FUZZ_CHECK(u.remote_sha.size() == 40 || u.remote_sha.size() == 64);
      FUZZ_CHECK(!u.local_ref.empty());
    }
  } catch (const std::exception&) {
  }
  return 0;
}
