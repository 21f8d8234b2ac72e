// The compose analyzer on arbitrary bytes: see analyzer_fuzz.hpp.
#include "analyzer_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  return leakhound::fuzz::FuzzAnalyzer(leakhound::FileKind::kCompose, bytes, size);
}
