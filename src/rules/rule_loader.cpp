#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>


#include <algorithm>
#include <cstring>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <unordered_map>

#include "base/yaml_safe.hpp"
#include "base/digest.hpp"
#include "base/mapped_file.hpp"
#include "rules/embedded_rules.hpp"
#include "leakhound/rule.hpp"

namespace leakhound {

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kInfo: return "info";
    case Severity::kLow: return "low";
    case Severity::kMedium: return "medium";
    case Severity::kHigh: return "high";
    case Severity::kCritical: return "critical";
  }
  return "?";
}

std::optional<Severity> ParseSeverity(std::string_view name) {
  for (Severity s : {Severity::kInfo, Severity::kLow, Severity::kMedium, Severity::kHigh,
                     Severity::kCritical})
    if (SeverityName(s) == name) return s;
  return std::nullopt;
}

std::string_view ConfidenceName(Confidence c) {
  switch (c) {
    case Confidence::kLow: return "low";
    case Confidence::kMedium: return "medium";
    case Confidence::kHigh: return "high";
  }
  return "?";
}

std::optional<Confidence> ParseConfidence(std::string_view name) {
  std::string lower(name);
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (lower == "low") return Confidence::kLow;
  if (lower == "medium") return Confidence::kMedium;
  if (lower == "high") return Confidence::kHigh;
  return std::nullopt;
}

std::string_view ChecksumName(ChecksumKind k) {
  switch (k) {
    case ChecksumKind::kNone: return "none";
    case ChecksumKind::kGithubCrc32: return "github_crc32";
    case ChecksumKind::kJwt: return "jwt";
    case ChecksumKind::kBase64_64: return "base64_64";
    case ChecksumKind::kBase58Check: return "base58check";
    case ChecksumKind::kBip39: return "bip39";
    case ChecksumKind::kBech32: return "bech32";
  }
  return "?";
}

std::optional<ChecksumKind> ParseChecksum(std::string_view name) {
  for (ChecksumKind k : {ChecksumKind::kNone, ChecksumKind::kGithubCrc32, ChecksumKind::kJwt,
                         ChecksumKind::kBase64_64, ChecksumKind::kBase58Check, ChecksumKind::kBip39,
                         ChecksumKind::kBech32})
    if (ChecksumName(k) == name) return k;
  return std::nullopt;
}

bool Rule::HasTag(std::string_view tag) const {
  return std::find(tags.begin(), tags.end(), tag) != tags.end();
}

namespace {
bool IsLiteralChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == ':' || c == '/' || c == '=' || c == '@' || c == '#' || c == '%';
}
bool IsQuantifier(char c) { return c == '?' || c == '*' || c == '+' || c == '{'; }

// The literal text at `p` in a pattern, up to the first character that is not literal for
// sure (a character after which a quantifier comes is dropped: it may be absent).
std::string LiteralAt(const std::string& p, size_t* i) {
  std::string out;
  while (*i < p.size()) {
    char c = p[*i];
    size_t next = *i + 1;
    if (c == '\\') {
      if (next >= p.size() || std::isalnum(static_cast<unsigned char>(p[next]))) break;  // \b \d
      c = p[next];  // an escaped punctuation character: \- \. \/
      ++next;
    } else if (!IsLiteralChar(c)) {
      break;
    }
    if (next < p.size() && IsQuantifier(p[next])) break;
    out += c;
    *i = next;
  }
  return out;
}

// The literal texts the capturing group `group` of `pattern` starts with: {"ghp_"} for
// `\b(ghp_[A-Za-z0-9]{36})\b`, {"AKIA", "ASIA"} for `((?:AKIA|ASIA)[A-Z0-9]{16})`; none when
// it starts with anything else.
std::vector<std::string> GroupLiteralStarts(const std::string& p, int group) {
  int seen = 0;
  size_t i = 0;
  for (; i < p.size(); ++i) {
    if (p[i] == '\\') {
      ++i;
    } else if (p[i] == '[') {  // a class: skip to its end
      ++i;
      if (i < p.size() && p[i] == '^') ++i;
      if (i < p.size() && p[i] == ']') ++i;
      while (i < p.size() && p[i] != ']') i += p[i] == '\\' ? 2 : 1;
    } else if (p[i] == '(') {
      if (i + 1 < p.size() && p[i + 1] == '?') {
        if (p.compare(i + 1, 3, "?P<") == 0 || (p.compare(i + 1, 2, "?<") == 0 &&
                                                p.compare(i + 1, 3, "?<=") != 0 &&
                                                p.compare(i + 1, 3, "?<!") != 0)) {
          if (++seen == group) {
            i = p.find('>', i);
            if (i == std::string::npos) return {};
            ++i;
            break;
          }
        }
        continue;
      }
      if (++seen == group) {
        ++i;
        break;
      }
    }
  }
  if (seen != group || i >= p.size()) return {};
  if (p.compare(i, 3, "(?:") == 0) {  // (?:A|B|C): each alternative must be all literal
    std::vector<std::string> out;
    i += 3;
    for (;;) {
      std::string lit = LiteralAt(p, &i);
      if (lit.empty() || i >= p.size()) return {};
      out.push_back(std::move(lit));
      if (p[i] == '|') {
        ++i;
        continue;
      }
      if (p[i] != ')' || (i + 1 < p.size() && IsQuantifier(p[i + 1]))) return {};
      return out;
    }
  }
  std::string lit = LiteralAt(p, &i);
  if (lit.empty()) return {};
  return {lit};
}

bool StartsWith(std::string_view s, std::string_view prefix, bool caseless) {
  if (prefix.size() > s.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char a = s[i], b = prefix[i];
    if (caseless) {
      if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
      if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
    }
    if (a != b) return false;
  }
  return true;
}
}  // namespace

size_t DocumentedPrefixLength(const Rule& rule, std::string_view secret) {
  if (rule.HasTag("generic") || !rule.analyzer.empty()) return 0;
  size_t best = 0;
  auto consider = [&](std::string_view prefix, bool caseless) {
    if (prefix.size() > best && prefix.size() <= secret.size() / 2 &&
        StartsWith(secret, prefix, caseless))
      best = prefix.size();
  };
  for (const auto& k : rule.keywords) consider(k, true);  // keywords are lower-cased
  const bool caseless = rule.pattern.rfind("(?i)", 0) == 0;
  for (const auto& lit : GroupLiteralStarts(rule.pattern, rule.secret_group)) consider(lit, caseless);
  return best;
}

std::string RuleError::ToString() const {
  std::string s = source;
  if (!rule_id.empty()) s += ": rule " + rule_id;
  return s + ": " + message;
}

namespace {

bool IsAnalyzerName(const std::string& name) {
  return name == "dotenv" || name == "compose" || name == "dockerfile" || name == "kubernetes" ||
         name == "image" || name == "credfile" || name == "decoder";
}

bool ValidId(const std::string& id) {
  // [a-z0-9_]+ parts joined by '.', at least two parts.
  if (id.empty() || id.front() == '.' || id.back() == '.') return false;
  bool dot = false;
  for (size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    if (c == '.') {
      if (id[i - 1] == '.') return false;
      dot = true;
    } else if (!(std::islower(static_cast<unsigned char>(c)) ||
                 std::isdigit(static_cast<unsigned char>(c)) || c == '_')) {
      return false;
    }
  }
  return dot;
}

std::vector<std::string> StringList(const YAML::Node& node, const char* field) {
  std::vector<std::string> out;
  if (!node) return out;
  if (node.IsScalar()) {
    out.push_back(node.as<std::string>());
    return out;
  }
  if (!node.IsSequence()) throw std::runtime_error(std::string(field) + " must be a list");
  for (const auto& item : node) {
    if (!item.IsScalar()) throw std::runtime_error(std::string(field) + " must hold strings");
    out.push_back(item.as<std::string>());
  }
  return out;
}

const std::set<std::string>& KnownFields() {
  static const std::set<std::string> fields = {
      "id",       "name",      "description",  "severity",           "pattern",
      "secret_group", "keywords", "stopwords", "min_entropy", "checksum",         "placeholder_filter",
      "max_length", "examples", "negative_examples", "references",   "tags",
      "analyzer", "remediation", "scorer", "key_group"};
  return fields;
}

Rule ParseRule(const YAML::Node& node) {
  if (!node.IsMap()) throw std::runtime_error("a rule must be a mapping");
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    if (!KnownFields().count(key)) throw std::runtime_error("unknown field '" + key + "'");
  }
  Rule r;
  if (!node["id"] || !node["id"].IsScalar()) throw std::runtime_error("missing id");
  r.id = node["id"].as<std::string>();
  if (!ValidId(r.id))
    throw std::runtime_error("bad id '" + r.id + "' (want vendor.kind, lower case)");
  if (node["analyzer"]) {
    r.analyzer = node["analyzer"].as<std::string>();
    if (!IsAnalyzerName(r.analyzer))
      throw std::runtime_error("unknown analyzer '" + r.analyzer +
                               "' (dotenv, compose, dockerfile, kubernetes, image, credfile, "
                               "decoder)");
    if (node["pattern"]) throw std::runtime_error("an analyzer rule has no pattern");
  } else {
    if (!node["pattern"] || !node["pattern"].IsScalar())
      throw std::runtime_error("missing pattern");
    r.pattern = node["pattern"].as<std::string>();
    if (r.pattern.empty()) throw std::runtime_error("empty pattern");
  }
  if (node["remediation"]) r.remediation = node["remediation"].as<std::string>();
  r.name = node["name"] ? node["name"].as<std::string>() : r.id;
  if (node["description"]) r.description = node["description"].as<std::string>();
  if (!node["severity"]) throw std::runtime_error("missing severity");
  auto sev = ParseSeverity(node["severity"].as<std::string>());
  if (!sev)
    throw std::runtime_error("bad severity '" + node["severity"].as<std::string>() +
                             "' (critical, high, medium, low or info)");
  r.severity = *sev;
  if (node["secret_group"]) {
    r.secret_group = node["secret_group"].as<int>();
    if (r.secret_group < 0 || r.secret_group > 32)
      throw std::runtime_error("secret_group out of range");
  }
  for (const char* field : {"keywords", "stopwords"}) {
    auto& into = std::string_view(field) == "keywords" ? r.keywords : r.stopwords;
    for (std::string k : StringList(node[field], field)) {
      std::transform(k.begin(), k.end(), k.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (k.empty()) throw std::runtime_error(std::string("empty entry in ") + field);
      into.push_back(std::move(k));
    }
  }
  if (node["min_entropy"]) {
    r.min_entropy = node["min_entropy"].as<double>();
    if (r.min_entropy < 0 || r.min_entropy > 8)
      throw std::runtime_error("min_entropy must be between 0 and 8");
  }
  if (node["checksum"]) {
    auto c = ParseChecksum(node["checksum"].as<std::string>());
    if (!c)
      throw std::runtime_error("unknown checksum '" + node["checksum"].as<std::string>() +
                               "' (github_crc32, jwt, base64_64)");
    r.checksum = *c;
  }
  if (node["placeholder_filter"]) r.placeholder_filter = node["placeholder_filter"].as<bool>();
  if (node["max_length"]) {
    const int64_t m = node["max_length"].as<int64_t>();
    if (m < 1 || m > 65536) throw std::runtime_error("max_length must be 1..65536");
    r.max_length = static_cast<uint32_t>(m);
  }
  if (node["scorer"]) {
    const std::string scorer = node["scorer"].as<std::string>();
    if (scorer == "credential") r.scorer = Scorer::kCredential;
    else if (scorer == "credential-slot") r.scorer = Scorer::kCredentialSlot;
    else if (scorer != "none")
      throw std::runtime_error("unknown scorer '" + scorer + "' (credential, credential-slot)");
  }
  if (node["key_group"]) {
    r.key_group = node["key_group"].as<int>();
    if (r.key_group < 0 || r.key_group > 32) throw std::runtime_error("key_group out of range");
    if (r.key_group == r.secret_group && r.key_group != 0)
      throw std::runtime_error("key_group and secret_group are the same group");
  }
  r.examples = StringList(node["examples"], "examples");
  r.negative_examples = StringList(node["negative_examples"], "negative_examples");
  r.references = StringList(node["references"], "references");
  r.tags = StringList(node["tags"], "tags");
  r.SetPriorityFromTags();
  return r;
}

}  // namespace

std::vector<Rule> LoadRulesFromYaml(std::string_view yaml_text, const std::string& source,
                                    std::vector<RuleError>* errors) {
  std::vector<Rule> out;
  YAML::Node root;
  try {
    root = SafeLoad(yaml_text);
  } catch (const YAML::Exception& e) {
    errors->push_back({source, "", std::string("invalid YAML: ") + e.what()});
    return out;
  }
  if (!root.IsMap() || !root["rules"] || !root["rules"].IsSequence()) {
    errors->push_back({source, "", "expected a mapping with a 'rules' list"});
    return out;
  }
  size_t index = 0;
  for (const auto& node : root["rules"]) {
    ++index;
    std::string id;
    try {
      if (node.IsMap() && node["id"] && node["id"].IsScalar()) id = node["id"].as<std::string>();
      Rule r = ParseRule(node);
      r.source = source;
      out.push_back(std::move(r));
    } catch (const std::exception& e) {
      errors->push_back(
          {source, id.empty() ? "#" + std::to_string(index) : id, e.what()});
    }
  }
  return out;
}

std::vector<Rule> LoadRulesFromDirectory(const std::string& dir, std::vector<RuleError>* errors) {
  namespace fs = std::filesystem;
  std::vector<Rule> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    errors->push_back({dir, "", "not a directory"});
    return out;
  }
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const auto ext = it->path().extension();
    if ((ext == ".yaml" || ext == ".yml") && it->is_regular_file(ec)) files.push_back(it->path());
  }
  if (ec) errors->push_back({dir, "", "cannot list: " + ec.message()});
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      errors->push_back({f.string(), "", "cannot read"});
      continue;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    auto rules = LoadRulesFromYaml(ss.str(), f.string(), errors);
    out.insert(out.end(), std::make_move_iterator(rules.begin()),
               std::make_move_iterator(rules.end()));
  }
  return out;
}

std::vector<Rule> LoadBuiltinRules(std::vector<RuleError>* errors) {
  std::vector<Rule> out;
  for (size_t i = 0; i < kEmbeddedRuleFileCount; ++i) {
    auto rules = LoadRulesFromYaml(kEmbeddedRuleFiles[i].content,
                                   std::string("<builtin>/") + kEmbeddedRuleFiles[i].name, errors);
    out.insert(out.end(), std::make_move_iterator(rules.begin()),
               std::make_move_iterator(rules.end()));
  }
  return out;
}

bool ReadWholeFile(const std::string& path, std::string* out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  if (ok) {
    out->resize(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (ok && got < out->size()) {
      const ssize_t r = ::read(fd, out->data() + got, out->size() - got);
      if (r <= 0) ok = false;
      else got += static_cast<size_t>(r);
    }
  }
  ::close(fd);
  return ok;
}

bool WriteFileAtomic(const std::string& path, std::string_view data) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!out.good()) {
      std::remove(tmp.c_str());
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

namespace {

std::string EmbeddedDigest() {
  // The rule files' digest is computed at build time (cmake/EmbedRules.cmake).
  return CacheKeyHex({LEAKHOUND_VERSION, "/rules-cache-4/", kEmbeddedRulesDigest});
}

// The cache of the parsed built-in rules: a flat binary record per rule (the YAML takes tens of
// milliseconds to parse, JSON a few; this a fraction of one). Strings and lists are length-
// prefixed; a reader that runs past the end or finds a bad count reports the cache damaged.
constexpr char kRuleCacheMagic[8] = {'L', 'H', 'R', 'U', 'L', 'E', 'S', '4'};

class CacheWriter {
 public:
  void U32(uint32_t v) { out_.append(reinterpret_cast<const char*>(&v), 4); }
  void I32(int32_t v) { U32(static_cast<uint32_t>(v)); }
  void F64(double v) { out_.append(reinterpret_cast<const char*>(&v), 8); }
  void Str(const std::string& s) {
    U32(static_cast<uint32_t>(s.size()));
    out_ += s;
  }
  void List(const std::vector<std::string>& v) {
    U32(static_cast<uint32_t>(v.size()));
    for (const auto& s : v) Str(s);
  }
  std::string& data() { return out_; }

 private:
  std::string out_;
};

class CacheReader {
 public:
  explicit CacheReader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool AtEnd() const { return in_.empty(); }
  uint32_t U32() {
    uint32_t v = 0;
    if (in_.size() < 4) return Fail();
    std::memcpy(&v, in_.data(), 4);
    in_.remove_prefix(4);
    return v;
  }
  int32_t I32() { return static_cast<int32_t>(U32()); }
  double F64() {
    double v = 0;
    if (in_.size() < 8) return Fail();
    std::memcpy(&v, in_.data(), 8);
    in_.remove_prefix(8);
    return v;
  }
  std::string Str() {
    const uint32_t n = U32();
    if (!ok_ || n > in_.size()) return Fail(), std::string();
    std::string s(in_.substr(0, n));
    in_.remove_prefix(n);
    return s;
  }
  std::vector<std::string> List() {
    const uint32_t n = U32();
    std::vector<std::string> v;
    if (!ok_ || n > in_.size() / 4) return Fail(), v;  // every item takes 4 bytes at least
    v.reserve(n);
    for (uint32_t i = 0; i < n && ok_; ++i) v.push_back(Str());
    return v;
  }

 private:
  uint32_t Fail() {
    ok_ = false;
    in_ = {};
    return 0;
  }
  std::string_view in_;
  bool ok_ = true;
};

void WriteCachedRule(const Rule& r, CacheWriter* w) {
  w->Str(r.id);
  w->Str(r.name);
  w->Str(r.description);
  w->I32(static_cast<int32_t>(r.severity));
  w->Str(r.pattern);
  w->I32(r.secret_group);
  w->List(r.keywords);
  w->List(r.stopwords);
  w->F64(r.min_entropy);
  w->I32(static_cast<int32_t>(r.checksum));
  w->U32(r.placeholder_filter ? 1 : 0);
  w->U32(r.max_length);
  w->List(r.references);
  w->List(r.tags);
  w->Str(r.analyzer);
  w->Str(r.remediation);
  w->I32(static_cast<int32_t>(r.scorer));
  w->I32(r.key_group);
  w->Str(r.source);
}

Rule ReadCachedRule(CacheReader* in) {
  Rule r;
  r.id = in->Str();
  r.name = in->Str();
  r.description = in->Str();
  r.severity = static_cast<Severity>(in->I32());
  r.pattern = in->Str();
  r.secret_group = in->I32();
  r.keywords = in->List();
  r.stopwords = in->List();
  r.min_entropy = in->F64();
  r.checksum = static_cast<ChecksumKind>(in->I32());
  r.placeholder_filter = in->U32() != 0;
  r.max_length = in->U32();
  r.references = in->List();
  r.tags = in->List();
  r.analyzer = in->Str();
  r.remediation = in->Str();
  r.scorer = static_cast<Scorer>(in->I32());
  r.key_group = in->I32();
  r.source = in->Str();
  r.SetPriorityFromTags();
  return r;
}

}  // namespace

std::vector<Rule> LoadBuiltinRulesCached(const std::string& cache_dir,
                                         std::vector<RuleError>* errors) {
  if (cache_dir.empty()) return LoadBuiltinRules(errors);
  const std::string path = cache_dir + "/rules-" + EmbeddedDigest() + ".bin";
  MappedFile file;
  if (file.Open(path) && file.data().size() > 12 &&
      std::memcmp(file.data().data(), kRuleCacheMagic, 8) == 0) {
    const std::string_view bytes = file.data();
    CacheReader in(bytes.substr(8));
    const uint32_t n = in.U32();
    std::vector<Rule> out;
    if (n <= bytes.size() / 16) {
      out.reserve(n);
      for (uint32_t i = 0; i < n && in.ok(); ++i) out.push_back(ReadCachedRule(&in));
      if (in.ok() && in.AtEnd()) return out;
    }
    // A damaged cache: fall through and parse the YAML (and write the cache again).
  }
  std::vector<RuleError> local;
  std::vector<Rule> rules = LoadBuiltinRules(&local);
  if (local.empty()) {
    CacheWriter w;
    w.data().assign(kRuleCacheMagic, 8);
    w.U32(static_cast<uint32_t>(rules.size()));
    for (const auto& r : rules) WriteCachedRule(r, &w);
    WriteFileAtomic(path, w.data());
  }
  errors->insert(errors->end(), local.begin(), local.end());
  return rules;
}

void MergeRules(std::vector<Rule>* base, std::vector<Rule> overrides) {
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < base->size(); ++i) index[(*base)[i].id] = i;
  for (auto& r : overrides) {
    auto it = index.find(r.id);
    if (it != index.end()) {
      (*base)[it->second] = std::move(r);
    } else {
      index[r.id] = base->size();
      base->push_back(std::move(r));
    }
  }
}

}  // namespace leakhound
