#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "sources/layer_readers.hpp"
#include "registry/registry.hpp"

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

RegistryStore::~RegistryStore() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  done_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void RegistryStore::Start() {
  if (!threads_.empty() || wanted_.empty()) return;
  results_.resize(wanted_.size());
  const size_t n = std::min<size_t>(kFetchThreads, wanted_.size());
  for (size_t t = 0; t < n; ++t)
    threads_.emplace_back([this] {
      ::pthread_setname_np(::pthread_self(), "lh-resolve");
      Fetch();
    });
}

void RegistryStore::Fetch() {
  const std::atomic<bool>* cancel = client_->options().cancel;
  for (;;) {
    size_t i;
    {
      // At most kLookahead images ahead of the reader: what is resolved waits in memory.
      std::unique_lock<std::mutex> lock(mu_);
      done_cv_.wait(lock, [&] { return stop_ || next_fetch_ < next_out_ + kLookahead; });
      if (cancel && cancel->load()) stop_ = true;
      if (stop_ || next_fetch_ >= wanted_.size()) break;
      i = next_fetch_++;
    }
    const Wanted& w = wanted_[i];
    Result r;
    const bool by_digest = w.reference.rfind("sha256:", 0) == 0;
    r.display = client_->host() + "/" + w.repo + (by_digest ? "@" : ":") + w.reference;
    if (client_->GetManifest(w.repo, w.reference, &r.body, &r.media, &r.digest, &r.error)) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        Learn(w.repo, r.body);
        repo_of_.emplace(r.digest, w.repo);
        manifests_[r.digest] = r.body;
      }
      // An index's image manifests and every image's config, before the image is handed out.
      Prefetch(w.repo, r.body, 0);
    }
    r.done = true;
    {
      std::lock_guard<std::mutex> lock(mu_);
      results_[i] = std::move(r);
    }
    done_cv_.notify_all();
  }
  done_cv_.notify_all();  // a reader may wait for an image no thread will fetch now
}

bool RegistryStore::NextImage(NamedImage* out) {
  Start();
  std::unique_lock<std::mutex> lock(mu_);
  if (next_out_ >= wanted_.size()) return false;
  const size_t i = next_out_;
  done_cv_.wait(lock, [&] { return results_[i].done || (stop_ && i >= next_fetch_); });
  if (!results_[i].done) return false;  // stopped (interrupted) before this image was asked
  ++next_out_;
  done_cv_.notify_all();  // a resolving thread may wait for room ahead
  Result r = std::move(results_[i]);
  results_[i] = Result{};
  results_[i].done = true;
  out->name = r.display;
  out->error = r.error;
  out->descriptor.clear();
  if (!r.error.empty()) return true;
  ++resolved_;
  out->descriptor = json{{"mediaType", r.media},
                         {"digest", r.digest},
                         {"size", r.body.size()},
                         {"annotations", {{"org.opencontainers.image.ref.name", r.display}}}}
                        .dump();
  return true;
}

size_t RegistryStore::resolved() const {
  std::lock_guard<std::mutex> lock(mu_);
  return resolved_;
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

std::string RegistryStore::RepoFor(const std::string& digest) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = repo_of_.find(digest);
  if (it != repo_of_.end()) return it->second;
  return wanted_.empty() ? "" : wanted_.front().repo;
}

// Nothing is listed: images come from NextImage().
bool RegistryStore::Exists(const std::string&) const { return false; }

bool RegistryStore::ReadSmall(const std::string& name, std::string* out,
                              std::string* error) const {
  const std::string digest = DigestOfMember(name);
  if (digest.empty()) {
    *error = name + ": not in a registry";
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = configs_.find(digest);
    if (it != configs_.end()) {
      // Read once per image; another tag of the same image, rare, fetches it again.
      *out = std::move(it->second);
      configs_.erase(it);
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
      // Read once per image (the audit's memory stays flat over thousands of them); another
      // tag of the same image fetches it again.
      *out = std::move(it->second);
      manifests_.erase(it);
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
  return true;
}

int RegistryStore::blob_retries() const { return client_->mismatch_retries(); }

void RegistryStore::OnBlobRetry(const std::string& name, int attempt, const std::string& why) const {
  client_->RetryMismatch(attempt, DigestOfMember(name) + ": " + why);
}

std::unique_ptr<ByteReader> RegistryStore::OpenRaw(const std::string& name,
                                                   std::string* error) const {
  const std::string digest = DigestOfMember(name);
  if (digest.empty()) {
    *error = name + ": not in a registry";
    return nullptr;
  }
  auto blob = client_->OpenBlob(RepoFor(digest), digest, error);
  if (!blob) return nullptr;
  // The transfer and its sha256 on a thread of their own: a big layer's decompression, the
  // critical path of an audit, then has a core to itself.
  return leakhound::Prefetch(std::move(blob), 1 << 19, 8, "lh-fetch");
}

}  // namespace leakhound
