// Hardening checks on a container image (rules tagged `hardening` with `analyzer: image`): the
// config's user, and what the layers' tar headers say: setuid/setgid and world-writable files
// and sshd/sudo/package managers in the final filesystem, package-manager caches in any layer.
//
// ImageSource collects the facts while it streams the layers (only the few entries that can
// matter: IsNotableImageEntry), and the checks run after the scan, when every layer's whiteouts
// are known. Pure functions; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "leakhound/finding.hpp"

namespace leakhound {

struct ImageEntryFact {
  std::string path;   // normalized: no leading "/" or "./"
  uint32_t mode = 0;  // st_mode: file type and permission bits
  uint64_t size = 0;
};

// A set of paths kept as keyed 128-bit hashes (ComputeContentId's, with a per-process key, so
// no collision can be crafted): 16 bytes a path, where a registry audit holds every layer's
// paths until the end of the run. Not enumerable. Fast lookups once sealed (sorted); before
// that they are linear.
class PathSet {
 public:
  void insert(std::string_view path);
  size_t count(std::string_view path) const;  // 0 or 1
  void Seal();                                // after the inserts, before many lookups
  size_t size() const { return hashes_.size(); }

 private:
  using Hash = std::pair<uint64_t, uint64_t>;
  static Hash Of(std::string_view path);
  std::vector<Hash> hashes_;
  bool sealed_ = true;
};

// What one layer holds, as far as the checks and the final-filesystem view need it.
struct ImageLayerFacts {
  PathSet paths;                            // every entry it holds
  std::unordered_set<std::string> deleted;  // whiteouts: paths it removes from lower layers
  std::vector<std::string> opaque;          // directories it empties of lower layers' content
  std::vector<ImageEntryFact> notable;      // entries IsNotableImageEntry kept
  // Does this layer remove or replace `path` of a lower layer?
  bool Removes(const std::string& path) const;
};

// An entry the checks may report: setuid/setgid, world-writable, in a package cache, or an
// sshd/sudo/package-manager binary.
bool IsNotableImageEntry(std::string_view path, uint32_t mode);

struct ImageCheckInput {
  std::string ref;
  bool has_user = false;  // the config names a User at all
  std::string user;
  std::vector<std::pair<std::string, std::string>> labels;
  std::vector<const ImageLayerFacts*> layers;  // bottom to top
  // Provenance of the image ("image", "image_digest", "platform") and of each layer (the same,
  // plus "layer", "layer_digest", "created_by").
  std::vector<std::pair<std::string, std::string>> image_attributes;
  std::vector<std::vector<std::pair<std::string, std::string>>> layer_attributes;
};

struct ImageCheckHit {
  std::string rule_id;
  std::string secret;  // what the fingerprint hashes: "image:..." (never shown in full)
  Origin origin;       // source "image" (a layer path) or "image-config"
  std::string snippet;
};

std::vector<ImageCheckHit> CheckImage(const ImageCheckInput& in);

// An image described as text (rule examples and tests): `image REF`, `user U`, `label K=V`,
// `layer` (starts the next layer), then `file MODE PATH [SIZE]`, `dir MODE PATH`, `link PATH`,
// `whiteout PATH`, `opaque DIR` (MODE in octal). Fills `layers` (which `in` points into); false
// with `error` set on a bad line.
bool ParseImageListing(std::string_view text, ImageCheckInput* in,
                       std::vector<ImageLayerFacts>* layers, std::string* error);

// Turns hits into findings of the rules in `rules` (hits of rules not in it are dropped:
// disabled, or hardening checks off) and adds them to `findings`, which is sorted again.
void AddImageCheckFindings(const std::vector<ImageCheckHit>& hits, const RuleSet& rules,
                           std::vector<Finding>* findings);

}  // namespace leakhound
