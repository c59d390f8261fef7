#pragma once

// This process's peak memory, for the report.

#include <cstdint>
#include <string_view>

namespace timecoin::sim {

/// The most resident memory this process has had, in bytes (VmHWM in
/// /proc/self/status); 0 if it cannot be read.
uint64_t peak_rss_bytes();

/// The value of `VmHWM:` in a /proc/<pid>/status text, in bytes; 0 if the
/// line is missing or malformed.
uint64_t parse_vm_hwm(std::string_view status);

} // namespace timecoin::sim
