#include <algorithm>
#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "leakhound/registry.hpp"

namespace leakhound {
namespace {

using nlohmann::json;

// "blobs/sha256/<hex>" -> "sha256:<hex>"; empty for anything else.
std::string DigestOfMember(const std::string& name) {
  if (name.rfind("blobs/", 0) != 0) return "";
  const std::string rest = name.substr(6);
  const size_t slash = rest.find('/');
  if (slash == std::string::npos) return "";
  return rest.substr(0, slash) + ":" + rest.substr(slash + 1);
}

}  // namespace

RegistryStore::RegistryStore(std::shared_ptr<RegistryClient> client, std::vector<Wanted> images)
    : client_(std::move(client)), wanted_(std::move(images)) {}

void RegistryStore::Learn(const std::string& repo, const std::string& text) const {
  const json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return;
  auto note = [&](const json& d) {
    if (d.is_object() && d.contains("digest") && d["digest"].is_string())
      repo_of_.emplace(d["digest"].get<std::string>(), repo);
  };
  for (const char* list : {"manifests", "layers"})
    if (j.contains(list) && j[list].is_array())
      for (const auto& d : j[list]) note(d);
  if (j.contains("config")) note(j["config"]);
}

std::vector<std::pair<std::string, std::string>> RegistryStore::Resolve() {
  // Manifests (and, for an index, its image manifests) and configs are fetched by a few threads
  // at once: on a registry of many small images the round trips, not the bytes, take the time.
  struct Result {
    std::string display, body, media, digest, error;
  };
  std::vector<Result> results(wanted_.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next++) < wanted_.size();) {
      const auto& w = wanted_[i];
      Result& r = results[i];
      const bool by_digest = w.reference.rfind("sha256:", 0) == 0;
      r.display = client_->host() + "/" + w.repo + (by_digest ? "@" : ":") + w.reference;
      if (!client_->GetManifest(w.repo, w.reference, &r.body, &r.media, &r.digest, &r.error))
        continue;
      {
        std::lock_guard<std::mutex> lock(mu_);
        Learn(w.repo, r.body);
        repo_of_.emplace(r.digest, w.repo);
        manifests_[r.digest] = r.body;
      }
      Prefetch(w.repo, r.body, 0);
    }
  };
  const size_t n = std::min<size_t>(kFetchThreads, wanted_.size());
  std::vector<std::thread> threads;
  for (size_t t = 1; t < n; ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();

  std::vector<std::pair<std::string, std::string>> errors;
  json index = {{"schemaVersion", 2}, {"mediaType", "application/vnd.oci.image.index.v1+json"},
                {"manifests", json::array()}};
  for (auto& r : results) {
    if (!r.error.empty()) {
      errors.emplace_back(r.display, r.error);
      continue;
    }
    index["manifests"].push_back(
        {{"mediaType", r.media},
         {"digest", r.digest},
         {"size", r.body.size()},
         {"annotations", {{"org.opencontainers.image.ref.name", r.display}}}});
    resolved_.emplace_back(r.display, r.digest);
  }
  index_ = index.dump();
  return errors;
}

// Fetches what ImageSource will ask for next: an index's manifests, an image's config. Errors
// are left for the later read to report.
void RegistryStore::Prefetch(const std::string& repo, const std::string& text, int depth) const {
  const json j = json::parse(text, nullptr, false);
  if (!j.is_object() || depth > 2) return;
  if (j.contains("manifests") && j["manifests"].is_array()) {
    for (const auto& d : j["manifests"]) {
      if (!d.is_object() || !d.contains("digest") || !d["digest"].is_string()) continue;
      const std::string digest = d["digest"];
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (manifests_.count(digest)) continue;
      }
      std::string body, media, actual, error;
      if (!client_->GetManifest(repo, digest, &body, &media, &actual, &error)) continue;
      {
        std::lock_guard<std::mutex> lock(mu_);
        Learn(repo, body);
        manifests_[digest] = body;
      }
      Prefetch(repo, body, depth + 1);
    }
    return;
  }
  if (j.contains("config") && j["config"].is_object() && j["config"].contains("digest") &&
      j["config"]["digest"].is_string()) {
    const std::string digest = j["config"]["digest"];
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (configs_.count(digest)) return;
    }
    std::string body, error;
    if (!client_->GetBlob(repo, digest, &body, &error)) return;
    std::lock_guard<std::mutex> lock(mu_);
    configs_[digest] = std::move(body);
  }
}

std::vector<std::pair<std::string, std::string>> RegistryStore::Resolved() const {
  return resolved_;
}

std::string RegistryStore::RepoFor(const std::string& digest) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = repo_of_.find(digest);
  if (it != repo_of_.end()) return it->second;
  return wanted_.empty() ? "" : wanted_.front().repo;
}

bool RegistryStore::Exists(const std::string& name) const { return name == "index.json"; }

bool RegistryStore::ReadSmall(const std::string& name, std::string* out,
                              std::string* error) const {
  if (name == "index.json") {
    *out = index_;
    return true;
  }
  const std::string digest = DigestOfMember(name);
  if (digest.empty()) {
    *error = name + ": not in a registry";
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = configs_.find(digest);
    if (it != configs_.end()) {
      *out = it->second;  // kept: another tag of the same image reads it again
      return true;
    }
  }
  return client_->GetBlob(RepoFor(digest), digest, out, error);
}

bool RegistryStore::ReadManifest(const std::string& name, std::string* out,
                                 std::string* error) const {
  const std::string digest = DigestOfMember(name);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = manifests_.find(digest);
    if (it != manifests_.end()) {
      *out = it->second;
      return true;
    }
  }
  if (digest.empty()) {
    *error = name + ": not a manifest digest";
    return false;
  }
  const std::string repo = RepoFor(digest);
  std::string media, actual;
  if (!client_->GetManifest(repo, digest, out, &media, &actual, error)) return false;
  std::lock_guard<std::mutex> lock(mu_);
  Learn(repo, *out);
  manifests_[digest] = *out;
  return true;
}

std::unique_ptr<ByteReader> RegistryStore::OpenRaw(const std::string& name,
                                                   std::string* error) const {
  const std::string digest = DigestOfMember(name);
  if (digest.empty()) {
    *error = name + ": not in a registry";
    return nullptr;
  }
  return client_->OpenBlob(RepoFor(digest), digest, error);
}

}  // namespace leakhound
