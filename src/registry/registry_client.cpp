#include <curl/curl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "config/config.hpp"
#include "registry/registry.hpp"
#include "leakhound/rule.hpp"
#include "base/text_util.hpp"

namespace leakhound {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

const char* const kManifestAccept =
    "application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return s.substr(i);
}

std::string Base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(std::max(n, 0)));
  return out;
}

bool Unbase64(const std::string& in, std::string* out) {
  std::string clean;
  for (char c : in)
    if (c != '\n' && c != '\r' && c != ' ') clean.push_back(c);
  if (clean.size() % 4 != 0) return false;
  out->assign(3 * clean.size() / 4 + 1, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out->data()),
                                reinterpret_cast<const unsigned char*>(clean.data()),
                                static_cast<int>(clean.size()));
  if (n < 0) return false;
  size_t len = static_cast<size_t>(n);
  for (size_t k = clean.size(); k > 0 && clean[k - 1] == '='; --k) --len;  // padding
  out->resize(len);
  return true;
}

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  void Update(const void* p, size_t n) { EVP_DigestUpdate(ctx_, p, n); }
  std::string HexDigest() {
    unsigned char md[32];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_, md, &len);
    static const char* hex = "0123456789abcdef";
    std::string out = "sha256:";
    for (unsigned int i = 0; i < len; ++i) {
      out.push_back(hex[md[i] >> 4]);
      out.push_back(hex[md[i] & 15]);
    }
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
};

std::string DigestOf(const std::string& data) {
  Sha256 h;
  h.Update(data.data(), data.size());
  return h.HexDigest();
}

bool ValidDigest(const std::string& d) {
  return d.size() == 7 + 64 && d.rfind("sha256:", 0) == 0 &&
         d.find_first_not_of("0123456789abcdef", 7) == std::string::npos;
}

bool TransientCurl(CURLcode c) {
  switch (c) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

// How many times a transport failure is retried, of `retries`: a host that does not resolve is
// no hiccup (none), a refused connection rarely is (once: a registry restarting), the others
// (timeouts, resets, TLS handshakes cut short) may be.
int RetriesFor(CURLcode c, int retries) {
  if (!TransientCurl(c) || c == CURLE_COULDNT_RESOLVE_HOST) return 0;
  if (c == CURLE_COULDNT_CONNECT) return std::min(retries, 1);
  return retries;
}

bool TransientStatus(long status) { return status == 429 || status == 408 || status >= 500; }

// The registry's error JSON ({"errors":[{"code":..,"message":..}]}) in a line, else a prefix.
std::string RegistryMessage(const std::string& body) {
  const json j = json::parse(body, nullptr, false);
  std::string out;
  if (j.is_object() && j.contains("errors") && j["errors"].is_array()) {
    for (const auto& e : j["errors"]) {
      if (!e.is_object()) continue;
      if (!out.empty()) out += "; ";
      out += e.value("code", std::string("?"));
      const std::string msg = e.contains("message") && e["message"].is_string() ? e["message"].get<std::string>() : "";
      if (!msg.empty()) out += ": " + msg;
    }
  }
  if (out.size() > 300) out = out.substr(0, 297) + "...";
  return out;
}

std::string StatusError(long status, const std::string& body, const std::string& what) {
  std::string msg = what + ": HTTP " + std::to_string(status);
  const std::string detail = RegistryMessage(body);
  if (!detail.empty()) msg += " (" + detail + ")";
  return msg;
}

// Parses `Bearer realm="...",service="...",scope="..."` (or Basic). Keys lower-cased.
std::string ParseChallenge(const std::string& header, std::map<std::string, std::string>* params) {
  size_t i = 0;
  while (i < header.size() && header[i] == ' ') ++i;
  const size_t sp = header.find(' ', i);
  const std::string scheme = Lower(header.substr(i, sp == std::string::npos ? std::string::npos : sp - i));
  if (sp == std::string::npos) return scheme;
  i = sp + 1;
  while (i < header.size()) {
    while (i < header.size() && (header[i] == ' ' || header[i] == ',')) ++i;
    const size_t eq = header.find('=', i);
    if (eq == std::string::npos) break;
    const std::string key = Lower(Trim(header.substr(i, eq - i)));
    i = eq + 1;
    std::string value;
    if (i < header.size() && header[i] == '"') {
      ++i;
      while (i < header.size() && header[i] != '"') {
        if (header[i] == '\\' && i + 1 < header.size()) ++i;
        value.push_back(header[i++]);
      }
      ++i;
    } else {
      while (i < header.size() && header[i] != ',') value.push_back(header[i++]);
      value = Trim(value);
    }
    (*params)[key] = value;
  }
  return scheme;
}

// Response headers of the last response (a redirect resets them).
struct Headers {
  std::string www_authenticate, content_type, link, content_range;
  long retry_after = -1;
  static size_t On(char* data, size_t size, size_t n, void* self) {
    auto* h = static_cast<Headers*>(self);
    const std::string line(data, size * n);
    if (line.rfind("HTTP/", 0) == 0) {
      *h = Headers();
      return size * n;
    }
    const size_t colon = line.find(':');
    if (colon == std::string::npos) return size * n;
    const std::string key = Lower(line.substr(0, colon));
    const std::string value = Trim(line.substr(colon + 1));
    if (key == "www-authenticate") h->www_authenticate = value;
    else if (key == "content-type") h->content_type = value;
    else if (key == "link") h->link = value;
    else if (key == "content-range") h->content_range = value;
    else if (key == "retry-after") {
      char* end = nullptr;
      const long v = std::strtol(value.c_str(), &end, 10);
      if (end != value.c_str() && v >= 0) h->retry_after = std::min(v, 120L);
    }
    return size * n;
  }
};

struct BodySink {
  std::string* out;
  uint64_t max;
  bool too_big = false;
  static size_t On(char* data, size_t size, size_t n, void* self) {
    auto* b = static_cast<BodySink*>(self);
    if (b->out->size() + size * n > b->max) {
      b->too_big = true;
      return 0;
    }
    b->out->append(data, size * n);
    return size * n;
  }
};

// `<url>; rel="next"` -> the path and query of url, when it is on `base`.
std::string NextLink(const std::string& link, const std::string& base) {
  const size_t lt = link.find('<'), gt = link.find('>');
  if (lt == std::string::npos || gt == std::string::npos || gt < lt) return "";
  if (Lower(link.substr(gt)).find("rel=\"next\"") == std::string::npos &&
      Lower(link.substr(gt)).find("rel=next") == std::string::npos)
    return "";
  std::string url = link.substr(lt + 1, gt - lt - 1);
  if (url.rfind(base, 0) == 0) url = url.substr(base.size());
  if (url.empty() || url[0] != '/') return "";
  return url;
}

}  // namespace

std::string ParseAuthChallenge(const std::string& header,
                               std::map<std::string, std::string>* params) {
  return ParseChallenge(header, params);
}
std::string ParseNextLink(const std::string& link, const std::string& base) {
  return NextLink(link, base);
}

// ---- references and credentials ----

std::string ImageReference::Display() const {
  return host + "/" + repo + (digest.empty() ? ":" + tag : "@" + digest);
}

bool IsLoopbackHost(const std::string& host_port) {
  std::string host = host_port;
  if (!host.empty() && host[0] == '[') {
    host = host.substr(1, host.find(']') - 1);
  } else if (std::count(host.begin(), host.end(), ':') == 1) {
    host = host.substr(0, host.find(':'));
  }
  host = Lower(host);
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

bool ParseImageReference(const std::string& text, ImageReference* out, std::string* error) {
  ImageReference r;
  std::string s = text;
  if (s.rfind("https://", 0) == 0) {
    r.scheme = "https";
    s = s.substr(8);
  } else if (s.rfind("http://", 0) == 0) {
    r.scheme = "http";
    s = s.substr(7);
  } else if (s.rfind("docker://", 0) == 0) {
    s = s.substr(9);
  }
  const size_t slash = s.find('/');
  if (slash == std::string::npos || slash == 0) {
    *error = "not a registry reference (REGISTRY/REPOSITORY[:TAG|@DIGEST])";
    return false;
  }
  r.host = s.substr(0, slash);
  if (r.host.find('@') != std::string::npos) {
    *error = "credentials in the reference are not accepted; use --username and --password-stdin";
    return false;
  }
  if (r.scheme.empty() && r.host.find('.') == std::string::npos &&
      r.host.find(':') == std::string::npos && r.host != "localhost") {
    *error = "'" + r.host + "' does not name a registry host (no '.', ':' or localhost)";
    return false;
  }
  std::string rest = s.substr(slash + 1);
  const size_t at = rest.find('@');
  if (at != std::string::npos) {
    r.digest = rest.substr(at + 1);
    rest = rest.substr(0, at);
    if (!ValidDigest(r.digest)) {
      *error = "bad digest '" + r.digest + "' (expected sha256:<64 hex>)";
      return false;
    }
  }
  const size_t colon = rest.rfind(':');
  if (colon != std::string::npos && rest.find('/', colon) == std::string::npos) {
    r.tag = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
  }
  if (r.tag.empty() && r.digest.empty()) r.tag = "latest";
  r.repo = rest;
  if (r.repo.empty() ||
      r.repo.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789._-/") != std::string::npos) {
    *error = "bad repository name '" + r.repo + "' (lower-case letters, digits, . _ - /)";
    return false;
  }
  *out = std::move(r);
  return true;
}

bool LookupRegistryCredentials(const std::string& host, std::string* user, std::string* password,
                               std::vector<std::string>* warnings) {
  std::vector<std::string> files;
  if (const char* f = std::getenv("REGISTRY_AUTH_FILE"); f && *f) files.push_back(f);
  if (const char* d = std::getenv("DOCKER_CONFIG"); d && *d) {
    files.push_back(std::string(d) + "/config.json");
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    files.push_back(std::string(home) + "/.docker/config.json");
  }
  // "https://host:port/v1/" -> "host:port", as config.json keys are written.
  auto host_of = [](std::string k) {
    if (k.rfind("https://", 0) == 0) k = k.substr(8);
    else if (k.rfind("http://", 0) == 0) k = k.substr(7);
    if (const size_t sl = k.find('/'); sl != std::string::npos) k = k.substr(0, sl);
    return k;
  };
  auto helper = [&](const std::string& file, const std::string& name, const std::string& server) {
    std::string error;
    if (RunCredentialHelper(name, server, user, password, &error)) return true;
    if (!error.empty()) warnings->push_back(file + ": credential helper '" + name + "': " + error);
    return false;
  };
  for (const auto& file : files) {
    std::string text;
    if (!ReadWholeFile(file, &text)) continue;
    const json j = json::parse(text, nullptr, false);
    if (!j.is_object()) {
      warnings->push_back(file + ": not valid JSON; its credentials were not used");
      continue;
    }
    if (j.contains("credHelpers") && j["credHelpers"].is_object())
      for (const auto& [key, name] : j["credHelpers"].items())
        if (host_of(key) == host && name.is_string() && helper(file, name, key)) return true;
    const json none = json::object();
    const json& auths = j.contains("auths") && j["auths"].is_object() ? j["auths"] : none;
    for (const auto& [key, entry] : auths.items()) {
      if (host_of(key) != host || !entry.is_object()) continue;
      if (entry.contains("auth") && entry["auth"].is_string()) {
        std::string decoded;
        const size_t colon = Unbase64(entry["auth"].get<std::string>(), &decoded)
                                 ? decoded.find(':')
                                 : std::string::npos;
        if (colon == std::string::npos) {
          warnings->push_back(file + ": the auth entry for " + host + " is not base64 of user:password");
          continue;
        }
        *user = decoded.substr(0, colon);
        *password = decoded.substr(colon + 1);
        return true;
      }
      if (entry.contains("username") && entry.contains("password") &&
          entry["username"].is_string() && entry["password"].is_string()) {
        *user = entry["username"];
        *password = entry["password"];
        return true;
      }
    }
    // The default store, asked for the host as `docker login` saved it.
    if (j.contains("credsStore") && j["credsStore"].is_string()) {
      const std::string store = j["credsStore"];
      std::string server = host;
      for (const auto& [key, entry] : auths.items())
        if (host_of(key) == host) server = key;
      if (helper(file, store, server)) return true;
    }
  }
  return false;
}

// ---- the client ----

struct RegistryClient::Auth {
  std::mutex mu;
  bool have_credentials = false;
  std::string user, password;  // never printed
  enum Mode { kNone, kBasic, kBearer } mode = kNone;
  std::string realm, service;
  struct Token {
    std::string value;
    Clock::time_point expires;
  };
  std::map<std::string, Token> tokens;  // by scope
};

RegistryClient::RegistryClient(const std::string& base, RegistryOptions options)
    : options_(std::move(options)), auth_(std::make_unique<Auth>()) {
  GlobalInit();
  std::string b = base;
  while (!b.empty() && b.back() == '/') b.pop_back();
  if (b.size() >= 3 && b.compare(b.size() - 3, 3, "/v2") == 0) b.resize(b.size() - 3);
  std::string scheme;
  if (b.rfind("https://", 0) == 0) scheme = "https";
  else if (b.rfind("http://", 0) == 0) scheme = "http";
  else throw ConfigError("registry URL '" + b + "': expected http:// or https://");
  host_ = b.substr(scheme.size() + 3);
  if (host_.empty() || host_.find('/') != std::string::npos)
    throw ConfigError("registry URL '" + b + "': expected scheme://host[:port] without a path");
  if (host_.find('@') != std::string::npos)
    throw ConfigError("registry URL: credentials in the URL are not accepted; use --username "
                      "and --password-stdin");
  if (scheme == "http" && !options_.plain_http && !IsLoopbackHost(host_))
    throw ConfigError("registry " + host_ + ": plain http to a host that is not loopback needs "
                      "--plain-http (credentials and images would cross the network in clear)");
  base_ = scheme + "://" + host_;
  std::vector<std::string> warnings;
  if (!options_.username.empty()) {
    auth_->have_credentials = true;
    auth_->user = options_.username;
    auth_->password = options_.password;
  } else if (LookupRegistryCredentials(host_, &auth_->user, &auth_->password, &warnings)) {
    auth_->have_credentials = true;
  }
  for (const auto& w : warnings) Note(w);
  options_.password.clear();
}

RegistryClient::~RegistryClient() = default;

void RegistryClient::Note(const std::string& message) {
  if (options_.log) options_.log(message);
}

namespace {
size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }
}  // namespace

std::string RegistryClient::TransportError(int rc, int* retries) {
  const CURLcode c = static_cast<CURLcode>(rc);
  *retries = RetriesFor(c, options_.retries);
  const std::string name = host_.substr(0, host_.rfind(':') == std::string::npos ||
                                                   host_.back() == ']'
                                               ? host_.size()
                                               : host_.rfind(':'));
  switch (c) {
    case CURLE_COULDNT_RESOLVE_HOST:
      return "cannot resolve the registry host '" + name + "' (no such host)";
    case CURLE_COULDNT_CONNECT:
      return "cannot connect to " + host_ +
             " (connection refused: is the registry running on that port?)";
    case CURLE_SSL_CONNECT_ERROR:
      if (base_.rfind("https://", 0) == 0) {
        // A TLS handshake answered with HTTP: ask the same port in plain HTTP once (no
        // credentials, no token), so the error can say what is wrong.
        CURL* h = curl_easy_init();
        if (h) {
          const std::string url = "http://" + host_ + "/v2/";
          curl_easy_setopt(h, CURLOPT_URL, url.c_str());
          curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
          curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 5L);
          curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
          curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
          curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &Discard);
          curl_easy_setopt(h, CURLOPT_USERAGENT, "leakhound/" LEAKHOUND_VERSION);
          const CURLcode probe = curl_easy_perform(h);
          long status = 0;
          curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
          curl_easy_cleanup(h);
          if (probe == CURLE_OK && status >= 100) {
            *retries = 0;
            return "the registry answered plain HTTP: use http://" + host_ +
                   (IsLoopbackHost(host_) ? "" : " with --plain-http") + " (not https://)";
          }
        }
      }
      break;
    default: break;
  }
  return curl_easy_strerror(c);
}

void RegistryClient::CountRetry() {
  std::lock_guard<std::mutex> lock(stats_mu_);
  ++stats_.retries;
}

void RegistryClient::CountBytes(uint64_t n) {
  std::lock_guard<std::mutex> lock(stats_mu_);
  stats_.bytes += n;
}

RegistryStats RegistryClient::stats() const {
  std::lock_guard<std::mutex> lock(stats_mu_);
  return stats_;
}

void RegistryClient::Sleep(int attempt, long retry_after_s) {
  thread_local std::mt19937 rng(std::random_device{}());
  double ms = options_.backoff_ms * std::pow(2.0, std::max(0, attempt - 1));
  ms = std::min(ms, 30000.0);
  ms *= std::uniform_real_distribution<double>(0.5, 1.5)(rng);  // jitter
  if (retry_after_s >= 0) ms = std::max(ms, retry_after_s * 1000.0);
  const auto until = Clock::now() + std::chrono::milliseconds(static_cast<long>(ms));
  while (Clock::now() < until) {
    if (options_.cancel && options_.cancel->load()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

namespace {
// One handle per thread for small requests, reset between them: its connection cache keeps
// connections (and TLS sessions) alive across requests.
CURL* ThreadHandle() {
  thread_local struct Holder {
    CURL* c = curl_easy_init();
    ~Holder() {
      if (c) curl_easy_cleanup(c);
    }
  } holder;
  if (holder.c) curl_easy_reset(holder.c);
  return holder.c;
}
}  // namespace

void* RegistryClient::NewHandle(const std::string& url) { return Configure(curl_easy_init(), url); }

void* RegistryClient::Configure(void* handle, const std::string& url) {
  CURL* c = static_cast<CURL*>(handle);
  if (!c) return nullptr;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, options_.connect_timeout_s);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, options_.stall_timeout_s);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, options_.plain_http ? "http,https" : "https");
  curl_easy_setopt(c, CURLOPT_USERAGENT, "leakhound/" LEAKHOUND_VERSION);
  if (!options_.ca_cert.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_cert.c_str());
  if (options_.insecure) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  return c;
}

std::string RegistryClient::AuthHeader(const std::string& scope) {
  bool fetch = false;
  {
    std::lock_guard<std::mutex> lock(auth_->mu);
    if (auth_->mode == Auth::kBasic)
      return "Authorization: Basic " + Base64(auth_->user + ":" + auth_->password);
    if (auth_->mode != Auth::kBearer) return "";
    auto it = auth_->tokens.find(scope);
    if (it != auth_->tokens.end() && Clock::now() < it->second.expires)
      return "Authorization: Bearer " + it->second.value;
    fetch = true;
  }
  if (fetch) {
    // A new scope on a bearer registry: ask for its token before the request.
    std::string error;
    if (!HandleChallenge("", scope, &error)) return "";
    std::lock_guard<std::mutex> lock(auth_->mu);
    auto it = auth_->tokens.find(scope);
    if (it != auth_->tokens.end()) return "Authorization: Bearer " + it->second.value;
  }
  return "";
}

// Answers a 401: records the scheme and, for bearer, fetches a token for `scope`. An empty
// header means "the same bearer realm as before".
bool RegistryClient::HandleChallenge(const std::string& www_authenticate, const std::string& scope,
                                     std::string* error, bool sent_basic) {
  std::map<std::string, std::string> params;
  std::string scheme = "bearer";
  if (!www_authenticate.empty()) scheme = ParseChallenge(www_authenticate, &params);
  std::unique_lock<std::mutex> lock(auth_->mu);
  if (scheme == "basic") {
    if (!auth_->have_credentials) {
      *error = "the registry " + host_ + " asks for credentials (basic auth) and none were given "
               "(--username/--password-stdin, REGISTRY_AUTH_FILE or docker config.json)";
      return false;
    }
    // Refused only when this request carried them: requests sent in parallel before the
    // first challenge was answered went without.
    if (sent_basic) {
      *error = "the registry " + host_ + " refused the credentials given for it";
      return false;
    }
    auth_->mode = Auth::kBasic;
    return true;
  }
  if (scheme != "bearer") {
    *error = "the registry " + host_ + " asks for an unsupported auth scheme '" + scheme + "'";
    return false;
  }
  if (!www_authenticate.empty()) {
    auth_->realm = params["realm"];
    auth_->service = params["service"];
  }
  if (auth_->realm.rfind("https://", 0) != 0 &&
      !(auth_->realm.rfind("http://", 0) == 0 &&
        (options_.plain_http || IsLoopbackHost(auth_->realm.substr(7, auth_->realm.find('/', 7) - 7))))) {
    *error = "the registry " + host_ + " names a token realm that is not https: '" +
             auth_->realm + "'";
    return false;
  }
  std::string want_scope = scope;
  if (params.count("scope") && !params["scope"].empty()) want_scope = params["scope"];
  std::string url = auth_->realm + (auth_->realm.find('?') == std::string::npos ? "?" : "&") +
                    "service=" + PercentEncode(auth_->service);
  if (!want_scope.empty()) url += "&scope=" + PercentEncode(want_scope);
  const bool with_credentials = auth_->have_credentials;
  const std::string user = auth_->user, password = auth_->password;
  lock.unlock();

  std::string body, last_error;
  int allowed = options_.retries;  // retries for the last failure
  for (int attempt = 0; attempt <= allowed; ++attempt) {
    if (attempt > 0) {
      CountRetry();
      Sleep(attempt, -1);
    }
    body.clear();
    CURL* c = static_cast<CURL*>(Configure(ThreadHandle(), url));
    if (!c) {
      *error = "cannot create a curl handle";
      return false;
    }
    BodySink sink{&body, 1 << 20};
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &BodySink::On);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    if (with_credentials) {
      curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
      curl_easy_setopt(c, CURLOPT_USERNAME, user.c_str());
      curl_easy_setopt(c, CURLOPT_PASSWORD, password.c_str());
    }
    const CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    {
      std::lock_guard<std::mutex> s(stats_mu_);
      ++stats_.token_fetches;
    }
    // The token server's body is never quoted in errors: it may echo what it was sent.
    if (rc != CURLE_OK) {
      last_error = "token request to " + auth_->realm + " failed: " + TransportError(rc, &allowed);
      if (attempt < allowed) continue;
      *error = last_error;
      return false;
    }
    if (status == 401 || status == 403) {
      *error = "the token server " + auth_->realm + " refused " +
               (with_credentials ? "the credentials" : "anonymous access") + " (HTTP " +
               std::to_string(status) + ")";
      return false;
    }
    if (status != 200) {
      last_error = "token request to " + auth_->realm + " failed: HTTP " + std::to_string(status);
      allowed = options_.retries;
      if (TransientStatus(status)) continue;
      *error = last_error;
      return false;
    }
    const json j = json::parse(body, nullptr, false);
    std::string token;
    if (j.is_object() && j.contains("token") && j["token"].is_string()) token = j["token"];
    else if (j.is_object() && j.contains("access_token") && j["access_token"].is_string())
      token = j["access_token"];
    if (token.empty() || token.find_first_of("\r\n") != std::string::npos) {
      *error = "the token server " + auth_->realm + " answered without a usable token";
      return false;
    }
    long expires = j.is_object() && j.contains("expires_in") && j["expires_in"].is_number()
                       ? j["expires_in"].get<long>()
                       : 60;
    expires = std::max(expires - 10, 5L);  // refresh a little early
    std::lock_guard<std::mutex> relock(auth_->mu);
    auth_->mode = Auth::kBearer;
    auth_->tokens[scope] = {token, Clock::now() + std::chrono::seconds(expires)};
    return true;
  }
  *error = last_error;
  return false;
}

bool RegistryClient::Get(const std::string& path, const std::string& accept,
                         const std::string& scope, uint64_t max_bytes, Response* response,
                         std::string* error) {
  const std::string url = base_ + path;
  int auth_tries = 0;
  std::string last_error;
  for (int attempt = 0; attempt <= options_.retries;) {
    if (options_.cancel && options_.cancel->load()) {
      *error = "interrupted";
      return false;
    }
    CURL* c = static_cast<CURL*>(Configure(ThreadHandle(), url));
    if (!c) {
      *error = "cannot create a curl handle";
      return false;
    }
    response->body.clear();
    Headers headers;
    BodySink sink{&response->body, max_bytes};
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &BodySink::On);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &Headers::On);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &headers);
    curl_slist* list = nullptr;
    if (!accept.empty()) list = curl_slist_append(list, ("Accept: " + accept).c_str());
    const std::string auth = AuthHeader(scope);
    if (!auth.empty()) list = curl_slist_append(list, auth.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    const CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(list);
    {
      std::lock_guard<std::mutex> s(stats_mu_);
      ++stats_.requests;
    }
    response->status = status;
    response->content_type = headers.content_type;
    response->next_link = NextLink(headers.link, base_);
    if (sink.too_big) {
      *error = url + ": response larger than " + std::to_string(max_bytes) + " bytes";
      return false;
    }
    bool transient = false;
    int allowed = options_.retries;  // retries for this failure
    if (rc != CURLE_OK) {
      last_error = url + ": " + TransportError(rc, &allowed);
      transient = allowed > 0;
    } else if (status == 401 && auth_tries < 2) {
      ++auth_tries;
      if (!HandleChallenge(headers.www_authenticate, scope, error,
                           auth.rfind("Authorization: Basic", 0) == 0))
        return false;
      continue;
    } else if (status >= 200 && status < 300) {
      return true;
    } else {
      last_error = StatusError(status, response->body, url);
      transient = TransientStatus(status);
    }
    if (!transient || attempt >= allowed) break;
    ++attempt;
    CountRetry();
    Note("retrying (" + std::to_string(attempt) + "/" + std::to_string(allowed) +
         ") after: " + last_error);
    Sleep(attempt, headers.retry_after);
  }
  *error = last_error;
  return false;
}

int RegistryClient::mismatch_retries() const { return std::min(options_.retries, 2); }

void RegistryClient::RetryMismatch(int attempt, const std::string& why) {
  CountRetry();
  Note("retrying (" + std::to_string(attempt) + "/" + std::to_string(mismatch_retries()) +
       ") after: " + why);
  Sleep(attempt, -1);
}

bool RegistryClient::GetManifest(const std::string& repo, const std::string& reference,
                                 std::string* body, std::string* media_type, std::string* digest,
                                 std::string* error) {
  Response r;
  std::string actual;
  for (int attempt = 0;; ++attempt) {
    if (!Get("/v2/" + repo + "/manifests/" + reference, kManifestAccept,
             "repository:" + repo + ":pull", kMaxImageMetadataBytes, &r, error)) {
      if (r.status == 404) *error = repo + ":" + reference + ": manifest unknown (HTTP 404)";
      return false;
    }
    actual = DigestOf(r.body);
    if (reference.rfind("sha256:", 0) != 0 || actual == reference) break;
    *error = repo + "@" + reference + ": manifest digest mismatch (got " + actual + ")";
    if (attempt >= mismatch_retries()) return false;
    RetryMismatch(attempt + 1, *error);
  }
  std::string media = r.content_type.substr(0, r.content_type.find(';'));
  const json j = json::parse(r.body, nullptr, false);
  if (!j.is_object()) {
    *error = repo + ":" + reference + ": the manifest is not JSON";
    return false;
  }
  if (j.contains("mediaType") && j["mediaType"].is_string()) media = j["mediaType"];
  if (media.find("distribution.manifest.v1") != std::string::npos || j.value("schemaVersion", 2) == 1) {
    *error = repo + ":" + reference + ": Docker schema 1 manifests are not supported";
    return false;
  }
  *body = std::move(r.body);
  *media_type = media;
  *digest = actual;
  return true;
}

bool RegistryClient::GetBlob(const std::string& repo, const std::string& digest,
                             std::string* body, std::string* error) {
  if (!ValidDigest(digest)) {
    *error = "unsupported digest '" + digest + "'";
    return false;
  }
  Response r;
  for (int attempt = 0;; ++attempt) {
    if (!Get("/v2/" + repo + "/blobs/" + digest, "", "repository:" + repo + ":pull",
             kMaxImageMetadataBytes, &r, error))
      return false;
    const std::string actual = DigestOf(r.body);
    if (actual == digest) break;
    *error = repo + "@" + digest + ": blob digest mismatch (got " + actual + ")";
    if (attempt >= mismatch_retries()) return false;
    RetryMismatch(attempt + 1, *error);
  }
  CountBytes(r.body.size());
  *body = std::move(r.body);
  return true;
}

namespace {

bool ListPages(RegistryClient& client, std::string path, const char* field, const std::string& scope,
               std::vector<std::string>* out, std::string* error, long* status = nullptr) {
  std::set<std::string> seen_pages;
  while (!path.empty()) {
    if (!seen_pages.insert(path).second) {
      *error = path + ": the registry's Link pages loop";
      return false;
    }
    RegistryClient::Response r;
    if (!client.Get(path, "application/json", scope, 64ull << 20, &r, error)) {
      if (status) *status = r.status;
      return false;
    }
    const json j = json::parse(r.body, nullptr, false);
    if (!j.is_object()) {
      *error = path + ": not a JSON object";
      return false;
    }
    if (j.contains(field) && j[field].is_array())
      for (const auto& v : j[field])
        if (v.is_string()) out->push_back(v);
    path = r.next_link;
  }
  return true;
}

}  // namespace

bool RegistryClient::Catalog(int page, std::vector<std::string>* repos, std::string* error,
                             long* status) {
  std::string path = "/v2/_catalog";
  if (page > 0) path += "?n=" + std::to_string(page);
  return ListPages(*this, path, "repositories", "registry:catalog:*", repos, error, status);
}

bool RegistryClient::Tags(const std::string& repo, int page, std::vector<std::string>* tags,
                          std::string* error) {
  std::string path = "/v2/" + repo + "/tags/list";
  if (page > 0) path += "?n=" + std::to_string(page);
  return ListPages(*this, path, "tags", "repository:" + repo + ":pull", tags, error);
}

// ---- a blob, streamed ----

namespace {

class BlobStream : public ByteReader {
 public:
  BlobStream(RegistryClient* client, std::string repo, std::string digest)
      : client_(client), repo_(std::move(repo)), digest_(std::move(digest)),
        scope_("repository:" + repo_ + ":pull"), multi_(curl_multi_init()) {}

  ~BlobStream() override {
    Stop();
    curl_multi_cleanup(multi_);
  }

  int64_t Read(char* buf, size_t n, std::string* error) override {
    const RegistryOptions& o = client_->options();
    for (;;) {
      if (o.cancel && o.cancel->load()) {
        *error = "interrupted";
        return -1;
      }
      if (pos_ < buffer_.size()) {
        const size_t k = std::min(n, buffer_.size() - pos_);
        std::memcpy(buf, buffer_.data() + pos_, k);
        sha_.Update(buf, k);
        pos_ += k;
        delivered_ += k;
        if (pos_ == buffer_.size()) {
          buffer_.clear();
          pos_ = 0;
        }
        client_->CountBytes(k);
        return static_cast<int64_t>(k);
      }
      if (eof_) return 0;
      if (failed_) {
        *error = failure_;
        return -1;
      }
      if (!easy_) {
        if (!Begin(error)) return -1;
      }
      if (done_) {
        if (!Conclude(error)) return -1;
        continue;
      }
      if (paused_) {
        paused_ = false;
        curl_easy_pause(easy_, CURLPAUSE_CONT);
      }
      int running = 0;
      curl_multi_perform(multi_, &running);
      int left = 0;
      while (CURLMsg* m = curl_multi_info_read(multi_, &left))
        if (m->msg == CURLMSG_DONE) {
          result_ = m->data.result;
          done_ = true;
        }
      if (pos_ < buffer_.size() || done_) continue;
      curl_multi_poll(multi_, nullptr, 0, 200, nullptr);
    }
  }

  bool BadBytes() const override { return bad_bytes_; }

  bool Finish(std::string* error) override {
    char buf[1 << 16];
    for (;;) {
      const int64_t r = Read(buf, sizeof(buf), error);
      if (r < 0) return false;
      if (r == 0) return true;
    }
  }

 private:
  bool Begin(std::string* error) {
    easy_ = static_cast<CURL*>(client_->NewHandle(client_->base() + "/v2/" + repo_ + "/blobs/" + digest_));
    if (!easy_) {
      *error = "cannot create a curl handle";
      return false;
    }
    done_ = false;
    paused_ = false;
    status_ = 0;
    skip_ = 0;
    err_body_.clear();
    headers_ = Headers();
    started_ = false;
    bad_range_ = false;
    curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &BlobStream::OnWrite);
    curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(easy_, CURLOPT_HEADERFUNCTION, &Headers::On);
    curl_easy_setopt(easy_, CURLOPT_HEADERDATA, &headers_);
    const std::string auth = client_->AuthHeader(scope_);
    sent_basic_ = auth.rfind("Authorization: Basic", 0) == 0;
    if (!auth.empty()) list_ = curl_slist_append(list_, auth.c_str());
    if (delivered_ > 0)
      list_ = curl_slist_append(list_, ("Range: bytes=" + std::to_string(delivered_) + "-").c_str());
    curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, list_);
    curl_multi_add_handle(multi_, easy_);
    return true;
  }

  void Stop() {
    if (!easy_) return;
    curl_multi_remove_handle(multi_, easy_);
    curl_easy_cleanup(easy_);
    easy_ = nullptr;
    curl_slist_free_all(list_);
    list_ = nullptr;
  }

  // The transfer ended and its bytes were all read: end of blob, a retry, or a failure.
  bool Conclude(std::string* error) {
    const RegistryOptions& o = client_->options();
    long status = status_;
    if (status == 0) curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
    const bool http_ok = status == 200 || status == 206;
    std::string why;
    bool transient = false;
    int allowed = o.retries;
    if (result_ == CURLE_OK && http_ok && !bad_range_) {
      if (total_ < 0 || delivered_ >= static_cast<uint64_t>(total_)) {
        Stop();
        const std::string actual = sha_.HexDigest();
        eof_ = actual == digest_;
        bad_bytes_ = !eof_;
        if (!eof_) return Fail("sha256 digest mismatch: the registry sent " + actual +
                                   " for " + digest_ + " (" + std::to_string(delivered_) + " bytes)",
                               error);
        return true;
      }
      why = "blob cut short at " + std::to_string(delivered_) + " of " + std::to_string(total_) + " bytes";
      transient = true;
    } else if (result_ != CURLE_OK && result_ != CURLE_WRITE_ERROR) {
      why = client_->TransportError(result_, &allowed) + " after " +
            std::to_string(delivered_) + " bytes";
      transient = allowed > 0;
    } else if (bad_range_) {
      why = "the registry answered a range request with the wrong range";
      transient = true;
      delivered_ = 0;  // cannot resume: start over (the digest is then recomputed)
      sha_ = std::make_unique<Sha256>();
    } else if (status == 401 && auth_tries_ < 2) {
      ++auth_tries_;
      std::string auth_error;
      if (!client_->HandleChallenge(headers_.www_authenticate, scope_, &auth_error, sent_basic_))
        return Fail(auth_error, error);
      Stop();
      return true;
    } else {
      why = StatusError(status, err_body_, repo_ + "@" + digest_);
      transient = TransientStatus(status);
    }
    const long retry_after = headers_.retry_after;
    Stop();
    if (!transient || attempts_ >= allowed)
      return Fail(repo_ + "@" + digest_ + ": " + why +
                      (attempts_ > 0 ? " (after " + std::to_string(attempts_) + " retries)" : ""),
                  error);
    ++attempts_;
    client_->CountRetry();
    client_->Note("retrying " + repo_ + "@" + digest_.substr(0, 19) + " (" +
                  std::to_string(attempts_) + "/" + std::to_string(allowed) + "): " + why);
    client_->Sleep(attempts_, retry_after);
    return true;
  }

  bool Fail(const std::string& why, std::string* error) {
    failed_ = true;
    failure_ = why;
    *error = why;
    return false;
  }

  static size_t OnWrite(char* data, size_t size, size_t nmemb, void* self) {
    auto* s = static_cast<BlobStream*>(self);
    size_t len = size * nmemb;
    if (!s->started_) {
      s->started_ = true;
      curl_easy_getinfo(s->easy_, CURLINFO_RESPONSE_CODE, &s->status_);
      if (s->status_ == 200) {
        s->skip_ = s->delivered_;  // a full answer to a range request: skip what was read
        curl_off_t cl = -1;
        curl_easy_getinfo(s->easy_, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
        if (cl >= 0) s->total_ = cl;
      } else if (s->status_ == 206) {
        // Content-Range: bytes START-END/TOTAL
        const std::string& cr = s->headers_.content_range;
        const size_t sp = cr.find(' '), dash = cr.find('-'), slash = cr.find('/');
        if (sp == std::string::npos || dash == std::string::npos ||
            std::strtoull(cr.c_str() + sp + 1, nullptr, 10) != s->delivered_) {
          s->bad_range_ = true;
          return 0;
        }
        if (slash != std::string::npos && cr[slash + 1] != '*')
          s->total_ = static_cast<int64_t>(std::strtoull(cr.c_str() + slash + 1, nullptr, 10));
      }
    }
    if (s->status_ != 200 && s->status_ != 206) {
      if (s->err_body_.size() < 4096) s->err_body_.append(data, std::min<size_t>(len, 4096));
      return len;
    }
    if (s->buffer_.size() - s->pos_ >= s->client_->options().stream_buffer) {
      s->paused_ = true;
      return CURL_WRITEFUNC_PAUSE;
    }
    const size_t drop = static_cast<size_t>(std::min<uint64_t>(s->skip_, len));
    s->skip_ -= drop;
    s->buffer_.append(data + drop, len - drop);
    return len;
  }

  RegistryClient* client_;
  std::string repo_, digest_, scope_;
  CURLM* multi_;
  CURL* easy_ = nullptr;
  curl_slist* list_ = nullptr;
  Headers headers_;
  std::string buffer_;
  size_t pos_ = 0;
  bool paused_ = false, done_ = false, started_ = false, bad_range_ = false;
  bool eof_ = false, failed_ = false, sent_basic_ = false, bad_bytes_ = false;
  std::string failure_;
  CURLcode result_ = CURLE_OK;
  long status_ = 0;
  uint64_t skip_ = 0, delivered_ = 0;
  int64_t total_ = -1;
  std::string err_body_;
  int attempts_ = 0, auth_tries_ = 0;
  struct ShaHolder {
    std::unique_ptr<Sha256> h = std::make_unique<Sha256>();
    void Update(const void* p, size_t n) { h->Update(p, n); }
    std::string HexDigest() { return h->HexDigest(); }
    ShaHolder& operator=(std::unique_ptr<Sha256> n) {
      h = std::move(n);
      return *this;
    }
  } sha_;
};

}  // namespace

std::unique_ptr<ByteReader> RegistryClient::OpenBlob(const std::string& repo,
                                                     const std::string& digest,
                                                     std::string* error) {
  if (!ValidDigest(digest)) {
    *error = "unsupported digest '" + digest + "'";
    return nullptr;
  }
  {
    std::lock_guard<std::mutex> s(stats_mu_);
    ++stats_.requests;
  }
  return std::make_unique<BlobStream>(this, repo, digest);
}

}  // namespace leakhound
