#include <nlohmann/json.hpp>

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
  std::vector<std::pair<std::string, std::string>> errors;
  json index = {{"schemaVersion", 2}, {"mediaType", "application/vnd.oci.image.index.v1+json"},
                {"manifests", json::array()}};
  for (const auto& w : wanted_) {
    const bool by_digest = w.reference.rfind("sha256:", 0) == 0;
    const std::string display =
        client_->host() + "/" + w.repo + (by_digest ? "@" : ":") + w.reference;
    std::string body, media, digest, error;
    if (!client_->GetManifest(w.repo, w.reference, &body, &media, &digest, &error)) {
      errors.emplace_back(display, error);
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      Learn(w.repo, body);
      repo_of_.emplace(digest, w.repo);
      manifests_[digest] = body;
    }
    index["manifests"].push_back(
        {{"mediaType", media},
         {"digest", digest},
         {"size", body.size()},
         {"annotations", {{"org.opencontainers.image.ref.name", display}}}});
    resolved_.emplace_back(display, digest);
  }
  index_ = index.dump();
  return errors;
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
