#pragma once

// The node's Ed25519 identity (docs/PROTOCOL.md, "Identity and transport").

#include <string>

#include "protocol/result.hpp"
#include "protocol/types.hpp"

namespace timecoin::security {

using proto::bytes;
using proto::hash256;
using proto::sig64;

/// Initialises libsodium once per process; thread-safe and cheap to call
/// again. Everything in this file calls it; code that uses libsodium directly
/// before touching a node key should too. Aborts if libsodium cannot start.
void init_sodium();

/// Why a node key could not be loaded or created.
struct key_error {
  std::string message; ///< names the file and what is wrong with it
};

/// An Ed25519 key pair. The 32-byte public key is the node id.
class node_key {
public:
  /// Derives the key pair from a 32-byte seed (deterministic).
  static node_key from_seed(const hash256& seed);
  /// A fresh random key pair.
  static node_key generate();
  /// Loads `path`, or creates it (mode 0600) if it does not exist. A file that
  /// exists but cannot be read, or is malformed, is an error: never a silent
  /// new identity.
  static result<node_key, key_error> load_or_create(const std::string& path);
  /// As above; if the file was readable by group or others, its mode is
  /// tightened to 0600 and `*warning` (if not null) says so, for the log.
  static result<node_key, key_error> load_or_create(const std::string& path,
                                                    std::string* warning);

  node_key() = default;
  node_key(const node_key&) = default;
  node_key& operator=(const node_key&) = default;
  /// Wipes the secret key from memory.
  ~node_key();

  /// The 32-byte Ed25519 public key: the node id.
  const hash256& public_key() const { return pk_; }
  /// The 32-byte secret seed the key pair is derived from.
  const hash256& seed() const { return seed_; }

  /// Ed25519 signature over `msg`.
  sig64 sign(const uint8_t* msg, std::size_t size) const;
  sig64 sign(const bytes& msg) const { return sign(msg.data(), msg.size()); }

private:
  hash256 seed_{};
  hash256 pk_{};
  std::array<uint8_t, 64> sk_{};
};

/// True if `sig` is `pk`'s Ed25519 signature over `msg`.
bool verify(const hash256& pk, const uint8_t* msg, std::size_t size,
            const uint8_t* sig64_bytes);
inline bool verify(const hash256& pk, const bytes& msg, const sig64& sig) {
  return verify(pk, msg.data(), msg.size(), sig.data());
}

} // namespace timecoin::security
