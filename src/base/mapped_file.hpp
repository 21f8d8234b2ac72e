// A read-only memory mapping of a whole regular file: the start-up caches (compiled rule
// database, parsed rules) are read through it, without zeroing and copying a buffer first.
#pragma once

#include <string>
#include <string_view>

namespace leakhound {

class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // False when the file cannot be opened, is not a regular file, or is empty.
  bool Open(const std::string& path);
  std::string_view data() const { return {static_cast<const char*>(addr_), size_}; }

 private:
  void* addr_ = nullptr;
  size_t size_ = 0;
};

}  // namespace leakhound
