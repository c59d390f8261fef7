#include "sim/process.hpp"

#include <doctest/doctest.h>

#include <vector>

using namespace timecoin::sim;

TEST_CASE("parse_vm_hwm reads the kernel's line") {
  CHECK(parse_vm_hwm("Name:\tx\nVmPeak:\t  999 kB\nVmHWM:\t    1024 kB\n"
                     "VmRSS:\t  512 kB\n")
        == 1024u * 1024u);
  CHECK(parse_vm_hwm("VmHWM: 1 kB") == 1024u); // no final newline
  CHECK(parse_vm_hwm("") == 0);
  CHECK(parse_vm_hwm("VmRSS:\t512 kB\n") == 0);
  CHECK(parse_vm_hwm("VmHWM:\t kB\n") == 0);
  CHECK(parse_vm_hwm("VmHWM:\t12 MB\n") == 0);
  CHECK(parse_vm_hwm("VmHWM:\t-12 kB\n") == 0);
  CHECK(parse_vm_hwm("VmHWM:\t99999999999999999999999 kB\n") == 0);
}

TEST_CASE("peak_rss_bytes grows with what the process touched") {
  auto before = peak_rss_bytes();
  CHECK(before > 0);
  std::vector<char> touched(64 * 1024 * 1024, 1);
  auto after = peak_rss_bytes();
  CHECK(after >= before);
  CHECK(after >= touched.size());
}
