#include "config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace messenger::server {
namespace {

namespace fs = std::filesystem;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("messenger-config-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write_toml(const std::string& text) {
    const auto path = (dir_ / "messenger.toml").string();
    std::ofstream(path) << text;
    return path;
  }

  CommandLine parse(std::vector<std::string> args, const char* env_password = nullptr) {
    out_.str("");
    err_.str("");
    return parse_command_line(args, out_, err_, env_password);
  }

  fs::path dir_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(ConfigTest, DefaultsWithoutArguments) {
  const auto cl = parse({});
  ASSERT_EQ(cl.action, CommandLine::Action::run_server) << err_.str();
  EXPECT_EQ(cl.settings.net.port, 7700);
  EXPECT_EQ(cl.settings.net.bind_address, "0.0.0.0");
  EXPECT_EQ(cl.settings.data_dir, "./data");
  EXPECT_EQ(cl.settings.admin_user, "admin");
  EXPECT_EQ(cl.settings.sqlite_synchronous, "full");
  EXPECT_FALSE(cl.settings.net.tls());
}

TEST_F(ConfigTest, FlagsOverrideTheFileWhichOverridesDefaults) {
  const auto path = write_toml(R"(
log_level = "debug"
[server]
port = 1234
bind = "127.0.0.1"
[limits]
max_frame_bytes = 100000
requests_per_second = 7
[security]
password_opslimit = 1
[storage]
sqlite_synchronous = "normal"
)");
  const auto cl = parse({"--config", path, "--port", "0", "--max-frame-bytes=200000"});
  ASSERT_EQ(cl.action, CommandLine::Action::run_server) << err_.str();
  EXPECT_EQ(cl.settings.net.port, 0);
  EXPECT_EQ(cl.settings.net.bind_address, "127.0.0.1");
  EXPECT_EQ(cl.settings.log_level, "debug");
  EXPECT_EQ(cl.settings.net.limits.max_frame_bytes, 200000U);
  EXPECT_EQ(cl.settings.service.limits.max_frame_bytes, 200000U);
  EXPECT_EQ(cl.settings.net.requests_per_second, 7);
  EXPECT_EQ(cl.settings.service.password_opslimit, 1U);
  EXPECT_EQ(cl.settings.sqlite_synchronous, "normal");
}

TEST_F(ConfigTest, FlagsMaySpellTheKeyWithUnderscores) {
  const auto cl = parse({"--session_ttl_seconds", "120", "--typing_interval_ms=0",
                         "--slow-close-grace-seconds", "2"});
  ASSERT_EQ(cl.action, CommandLine::Action::run_server) << err_.str();
  EXPECT_EQ(cl.settings.service.session_ttl, std::chrono::seconds(120));
  EXPECT_EQ(cl.settings.service.typing_interval, std::chrono::milliseconds(0));
  EXPECT_EQ(cl.settings.net.slow_close_grace, std::chrono::seconds(2));
}

TEST_F(ConfigTest, UnknownKeyInTheFileIsAnErrorNamingIt) {
  const auto cl = parse({"--config", write_toml("[limits]\nmax_frame_byte = 5\n")});
  EXPECT_EQ(cl.action, CommandLine::Action::exit);
  EXPECT_EQ(cl.exit_code, 2);
  EXPECT_NE(err_.str().find("unknown key 'limits.max_frame_byte'"), std::string::npos)
      << err_.str();
}

TEST_F(ConfigTest, KeyInTheWrongTableIsAnError) {
  const auto cl = parse({"--config", write_toml("[limits]\nport = 5\n")});
  EXPECT_EQ(cl.exit_code, 2);
  EXPECT_NE(err_.str().find("belongs in [server]"), std::string::npos) << err_.str();
}

TEST_F(ConfigTest, UnknownTableAndSyntaxErrorsAreErrors) {
  EXPECT_EQ(parse({"--config", write_toml("[network]\nport = 5\n")}).exit_code, 2);
  EXPECT_NE(err_.str().find("unknown table [network]"), std::string::npos) << err_.str();
  EXPECT_EQ(parse({"--config", write_toml("port = = 5\n")}).exit_code, 2);
  EXPECT_EQ(parse({"--config", (dir_ / "missing.toml").string()}).exit_code, 2);
}

TEST_F(ConfigTest, WrongTypesAndRangesAreErrors) {
  EXPECT_EQ(parse({"--config", write_toml("port = \"7700\"\n")}).exit_code, 2);
  EXPECT_NE(err_.str().find("port: expected an integer"), std::string::npos) << err_.str();
  EXPECT_EQ(parse({"--port", "70000"}).exit_code, 2);
  EXPECT_NE(err_.str().find("--port"), std::string::npos) << err_.str();
  EXPECT_EQ(parse({"--port", "12x"}).exit_code, 2);
  EXPECT_EQ(parse({"--io-threads", "0"}).exit_code, 2);
  EXPECT_EQ(parse({"--sqlite-synchronous", "off"}).exit_code, 2);
  EXPECT_EQ(parse({"--log-level", "loud"}).exit_code, 2);
  EXPECT_EQ(parse({"--bind", "localhost"}).exit_code, 2);
  EXPECT_EQ(parse({"--no-such-flag"}).exit_code, 2);
}

TEST_F(ConfigTest, KeySetTwiceInTheFileIsAnError) {
  EXPECT_EQ(parse({"--config", write_toml("port = 1\n[server]\nport = 2\n")}).exit_code, 2);
  EXPECT_NE(err_.str().find("set twice"), std::string::npos) << err_.str();
}

TEST_F(ConfigTest, TlsNeedsBothFiles) {
  EXPECT_EQ(parse({"--tls-cert", "cert.pem"}).exit_code, 2);
  const auto cl = parse({"--tls-cert", "cert.pem", "--tls-key", "key.pem"});
  ASSERT_EQ(cl.action, CommandLine::Action::run_server) << err_.str();
  EXPECT_TRUE(cl.settings.net.tls());
}

TEST_F(ConfigTest, CrossChecksOfLimits) {
  EXPECT_EQ(parse({"--max-text-bytes", "70000"}).exit_code, 2);
  EXPECT_NE(err_.str().find("max_text_bytes"), std::string::npos) << err_.str();
}

TEST_F(ConfigTest, AdminPasswordFromFlagOrEnvironment) {
  EXPECT_EQ(parse({}, "from-env").settings.admin_password, "from-env");
  EXPECT_EQ(parse({"--admin-password", "from-flag"}, "from-env").settings.admin_password,
            "from-flag");
  EXPECT_EQ(parse({}).settings.admin_password, "");
  // Never read from the file.
  EXPECT_EQ(parse({"--config", write_toml("admin_password = \"x\"\n")}).exit_code, 2);
}

TEST_F(ConfigTest, HelpListsEveryKeyAndExitsZero) {
  const auto cl = parse({"--help"});
  EXPECT_EQ(cl.action, CommandLine::Action::exit);
  EXPECT_EQ(cl.exit_code, 0);
  const std::string help = out_.str();
  for (const auto& info : setting_infos()) {
    std::string flag = "--" + info.key;
    std::replace(flag.begin(), flag.end(), '_', '-');
    EXPECT_NE(help.find(flag), std::string::npos) << flag;
  }
  EXPECT_NE(help.find("--config"), std::string::npos);
  EXPECT_NE(help.find("--admin-password"), std::string::npos);
  EXPECT_NE(help.find("gen-cert"), std::string::npos);
}

TEST_F(ConfigTest, EveryKeyIsInTheAdminGuide) {
  std::ifstream guide(std::string(MESSENGER_SOURCE_DIR) + "/docs/admin-guide.md");
  ASSERT_TRUE(guide) << "docs/admin-guide.md";
  std::stringstream text;
  text << guide.rdbuf();
  for (const auto& info : setting_infos()) {
    EXPECT_NE(text.str().find("`" + info.key + "`"), std::string::npos) << info.key;
  }
}

TEST_F(ConfigTest, GenCertSubcommand) {
  const auto cl = parse({"gen-cert", "--out-dir", "certs", "--cn", "chat.example", "--days", "30"});
  ASSERT_EQ(cl.action, CommandLine::Action::gen_cert) << err_.str();
  EXPECT_EQ(cl.gen_cert.out_dir, "certs");
  EXPECT_EQ(cl.gen_cert.common_name, "chat.example");
  EXPECT_EQ(cl.gen_cert.days, 30);
  EXPECT_EQ(parse({"gen-cert"}).exit_code, 2);  // --out-dir is required
}

}  // namespace
}  // namespace messenger::server
