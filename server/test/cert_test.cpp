#include "cert.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

namespace messenger::server {
namespace {

namespace fs = std::filesystem;

class CertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("messenger-cert-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(CertTest, WritesCertificateAndPrivateKeyWithFingerprint) {
  auto files = generate_self_signed({dir_.string(), "chat.example", 30, false});
  ASSERT_TRUE(files.ok()) << files.error().message;
  EXPECT_TRUE(
      std::regex_match(files->sha256_fingerprint, std::regex("([0-9A-F]{2}:){31}[0-9A-F]{2}")))
      << files->sha256_fingerprint;

  struct stat key_stat {};
  ASSERT_EQ(::stat(files->key_path.c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600U);

  auto fingerprint = certificate_fingerprint(files->cert_path);
  ASSERT_TRUE(fingerprint.ok()) << fingerprint.error().message;
  EXPECT_EQ(*fingerprint, files->sha256_fingerprint);

  std::ifstream key(files->key_path);
  std::string first_line;
  std::getline(key, first_line);
  EXPECT_EQ(first_line, "-----BEGIN PRIVATE KEY-----");
}

TEST_F(CertTest, RefusesToOverwriteWithoutForce) {
  ASSERT_TRUE(generate_self_signed({dir_.string(), "localhost", 1, false}).ok());
  auto again = generate_self_signed({dir_.string(), "localhost", 1, false});
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("--force"), std::string::npos);
  auto forced = generate_self_signed({dir_.string(), "127.0.0.1", 1, true});
  ASSERT_TRUE(forced.ok()) << forced.error().message;
}

TEST_F(CertTest, FingerprintOfAFileWithoutCertificateIsAnError) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "empty.pem") << "nothing here\n";
  EXPECT_FALSE(certificate_fingerprint((dir_ / "empty.pem").string()).ok());
  EXPECT_FALSE(certificate_fingerprint((dir_ / "missing.pem").string()).ok());
}

}  // namespace
}  // namespace messenger::server
