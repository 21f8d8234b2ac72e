#include "sources/git_source.hpp"
#include "config/glob.hpp"

#include <git2.h>
#include <sys/stat.h>

#include <cstring>
#include <filesystem>
#include <ctime>
#include <functional>
#include <mutex>
#include <queue>
#include <unordered_map>
#include <sstream>
#include <unordered_set>

namespace leakhound {
namespace {

struct LibGit2 {
  LibGit2() {
    git_libgit2_init();
    // Bound memory on huge histories: pack windows mapped at once, and the delta base cache.
    git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, static_cast<size_t>(256) << 20);
    git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, static_cast<ssize_t>(64) << 20);
    // libgit2 re-hashes every object it reads by default (git does not): for a scanner that
    // reads every blob once, that was two thirds of the cost of reading a blob.
    git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
  }
  ~LibGit2() { git_libgit2_shutdown(); }
};

void EnsureLibGit2() { static LibGit2 instance; }

std::string LastError() {
  const git_error* e = git_error_last();
  return e && e->message ? e->message : "unknown libgit2 error";
}

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const {
    if (p) Free(p);
  }
};
using Commit = std::unique_ptr<git_commit, Deleter<git_commit, git_commit_free>>;
using Tree = std::unique_ptr<git_tree, Deleter<git_tree, git_tree_free>>;
using Diff = std::unique_ptr<git_diff, Deleter<git_diff, git_diff_free>>;
using Object = std::unique_ptr<git_object, Deleter<git_object, git_object_free>>;
using Index = std::unique_ptr<git_index, Deleter<git_index, git_index_free>>;
using Reference = std::unique_ptr<git_reference, Deleter<git_reference, git_reference_free>>;

std::string OidHex(const git_oid* oid) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, oid);
  return buf;
}

BlobId ToBlobId(const git_oid* oid) {
  BlobId id;
  std::memcpy(id.bytes.data(), oid->id, id.bytes.size());
  return id;
}

std::string IsoTime(const git_time& t) {
  const std::time_t secs = static_cast<std::time_t>(t.time);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Resolves a revision to a commit id; false when it does not name a commit.
bool ResolveCommit(git_repository* repo, const std::string& rev, git_oid* out) {
  git_object* raw = nullptr;
  if (git_revparse_single(&raw, repo, rev.c_str()) != 0) return false;
  Object obj(raw);
  git_object* peeled = nullptr;
  if (git_object_peel(&peeled, obj.get(), GIT_OBJECT_COMMIT) != 0) return false;
  git_oid_cpy(out, git_object_id(peeled));
  git_object_free(peeled);
  return true;
}

// Reads blobs by id on the scanning threads, each borrowing a repository handle from a pool.
class GitBlobLoader : public BlobLoader {
 public:
  explicit GitBlobLoader(std::string gitdir) : gitdir_(std::move(gitdir)) {}
  ~GitBlobLoader() override {
    for (auto* r : free_) git_repository_free(r);
  }

  bool Load(const std::string& key, const std::function<void(std::string_view)>& use,
            std::string* error) override {
    git_repository* repo = Acquire(error);
    if (!repo) return false;
    git_oid oid;
    git_blob* blob = nullptr;
    bool ok = git_oid_fromstr(&oid, key.c_str()) == 0 && git_blob_lookup(&blob, repo, &oid) == 0;
    if (ok) {
      use(std::string_view(static_cast<const char*>(git_blob_rawcontent(blob)),
                           static_cast<size_t>(git_blob_rawsize(blob))));
      git_blob_free(blob);
    } else {
      *error = "cannot read blob " + key + ": " + LastError();
    }
    Release(repo);
    return ok;
  }

 private:
  git_repository* Acquire(std::string* error) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!free_.empty()) {
        git_repository* r = free_.back();
        free_.pop_back();
        return r;
      }
    }
    git_repository* r = nullptr;
    if (git_repository_open_ext(&r, gitdir_.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0) {
      *error = "cannot open " + gitdir_ + ": " + LastError();
      return nullptr;
    }
    return r;
  }
  void Release(git_repository* r) {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(r);
  }

  std::string gitdir_;
  std::mutex mu_;
  std::vector<git_repository*> free_;
};

// The ids of every blob in a tree (recursively).
std::unordered_set<std::string> TreeBlobIds(git_tree* tree) {
  std::unordered_set<std::string> out;
  if (!tree) return out;
  git_tree_walk(
      tree, GIT_TREEWALK_PRE,
      [](const char*, const git_tree_entry* e, void* payload) -> int {
        if (git_tree_entry_type(e) == GIT_OBJECT_BLOB)
          static_cast<std::unordered_set<std::string>*>(payload)->insert(
              std::string(reinterpret_cast<const char*>(git_tree_entry_id(e)->id), GIT_OID_RAWSZ));
        return 0;
      },
      &out);
  return out;
}

Tree HeadTree(git_repository* repo) {
  git_oid head;
  if (!ResolveCommit(repo, "HEAD", &head)) return nullptr;
  git_commit* c = nullptr;
  if (git_commit_lookup(&c, repo, &head) != 0) return nullptr;
  Commit commit(c);
  git_tree* t = nullptr;
  if (git_commit_tree(&t, commit.get()) != 0) return nullptr;
  return Tree(t);
}

// Emits (blob, path) pairs not seen before, with a commit's provenance.
class PairEmitter {
 public:
  PairEmitter(git_repository* repo, std::shared_ptr<BlobLoader> loader, uint64_t max_blob_bytes,
              std::unordered_set<std::string> head_blobs, const PathMatcher* exclude,
              BlobSink& sink)
      : repo_(repo), loader_(std::move(loader)), max_blob_bytes_(max_blob_bytes),
        head_blobs_(std::move(head_blobs)), exclude_(exclude), sink_(sink) {
    git_repository_odb(&odb_, repo_);
  }
  ~PairEmitter() { git_odb_free(odb_); }

  void SetCommit(git_commit* commit) {
    attributes_.clear();
    if (!commit) return;
    const git_signature* author = git_commit_author(commit);
    const char* summary = git_commit_summary(commit);
    std::string s = summary ? summary : "";
    if (s.size() > 120) s = s.substr(0, 117) + "...";
    attributes_ = {{"commit", OidHex(git_commit_id(commit))},
                   {"author", std::string(author->name) + " <" + author->email + ">"},
                   {"date", IsoTime(author->when)},
                   {"summary", s}};
  }

  void Emit(const git_oid* oid, const std::string& path, const char* source) {
    const std::string raw(reinterpret_cast<const char*>(oid->id), GIT_OID_RAWSZ);
    // One location per (blob, path): a 64-bit hash of the pair keeps memory small on long
    // histories (a collision would merge two locations, not lose a secret's first one).
    const uint64_t pair = std::hash<std::string>()(raw) * 1000003u ^ std::hash<std::string>()(path);
    if (!pairs_.insert(pair).second) return;
    if (exclude_ && exclude_->ExcludedFile(path)) {
      sink_.Skipped(SkipReason::kExcluded, path);
      return;
    }
    if (too_large_.count(raw)) {
      sink_.Skipped(SkipReason::kTooLarge, path);
      return;
    }
    if (!blobs_.count(raw)) {
      size_t size = 0;
      git_object_t type;
      if (git_odb_read_header(&size, &type, odb_, oid) != 0) {
        sink_.Error(path, "cannot read blob " + OidHex(oid) + ": " + LastError());
        return;
      }
      if (size > max_blob_bytes_) {
        too_large_.insert(raw);
        sink_.Skipped(SkipReason::kTooLarge, path);
        return;
      }
      blobs_.insert(raw);
    }
    BlobInput in;
    in.origin.source = source;
    in.origin.path = path;
    in.origin.attributes = attributes_;
    if (!head_blobs_.empty() || std::string_view(source) == "git")
      in.origin.attributes.emplace_back("in_head", head_blobs_.count(raw) ? "true" : "false");
    in.loader = loader_;
    in.key = OidHex(oid);
    in.id = ToBlobId(oid);
    sink_.Push(std::move(in));
  }

  // Every blob `new_tree` adds or changes relative to `old_tree` (null: everything), comparing
  // entries by name and skipping any subtree whose id is unchanged. Much cheaper than a
  // git_diff, which builds a delta object per change.
  void EmitTreeChanges(const git_tree* old_tree, const git_tree* new_tree, const std::string& prefix,
                       const char* source, int depth = 0) {
    if (depth > 512) return;  // a hostile tree nested absurdly deep
    const size_t n = git_tree_entrycount(new_tree);
    for (size_t i = 0; i < n; ++i) {
      const git_tree_entry* e = git_tree_entry_byindex(new_tree, i);
      const char* name = git_tree_entry_name(e);
      const git_oid* oid = git_tree_entry_id(e);
      const git_filemode_t mode = git_tree_entry_filemode(e);
      const git_tree_entry* before = old_tree ? git_tree_entry_byname(old_tree, name) : nullptr;
      if (before && git_oid_equal(git_tree_entry_id(before), oid) &&
          git_tree_entry_filemode(before) == mode)
        continue;  // unchanged: for a directory, its whole subtree
      if (mode == GIT_FILEMODE_TREE) {
        git_tree* sub = nullptr;
        if (git_tree_lookup(&sub, repo_, oid) != 0) {
          sink_.Error(prefix + name, "cannot read tree " + OidHex(oid) + ": " + LastError());
          continue;
        }
        Tree sub_new(sub);
        Tree sub_old;
        if (before && git_tree_entry_filemode(before) == GIT_FILEMODE_TREE) {
          git_tree* o = nullptr;
          if (git_tree_lookup(&o, repo_, git_tree_entry_id(before)) == 0) sub_old.reset(o);
        }
        EmitTreeChanges(sub_old.get(), sub_new.get(), prefix + name + "/", source, depth + 1);
      } else if (mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE) {
        Emit(oid, prefix + name, source);
      }
      // Symlinks and submodule commits are not followed.
    }
  }

  // Every blob a diff adds or changes.
  void EmitDiff(git_diff* diff, const char* source) {
    const size_t n = git_diff_num_deltas(diff);
    for (size_t i = 0; i < n; ++i) {
      const git_diff_delta* d = git_diff_get_delta(diff, i);
      if (d->status == GIT_DELTA_DELETED || d->status == GIT_DELTA_UNMODIFIED) continue;
      const git_diff_file& f = d->new_file;
      if (f.mode != GIT_FILEMODE_BLOB && f.mode != GIT_FILEMODE_BLOB_EXECUTABLE) continue;
      Emit(&f.id, f.path, source);
    }
  }

 private:
  git_repository* repo_;
  git_odb* odb_ = nullptr;
  std::shared_ptr<BlobLoader> loader_;
  uint64_t max_blob_bytes_;
  std::unordered_set<std::string> head_blobs_;
  const PathMatcher* exclude_;
  BlobSink& sink_;
  std::vector<std::pair<std::string, std::string>> attributes_;
  std::unordered_set<uint64_t> pairs_;
  std::unordered_set<std::string> blobs_, too_large_;
};

// The commits reachable from `tips` and not from `hidden`, parents before children and, among
// commits that are ready, the oldest (committer time) first. A parent that is missing (a shallow
// clone's boundary) is treated as absent, so its child counts as a root.
std::vector<git_oid> OrderCommits(git_repository* repo, const std::vector<git_oid>& tips,
                                  const std::vector<git_oid>& hidden) {
  auto key = [](const git_oid& o) {
    return std::string(reinterpret_cast<const char*>(o.id), GIT_OID_RAWSZ);
  };
  std::unordered_set<std::string> hidden_set;
  std::vector<git_oid> stack(hidden.begin(), hidden.end());
  while (!stack.empty()) {
    const git_oid oid = stack.back();
    stack.pop_back();
    if (!hidden_set.insert(key(oid)).second) continue;
    git_commit* c = nullptr;
    if (git_commit_lookup(&c, repo, &oid) != 0) continue;
    for (unsigned i = 0; i < git_commit_parentcount(c); ++i)
      stack.push_back(*git_commit_parent_id(c, i));
    git_commit_free(c);
  }
  struct Node {
    git_oid oid;
    int64_t time;
    std::vector<git_oid> parents;
    std::vector<uint32_t> children;
    uint32_t pending = 0;
  };
  std::vector<Node> nodes;
  std::unordered_map<std::string, uint32_t> index;
  stack.assign(tips.begin(), tips.end());
  while (!stack.empty()) {
    const git_oid oid = stack.back();
    stack.pop_back();
    const std::string k = key(oid);
    if (hidden_set.count(k) || index.count(k)) continue;
    git_commit* c = nullptr;
    if (git_commit_lookup(&c, repo, &oid) != 0) continue;  // missing: a shallow boundary
    Node n;
    n.oid = oid;
    n.time = git_commit_time(c);
    for (unsigned i = 0; i < git_commit_parentcount(c); ++i) {
      n.parents.push_back(*git_commit_parent_id(c, i));
      stack.push_back(n.parents.back());
    }
    git_commit_free(c);
    index.emplace(k, static_cast<uint32_t>(nodes.size()));
    nodes.push_back(std::move(n));
  }
  for (uint32_t i = 0; i < nodes.size(); ++i) {
    for (const auto& p : nodes[i].parents) {
      auto it = index.find(key(p));
      if (it == index.end()) continue;
      nodes[it->second].children.push_back(i);
      ++nodes[i].pending;
    }
    nodes[i].parents.clear();
  }
  auto later = [&](uint32_t a, uint32_t b) {
    return nodes[a].time != nodes[b].time ? nodes[a].time > nodes[b].time : a < b;
  };
  std::priority_queue<uint32_t, std::vector<uint32_t>, decltype(later)> ready(later);
  for (uint32_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].pending == 0) ready.push(i);
  std::vector<git_oid> out;
  out.reserve(nodes.size());
  while (!ready.empty()) {
    const uint32_t i = ready.top();
    ready.pop();
    out.push_back(nodes[i].oid);
    for (uint32_t child : nodes[i].children)
      if (--nodes[child].pending == 0) ready.push(child);
  }
  return out;
}

git_diff_options DiffOptions() {
  git_diff_options opts;
  git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
  // Only which blobs changed: never load contents to sniff binaries, never recurse submodules.
  opts.flags = GIT_DIFF_SKIP_BINARY_CHECK | GIT_DIFF_IGNORE_SUBMODULES;
  return opts;
}

}  // namespace

GitRepo::GitRepo(const std::string& path) {
  EnsureLibGit2();
  if (git_repository_open_ext(&repo_, path.c_str(), 0, nullptr) != 0)
    throw GitError(path + ": not a git repository: " + LastError());
}

GitRepo::~GitRepo() { git_repository_free(repo_); }

bool GitRepo::bare() const { return git_repository_is_bare(repo_) != 0; }

std::string GitRepo::workdir() const {
  const char* w = git_repository_workdir(repo_);
  return w ? w : "";
}

std::string GitRepo::gitdir() const { return git_repository_path(repo_); }

bool GitRepo::ResolvesToCommit(const std::string& rev) const {
  git_oid oid;
  return ResolveCommit(repo_, rev, &oid);
}

bool GitRepo::IsIgnored(const std::string& path) const {
  const std::string top = workdir();
  if (top.empty()) return false;
  std::error_code ec;
  const bool dir = !path.empty() && path.back() == '/';
  std::string abs = std::filesystem::weakly_canonical(path, ec).string();
  if (ec || abs.size() <= top.size() || abs.compare(0, top.size(), top) != 0) return false;
  abs = abs.substr(top.size());
  if (dir && abs.back() != '/') abs += '/';  // libgit2 takes a trailing '/' as a directory
  int ignored = 0;
  if (git_ignore_path_is_ignored(&ignored, repo_, abs.c_str()) != 0) return false;
  return ignored != 0;
}

std::string GitRepo::HooksPathSetting() const {
  git_config* snapshot = nullptr;
  std::string hooks;
  if (git_repository_config_snapshot(&snapshot, repo_) == 0) {
    const char* value = nullptr;
    if (git_config_get_string(&value, snapshot, "core.hooksPath") == 0 && value) hooks = value;
    git_config_free(snapshot);
  }
  return hooks;
}

std::string GitRepo::HooksDir() const {
  git_config* snapshot = nullptr;
  std::string hooks;
  if (git_repository_config_snapshot(&snapshot, repo_) == 0) {
    const char* value = nullptr;
    if (git_config_get_string(&value, snapshot, "core.hooksPath") == 0 && value && *value) {
      hooks = value;
      if (hooks[0] == '~') {
        const char* home = std::getenv("HOME");
        hooks = std::string(home ? home : "") + hooks.substr(1);
      } else if (hooks[0] != '/') {
        // Relative to where hooks run: the work tree, or the git directory when bare.
        hooks = (bare() ? gitdir() : workdir()) + hooks;
      }
    }
    git_config_free(snapshot);
  }
  if (hooks.empty()) {
    // The common directory, so linked work trees share their main repository's hooks.
    hooks = std::string(git_repository_commondir(repo_)) + "hooks";
  }
  return hooks;
}

GitHistorySource::GitHistorySource(std::shared_ptr<GitRepo> repo, GitHistoryOptions options)
    : repo_(std::move(repo)), options_(std::move(options)) {}

void GitHistorySource::Enumerate(BlobSink& sink) {
  git_repository* repo = repo_->get();
  const std::string label = repo_->bare() ? repo_->gitdir() : repo_->workdir();
  auto loader = std::make_shared<GitBlobLoader>(repo_->gitdir());
  Tree head_tree = HeadTree(repo);
  PairEmitter emit(repo, loader, options_.max_blob_bytes, TreeBlobIds(head_tree.get()),
                   options_.exclude_paths, sink);

  if (options_.head_only) {
    if (!head_tree) return;  // an empty repository: nothing to scan
    git_oid head;
    ResolveCommit(repo, "HEAD", &head);
    git_commit* c = nullptr;
    if (git_commit_lookup(&c, repo, &head) != 0) {
      sink.Error(label, "cannot read HEAD: " + LastError());
      return;
    }
    Commit commit(c);
    emit.SetCommit(commit.get());
    struct Walk {
      PairEmitter* emit;
    } w{&emit};
    git_tree_walk(
        head_tree.get(), GIT_TREEWALK_PRE,
        [](const char* root, const git_tree_entry* e, void* payload) -> int {
          const auto mode = git_tree_entry_filemode(e);
          if (mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE)
            static_cast<Walk*>(payload)->emit->Emit(
                git_tree_entry_id(e), std::string(root) + git_tree_entry_name(e), "git");
          return 0;
        },
        &w);
    commits_ = 1;
    return;
  }

  std::vector<git_oid> tips, hidden;
  if (options_.include.empty()) {
    git_reference_iterator* it = nullptr;
    if (git_reference_iterator_new(&it, repo) == 0) {
      git_reference* ref = nullptr;
      while (git_reference_next(&ref, it) == 0) {
        Reference owned(ref);
        git_object* peeled = nullptr;
        if (git_reference_peel(&peeled, owned.get(), GIT_OBJECT_COMMIT) == 0) {
          tips.push_back(*git_object_id(peeled));
          git_object_free(peeled);
        }
      }
      git_reference_iterator_free(it);
    }
    git_oid head;
    if (ResolveCommit(repo, "HEAD", &head)) tips.push_back(head);  // a detached HEAD
  } else {
    for (const auto& rev : options_.include) {
      git_oid oid;
      if (!ResolveCommit(repo, rev, &oid)) {
        sink.Error(label, "unknown revision '" + rev + "'");
        continue;
      }
      tips.push_back(oid);
    }
  }
  for (const auto& rev : options_.exclude) {
    git_oid oid;
    if (ResolveCommit(repo, rev, &oid)) hidden.push_back(oid);
  }
  if (tips.empty()) return;  // an empty repository, or nothing to push

  for (const git_oid& oid_ref : OrderCommits(repo, tips, hidden)) {
    if (sink.Cancelled()) break;
    const git_oid* oid = &oid_ref;
    git_commit* c = nullptr;
    if (git_commit_lookup(&c, repo, oid) != 0) {
      sink.Error(label, "cannot read commit " + OidHex(oid) + ": " + LastError());
      continue;
    }
    Commit commit(c);
    ++commits_;
    git_tree* t = nullptr;
    if (git_commit_tree(&t, commit.get()) != 0) {
      sink.Error(label, "cannot read the tree of " + OidHex(oid) + ": " + LastError());
      continue;
    }
    Tree tree(t);
    Tree parent_tree;
    if (git_commit_parentcount(commit.get()) > 0) {
      git_commit* p = nullptr;
      // A missing parent (a shallow clone's boundary) counts as a root: all its files are new.
      if (git_commit_parent(&p, commit.get(), 0) == 0) {
        Commit parent(p);
        git_tree* pt = nullptr;
        if (git_commit_tree(&pt, parent.get()) == 0) parent_tree.reset(pt);
      }
    }
    emit.SetCommit(commit.get());
    emit.EmitTreeChanges(parent_tree.get(), tree.get(), "", "git");
  }
}

GitIndexSource::GitIndexSource(std::shared_ptr<GitRepo> repo, uint64_t max_blob_bytes,
                               const PathMatcher* exclude)
    : repo_(std::move(repo)), max_blob_bytes_(max_blob_bytes), exclude_(exclude) {}

void GitIndexSource::Enumerate(BlobSink& sink) {
  git_repository* repo = repo_->get();
  git_index* raw = nullptr;
  if (git_repository_index(&raw, repo) != 0) {
    sink.Error(repo_->gitdir(), "cannot read the index: " + LastError());
    return;
  }
  Index index(raw);
  Tree head = HeadTree(repo);  // null before the first commit: everything staged is new
  const git_diff_options opts = DiffOptions();
  git_diff* d = nullptr;
  if (git_diff_tree_to_index(&d, repo, head.get(), index.get(), &opts) != 0) {
    sink.Error(repo_->gitdir(), "cannot diff the index: " + LastError());
    return;
  }
  Diff diff(d);
  PairEmitter emit(repo, std::make_shared<GitBlobLoader>(repo_->gitdir()), max_blob_bytes_, {},
                   exclude_, sink);
  emit.EmitDiff(diff.get(), "staged");
}

GitWorktreeSource::GitWorktreeSource(std::shared_ptr<GitRepo> repo, FsOptions options)
    : repo_(std::move(repo)), options_(options) {}

void GitWorktreeSource::Enumerate(BlobSink& sink) {
  if (repo_->bare()) return;
  git_status_options opts;
  git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
  opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
  opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
               GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
  git_status_list* list = nullptr;
  if (git_status_list_new(&list, repo_->get(), &opts) != 0) {
    sink.Error(repo_->workdir(), "cannot read the work tree status: " + LastError());
    return;
  }
  const std::string workdir = repo_->workdir();
  const size_t n = git_status_list_entrycount(list);
  for (size_t i = 0; i < n; ++i) {
    const git_status_entry* e = git_status_byindex(list, i);
    if (e->status == GIT_STATUS_CURRENT || (e->status & GIT_STATUS_IGNORED) ||
        (e->status & GIT_STATUS_WT_DELETED))
      continue;
    const git_diff_delta* d = e->index_to_workdir ? e->index_to_workdir : e->head_to_index;
    if (!d || !d->new_file.path) continue;
    const std::string rel = d->new_file.path;
    if (options_.exclude && options_.exclude->ExcludedFile(rel)) {
      sink.Skipped(SkipReason::kExcluded, rel);
      continue;
    }
    struct stat st;
    const std::string path = workdir + rel;
    if (::lstat(path.c_str(), &st) != 0) continue;  // staged, then deleted from disk
    if (!S_ISREG(st.st_mode)) {
      sink.Skipped(S_ISLNK(st.st_mode) ? SkipReason::kSymlink : SkipReason::kSpecialFile, rel);
      continue;
    }
    BlobInput in;
    in.origin.source = "worktree";
    in.origin.path = rel;
    in.file_path = path;
    sink.Push(std::move(in));
  }
  git_status_list_free(list);
}

bool PushUpdate::deletes() const { return local_sha.find_first_not_of('0') == std::string::npos; }
bool PushUpdate::new_remote_ref() const {
  return remote_sha.find_first_not_of('0') == std::string::npos;
}

std::vector<PushUpdate> ParsePrePushInput(const std::string& text) {
  std::vector<PushUpdate> out;
  std::istringstream in(text);
  std::string line;
  size_t n = 0;
  auto is_sha = [](const std::string& s) {
    return (s.size() == 40 || s.size() == 64) &&
           s.find_first_not_of("0123456789abcdef") == std::string::npos;
  };
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::istringstream fields(line);
    PushUpdate u;
    std::string extra;
    if (!(fields >> u.local_ref >> u.local_sha >> u.remote_ref >> u.remote_sha) ||
        (fields >> extra) || !is_sha(u.local_sha) || !is_sha(u.remote_sha))
      throw GitError("pre-push input line " + std::to_string(n) +
                     ": expected '<local ref> <local sha> <remote ref> <remote sha>'");
    out.push_back(std::move(u));
  }
  return out;
}

GitHistoryOptions PushedCommits(const GitRepo& repo, const std::string& remote,
                                const std::vector<PushUpdate>& updates) {
  GitHistoryOptions options;
  for (const auto& u : updates) {
    if (u.deletes()) continue;
    options.include.push_back(u.local_sha);
    git_oid oid;
    if (!u.new_remote_ref() && ResolveCommit(repo.get(), u.remote_sha, &oid))
      options.exclude.push_back(u.remote_sha);
  }
  // What the remote already has, as far as this repository knows.
  const std::string prefix = "refs/remotes/" + remote + "/";
  git_reference_iterator* it = nullptr;
  if (!remote.empty() && git_reference_iterator_glob_new(&it, repo.get(), (prefix + "*").c_str()) == 0) {
    git_reference* ref = nullptr;
    while (git_reference_next(&ref, it) == 0) {
      Reference owned(ref);
      git_object* peeled = nullptr;
      if (git_reference_peel(&peeled, owned.get(), GIT_OBJECT_COMMIT) == 0) {
        options.exclude.push_back(OidHex(git_object_id(peeled)));
        git_object_free(peeled);
      }
    }
    git_reference_iterator_free(it);
  }
  return options;
}

}  // namespace leakhound
