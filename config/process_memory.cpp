#include "config/process_memory.hpp"

#include <fstream>
#include <sstream>
#include <string>

#include <malloc.h>

namespace timecoin {

resident_memory read_resident_memory(pid_t pid) {
  std::ifstream in{pid == 0 ? std::string{"/proc/self/status"}
                            : "/proc/" + std::to_string(pid) + "/status"};
  resident_memory out;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields{line};
    std::string key;
    uint64_t kib = 0;
    fields >> key >> kib; // "VmRSS:   123456 kB"
    if (key == "VmRSS:")
      out.rss = kib * 1024;
    else if (key == "RssAnon:")
      out.anon = kib * 1024;
  }
  return out;
}

uint64_t heap_in_use() {
  auto m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

} // namespace timecoin
