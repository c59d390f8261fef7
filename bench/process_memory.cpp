#include "bench/process_memory.hpp"

#include <atomic>
#include <fstream>
#include <sstream>
#include <string>

#include <malloc.h>
#include <openssl/crypto.h>

namespace timecoin::bench {

namespace {

std::atomic<int64_t> openssl_bytes{0};

void* counted_malloc(size_t n, const char*, int) {
  auto* p = std::malloc(n);
  if (p)
    openssl_bytes.fetch_add(static_cast<int64_t>(malloc_usable_size(p)),
                            std::memory_order_relaxed);
  return p;
}

void* counted_realloc(void* old, size_t n, const char*, int) {
  auto before = old ? static_cast<int64_t>(malloc_usable_size(old)) : 0;
  auto* p = std::realloc(old, n);
  if (p || n == 0)
    openssl_bytes.fetch_add((p ? static_cast<int64_t>(malloc_usable_size(p))
                               : 0) - before,
                            std::memory_order_relaxed);
  return p;
}

void counted_free(void* p, const char*, int) {
  if (p)
    openssl_bytes.fetch_sub(static_cast<int64_t>(malloc_usable_size(p)),
                            std::memory_order_relaxed);
  std::free(p);
}

} // namespace

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

} // namespace timecoin::bench

namespace timecoin::bench {

uint64_t heap_in_use() {
  auto m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

bool count_openssl_memory() {
  return CRYPTO_set_mem_functions(counted_malloc, counted_realloc,
                                  counted_free)
         == 1;
}

uint64_t openssl_in_use() {
  auto n = openssl_bytes.load(std::memory_order_relaxed);
  return n > 0 ? static_cast<uint64_t>(n) : 0;
}

} // namespace timecoin::bench
