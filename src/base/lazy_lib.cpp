// The resolver behind the lazily loaded libraries (cmake/LazyLibs.cmake): the first call of a
// library's function lands here, through a stub that keeps every argument register; the
// library is loaded once, the function looked up, and its table entry filled so that later calls
// go straight to it.
#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

extern "C" {

// Laid out by the generated sources: keep in step with cmake/LazyLibs.cmake.
struct LeakhoundLazyLib {
  const char* soname;
  void** table;
  const char* const* names;
  unsigned long count;
  void* handle;
};

__attribute__((visibility("hidden"))) void* lh_lazy_resolve(LeakhoundLazyLib* lib,
                                                             unsigned long index) {
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  if (!lib->handle) {
    lib->handle = ::dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
    if (!lib->handle) {
      const char* why = ::dlerror();
      std::fprintf(stderr, "leakhound: error: cannot load %s, which this command needs: %s\n",
                   lib->soname, why ? why : "unknown error");
      std::fflush(stderr);
      ::_exit(2);
    }
  }
  void* fn = index < lib->count ? ::dlsym(lib->handle, lib->names[index]) : nullptr;
  if (!fn) {
    std::fprintf(stderr, "leakhound: error: %s has no function %s (a different version?)\n",
                 lib->soname, index < lib->count ? lib->names[index] : "?");
    std::fflush(stderr);
    ::_exit(2);
  }
  __atomic_store_n(&lib->table[index], fn, __ATOMIC_RELEASE);
  return fn;
}

}  // extern "C"
