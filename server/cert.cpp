#include "cert.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <system_error>

namespace messenger::server {
namespace {

struct Deleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(std::FILE* p) const { std::fclose(p); }
};
template <typename T>
using Owned = std::unique_ptr<T, Deleter>;

core::Error failure(const std::string& what) {
  std::string message = what;
  if (const unsigned long code = ERR_get_error(); code != 0) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    message += ": ";
    message += buffer;
  }
  ERR_clear_error();
  return core::Error{core::Errc::internal, message};
}

std::string hex_fingerprint(const X509* cert) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(cert, EVP_sha256(), digest, &length) != 1) {
    return {};
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    if (i > 0) {
      out += ':';
    }
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0x0F];
  }
  return out;
}

core::Status add_extension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
  Owned<X509_EXTENSION> extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str()));
  if (!extension || X509_add_ext(cert, extension.get(), -1) != 1) {
    return failure("cannot add the certificate extension " + std::string(OBJ_nid2sn(nid)));
  }
  return core::Ok{};
}

bool is_ip(const std::string& text) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

core::Result<Owned<X509>> make_certificate(EVP_PKEY* key, const CertRequest& request) {
  Owned<X509> cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1) {
    return failure("cannot create a certificate");
  }
  Owned<BIGNUM> serial(BN_new());
  if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return failure("cannot make a serial number");
  }
  // Valid from an hour ago, so that a client whose clock is a little behind accepts it.
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), request.days, 0, nullptr) == nullptr) {
    return failure("cannot set the validity period");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  const auto* cn = reinterpret_cast<const unsigned char*>(request.common_name.c_str());
  const auto* org = reinterpret_cast<const unsigned char*>("The Messenger");
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, cn, -1, -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, org, -1, -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1 || X509_set_pubkey(cert.get(), key) != 1) {
    return failure("cannot set the certificate's name or key");
  }

  std::string san = (is_ip(request.common_name) ? "IP:" : "DNS:") + request.common_name;
  if (request.common_name != "localhost") {
    san += ",DNS:localhost";
  }
  if (request.common_name != "127.0.0.1") {
    san += ",IP:127.0.0.1";
  }
  if (request.common_name != "::1") {
    san += ",IP:::1";
  }
  MESSENGER_TRY(add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE"));
  MESSENGER_TRY(add_extension(cert.get(), NID_key_usage,
                              "critical,digitalSignature,keyEncipherment,keyCertSign"));
  MESSENGER_TRY(add_extension(cert.get(), NID_ext_key_usage, "serverAuth"));
  MESSENGER_TRY(add_extension(cert.get(), NID_subject_key_identifier, "hash"));
  MESSENGER_TRY(add_extension(cert.get(), NID_authority_key_identifier, "keyid:always"));
  MESSENGER_TRY(add_extension(cert.get(), NID_subject_alt_name, san));

  if (X509_sign(cert.get(), key, EVP_sha256()) == 0) {
    return failure("cannot sign the certificate");
  }
  return cert;
}

/// Opens for writing with `mode`, replacing the file; the mode is applied even when the file
/// existed before.
core::Result<Owned<std::FILE>> open_for_write(const std::string& path, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0 || ::fchmod(fd, mode) != 0) {
    const std::error_code ec(errno, std::generic_category());
    if (fd >= 0) {
      ::close(fd);
    }
    return core::Error{core::Errc::unavailable, "cannot write '" + path + "': " + ec.message()};
  }
  Owned<std::FILE> file(::fdopen(fd, "w"));
  if (!file) {
    ::close(fd);
    return core::Error{core::Errc::unavailable, "cannot write '" + path + "'"};
  }
  return file;
}

}  // namespace

core::Result<CertFiles> generate_self_signed(const CertRequest& request) {
  namespace fs = std::filesystem;
  if (request.common_name.empty()) {
    return core::Error{core::Errc::bad_request, "the common name must not be empty"};
  }
  if (request.days < 1) {
    return core::Error{core::Errc::bad_request, "the validity must be at least one day"};
  }
  std::error_code ec;
  fs::create_directories(request.out_dir, ec);
  if (ec) {
    return core::Error{core::Errc::unavailable,
                       "cannot create '" + request.out_dir + "': " + ec.message()};
  }
  CertFiles files;
  files.cert_path = (fs::path(request.out_dir) / "cert.pem").string();
  files.key_path = (fs::path(request.out_dir) / "key.pem").string();
  if (!request.force) {
    for (const auto& path : {files.cert_path, files.key_path}) {
      if (fs::exists(path, ec)) {
        return core::Error{core::Errc::conflict,
                           "'" + path + "' exists; use --force to replace it"};
      }
    }
  }

  Owned<EVP_PKEY> key(EVP_EC_gen("P-256"));
  if (!key) {
    return failure("cannot generate an EC P-256 key");
  }
  auto cert = make_certificate(key.get(), request);
  if (!cert.ok()) {
    return cert.error();
  }

  {
    auto key_file = open_for_write(files.key_path, 0600);
    if (!key_file.ok()) {
      return key_file.error();
    }
    if (PEM_write_PrivateKey(key_file->get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
        1) {
      return failure("cannot write '" + files.key_path + "'");
    }
  }
  {
    auto cert_file = open_for_write(files.cert_path, 0644);
    if (!cert_file.ok()) {
      return cert_file.error();
    }
    if (PEM_write_X509(cert_file->get(), cert->get()) != 1) {
      return failure("cannot write '" + files.cert_path + "'");
    }
  }
  files.sha256_fingerprint = hex_fingerprint(cert->get());
  return files;
}

core::Result<std::string> certificate_fingerprint(const std::string& pem_path) {
  Owned<std::FILE> file(std::fopen(pem_path.c_str(), "r"));
  if (!file) {
    return core::Error{core::Errc::unavailable, "cannot read '" + pem_path + "'"};
  }
  Owned<X509> cert(PEM_read_X509(file.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    return failure("'" + pem_path + "' holds no PEM certificate");
  }
  return hex_fingerprint(cert.get());
}

}  // namespace messenger::server
