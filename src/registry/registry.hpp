// A client for the Registry HTTP API v2 (the OCI distribution spec), over libcurl.
//
// Manifests are fetched with an Accept header naming the OCI index, Docker manifest list, OCI
// manifest and Docker schema2 types. Blobs are streamed: a layer is pulled from the transfer by
// the reader (curl multi, paused while the reader's buffer is full), so memory per stream is
// bounded and nothing touches the disk; its sha256 is computed as it streams and checked at the
// end. Auth: anonymous, basic, and the bearer token flow (WWW-Authenticate challenge, token per
// scope, refreshed on 401). Transient failures (connection errors, timeouts, 429, 5xx, a blob
// cut short) are retried with exponential backoff and jitter, honouring Retry-After; a cut blob
// resumes with a Range request; bytes not matching their digest are fetched again (a layer is
// read again from its start by ImageSource, see ImageStore::blob_retries). Credentials never
// appear in errors or logs.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sources/image_store.hpp"

namespace leakhound {

struct RegistryOptions {
  std::string username;  // with password: basic credentials for every registry host
  std::string password;
  std::string ca_cert;       // PEM file of CAs to trust (in addition to none: replaces the default)
  bool insecure = false;     // do not verify TLS certificates
  bool plain_http = false;   // http:// even for hosts that are not loopback
  int retries = 5;           // per request, after the first attempt
  int backoff_ms = 250;      // first retry delay; doubles each time, with jitter
  long connect_timeout_s = 20;
  long stall_timeout_s = 60;  // abort a transfer slower than 1 byte/s for this long
  size_t stream_buffer = 4u << 20;  // bytes buffered per blob stream
  const std::atomic<bool>* cancel = nullptr;  // set: transfers stop with an error
  std::function<void(const std::string&)> log;  // retries and other notes (never credentials)
};

// REGISTRY/REPO[:TAG][@sha256:...], optionally prefixed by http:// or https://. The registry
// part must look like a host (holds '.' or ':', or is "localhost").
struct ImageReference {
  std::string scheme;  // "https" or "http"; empty: decided by the client (loopback: http)
  std::string host;    // host[:port]
  std::string repo;
  std::string tag;     // "latest" when neither tag nor digest was given
  std::string digest;
  std::string Display() const;  // host/repo:tag or host/repo@digest
};
bool ParseImageReference(const std::string& text, ImageReference* out, std::string* error);
// A WWW-Authenticate header: returns the scheme ("bearer", "basic"), lower-cased, and fills
// `params` (realm, service, scope...; keys lower-cased, quoted values unescaped).
std::string ParseAuthChallenge(const std::string& header,
                               std::map<std::string, std::string>* params);
// A Link header's `<url>; rel="next"` as a path and query on `base` ("" when there is none, or
// when it points elsewhere).
std::string ParseNextLink(const std::string& link, const std::string& base);
bool IsLoopbackHost(const std::string& host_port);

// Credentials for a registry host from REGISTRY_AUTH_FILE, or $DOCKER_CONFIG/config.json
// (default ~/.docker/config.json): per file, the host's `credHelpers` helper, else its `auths`
// entry, else the `credsStore` helper. False when none (`warnings` say why, one each, when
// something was there but unusable).
bool LookupRegistryCredentials(const std::string& host, std::string* user, std::string* password,
                               std::vector<std::string>* warnings);
// Runs `docker-credential-<helper> get` (found on PATH) with `server` on its stdin, as Docker
// does. False with `error` empty when it has no credentials for the server; false with `error`
// set (never holding the secret) when it fails, times out, or answers with an identity token.
bool RunCredentialHelper(const std::string& helper, const std::string& server, std::string* user,
                         std::string* secret, std::string* error, int timeout_ms = 30000);

struct RegistryStats {
  uint64_t requests = 0, retries = 0, bytes = 0, token_fetches = 0;
};

class RegistryClient {
 public:
  // `base` is "https://host:port" or "http://host:port" (no path). Throws ConfigError when
  // plain http is asked for a non-loopback host without plain_http.
  RegistryClient(const std::string& base, RegistryOptions options);
  ~RegistryClient();
  RegistryClient(const RegistryClient&) = delete;
  RegistryClient& operator=(const RegistryClient&) = delete;

  const std::string& base() const { return base_; }
  const std::string& host() const { return host_; }
  const RegistryOptions& options() const { return options_; }

  struct Response {
    long status = 0;
    std::string body;
    std::string content_type;
    std::string next_link;  // Link: <...>; rel="next", as a path
  };
  // GET `path` (with query) and bounded body; auth, retries. False on a transport failure or
  // an HTTP status other than 2xx with `error` set (status still filled when there was one).
  bool Get(const std::string& path, const std::string& accept, const std::string& scope,
           uint64_t max_bytes, Response* response, std::string* error);

  // The manifest or index `reference` (tag or digest) names; its digest is checked when the
  // reference is one, and computed otherwise.
  bool GetManifest(const std::string& repo, const std::string& reference, std::string* body,
                   std::string* media_type, std::string* digest, std::string* error);
  // A small blob (a config) read whole and verified.
  bool GetBlob(const std::string& repo, const std::string& digest, std::string* body,
               std::string* error);
  // A blob streamed and verified at the end (Finish()).
  std::unique_ptr<ByteReader> OpenBlob(const std::string& repo, const std::string& digest,
                                       std::string* error);
  // Every repository in /v2/_catalog, following Link pages; `page` > 0 asks ?n=page. On failure
  // `status` (optional) holds the HTTP status of the failed page, 0 when none came.
  bool Catalog(int page, std::vector<std::string>* repos, std::string* error,
               long* status = nullptr);
  bool Tags(const std::string& repo, int page, std::vector<std::string>* tags, std::string* error);

  RegistryStats stats() const;
  // How often bytes that do not match their digest are fetched again (min(retries, 2): a
  // mismatch that persists is no network hiccup), and the note, count and backoff before one.
  int mismatch_retries() const;
  void RetryMismatch(int attempt, const std::string& why);

  // Internal, used by the blob stream.
  struct Auth;
  std::string AuthHeader(const std::string& scope);
  bool HandleChallenge(const std::string& www_authenticate, const std::string& scope,
                       std::string* error, bool sent_basic = false);
  void Sleep(int attempt, long retry_after_s);
  void Note(const std::string& message);
  void CountRetry();
  void CountBytes(uint64_t n);
  void* NewHandle(const std::string& url);  // a CURL* with TLS and timeouts set
  void* Configure(void* handle, const std::string& url);
  // A transport failure (a CURLcode `rc`) said plainly, and how many retries it deserves:
  // none for a host that does not resolve or a registry that answers plain HTTP on an https://
  // base (asked once, without credentials), one for a refused connection, `retries` for the
  // hiccups (timeouts, resets).
  std::string TransportError(int rc, int* retries);

 private:
  std::string base_, host_;
  RegistryOptions options_;
  std::unique_ptr<Auth> auth_;
  mutable std::mutex stats_mu_;
  RegistryStats stats_;
};

// An ImageStore over a registry: the given images (repo and tag or digest) are resolved by a
// few threads at once (on a registry of many small images the round trips, not the bytes, take
// the time) and handed out in order by NextImage() as soon as each one's manifest (and, for an
// index, its image manifests) and config are in; manifests come from /manifests/, configs and
// layers from /blobs/, each fetched from a repository known to hold it.
class RegistryStore : public ImageStore {
 public:
  struct Wanted {
    std::string repo, reference;  // tag or digest
  };
  RegistryStore(std::shared_ptr<RegistryClient> client, std::vector<Wanted> images);
  ~RegistryStore() override;  // stops and joins the resolving threads

  // Images handed out so far by NextImage() and resolved (for progress lines; any thread).
  size_t resolved() const;

  bool Streams() const override { return true; }
  bool NextImage(NamedImage* out) override;
  std::unique_ptr<ByteReader> OpenRaw(const std::string& name, std::string* error) const override;
  bool Exists(const std::string& name) const override;
  bool ReadSmall(const std::string& name, std::string* out, std::string* error) const override;
  bool ReadManifest(const std::string& name, std::string* out, std::string* error) const override;
  int blob_retries() const override;
  void OnBlobRetry(const std::string& name, int attempt, const std::string& why) const override;

 private:
  static constexpr size_t kFetchThreads = 8;
  static constexpr size_t kLookahead = 16;  // images resolved ahead of the scan, at most
  struct Result {
    std::string display, body, media, digest, error;
    bool done = false;
  };
  void Start();
  void Fetch();  // a resolving thread: claims images in order until none is left
  std::string RepoFor(const std::string& digest) const;
  void Prefetch(const std::string& repo, const std::string& text, int depth) const;
  void Learn(const std::string& repo, const std::string& manifest_text) const;

  std::shared_ptr<RegistryClient> client_;
  std::vector<Wanted> wanted_;
  std::vector<Result> results_;  // one per wanted image; guarded by mu_ once threads run
  size_t next_fetch_ = 0, next_out_ = 0, resolved_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
  std::condition_variable done_cv_;
  mutable std::mutex mu_;
  mutable std::map<std::string, std::string> manifests_;  // digest -> text
  mutable std::map<std::string, std::string> repo_of_;    // digest -> a repository holding it
  mutable std::map<std::string, std::string> configs_;    // digest -> config, prefetched
};

}  // namespace leakhound
