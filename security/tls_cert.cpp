#include "security/tls_cert.hpp"

#include <openssl/err.h>
#include <sodium.h>

namespace timecoin::security::detail {

namespace {

/// Bytes of the random certificate serial number (positive: top bit clear).
constexpr std::size_t serial_bytes = 16;
constexpr long seconds_per_day = 86400;

} // namespace

std::string openssl_errors(const std::string& fallback) {
  std::string text;
  while (auto code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    if (!text.empty())
      text += "; ";
    text += buf;
  }
  return text.empty() ? fallback : fallback + ": " + text;
}

std::optional<hash256> ed25519_key_of(const X509* cert) {
  if (cert == nullptr)
    return std::nullopt;
  auto* pkey = X509_get0_pubkey(cert);
  if (pkey == nullptr || EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519)
    return std::nullopt;
  hash256 out{};
  std::size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(pkey, out.data(), &len) != 1
      || len != out.size())
    return std::nullopt;
  return out;
}

result<tls_identity, std::string> make_tls_identity(const node_key& key) {
  ERR_clear_error();
  tls_identity id;
  id.key.reset(EVP_PKEY_new_raw_private_key(
    EVP_PKEY_ED25519, nullptr, key.seed().data(), key.seed().size()));
  id.cert.reset(X509_new());
  if (!id.key || !id.cert)
    return openssl_errors("cannot create the TLS key");
  auto* x = id.cert.get();

  std::array<uint8_t, serial_bytes> serial{};
  init_sodium();
  randombytes_buf(serial.data(), serial.size());
  serial[0] &= 0x7f;
  serial[0] |= 0x01; // a non-zero leading byte keeps the DER length fixed
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(
    BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr),
    BN_free);

  auto cn = proto::to_hex(key.public_key());
  auto* name = X509_get_subject_name(x);
  bool ok = bn && X509_set_version(x, 2) == 1
            && BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(x)) != nullptr
            && X509_gmtime_adj(X509_getm_notBefore(x),
                               -cert_backdate_days * seconds_per_day)
                 != nullptr
            && X509_time_adj_ex(X509_getm_notAfter(x), cert_validity_days, 0,
                                nullptr)
                 != nullptr
            && X509_set_pubkey(x, id.key.get()) == 1
            && X509_NAME_add_entry_by_txt(
                 name, "CN", MBSTRING_ASC,
                 reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0)
                 == 1
            && X509_set_issuer_name(x, name) == 1 &&
            // Ed25519 signs the message itself: the digest must be null.
            X509_sign(x, id.key.get(), nullptr) > 0;
  if (!ok)
    return openssl_errors("cannot build the TLS certificate");
  if (ed25519_key_of(x) != key.public_key())
    return std::string{"TLS certificate key differs from the node id"};
  return id;
}

} // namespace timecoin::security::detail
