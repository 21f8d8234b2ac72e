// Ctrl-C and SIGTERM during a scan: the first one asks the scan to stop (ScanOptions::cancel)
// so that a partial report, marked interrupted, is still written; a second one exits at once.
#pragma once

#include <atomic>

namespace leakhound {

// Installs the SIGINT and SIGTERM handlers (idempotent) and returns the flag they set.
const std::atomic<bool>& InstallInterruptHandlers();
// The signal that stopped the scan, or 0.
int InterruptSignal();

}  // namespace leakhound
