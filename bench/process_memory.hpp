#pragma once

// Resident memory of a process, from /proc/<pid>/status.

#include <cstdint>
#include <sys/types.h>

namespace timecoin::bench {

/// Resident set of one process, in bytes.
struct resident_memory {
  uint64_t rss = 0;  ///< VmRSS: every resident page
  uint64_t anon = 0; ///< RssAnon: heap, stacks and other private pages
};

/// `pid`'s resident memory (0 for this process); zeros if it cannot be read.
resident_memory read_resident_memory(pid_t pid = 0);

} // namespace timecoin::bench
