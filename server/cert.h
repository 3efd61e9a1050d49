#pragma once

#include <string>

#include "messenger/core/result.h"

namespace messenger::server {

struct CertRequest {
  std::string out_dir;
  std::string common_name = "localhost";
  int days = 825;
  bool force = false;  // overwrite existing files
};

struct CertFiles {
  std::string cert_path;
  std::string key_path;
  std::string sha256_fingerprint;  // "AA:BB:..."
};

/// Writes a self-signed certificate (EC P-256, SHA-256; subject alternative names: the common
/// name, localhost, 127.0.0.1 and ::1) to out_dir/cert.pem and its key to out_dir/key.pem
/// (mode 0600). Creates out_dir when missing.
core::Result<CertFiles> generate_self_signed(const CertRequest& request);

/// The SHA-256 fingerprint ("AA:BB:...") of the first certificate in a PEM file, as the client
/// shows it when it pins the certificate.
core::Result<std::string> certificate_fingerprint(const std::string& pem_path);

}  // namespace messenger::server
