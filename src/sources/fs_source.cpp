#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "leakhound/source.hpp"
#include "config/glob.hpp"
#include "scan/blob_scanner.hpp"

namespace leakhound {
namespace {
constexpr int kMaxDepth = 1024;

std::string Join(const std::string& a, const std::string& b) {
  if (a.empty() || a == ".") return b;  // "./x" reads better as "x"
  if (a.back() == '/') return a + b;
  return a + "/" + b;
}
// Reads the stream `fd` (a FIFO, a character device, standard input) as one blob named `path`.
void PushStream(int fd, const std::string& path, uint64_t max_bytes, BlobSink& sink) {
  auto bytes = std::make_shared<std::string>();
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      sink.Error(path, std::string("cannot read: ") + std::strerror(errno));
      return;
    }
    if (n == 0) break;
    if (bytes->size() + static_cast<size_t>(n) > max_bytes) {
      sink.Skipped(SkipReason::kTooLarge, path);
      return;
    }
    bytes->append(buf, static_cast<size_t>(n));
    if (sink.Cancelled()) return;
  }
  BlobInput in;
  in.origin.path = path;
  in.bytes = std::move(bytes);
  sink.Push(std::move(in));
}
// Follow-up references of the files under one root.
class FsReferenceResolver : public ReferenceResolver {
 public:
  FsReferenceResolver(const std::string& root, uint64_t max_file_size)
      : max_file_size_(max_file_size) {
    char real[PATH_MAX];
    if (::realpath(root.c_str(), real)) real_root_ = real;  // else: nothing is inside
  }

  ResolvedRef Resolve(const Origin& from, const FollowUpRef& ref,
                      uint64_t max_bytes) const override {
    ResolvedRef out;
    if (from.source != "file" || ref.path.empty() || ref.path[0] == '/' || real_root_.empty())
      return out;  // kNotFollowed
    const size_t slash = from.path.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : from.path.substr(0, slash);
    const std::string path = dir + "/" + ref.path;
    char real[PATH_MAX];
    if (!::realpath(path.c_str(), real)) {
      out.status = ResolveStatus::kNotFound;
      return out;
    }
    const std::string r = real;
    if (r != real_root_ &&
        r.rfind(real_root_ == "/" ? real_root_ : real_root_ + "/", 0) != 0) {
      out.status = ResolveStatus::kOutsideRoot;
      return out;
    }
    struct stat st;
    if (::stat(real, &st) != 0) {
      out.status = ResolveStatus::kNotFound;
      return out;
    }
    if (!S_ISREG(st.st_mode)) {
      out.status = ResolveStatus::kNotRegular;
      return out;
    }
    if (static_cast<uint64_t>(st.st_size) > std::min(max_file_size_, max_bytes)) {
      out.status = ResolveStatus::kTooLarge;
      return out;
    }
    const int fd = ::open(real, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
      out.status = ResolveStatus::kNotFound;  // gone or replaced since: as if never there
      return out;
    }
    const bool ok = ReadAll(fd, static_cast<uint64_t>(st.st_size), &out.data, &out.error);
    ::close(fd);
    out.origin.source = "file";
    out.origin.path = path;
    out.status = ok ? ResolveStatus::kRead : ResolveStatus::kError;
    if (!ok) out.data.clear();
    return out;
  }

 private:
  std::string real_root_;
  uint64_t max_file_size_;
};
}  // namespace

StdinSource::StdinSource(std::string name, uint64_t max_bytes)
    : name_(std::move(name)), max_bytes_(max_bytes) {}

void StdinSource::Enumerate(BlobSink& sink) { PushStream(0, name_, max_bytes_, sink); }

FsSource::FsSource(std::string root, FsOptions options)
    : root_(std::move(root)), options_(options) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
  resolver_ = std::make_shared<FsReferenceResolver>(root_, options_.max_file_size);
}

void FsSource::Enumerate(BlobSink& sink) {
  struct stat st;
  if (::stat(root_.c_str(), &st) != 0) {
    sink.Error(root_, std::strerror(errno));
    return;
  }
  if (S_ISDIR(st.st_mode)) {
    active_dirs_.clear();
    active_dirs_.emplace_back(st.st_dev, st.st_ino);
    Walk(root_, "", sink, 0);
    return;
  }
  if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
    // Named on the command line (`scan /dev/stdin`, `scan <(cmd)`): read, not skipped.
    const int fd = ::open(root_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      sink.Error(root_, std::string("cannot open: ") + std::strerror(errno));
      return;
    }
    PushStream(fd, root_, options_.max_file_size, sink);
    ::close(fd);
    return;
  }
  if (!S_ISREG(st.st_mode)) {
    sink.Skipped(SkipReason::kSpecialFile, root_);
    return;
  }
  BlobInput in;
  in.origin.path = root_;
  in.file_path = root_;
  in.resolver = resolver_;
  sink.Push(std::move(in));
}

void FsSource::Walk(const std::string& dir, const std::string& rel, BlobSink& sink, int depth) {
  if (depth > kMaxDepth) {
    sink.Error(dir, "directory nesting deeper than " + std::to_string(kMaxDepth) +
                        " levels; not descending further");
    return;
  }
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    sink.Error(dir, std::string("cannot open directory: ") + std::strerror(errno));
    return;
  }
  // Read all names first and sort them, so the walk (and so the report order of equal
  // findings) does not depend on the filesystem.
  std::vector<std::pair<std::string, unsigned char>> entries;
  errno = 0;
  while (dirent* e = ::readdir(d)) {
    const char* n = e->d_name;
    if (n[0] == '.' && (n[1] == 0 || (n[1] == '.' && n[2] == 0))) continue;
    entries.emplace_back(n, e->d_type);
  }
  if (errno != 0) sink.Error(dir, std::string("cannot list directory: ") + std::strerror(errno));
  const int dfd = ::dirfd(d);
  std::sort(entries.begin(), entries.end());
  for (auto& [name, type] : entries) {
    if (sink.Cancelled()) break;
    const std::string path = Join(dir, name);
    const std::string rel_path = rel.empty() ? name : rel + "/" + name;
    if (type == DT_UNKNOWN) {
      struct stat st;
      if (::fstatat(dfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        sink.Error(path, std::strerror(errno));
        continue;
      }
      type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG
             : S_ISLNK(st.st_mode) ? DT_LNK : DT_FIFO;
    }
    bool is_dir = type == DT_DIR;
    if (type == DT_LNK) {
      if (!options_.follow_symlinks) {
        sink.Skipped(SkipReason::kSymlink, path);
        continue;
      }
      struct stat st;
      if (::stat(path.c_str(), &st) != 0) {
        sink.Error(path, std::string("broken symlink: ") + std::strerror(errno));
        continue;
      }
      if (S_ISDIR(st.st_mode)) {
        const std::pair<uint64_t, uint64_t> key(st.st_dev, st.st_ino);
        if (std::find(active_dirs_.begin(), active_dirs_.end(), key) != active_dirs_.end()) {
          sink.Error(path, "symlink loop; not followed");
          continue;
        }
        is_dir = true;
      } else if (S_ISREG(st.st_mode)) {
        type = DT_REG;
      } else {
        sink.Skipped(SkipReason::kSpecialFile, path);
        continue;
      }
    }
    if (is_dir) {
      if (name == ".git") continue;
      if ((options_.exclude &&
           options_.exclude->Excluded(options_.exclude_prefix + rel_path, true)) ||
          (options_.ignored && options_.ignored(path, true))) {
        sink.Skipped(SkipReason::kExcluded, path);
        continue;
      }
      struct stat st;
      const bool have = ::stat(path.c_str(), &st) == 0;
      if (have && std::find(options_.skip_dirs.begin(), options_.skip_dirs.end(),
                            std::make_pair(static_cast<uint64_t>(st.st_dev),
                                           static_cast<uint64_t>(st.st_ino))) !=
                      options_.skip_dirs.end()) {
        sink.Skipped(SkipReason::kExcluded, path);
        continue;
      }
      if (have) active_dirs_.emplace_back(st.st_dev, st.st_ino);
      else active_dirs_.emplace_back(0, 0);
      Walk(path, rel_path, sink, depth + 1);
      active_dirs_.pop_back();
      continue;
    }
    if (type != DT_REG) {
      sink.Skipped(SkipReason::kSpecialFile, path);
      continue;
    }
    if ((options_.exclude &&
         options_.exclude->Excluded(options_.exclude_prefix + rel_path, false)) ||
        (options_.ignored && options_.ignored(path, false))) {
      sink.Skipped(SkipReason::kExcluded, path);
      continue;
    }
    BlobInput in;
    in.origin.path = path;
    in.file_path = path;
    in.resolver = resolver_;
    sink.Push(std::move(in));
  }
  ::closedir(d);
}

}  // namespace leakhound
