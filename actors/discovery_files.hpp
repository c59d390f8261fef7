#pragma once

// The discovery actor's files in the data directory (plain code, no CAF):
// `peers.json`, the address book, and `anchors.json`, the outbound peers to
// dial first after a restart (docs/OPERATIONS.md, "Discovery and connection
// slots").

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/address_book.hpp"

namespace timecoin {

/// `peers.json` and `anchors.json` larger than this are not read.
constexpr std::size_t max_book_file_bytes = 16 * 1024 * 1024;

/// A book read from its file, and what to log about it.
struct loaded_book {
  address_book book;
  /// Empty, or why the file was not a book ("moved to ..." included).
  std::string warning;
};

/// Reads the book at `path`. A file that is not one (corrupt, truncated,
/// another version, unreadable) is moved to `<path>.corrupt` and an empty
/// book keyed with `new_key` (a fresh secret) is returned: never a reason not
/// to start. A missing file also gives an empty book with `new_key`.
loaded_book
load_book(const std::string& path, bool local, uint64_t seed,
          const std::array<uint8_t, address_book_key_bytes>& new_key,
          int64_t now);

/// Writes the book atomically; false and `err` on failure.
bool save_book(const std::string& path, const address_book& book,
               std::string& err);

/// Reads and removes the anchors at `path` ("host:port" each, at most
/// `max`): a restart dials them first, once.
std::vector<std::string> take_anchors(const std::string& path, std::size_t max);

/// Writes `anchors` ("host:port" each) atomically; false and `err` on
/// failure.
bool save_anchors(const std::string& path,
                  const std::vector<std::string>& anchors, std::string& err);

} // namespace timecoin
