// Hardening checks on an image's config and layers; see include/leakhound/image_checks.hpp.
#include "sources/image_checks.hpp"
#include "scan/finding_store.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <sstream>

namespace leakhound {
namespace {

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

std::string_view Base(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}
std::string_view Dir(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

// Under a home directory: root/<rest> or home/<user>/<rest>.
bool InHome(std::string_view path, std::string_view rest) {
  if (StartsWith(path, "root/")) return StartsWith(path.substr(5), rest);
  if (!StartsWith(path, "home/")) return false;
  const size_t slash = path.find('/', 5);
  return slash != std::string_view::npos && StartsWith(path.substr(slash + 1), rest);
}

// The package-manager cache a regular file belongs to, or "".
std::string_view CacheKind(std::string_view path, uint32_t mode) {
  if (!S_ISREG(mode)) return "";
  if (StartsWith(path, "var/cache/apt/archives/") && EndsWith(path, ".deb")) return "apt archives";
  if (StartsWith(path, "var/lib/apt/lists/") && Base(path) != "lock" &&
      path.find("/partial/") == std::string_view::npos)
    return "apt lists";
  if (StartsWith(path, "var/cache/apk/")) return "apk cache";
  if (InHome(path, ".npm/")) return "npm cache";
  if (InHome(path, ".cache/pip/")) return "pip cache";
  return "";
}

// "sshd", "sudo", "package manager" for those binaries in a bin directory, else "".
std::string_view ToolKind(std::string_view path) {
  const std::string_view dir = Dir(path);
  if (dir != "bin" && dir != "sbin" && dir != "usr/bin" && dir != "usr/sbin" &&
      dir != "usr/local/bin" && dir != "usr/local/sbin")
    return "";
  const std::string_view base = Base(path);
  if (base == "sshd") return "sshd";
  if (base == "sudo") return "sudo";
  for (const char* pm : {"apt", "apt-get", "dpkg", "apk", "yum", "dnf", "microdnf", "rpm", "zypper"})
    if (base == pm) return "package manager";
  return "";
}

bool WorldWritable(std::string_view path, uint32_t mode) {
  if (!(mode & S_IWOTH)) return false;
  if (!S_ISREG(mode) && !(S_ISDIR(mode) && !(mode & S_ISVTX))) return false;
  for (const char* tmp : {"tmp", "var/tmp", "dev/shm"})
    if (path == tmp || StartsWith(path, std::string(tmp) + "/")) return false;
  return true;
}

// "-rwsr-xr-x", as ls prints it.
std::string ModeString(uint32_t mode) {
  std::string s = S_ISDIR(mode) ? "d" : S_ISLNK(mode) ? "l" : "-";
  const char* rwx = "rwxrwxrwx";
  for (int i = 0; i < 9; ++i) s += (mode & (0400u >> i)) ? rwx[i] : '-';
  if (mode & S_ISUID) s[3] = (mode & S_IXUSR) ? 's' : 'S';
  if (mode & S_ISGID) s[6] = (mode & S_IXGRP) ? 's' : 'S';
  if (mode & S_ISVTX) s[9] = (mode & S_IXOTH) ? 't' : 'T';
  return s;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The image's name or labels say it is minimal.
bool ClaimsMinimal(const ImageCheckInput& in) {
  std::string text = Lower(in.ref);
  for (const auto& [k, v] : in.labels) text += " " + Lower(v);
  for (const char* w : {"distroless", "minimal", "micro", "chainguard", "wolfi", "scratch"})
    if (text.find(w) != std::string::npos) return true;
  return false;
}

// "registry:5000/team/app:1.2@sha256:..." -> "registry:5000/team/app".
std::string Repository(const std::string& ref) {
  std::string r = ref.substr(0, ref.find('@'));
  const size_t slash = r.rfind('/');
  const size_t colon = r.find(':', slash == std::string::npos ? 0 : slash);
  return colon == std::string::npos ? r : r.substr(0, colon);
}

}  // namespace

PathSet::Hash PathSet::Of(std::string_view path) {
  const BlobId id = ComputeContentId(path);
  Hash h;
  std::memcpy(&h.first, id.bytes.data(), 8);
  std::memcpy(&h.second, id.bytes.data() + 8, 8);
  return h;
}

void PathSet::insert(std::string_view path) {
  hashes_.push_back(Of(path));
  sealed_ = false;
}

void PathSet::Seal() {
  if (sealed_) return;
  std::sort(hashes_.begin(), hashes_.end());
  hashes_.erase(std::unique(hashes_.begin(), hashes_.end()), hashes_.end());
  hashes_.shrink_to_fit();
  sealed_ = true;
}

size_t PathSet::count(std::string_view path) const {
  const Hash h = Of(path);
  if (sealed_) return std::binary_search(hashes_.begin(), hashes_.end(), h) ? 1 : 0;
  return std::find(hashes_.begin(), hashes_.end(), h) != hashes_.end() ? 1 : 0;
}

bool ImageLayerFacts::Removes(const std::string& path) const {
  if (paths.count(path) || deleted.count(path)) return true;
  for (size_t cut = path.find('/'); cut != std::string::npos; cut = path.find('/', cut + 1))
    if (deleted.count(path.substr(0, cut))) return true;
  for (const auto& dir : opaque)
    if (path.rfind(dir, 0) == 0) return true;
  return false;
}

bool IsNotableImageEntry(std::string_view path, uint32_t mode) {
  if (S_ISREG(mode) && (mode & (S_ISUID | S_ISGID))) return true;
  return WorldWritable(path, mode) || !CacheKind(path, mode).empty() || !ToolKind(path).empty();
}

std::vector<ImageCheckHit> CheckImage(const ImageCheckInput& in) {
  std::vector<ImageCheckHit> hits;
  auto layer_origin = [&](size_t i, const std::string& path) {
    Origin o;
    o.source = "image";
    o.path = path;
    if (i < in.layer_attributes.size()) o.attributes = in.layer_attributes[i];
    return o;
  };

  // The config's user.
  std::string user = in.user.substr(0, in.user.find(':'));
  if (!in.has_user || user.empty() || user == "root" || user == "0") {
    ImageCheckHit h;
    h.rule_id = "image.root_user";
    h.secret = "image:user:" + Repository(in.ref);
    h.origin.source = "image-config";
    h.origin.path = "User";
    h.origin.attributes = in.image_attributes;
    h.snippet = user.empty() ? "User is not set: containers run as root"
                             : "User: " + in.user + " (root)";
    hits.push_back(std::move(h));
  }

  const bool minimal = ClaimsMinimal(in);
  for (size_t i = 0; i < in.layers.size(); ++i) {
    // Caches, in any layer: one hit per kind of cache a layer carries.
    struct Cache {
      size_t files = 0;
      uint64_t bytes = 0;
      std::string first;
    };
    std::map<std::string, Cache> caches;
    for (const auto& e : in.layers[i]->notable) {
      const std::string_view kind = CacheKind(e.path, e.mode);
      if (kind.empty()) continue;
      Cache& c = caches[std::string(kind)];
      if (c.files++ == 0 || e.path < c.first) c.first = e.path;
      c.bytes += e.size;
    }
    for (const auto& [kind, c] : caches) {
      ImageCheckHit h;
      h.rule_id = "image.package_cache";
      std::string layer_id = std::to_string(i + 1);
      for (const auto& [k, v] : layer_origin(i, "").attributes)
        if (k == "layer_digest") layer_id = v;
      h.secret = "image:cache:" + kind + ":" + layer_id;
      h.origin = layer_origin(i, c.first);
      h.snippet = kind + ": " + std::to_string(c.files) + " file" + (c.files == 1 ? "" : "s") +
                  ", " + std::to_string(c.bytes) + " bytes in this layer";
      hits.push_back(std::move(h));
    }

    // The final filesystem: entries no later layer removes or replaces.
    for (const auto& e : in.layers[i]->notable) {
      bool visible = true;
      for (size_t j = i + 1; j < in.layers.size() && visible; ++j)
        visible = !in.layers[j]->Removes(e.path);
      if (!visible) continue;
      auto hit = [&](const char* rule, const std::string& what, const std::string& note) {
        ImageCheckHit h;
        h.rule_id = rule;
        h.secret = "image:" + what + ":" + e.path;
        h.origin = layer_origin(i, e.path);
        h.snippet = ModeString(e.mode) + " /" + e.path + (note.empty() ? "" : " (" + note + ")");
        hits.push_back(std::move(h));
      };
      if (S_ISREG(e.mode) && (e.mode & (S_ISUID | S_ISGID)))
        hit("image.setuid_binary", "setuid",
            std::string(e.mode & S_ISUID ? "setuid" : "") +
                (e.mode & S_ISUID && e.mode & S_ISGID ? ", " : "") +
                (e.mode & S_ISGID ? "setgid" : ""));
      if (WorldWritable(e.path, e.mode)) hit("image.world_writable", "world-writable", "world-writable");
      const std::string_view tool = ToolKind(e.path);
      if (tool == "sshd" || tool == "sudo") hit("image.sshd_sudo", "tool", std::string(tool));
      if (tool == "package manager" && minimal)
        hit("image.package_manager_in_minimal", "package-manager",
            "package manager in an image that claims to be minimal");
    }
  }
  return hits;
}

bool ParseImageListing(std::string_view text, ImageCheckInput* in,
                       std::vector<ImageLayerFacts>* layers, std::string* error) {
  std::istringstream lines{std::string(text)};
  std::string line;
  size_t n = 0;
  layers->clear();
  layers->reserve(64);
  while (std::getline(lines, line)) {
    ++n;
    std::istringstream w(line);
    std::string op;
    if (!(w >> op) || op[0] == '#') continue;
    auto bad = [&](const std::string& why) {
      *error = "line " + std::to_string(n) + ": " + why;
      return false;
    };
    std::string a, b;
    if (op == "image") {
      w >> in->ref;
    } else if (op == "user") {
      in->has_user = true;
      w >> in->user;
    } else if (op == "label") {
      w >> a;
      const size_t eq = a.find('=');
      if (eq == std::string::npos) return bad("label wants K=V");
      in->labels.emplace_back(a.substr(0, eq), a.substr(eq + 1));
    } else if (op == "layer") {
      if (layers->size() == 64) return bad("too many layers");
      layers->emplace_back();
    } else if (layers->empty()) {
      return bad("'" + op + "' before the first 'layer'");
    } else if (op == "file" || op == "dir" || op == "link") {
      uint32_t mode = 0777;
      if (op != "link") {
        w >> a;
        if (a.empty() || a.find_first_not_of("01234567") != std::string::npos || a.size() > 5)
          return bad("bad mode '" + a + "'");
        mode = static_cast<uint32_t>(std::stoul(a, nullptr, 8));
      }
      mode |= op == "file" ? S_IFREG : op == "dir" ? S_IFDIR : S_IFLNK;
      if (!(w >> b)) return bad("missing path");
      uint64_t size = 0;
      w >> size;
      layers->back().paths.insert(b);
      if (IsNotableImageEntry(b, mode)) layers->back().notable.push_back({b, mode, size});
    } else if (op == "whiteout") {
      w >> a;
      layers->back().deleted.insert(a);
    } else if (op == "opaque") {
      w >> a;
      layers->back().opaque.push_back(a.empty() || a.back() == '/' ? a : a + "/");
    } else {
      return bad("unknown '" + op + "'");
    }
  }
  in->layers.clear();
  for (auto& l : *layers) {
    l.paths.Seal();
    in->layers.push_back(&l);
  }
  return true;
}

void AddImageCheckFindings(const std::vector<ImageCheckHit>& hits, const RuleSet& rules,
                           std::vector<Finding>* findings) {
  FindingStore store(rules);
  for (const auto& h : hits) {
    const int idx = rules.Find(h.rule_id);
    if (idx < 0) continue;
    Match m;
    m.rule = static_cast<uint32_t>(idx);
    m.secret = Secret(h.secret);
    m.about_name = true;
    m.snippet.text = h.snippet;
    store.Add(m, h.origin);
  }
  for (auto& f : store.Take()) findings->push_back(std::move(f));
  SortFindings(findings, rules);
}

}  // namespace leakhound
