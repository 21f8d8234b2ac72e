#include "base/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace leakhound {

MappedFile::~MappedFile() {
  if (addr_) ::munmap(addr_, size_);
}

bool MappedFile::Open(const std::string& path) {
  if (addr_) ::munmap(addr_, size_);
  addr_ = nullptr;
  size_ = 0;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    void* p = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (p != MAP_FAILED) {
      addr_ = p;
      size_ = static_cast<size_t>(st.st_size);
    }
  }
  ::close(fd);
  return addr_ != nullptr;
}

}  // namespace leakhound
