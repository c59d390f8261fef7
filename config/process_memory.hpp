#pragma once

// Memory of a process: resident pages (/proc/<pid>/status) and the bytes
// malloc holds for live allocations (mallinfo2). For the metrics, the
// benchmarks and the memory bounds the tests check.

#include <cstdint>
#include <sys/types.h>

namespace timecoin {

/// Resident set of one process, in bytes.
struct resident_memory {
  uint64_t rss = 0;  ///< VmRSS: every resident page
  uint64_t anon = 0; ///< RssAnon: heap, stacks and other private pages
};

/// `pid`'s resident memory (0 for this process); zeros if it cannot be read.
resident_memory read_resident_memory(pid_t pid = 0);

/// Bytes of this process's live malloc allocations, every arena (glibc's
/// mallinfo2: uordblks + hblkhd). RSS minus this is mostly freed memory
/// malloc keeps (fragmentation), stacks and mapped files.
uint64_t heap_in_use();

} // namespace timecoin
