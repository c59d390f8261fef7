#include "bench/process_memory.hpp"

#include <atomic>

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
    openssl_bytes.fetch_add(
      (p ? static_cast<int64_t>(malloc_usable_size(p)) : 0) - before,
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

bool count_openssl_memory() {
  return CRYPTO_set_mem_functions(counted_malloc, counted_realloc, counted_free)
         == 1;
}

uint64_t openssl_in_use() {
  auto n = openssl_bytes.load(std::memory_order_relaxed);
  return n > 0 ? static_cast<uint64_t>(n) : 0;
}

} // namespace timecoin::bench
