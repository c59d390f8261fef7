#pragma once

// Internal to the security library (and its tests): OpenSSL ownership types
// and the self-signed certificate of a node key. Public headers do not
// include this file.

#include <memory>
#include <optional>
#include <string>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "protocol/result.hpp"
#include "security/node_key.hpp"

namespace timecoin::security::detail {

struct pkey_free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct x509_free {
  void operator()(X509* p) const { X509_free(p); }
};
struct ssl_ctx_free {
  void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
};

using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using x509_ptr = std::unique_ptr<X509, x509_free>;
using ssl_ctx_ptr = std::unique_ptr<SSL_CTX, ssl_ctx_free>;

/// A node key as OpenSSL sees it, with its self-signed certificate.
struct tls_identity {
  pkey_ptr key;
  x509_ptr cert;
};

/// Days a certificate is valid before its creation: tolerates peers whose
/// clocks run behind (nobody checks it, but tools that show it should not
/// call a fresh certificate "not yet valid").
constexpr long cert_backdate_days = 1;
/// Days a certificate stays valid. It is rebuilt at every start; ten years
/// keeps it far from expiry for any process lifetime.
constexpr int cert_validity_days = 3650;

/// Builds the Ed25519 key from the node key's seed (so that the
/// certificate's key is the node id) and a self-signed X.509 v3 certificate
/// with CN = node id in hex.
result<tls_identity, std::string> make_tls_identity(const node_key& key);

/// The raw 32-byte key of an Ed25519 certificate; none for other key types.
std::optional<hash256> ed25519_key_of(const X509* cert);

/// All queued OpenSSL errors of this thread as text (the queue is cleared),
/// or `fallback` if there are none.
std::string openssl_errors(const std::string& fallback);

} // namespace timecoin::security::detail
