#include "base/interrupt.hpp"

#include <signal.h>
#include <unistd.h>

namespace leakhound {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};

void OnSignal(int sig) {
  if (g_stop.exchange(true)) _exit(128 + sig);  // the second one: stop now
  g_signal.store(sig);
  static const char kMessage[] =
      "\nleakhound: stopping (the report will be partial); press Ctrl-C again to quit now\n";
  const ssize_t ignored = write(STDERR_FILENO, kMessage, sizeof(kMessage) - 1);
  (void)ignored;
}

}  // namespace

const std::atomic<bool>& InstallInterruptHandlers() {
  static const bool installed = [] {
    struct sigaction sa = {};
    sa.sa_handler = OnSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    return true;
  }();
  (void)installed;
  return g_stop;
}

int InterruptSignal() { return g_signal.load(); }

}  // namespace leakhound
