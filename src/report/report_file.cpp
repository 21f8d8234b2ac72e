#include "leakhound/report.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "config/config.hpp"

namespace leakhound {

void WritePrivateFile(const std::string& path, const std::string& data) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw ConfigError(path + ": cannot write the report: " + std::strerror(errno));
  struct stat st;
  bool ok = ::fstat(fd, &st) == 0;
  if (ok && S_ISREG(st.st_mode) && (st.st_mode & 077)) ok = ::fchmod(fd, 0600) == 0;
  for (size_t off = 0; ok && off < data.size();) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) off += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) ok = false;
  if (!ok) throw ConfigError(path + ": write failed: " + std::strerror(errno));
}

}  // namespace leakhound
