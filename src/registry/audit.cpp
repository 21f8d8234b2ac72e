#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "config/config.hpp"
#include "config/glob.hpp"
#include "sources/image_checks.hpp"
#include "base/interrupt.hpp"
#include "registry/registry_audit.hpp"
#include "scan/credential_score.hpp"

namespace leakhound {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// ---- the state file ----

class State {
 public:
  // What a layer row holds; a state written with another is read again from the registry.
  static constexpr const char* kLayerFormat = "2";  // 2: + "notable" (image hardening checks)

  State(const std::string& path, const std::string& rules_digest, bool rescan, std::ostream& err) {
    // Created private: it holds the secrets found (never registry credentials).
    const mode_t old = ::umask(077);
    const int rc = sqlite3_open(path.c_str(), &db_);
    ::umask(old);
    if (rc != SQLITE_OK) throw ConfigError(path + ": cannot open the state file: " + sqlite3_errmsg(db_));
    path_ = path;
    Exec("PRAGMA journal_mode=WAL");
    Exec("PRAGMA synchronous=NORMAL");
    Exec("PRAGMA busy_timeout=5000");
    Exec("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT)");
    Exec("CREATE TABLE IF NOT EXISTS layers(digest TEXT PRIMARY KEY, record TEXT NOT NULL, "
         "matches TEXT NOT NULL, scanned_at INTEGER)");
    Exec("CREATE TABLE IF NOT EXISTS images(ref TEXT NOT NULL, platform TEXT NOT NULL, "
         "digest TEXT, complete INTEGER, updated_at INTEGER, PRIMARY KEY(ref, platform))");
    const std::string old_rules = Meta("rules_digest");
    const std::string old_format = Meta("layer_format");
    if (rescan) {
      Exec("DELETE FROM layers");
      Exec("DELETE FROM images");
    } else if (!old_rules.empty() && old_rules != rules_digest) {
      err << "leakhound: " << path << ": the rules changed since the state was written; every "
          << "layer is scanned again\n";
      Exec("DELETE FROM layers");
    } else if (!old_rules.empty() && old_format != kLayerFormat) {
      err << "leakhound: " << path << ": written by an older leakhound (its layers lack what "
          << "the image hardening checks need); every layer is scanned again\n";
      Exec("DELETE FROM layers");
    }
    SetMeta("rules_digest", rules_digest);
    SetMeta("layer_format", kLayerFormat);
  }
  ~State() { sqlite3_close(db_); }

  bool Restore(const std::string& digest, const RuleSet& rules, LayerRecord* record,
               std::vector<std::pair<Origin, Match>>* matches) {
    std::lock_guard<std::mutex> lock(mu_);
    sqlite3_stmt* st = Prepare("SELECT record, matches FROM layers WHERE digest = ?");
    sqlite3_bind_text(st, 1, digest.c_str(), -1, SQLITE_TRANSIENT);
    bool found = false;
    if (sqlite3_step(st) == SQLITE_ROW) {
      const json r = json::parse(Text(st, 0), nullptr, false);
      const json m = json::parse(Text(st, 1), nullptr, false);
      if (r.is_object() && m.is_array()) {
        found = true;
        record->paths = r.value("paths", std::vector<std::string>{});
        record->deleted = r.value("deleted", std::vector<std::string>{});
        record->opaque = r.value("opaque", std::vector<std::string>{});
        if (r.contains("notable") && r["notable"].is_array())
          for (const auto& n : r["notable"])
            if (n.is_array() && n.size() == 3 && n[0].is_string() && n[1].is_number_unsigned() &&
                n[2].is_number_unsigned())
              record->notable.push_back({n[0].get<std::string>(), n[1].get<uint32_t>(),
                                         n[2].get<uint64_t>()});
        for (const auto& e : m) {
          const int rule = rules.Find(e.value("rule", ""));
          if (rule < 0) continue;  // a rule no longer in the set
          Origin o;
          o.source = e["origin"].value("source", "");
          o.path = e["origin"].value("path", "");
          for (const auto& kv : e["origin"]["attributes"]) o.attributes.emplace_back(kv[0], kv[1]);
          Match x;
          x.rule = static_cast<uint32_t>(rule);
          x.secret = Secret(e.value("secret", ""));
          x.entropy = e.value("entropy", 0.0);
          x.confidence = static_cast<Confidence>(e.value("confidence", 1));
          x.score = e.value("score", ScoreFromConfidence(x.confidence));
          if (e.contains("reasons") && e["reasons"].is_array())
            for (const auto& reason : e["reasons"])
              if (reason.is_string()) x.reasons.push_back(reason.get<std::string>());
          x.about_name = e.value("about_name", false);
          x.offset = e.value("offset", 0ull);
          x.line = e.value("line", 1ull);
          x.column = e.value("column", 1ull);
          x.snippet.text = e["snippet"].value("text", "");
          for (const auto& sp : e["snippet"]["spans"]) x.snippet.spans.emplace_back(sp[0], sp[1]);
          x.snippet.truncated_left = e["snippet"].value("left", false);
          x.snippet.truncated_right = e["snippet"].value("right", false);
          matches->emplace_back(std::move(o), std::move(x));
        }
      }
    }
    sqlite3_finalize(st);
    return found;
  }

  void SaveLayer(const std::string& digest, const LayerRecord& record,
                 const std::vector<std::pair<Origin, Match>>& matches, const RuleSet& rules) {
    json notable = json::array();
    for (const auto& n : record.notable) notable.push_back({n.path, n.mode, n.size});
    json r = {{"paths", record.paths}, {"deleted", record.deleted}, {"opaque", record.opaque},
              {"notable", notable}};
    json m = json::array();
    for (const auto& [o, x] : matches) {
      json attrs = json::array();
      for (const auto& [k, v] : o.attributes) attrs.push_back({k, v});
      json spans = json::array();
      for (const auto& [b, e] : x.snippet.spans) spans.push_back({b, e});
      m.push_back({{"origin", {{"source", o.source}, {"path", o.path}, {"attributes", attrs}}},
                   {"rule", rules.rule(x.rule).id},
                   {"secret", x.secret.Reveal()},
                   {"entropy", x.entropy},
                   {"confidence", static_cast<int>(x.confidence)},
                   {"score", x.score},
                   {"reasons", x.reasons},
                   {"about_name", x.about_name},
                   {"offset", x.offset},
                   {"line", x.line},
                   {"column", x.column},
                   {"snippet", {{"text", x.snippet.text}, {"spans", spans},
                                {"left", x.snippet.truncated_left},
                                {"right", x.snippet.truncated_right}}}});
    }
    const std::string rt = r.dump(-1, ' ', false, json::error_handler_t::replace);
    const std::string mt = m.dump(-1, ' ', false, json::error_handler_t::replace);
    std::lock_guard<std::mutex> lock(mu_);
    sqlite3_stmt* st = Prepare(
        "INSERT OR REPLACE INTO layers(digest, record, matches, scanned_at) VALUES(?,?,?,?)");
    sqlite3_bind_text(st, 1, digest.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, rt.c_str(), static_cast<int>(rt.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, mt.c_str(), static_cast<int>(mt.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, static_cast<sqlite3_int64>(::time(nullptr)));
    const int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) write_errors_++;
  }

  void SaveImage(const ImageSummary& img, bool complete) {
    std::lock_guard<std::mutex> lock(mu_);
    sqlite3_stmt* st = Prepare("INSERT OR REPLACE INTO images(ref, platform, digest, complete, "
                               "updated_at) VALUES(?,?,?,?,?)");
    sqlite3_bind_text(st, 1, img.ref.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, img.platform.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, img.digest.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 4, complete ? 1 : 0);
    sqlite3_bind_int64(st, 5, static_cast<sqlite3_int64>(::time(nullptr)));
    if (sqlite3_step(st) != SQLITE_DONE) write_errors_++;
    sqlite3_finalize(st);
  }

  size_t write_errors() const { return write_errors_; }
  const std::string& path() const { return path_; }

 private:
  void Exec(const char* sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
      const std::string m = msg ? msg : "?";
      sqlite3_free(msg);
      throw ConfigError(path_ + ": state file: " + m);
    }
  }
  sqlite3_stmt* Prepare(const char* sql) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK)
      throw ConfigError(path_ + ": state file: " + sqlite3_errmsg(db_));
    return st;
  }
  static std::string Text(sqlite3_stmt* st, int col) {
    const auto* p = sqlite3_column_text(st, col);
    return p ? reinterpret_cast<const char*>(p) : "";
  }
  std::string Meta(const std::string& key) {
    sqlite3_stmt* st = Prepare("SELECT value FROM meta WHERE key = ?");
    sqlite3_bind_text(st, 1, key.c_str(), -1, SQLITE_TRANSIENT);
    std::string v = sqlite3_step(st) == SQLITE_ROW ? Text(st, 0) : "";
    sqlite3_finalize(st);
    return v;
  }
  void SetMeta(const std::string& key, const std::string& value) {
    sqlite3_stmt* st = Prepare("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)");
    sqlite3_bind_text(st, 1, key.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, value.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_step(st);
    sqlite3_finalize(st);
  }

  sqlite3* db_ = nullptr;
  std::string path_;
  std::mutex mu_;
  size_t write_errors_ = 0;
};

// ---- interruption ----


std::string Attr(const Origin& o, std::string_view key) {
  for (const auto& [k, v] : o.attributes)
    if (k == key) return v;
  return "";
}

std::string HumanBytes(double b) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), u == 0 ? "%.0f %s" : "%.1f %s", b, units[u]);
  return buf;
}

bool TagWanted(const std::string& filter, const std::string& tag) {
  if (filter.empty() || filter == "all") return true;
  if (filter == "latest") return tag == "latest";
  return GlobMatch(filter, tag);
}

}  // namespace

int ShardOf(const std::string& repo, int count) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : repo) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return count <= 1 ? 0 : static_cast<int>(h % static_cast<uint64_t>(count));
}

Report RunRegistryAudit(const RuleSet& rules, ScanOptions scan, const AuditOptions& o,
                        std::ostream& err) {
  const auto t0 = Clock::now();
  // Ctrl-C / SIGTERM: the same handlers and flag as every scan (a second one ends at once).
  const std::atomic<bool>& g_cancel = scan.cancel ? *scan.cancel : InstallInterruptHandlers();
  scan.cancel = &g_cancel;
  std::mutex log_mu;
  RegistryOptions ropts = o.registry;
  ropts.cancel = &g_cancel;
  const int jobs = scan.jobs > 0 ? scan.jobs
                                 : 2 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  scan.jobs = jobs;
  ropts.stream_buffer = static_cast<size_t>(
      std::clamp<uint64_t>(o.max_in_flight / static_cast<uint64_t>(jobs), 256u << 10, 16u << 20));
  if (!o.quiet)
    ropts.log = [&](const std::string& m) {
      std::lock_guard<std::mutex> lock(log_mu);
      err << "leakhound: " << m << "\n";
    };
  auto client = std::make_shared<RegistryClient>(o.url, ropts);
  std::vector<ScanIssue> errors;

  // Repositories.
  std::vector<std::string> repos;
  std::string error;
  if (!o.repos_from.empty()) {
    std::ifstream in(o.repos_from);
    if (!in) throw ConfigError(o.repos_from + ": cannot read");
    std::string line;
    while (std::getline(in, line)) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (!line.empty() && line[0] != '#') repos.push_back(line);
    }
  } else if (long status = 0; !client->Catalog(o.page_size, &repos, &error, &status)) {
    // Only a catalog that answered "not there" or "not for you" may be disabled on purpose.
    throw ConfigError("cannot list the repositories of " + client->host() + ": " + error +
                      (status == 401 || status == 404
                           ? " (the catalog may be disabled: use --repos-from FILE)"
                           : ""));
  }
  std::sort(repos.begin(), repos.end());
  repos.erase(std::unique(repos.begin(), repos.end()), repos.end());
  const size_t catalog_size = repos.size();
  std::vector<std::string> kept;
  for (const auto& r : repos) {
    bool in = o.repos.empty();
    for (const auto& g : o.repos) in = in || GlobMatch(g, r);
    for (const auto& g : o.exclude) in = in && !GlobMatch(g, r);
    if (in && ShardOf(r, o.shard_count) == o.shard_index) kept.push_back(r);
  }
  repos = std::move(kept);

  // Tags, listed by a few threads at once (a registry of thousands of repositories would
  // otherwise wait on one round trip, or two with a token per repository, after another).
  struct TagList {
    std::vector<std::string> tags;
    std::string error;
    bool ok = false;
  };
  std::vector<TagList> tag_lists(repos.size());
  {
    std::atomic<size_t> next{0};
    auto work = [&] {
      for (size_t i; !g_cancel.load() && (i = next++) < repos.size();)
        tag_lists[i].ok = client->Tags(repos[i], o.page_size, &tag_lists[i].tags, &tag_lists[i].error);
    };
    std::vector<std::thread> threads;
    for (size_t t = 1; t < std::min<size_t>(8, repos.size()); ++t) threads.emplace_back(work);
    work();
    for (auto& t : threads) t.join();
  }
  std::vector<RegistryStore::Wanted> wanted;
  for (size_t i = 0; i < repos.size() && !g_cancel.load(); ++i) {
    const std::string& r = repos[i];
    const std::vector<std::string>& tags = tag_lists[i].tags;
    if (!tag_lists[i].ok) {
      errors.push_back({client->host() + "/" + r, "cannot list tags: " + tag_lists[i].error});
      continue;
    }
    std::vector<std::string> chosen;
    for (const auto& t : tags)
      if (TagWanted(o.tags, t)) chosen.push_back(t);
    std::sort(chosen.begin(), chosen.end());
    if (o.max_tags_per_repo > 0 && chosen.size() > static_cast<size_t>(o.max_tags_per_repo))
      chosen.erase(chosen.begin(), chosen.end() - o.max_tags_per_repo);
    for (const auto& t : chosen) wanted.push_back({r, t});
  }

  // Resolved while the scan runs: the first image's layers start as soon as its own manifest
  // and config are in; an image that cannot be resolved is reported as a scan error.
  auto store = std::make_shared<RegistryStore>(client, wanted);

  std::unique_ptr<State> state;
  if (!o.state_path.empty()) state = std::make_unique<State>(o.state_path, rules.digest(), o.rescan, err);

  // Matches per layer until the layer is done, then into the state in one row.
  std::mutex pending_mu;
  std::map<std::string, std::vector<std::pair<Origin, Match>>> pending;
  std::atomic<uint64_t> layers_done{0}, layers_failed{0}, matches_seen{0};
  scan.on_matches = [&](const Origin& origin, const std::vector<Match>& ms) {
    matches_seen += ms.size();
    if (!state || origin.source != "image") return;
    const std::string digest = Attr(origin, "layer_digest");
    std::lock_guard<std::mutex> lock(pending_mu);
    auto& v = pending[digest];
    for (const auto& m : ms) v.emplace_back(origin, m);
  };
  ScanJob job(rules, scan);
  ImageOptions io = o.image;
  io.record_paths = state != nullptr;  // the state keeps them (as strings) for whiteouts
  io.restore_layer = [&](const std::string& digest, LayerRecord* record) {
    if (!state) return false;
    std::vector<std::pair<Origin, Match>> ms;
    if (!state->Restore(digest, rules, record, &ms)) return false;
    for (const auto& [origin, m] : ms) job.Record(origin, {m});
    return true;
  };
  io.layer_done = [&](const std::string& digest, bool ok, const LayerRecord& record) {
    std::vector<std::pair<Origin, Match>> ms;
    {
      std::lock_guard<std::mutex> lock(pending_mu);
      auto it = pending.find(digest);
      if (it != pending.end()) {
        ms = std::move(it->second);
        pending.erase(it);
      }
    }
    if (ok) {
      ++layers_done;
      if (state && !g_cancel.load()) state->SaveLayer(digest, record, ms, rules);
    } else {
      ++layers_failed;
    }
  };
  auto source = std::make_unique<ImageSource>(store, o.url, io);
  ImageSource* image_source = source.get();

  // Progress on stderr: a line every few seconds when stderr is a file, in place on a tty.
  std::atomic<bool> finished{false};
  std::mutex progress_mu;
  std::condition_variable progress_cv;
  std::thread progress;
  if (!o.quiet) {
    const bool tty = ::isatty(2);
    progress = std::thread([&, tty] {
      const auto interval = std::chrono::milliseconds(
          static_cast<long>((tty ? 0.5 : std::max(0.1, o.progress_seconds)) * 1000));
      std::unique_lock<std::mutex> lock(progress_mu);
      while (!progress_cv.wait_for(lock, interval, [&] { return finished.load(); })) {
        const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
        const size_t total = image_source->layers_read();
        const uint64_t done = layers_done + layers_failed;
        const uint64_t bytes = client->stats().bytes;
        std::string line = "registry: " + std::to_string(repos.size()) + " repos, " +
                           std::to_string(store->resolved()) + " images, layers " +
                           std::to_string(done) + "/" + (total ? std::to_string(total) : "?") +
                           ", " + HumanBytes(static_cast<double>(bytes)) + " (" +
                           HumanBytes(bytes / std::max(secs, 0.001)) + "/s), " +
                           std::to_string(matches_seen.load()) + " matches";
        if (total > 0 && done > 0 && done < total)
          line += ", ETA " + std::to_string(static_cast<long>(secs / done * (total - done))) + " s";
        std::lock_guard<std::mutex> l(log_mu);
        if (tty) err << "\r\033[K" << line << std::flush;
        else err << "leakhound: " << line << "\n";
      }
      if (tty) {
        std::lock_guard<std::mutex> l(log_mu);
        err << "\r\033[K" << std::flush;
      }
    });
  }

  std::vector<std::unique_ptr<Source>> sources;
  sources.push_back(std::move(source));
  job.Run(sources, err);
  {
    std::lock_guard<std::mutex> lock(progress_mu);
    finished = true;
  }
  progress_cv.notify_all();
  if (progress.joinable()) progress.join();

  Report report = job.TakeReport();
  // The image hardening checks need every layer of an image (whiteouts): after the scan.
  if (o.image_checks) AddImageCheckFindings(image_source->HardeningHits(), rules, &report.findings);
  DropUncheckedFindings(rules, o.secret_checks, o.image_checks, &report.findings);
  DropBelowConfidence(rules, o.min_confidence, &report.findings);
  image_source->Annotate(&report.findings);
  const std::vector<ImageSummary> images = image_source->Images();
  // Every image:tag that holds each layer.
  std::map<std::string, std::set<std::string>> holders;
  for (const auto& img : images)
    for (const auto& l : img.layers) holders[l].insert(img.ref);
  for (auto& f : report.findings)
    for (auto& l : f.locations) {
      if (l.origin.source != "image") continue;
      auto it = holders.find(Attr(l.origin, "layer_digest"));
      if (it == holders.end()) continue;
      std::string list;
      for (const auto& ref : it->second) list += (list.empty() ? "" : ", ") + ref;
      l.origin.attributes.emplace_back("images", list);
    }
  RedactAttributes(&report.findings);

  // Which images were not read whole: an error naming one of their layers, or their config.
  errors.insert(errors.begin(), report.summary.errors.begin(), report.summary.errors.end());
  report.summary.errors = std::move(errors);
  report.summary.interrupted = g_cancel.load();
  if (g_cancel.load())
    report.summary.errors.push_back({o.url, "interrupted: the audit stopped before the end; run "
                                            "it again with the same --state to finish"});
  std::set<std::string> bad_images;
  for (const auto& img : images) {
    bool complete = !g_cancel.load();
    for (const auto& e : report.summary.errors) {
      if (e.path.find(img.ref) != std::string::npos) complete = false;
      for (const auto& l : img.layers)
        if (e.path.find(l) != std::string::npos || e.message.find(l) != std::string::npos)
          complete = false;
    }
    if (!complete) bad_images.insert(img.ref);
    if (state) state->SaveImage(img, complete);
  }
  // Images that were never kept (not resolved, or their config unreadable or malformed): the
  // error names them in its path or at the start of its message ("host/repo:tag: config: ...").
  const std::string host_prefix = client->host() + "/";
  for (const auto& e : report.summary.errors) {
    if (e.path.rfind(host_prefix, 0) == 0) bad_images.insert(e.path);
    else if (e.message.rfind(host_prefix, 0) == 0 && e.message.find(": ") != std::string::npos)
      bad_images.insert(e.message.substr(0, e.message.find(": ")));
  }
  if (state && state->write_errors() > 0)
    report.summary.errors.push_back({state->path(), std::to_string(state->write_errors()) +
                                                        " write(s) to the state file failed"});

  const RegistryStats rs = client->stats();
  size_t layer_refs = 0;
  std::set<std::string> unique_layers;
  for (const auto& img : images) {
    layer_refs += img.layers.size();
    unique_layers.insert(img.layers.begin(), img.layers.end());
  }
  // Per image: how many findings it carries (in its config or any of its layers).
  json per_image = json::array();
  for (const auto& img : images) {
    std::set<std::string> layer_set(img.layers.begin(), img.layers.end());
    size_t n = 0;
    for (const auto& f : report.findings) {
      bool here = false;
      for (const auto& l : f.locations)
        here = here || (l.origin.source == "image-config" && Attr(l.origin, "image") == img.ref &&
                        Attr(l.origin, "platform") == img.platform) ||
               (l.origin.source == "image" && layer_set.count(Attr(l.origin, "layer_digest")));
      n += here;
    }
    per_image.push_back({{"image", img.ref}, {"platform", img.platform}, {"digest", img.digest},
                         {"findings", n}, {"complete", !bad_images.count(img.ref)}});
  }
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  report.summary.elapsed_seconds = secs;
  json stats = {
      {"repositories_in_catalog", catalog_size},
      {"repositories", repos.size()},
      {"tags", wanted.size()},
      {"images", images.size()},
      {"layer_references", layer_refs},
      {"unique_layers", unique_layers.size()},
      {"layers_read", image_source->layers_read()},
      {"layers_ok", layers_done.load()},
      {"layers_failed", layers_failed.load()},
      {"layers_shared", image_source->layers_shared()},
      {"layers_restored", image_source->layers_restored()},
      {"bytes_downloaded", rs.bytes},
      {"requests", rs.requests},
      {"retries", rs.retries},
      {"token_fetches", rs.token_fetches},
      {"findings", report.findings.size()},
      {"incomplete_images", std::vector<std::string>(bad_images.begin(), bad_images.end())},
      {"per_image", per_image},
      {"shard", std::to_string(o.shard_index) + "/" + std::to_string(o.shard_count)},
      {"seconds", secs},
  };
  if (!o.stats_path.empty()) {
    WritePrivateFile(o.stats_path, stats.dump(2) + "\n");  // per-image findings: private
  }
  if (!o.quiet) {
    err << "leakhound: registry " << client->host() << ": " << repos.size() << " repositories, "
        << images.size() << " images, " << unique_layers.size() << " unique layers ("
        << image_source->layers_read() << " read, " << image_source->layers_shared()
        << " layer scans saved by dedup, " << image_source->layers_restored()
        << " from the state), " << HumanBytes(static_cast<double>(rs.bytes)) << " in "
        << static_cast<long>(secs * 10) / 10.0 << " s, " << rs.retries << " retries, "
        << report.findings.size() << " findings\n";
    if (!bad_images.empty()) {
      err << "leakhound: " << bad_images.size() << " image(s) could not be scanned completely:\n";
      for (const auto& b : bad_images) err << "  " << b << "\n";
    }
  }
  return report;
}

}  // namespace leakhound
