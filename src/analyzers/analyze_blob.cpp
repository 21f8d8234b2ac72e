// Joins an analyzer's facts and flags with the normal scan of the same bytes.
#include <git2.h>
#include <limits.h>
#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <tuple>

#include "analyzers/analyzers.hpp"
#include "config/config.hpp"
#include "scan/credential_score.hpp"
#include "scan/filters.hpp"

namespace leakhound {
namespace {

constexpr std::string_view kAllowMarker = "leakhound:allow";
// Above this many matches in one file, the analysis is not merged (quadratic de-duplication).
constexpr size_t kMaxMerged = 4000;

struct Item {
  Match m;
  uint64_t b = 0, e = 0;  // span in the file
  bool raw = false;       // from the normal scan: line, column and snippet already set
  bool mark = true;       // the span is a secret (redacted in snippets), not a name or path
  bool dropped = false;
};

// Where `secret` is in the file: inside [begin, end) when it is there verbatim, else the
// whole span (a decoded or unescaped value).
std::pair<uint64_t, uint64_t> Locate(std::string_view data, std::string_view secret,
                                     uint64_t begin, uint64_t end) {
  begin = std::min<uint64_t>(begin, data.size());
  end = std::min<uint64_t>(std::max(begin, end), data.size());
  const size_t at = data.substr(begin, end - begin).find(secret);
  if (!secret.empty() && at != std::string_view::npos)
    return {begin + at, begin + at + secret.size()};
  return {begin, end > begin ? end : std::min<uint64_t>(begin + 1, data.size())};
}

// Does `b` outrank `a` on the same place? A higher-priority rule on an overlapping span; on
// the very same span, a pattern rule over an analyzer rule (the scan's finding stays what it
// was), then the more severe rule, then the first by id, then the copy that knows its field
// (a fact's), then the first seen.
bool Outranks(const RuleSet& rules, const Item& b, size_t bi, const Item& a, size_t ai) {
  if (b.b >= a.e || a.b >= b.e) return false;
  // A hardening finding is about the instruction, not a value: it never hides, or is hidden
  // by, another finding on the same line, only a copy of itself.
  if ((rules.rule(b.m.rule).HasTag("hardening") || rules.rule(a.m.rule).HasTag("hardening")) &&
      (b.m.rule != a.m.rule || b.m.secret.Reveal() != a.m.secret.Reveal()))
    return false;
  if (b.m.rule == a.m.rule) {  // one rule, one place: the scan's match, then a fact's
    if (b.raw != a.raw) return b.raw;
    if (b.m.field.empty() != a.m.field.empty()) return !b.m.field.empty();
    return bi < ai;
  }
  const Rule& rb = rules.rule(b.m.rule);
  const Rule& ra = rules.rule(a.m.rule);
  if (rb.priority != ra.priority) return rb.priority > ra.priority;
  if (b.b != a.b || b.e != a.e) return false;
  if (rb.analyzer.empty() != ra.analyzer.empty()) return rb.analyzer.empty();
  if (rb.severity != ra.severity) return rb.severity > ra.severity;
  if (rb.id != ra.id) return rb.id < ra.id;
  if (b.m.field.empty() != a.m.field.empty()) return !b.m.field.empty();
  return bi < ai;
}

int RuleIndex(const RuleSet& rules, const std::string& id) {
  thread_local const RuleSet* cached = nullptr;
  thread_local std::unordered_map<std::string, int> index;
  if (cached != &rules) {
    index.clear();
    for (size_t i = 0; i < rules.size(); ++i)
      if (!rules.rule(i).analyzer.empty()) index.emplace(rules.rule(i).id, static_cast<int>(i));
    cached = &rules;
  }
  auto it = index.find(id);
  return it == index.end() ? -1 : it->second;
}

// A value the scorer dropped that is still worth an audit: a placeholder or a well-known
// default (changeme, admin, postgres, guest, the key's own word) in a credential-only slot. Not
// references, empty values, masks (****) or values that are not literals.
bool IsDefaultCredential(const Flag& fl, const CredentialScore& scored) {
  if (fl.slot != CredentialSlot::kCredentialOnly) return false;
  bool placeholder = false;
  for (const auto& r : scored.reasons) {
    if (r == "value:reference" || r == "value:literal-keyword") return false;
    placeholder = placeholder || r == "value:placeholder" || r == "value:equals-key";
  }
  if (!placeholder && !IsKnownDefaultCredential(fl.key, fl.secret)) return false;
  size_t alnum = 0;
  for (unsigned char c : fl.secret) alnum += std::isalnum(c) ? 1 : 0;
  if (alnum < 4) return false;  // a mask, a number, a letter: nothing a login would take
  std::string lower(fl.secret);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower.find("xxxx") == std::string::npos && lower.find("redacted") == std::string::npos;
}

}  // namespace

void AnalyzeBlob(FileKind kind, std::string_view data, BlobScanner& scanner,
                 const AllowList* allow, std::vector<Match>* matches, AnalyzedBlob* out) {
  Analysis a = AnalyzeFile(kind, data);
  out->warnings = std::move(a.warnings);
  for (auto& ref : a.follow_ups)
    if (!(ref.reason == FollowUpRef::Reason::kEnvFile && DetectFileKind(ref.path) == FileKind::kDotenv))
      out->follow_ups.push_back(std::move(ref));
  if ((a.facts.empty() && a.flags.empty()) || matches->size() > kMaxMerged) return;
  const RuleSet& rules = scanner.rules();
  const LineIndex lines(data);

  std::vector<Item> items;
  for (auto& m : *matches) {
    Item it;
    it.b = m.offset;
    it.e = m.offset + m.secret.size();
    it.m = std::move(m);
    it.raw = true;
    items.push_back(std::move(it));
  }
  const BlobScanOptions& scan_options = scanner.options();
  auto on_allowed_line = [&](uint64_t b) {
    if (!scan_options.honor_allow_comments) return false;
    const uint64_t ls = lines.LineStart(b);
    const std::string_view line = data.substr(ls, lines.LineEnd(b) - ls);
    return line.find(kAllowMarker) != std::string_view::npos ||
           (scan_options.honor_gitleaks_allow &&
            line.find("gitleaks:allow") != std::string_view::npos);
  };
  auto add = [&](Match m, uint64_t begin, uint64_t end) {
    std::tie(begin, end) = Locate(data, m.secret.Reveal(), begin, end);
    if (on_allowed_line(begin)) {
      ++out->allowed;
      return;
    }
    Item it;
    it.b = begin;
    it.e = end;
    it.m = std::move(m);
    items.push_back(std::move(it));
  };

  // Facts, in one buffer, through the normal rules.
  std::string text;
  std::vector<uint64_t> starts;
  for (const auto& f : a.facts) {
    starts.push_back(text.size());
    text += f.text;
    text += '\n';
  }
  thread_local BlobScanResult scanned;
  std::string error;
  if (!text.empty() && scanner.ScanBuffer(text, &scanned, &error)) {
    out->allowed += scanned.allowed;
    for (auto& m : scanned.matches) {
      if (!m.suppression.empty()) continue;  // counted in scanned.allowed
      const size_t fi = std::upper_bound(starts.begin(), starts.end(), m.offset) - starts.begin() - 1;
      const Fact& f = a.facts[fi];
      m.field = f.field;
      add(std::move(m), f.begin, f.end);
    }
  }

  // The analyzer's own findings, through the filters their rules set.
  std::vector<const FlagScore*> score_of(a.flags.size(), nullptr);
  for (const auto& s : a.scores)
    if (s.flag < score_of.size()) score_of[s.flag] = &s;
  const std::string default_rule = DefaultCredentialRule(a.kind);
  for (size_t fi = 0; fi < a.flags.size(); ++fi) {
    auto& fl = a.flags[fi];
    int idx = RuleIndex(rules, fl.rule_id);
    if (idx < 0) continue;  // disabled
    const Rule* rule = &rules.rule(idx);
    const double entropy = ShannonEntropy(fl.secret);
    if (fl.secret.empty()) continue;
    CredentialScore scored;
    bool is_scored = false;
    if (const FlagScore* pre = score_of[fi]) {  // scored by the analyzer itself (credfile)
      scored.score = pre->score;
      scored.reasons = pre->reasons;
      is_scored = true;
    } else if (fl.literal && rule->scorer == Scorer::kCredential) {
      // The credential scorer decides: a literal in a credential-only slot is reported
      // whatever its strength, with the confidence its score gives.
      const uint64_t at = Locate(data, fl.secret, fl.begin, fl.end).first;
      const uint64_t ls = lines.LineStart(at);
      const std::string_view line =
          data.substr(ls, std::min<uint64_t>(lines.LineEnd(at) - ls, 400));
      scored = ScoreCredential(fl.key, fl.secret, line, fl.slot);
      is_scored = true;
      const bool known_default = fl.slot == CredentialSlot::kCredentialOnly && !scored.drop &&
                                 IsKnownDefaultCredential(fl.key, fl.secret);
      if (known_default) scored.reasons.push_back("value:known-default");
      if (scored.drop || known_default || entropy < rule->min_entropy) {
        // A placeholder or a known default in a credential-only slot: a default credential,
        // at low confidence, under a rule of its own.
        if (!IsDefaultCredential(fl, scored)) continue;
        idx = RuleIndex(rules, default_rule);
        if (idx < 0) continue;
        rule = &rules.rule(idx);
        scored.reasons.push_back("default-credential");
        scored.score = std::min(scored.score, ScoreFromConfidence(Confidence::kLow));
      }
    } else if (fl.literal && (entropy < rule->min_entropy ||
                              (rule->placeholder_filter && IsPlaceholder(fl.secret)))) {
      continue;
    }
    if (allow && allow->Allows(fl.secret)) {
      ++out->allowed;
      continue;
    }
    Match m;
    m.rule = static_cast<uint32_t>(idx);
    m.secret = Secret(fl.secret);
    m.entropy = entropy;
    m.field = fl.field;
    m.about_name = !fl.literal;
    if (is_scored) {
      m.score = scored.score;
      m.confidence = ConfidenceFromScore(scored.score);
      m.reasons = std::move(scored.reasons);
    }
    if (fl.literal) {
      add(std::move(m), fl.begin, fl.end);
    } else {  // about a name or a path: the span is what is shown
      const uint64_t b = std::min<uint64_t>(fl.begin, data.size());
      const uint64_t e = std::min<uint64_t>(std::max(fl.end, b), data.size());
      if (on_allowed_line(b)) {
        ++out->allowed;
        continue;
      }
      Item it;
      it.b = b;
      it.e = e;
      it.mark = false;
      it.m = std::move(m);
      items.push_back(std::move(it));
    }
  }

  for (size_t i = 0; i < items.size(); ++i)
    for (size_t j = 0; j < items.size() && !items[i].dropped; ++j)
      if (j != i && !items[j].dropped && Outranks(rules, items[j], j, items[i], i)) {
        items[i].dropped = true;
        // A fact's copy of a match the scan already made is not a suppression.
        if (items[i].m.rule != items[j].m.rule) ++out->suppressed;
      }

  std::vector<std::pair<uint64_t, uint64_t>> kept_spans;
  for (const auto& it : items)
    if (!it.dropped && it.mark) kept_spans.emplace_back(it.b, it.e);
  matches->clear();
  for (auto& it : items) {
    if (it.dropped) continue;
    if (!it.raw) {
      Match& m = it.m;
      m.offset = it.b;
      m.line = lines.Line(it.b);
      const uint64_t ls = lines.LineStart(it.b), le = lines.LineEnd(it.b);
      m.column = it.b - ls + 1;
      std::vector<std::pair<uint64_t, uint64_t>> spans;
      for (const auto& s : kept_spans)
        if (s.first < le && s.second > ls) spans.push_back(s);
      m.snippet = MakeSnippet(data, ls, le, it.b, std::move(spans));
    }
    matches->push_back(std::move(it.m));
  }
  std::sort(matches->begin(), matches->end(), [](const Match& x, const Match& y) {
    return std::tie(x.offset, x.rule) < std::tie(y.offset, y.rule);
  });

  if (kind == FileKind::kDotenv) {
    std::set<std::string> seen;
    for (const auto& m : *matches) {
      // A default credential or a weak guess is not what makes a committed .env file a leak.
      if (m.confidence == Confidence::kLow && rules.rule(m.rule).IsContextual()) continue;
      for (const auto& f : a.facts)
        if (m.offset >= f.begin && m.offset < std::max(f.end, f.begin + 1)) {
          if (seen.insert(f.key).second) out->dotenv_secrets.emplace_back(f.key, m.secret.Reveal());
          break;
        }
    }
  }
}

bool CommittedDotenvMatch(const RuleSet& rules, const std::string& path,
                          const std::vector<std::pair<std::string, std::string>>& secrets,
                          Match* out) {
  const int idx = RuleIndex(rules, "dotenv.committed");
  if (idx < 0 || secrets.empty()) return false;
  Match m;
  m.rule = static_cast<uint32_t>(idx);
  // A name for the fingerprint that no report attribute holds (attributes are redacted by
  // every finding's secret).
  m.secret = Secret("git:" + path);
  m.about_name = true;
  Snippet& s = m.snippet;
  s.text = "committed with " + std::to_string(secrets.size()) + " secret" +
           (secrets.size() == 1 ? "" : "s") + ":";
  size_t shown = 0;
  for (const auto& [key, value] : secrets) {
    if (shown++ == 8) {
      s.text += " ...";
      break;
    }
    s.text += " " + key + "=";
    const uint32_t b = static_cast<uint32_t>(s.text.size());
    s.text += value;
    s.spans.emplace_back(b, static_cast<uint32_t>(s.text.size()));
  }
  *out = std::move(m);
  return true;
}

bool CommittedDotenvMatchAt(const RuleSet& rules, const Origin& origin,
                            const std::unordered_map<std::string, std::string>& tracked,
                            const std::vector<std::pair<std::string, std::string>>& secrets,
                            Match* out) {
  if (secrets.empty() || IsDotenvTemplate(origin.path)) return false;
  std::string path;
  if (origin.source == "git" || origin.source == "staged") {
    path = origin.path;
  } else if (origin.source == "file" && !tracked.empty()) {
    char real[PATH_MAX];
    if (!::realpath(origin.path.c_str(), real)) return false;
    auto it = tracked.find(real);
    if (it == tracked.end()) return false;
    path = it->second;
  }
  return !path.empty() && CommittedDotenvMatch(rules, path, secrets, out);
}

FileKind OriginFileKind(const Origin& origin) {
  for (const auto& [k, v] : origin.attributes)
    if (k == "analyzed_as" && v == AnalyzerName(FileKind::kDotenv)) return FileKind::kDotenv;
  return DetectFileKind(origin.path);
}

std::vector<std::pair<std::string, std::string>> FollowUpAttributes(const Origin& from,
                                                                    const FollowUpRef& ref) {
  switch (ref.reason) {
    case FollowUpRef::Reason::kEnvFile:
      return {{"analyzed_as", std::string(AnalyzerName(FileKind::kDotenv))},
              {"env_file_of", from.path}};
  }
  return {};
}

namespace {

// Whether `root` (a file or a directory) may be inside a git work tree: a `.git` beside it or
// above it, or GIT_DIR set. Saves initialising libgit2 (which loads the system's CA bundle) for
// a scan outside any repository.
bool MaybeInGitWorkTree(const std::string& root) {
  if (std::getenv("GIT_DIR")) return true;
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::absolute(root, ec);
  if (ec) return true;
  if (!std::filesystem::is_directory(dir, ec)) dir = dir.parent_path();
  for (;;) {
    if (std::filesystem::exists(dir / ".git", ec)) return true;
    if (!dir.has_parent_path() || dir.parent_path() == dir) return false;
    dir = dir.parent_path();
  }
}

}  // namespace

std::unordered_map<std::string, std::string> TrackedDotenvFiles(const std::string& root) {
  std::unordered_map<std::string, std::string> out;
  if (!MaybeInGitWorkTree(root)) return out;
  git_libgit2_init();
  git_repository* repo = nullptr;
  if (git_repository_open_ext(&repo, root.c_str(), 0, nullptr) == 0 && !git_repository_is_bare(repo)) {
    const std::string workdir = git_repository_workdir(repo);
    git_index* index = nullptr;
    if (git_repository_index(&index, repo) == 0) {
      const size_t n = git_index_entrycount(index);
      for (size_t i = 0; i < n; ++i) {
        const git_index_entry* e = git_index_get_byindex(index, i);
        if (!e || DetectFileKind(e->path) != FileKind::kDotenv || IsDotenvTemplate(e->path))
          continue;
        char real[PATH_MAX];
        if (::realpath((workdir + e->path).c_str(), real)) out.emplace(real, e->path);
      }
      git_index_free(index);
    }
  }
  git_repository_free(repo);
  git_libgit2_shutdown();
  return out;
}

}  // namespace leakhound
