// What a registry (or anyone in the middle) sends that leakhound parses before any JSON: the
// WWW-Authenticate challenge, the Link header of catalog and tag pages, and image references
// from the command line. The first line of the input is the challenge, the second the Link
// header, the rest a reference. Invariants: a next link is a path (the client appends it to the
// registry's own base URL, so "//other-host/..." stays on the registry), a parsed reference has
// a host, a repository and a tag or digest, and a refused one says why.
#include <cstdint>
#include <map>
#include <string>

#include "fuzz_support.hpp"
#include "registry/registry.hpp"

using namespace leakhound;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  const std::string text(reinterpret_cast<const char*>(bytes), size);
  const size_t nl1 = text.find('\n');
  const std::string challenge = text.substr(0, nl1);
  const std::string rest = nl1 == std::string::npos ? "" : text.substr(nl1 + 1);
  const size_t nl2 = rest.find('\n');
  const std::string link = rest.substr(0, nl2);
  const std::string ref = nl2 == std::string::npos ? "" : rest.substr(nl2 + 1);

  std::map<std::string, std::string> params;
  const std::string scheme = ParseAuthChallenge(challenge, &params);
  for (char c : scheme) FUZZ_CHECK(!(c >= 'A' && c <= 'Z'));

  const std::string next = ParseNextLink(link, "https://registry.example.com");
  FUZZ_CHECK(next.empty() || next[0] == '/');

  ImageReference r;
  std::string error;
  if (ParseImageReference(ref, &r, &error)) {
    FUZZ_CHECK(!r.host.empty() && !r.repo.empty());
    FUZZ_CHECK(!r.tag.empty() || !r.digest.empty());
  } else {
    FUZZ_CHECK(!error.empty());
  }
  return 0;
}
