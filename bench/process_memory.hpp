#pragma once

// Bytes live in OpenSSL's allocations (counted through
// CRYPTO_set_mem_functions), beside the process's memory.

#include <cstdint>

#include "config/process_memory.hpp"

namespace timecoin::bench {

// Resident memory and heap in use: config/process_memory.hpp.
using timecoin::heap_in_use;
using timecoin::read_resident_memory;
using timecoin::resident_memory;

/// Routes OpenSSL's allocations through counting wrappers of malloc. Must run
/// before OpenSSL allocates anything (first thing in `main`); false if it
/// was too late.
bool count_openssl_memory();

/// Bytes of OpenSSL's live allocations (usable sizes) since
/// `count_openssl_memory`.
uint64_t openssl_in_use();

} // namespace timecoin::bench
