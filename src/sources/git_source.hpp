// Git sources, on libgit2: history (every blob reachable from the chosen commits, each
// (blob, path) once, named by the first commit that introduced it), the staged index, and the
// commits a push sends.
//
// A GitRepo is opened once per command on the calling thread; blobs are read on the scanning
// threads through a pool of repository handles (libgit2 handles are not shared across threads).
#pragma once

#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "leakhound/source.hpp"

struct git_repository;

namespace leakhound {

// Thrown when a repository cannot be opened or a revision cannot be resolved.
class GitError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An open repository. Not copyable.
class GitRepo {
 public:
  // Finds the repository containing `path` (a work tree, a path inside one, or a bare
  // repository). Throws GitError.
  explicit GitRepo(const std::string& path);
  ~GitRepo();
  GitRepo(const GitRepo&) = delete;
  GitRepo& operator=(const GitRepo&) = delete;

  git_repository* get() const { return repo_; }
  bool bare() const;
  std::string workdir() const;  // empty when bare
  std::string gitdir() const;
  // The hooks directory, honouring core.hooksPath.
  std::string HooksDir() const;
  // core.hooksPath as configured (empty when unset), before any expansion.
  std::string HooksPathSetting() const;
  // Whether `rev` (a ref, a sha, HEAD~3...) names a commit here.
  bool ResolvesToCommit(const std::string& rev) const;
  // Whether git ignores `path` (absolute, or relative to the current directory; a trailing '/'
  // names a directory) in this work tree; false outside it, and in a bare repository.
  bool IsIgnored(const std::string& path) const;

 private:
  git_repository* repo_ = nullptr;
};

struct GitHistoryOptions {
  // Revisions to walk from; empty: every ref (branches, tags, remotes, stash) and HEAD.
  std::vector<std::string> include;
  // Revisions whose history is excluded (the A of A..B, --since-commit, a remote's refs).
  std::vector<std::string> exclude;
  // Only HEAD's tree, no history.
  bool head_only = false;
  uint64_t max_blob_bytes = 100ull << 20;
  const PathMatcher* exclude_paths = nullptr;  // optional; those paths are skipped and counted
};

// Every blob reachable from the chosen commits. Each (blob, path) pair becomes one BlobInput,
// with the commit that first introduced it (walking oldest first) as its origin: commit,
// author, date, summary, and whether that blob is still in HEAD. Each unique blob is loaded and
// scanned once (its git id is its BlobId).
class GitHistorySource : public Source {
 public:
  GitHistorySource(std::shared_ptr<GitRepo> repo, GitHistoryOptions options);
  void Enumerate(BlobSink& sink) override;
  uint64_t commits_walked() const { return commits_; }

 private:
  std::shared_ptr<GitRepo> repo_;
  GitHistoryOptions options_;
  uint64_t commits_ = 0;
};

// The staged content: blobs in the index that differ from HEAD's tree (what a commit would
// record). Origins have source "staged".
class GitIndexSource : public Source {
 public:
  GitIndexSource(std::shared_ptr<GitRepo> repo, uint64_t max_blob_bytes,
                 const PathMatcher* exclude = nullptr);
  void Enumerate(BlobSink& sink) override;

 private:
  std::shared_ptr<GitRepo> repo_;
  uint64_t max_blob_bytes_;
  const PathMatcher* exclude_;
};

// Uncommitted changes in the work tree: files that are new or differ from HEAD or the index,
// read from disk. Origins have source "worktree".
class GitWorktreeSource : public Source {
 public:
  GitWorktreeSource(std::shared_ptr<GitRepo> repo, FsOptions options);
  void Enumerate(BlobSink& sink) override;

 private:
  std::shared_ptr<GitRepo> repo_;
  FsOptions options_;
};

// One line of git's pre-push input: "<local ref> <local sha> <remote ref> <remote sha>".
struct PushUpdate {
  std::string local_ref, local_sha, remote_ref, remote_sha;
  bool deletes() const;          // local sha is all zeros
  bool new_remote_ref() const;   // remote sha is all zeros
};
// Parses git's pre-push stdin; throws GitError naming the bad line.
std::vector<PushUpdate> ParsePrePushInput(const std::string& text);

// The history options that select exactly the commits a push sends: each update's local sha,
// minus what the remote has (its sha when we know it, and every remote-tracking ref of
// `remote`). Deletions send nothing.
GitHistoryOptions PushedCommits(const GitRepo& repo, const std::string& remote,
                                const std::vector<PushUpdate>& updates);

}  // namespace leakhound
