#include "sim/process.hpp"

#include <fstream>
#include <sstream>
#include <string>

namespace timecoin::sim {

namespace {

/// The kernel writes these sizes in KiB ("VmHWM:   123456 kB").
constexpr uint64_t bytes_per_kib = 1024;
/// A larger value is not a memory size (2^54 KiB is 16 EiB).
constexpr uint64_t max_kib = uint64_t{1} << 54;

} // namespace

uint64_t parse_vm_hwm(std::string_view status) {
  constexpr std::string_view key = "VmHWM:";
  std::size_t pos = 0;
  while (pos < status.size()) {
    auto end = status.find('\n', pos);
    auto line = status.substr(
      pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? status.size() : end + 1;
    if (line.substr(0, key.size()) != key)
      continue;
    line.remove_prefix(key.size());
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t'))
      line.remove_prefix(1);
    uint64_t kib = 0;
    std::size_t digits = 0;
    while (digits < line.size() && line[digits] >= '0' && line[digits] <= '9'
           && kib <= max_kib) {
      kib = kib * 10 + static_cast<uint64_t>(line[digits] - '0');
      ++digits;
    }
    if (digits == 0 || kib > max_kib || line.substr(digits) != " kB")
      return 0;
    return kib * bytes_per_kib;
  }
  return 0;
}

uint64_t peak_rss_bytes() {
  std::ifstream in("/proc/self/status");
  std::stringstream text;
  text << in.rdbuf();
  return parse_vm_hwm(text.str());
}

} // namespace timecoin::sim
