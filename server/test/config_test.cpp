#include "config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
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
  EXPECT_EQ(parse({"--sqlite-cache-mib", "0"}).exit_code, 2);
  EXPECT_NE(err_.str().find("--sqlite-cache-mib"), std::string::npos) << err_.str();
  EXPECT_EQ(parse({"--sqlite-checkpoint-pages", "15"}).exit_code, 2);
  EXPECT_NE(err_.str().find("--sqlite-checkpoint-pages"), std::string::npos) << err_.str();
  EXPECT_EQ(parse({"--sqlite-checkpoint-pages", "65537"}).exit_code, 2);
  EXPECT_EQ(parse({"--commit-window-us", "10001"}).exit_code, 2);
  EXPECT_NE(err_.str().find("--commit-window-us"), std::string::npos) << err_.str();
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
  EXPECT_NE(help.find("migrate"), std::string::npos);
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

TEST_F(ConfigTest, StoreIsSqliteByDefaultAndMongoKeysHaveTheirDefaults) {
  const auto cl = parse({});
  ASSERT_EQ(cl.action, CommandLine::Action::run_server) << err_.str();
  EXPECT_EQ(cl.settings.store, "sqlite");
  EXPECT_FALSE(cl.settings.uses_mongo());
  EXPECT_EQ(cl.settings.mongo.uri, "");
  EXPECT_EQ(cl.settings.mongo.pool_size, 8);
  EXPECT_EQ(cl.settings.mongo.server_selection_timeout_ms, 5000);
  EXPECT_EQ(cl.settings.mongo.connect_timeout_ms, 5000);
  EXPECT_EQ(cl.settings.mongo.socket_timeout_ms, 10000);
  EXPECT_EQ(cl.settings.mongo.write_concern, "majority");
  EXPECT_TRUE(cl.settings.mongo.journal);
}

TEST_F(ConfigTest, MongoStoreFromTheFile) {
  const auto path = write_toml(R"(
[storage]
store = "mongodb://messenger:secret@db1:27017,db2:27017/messenger?replicaSet=rs0"
mongo_pool_size = 16
mongo_server_selection_timeout_ms = 2000
mongo_connect_timeout_ms = 1500
mongo_socket_timeout_ms = 30000
mongo_write_concern = "1"
mongo_journal = false
)");
  const auto cl = parse({"--config", path});
  ASSERT_EQ(cl.action, CommandLine::Action::run_server) << err_.str();
  EXPECT_TRUE(cl.settings.uses_mongo());
  EXPECT_EQ(cl.settings.mongo.uri,
            "mongodb://messenger:secret@db1:27017,db2:27017/messenger?replicaSet=rs0");
  EXPECT_EQ(cl.settings.mongo.pool_size, 16);
  EXPECT_EQ(cl.settings.mongo.server_selection_timeout_ms, 2000);
  EXPECT_EQ(cl.settings.mongo.connect_timeout_ms, 1500);
  EXPECT_EQ(cl.settings.mongo.socket_timeout_ms, 30000);
  EXPECT_EQ(cl.settings.mongo.write_concern, "1");
  EXPECT_FALSE(cl.settings.mongo.journal);
}

TEST_F(ConfigTest, MongoFlagsOverrideTheFile) {
  const auto path = write_toml(R"(
store = "mongodb://db1:27017/old"
mongo_journal = false
mongo_pool_size = 16
)");
  const auto cl = parse({"--config", path, "--store", "mongodb+srv://cluster.example.com/messenger",
                         "--mongo-journal", "true", "--mongo_pool_size=2", "--mongo-write-concern",
                         "3", "--mongo-socket-timeout-ms", "3600000"});
  ASSERT_EQ(cl.action, CommandLine::Action::run_server) << err_.str();
  EXPECT_EQ(cl.settings.mongo.uri, "mongodb+srv://cluster.example.com/messenger");
  EXPECT_TRUE(cl.settings.mongo.journal);
  EXPECT_EQ(cl.settings.mongo.pool_size, 2);
  EXPECT_EQ(cl.settings.mongo.write_concern, "3");
  EXPECT_EQ(cl.settings.mongo.socket_timeout_ms, 3600000);
}

TEST_F(ConfigTest, SqliteStoreMayBeNamedExplicitly) {
  const auto cl = parse({"--config", write_toml("[storage]\nstore = \"sqlite\"\n")});
  ASSERT_EQ(cl.action, CommandLine::Action::run_server) << err_.str();
  EXPECT_FALSE(cl.settings.uses_mongo());
  EXPECT_EQ(cl.settings.mongo.uri, "");
}

TEST_F(ConfigTest, MongoKeysOutOfRangeAreErrorsNamingTheKey) {
  EXPECT_EQ(parse({"--mongo-pool-size", "1"}).action, CommandLine::Action::run_server);
  EXPECT_EQ(parse({"--mongo-pool-size", "1000"}).action, CommandLine::Action::run_server);
  EXPECT_EQ(parse({"--mongo-pool-size", "0"}).exit_code, 2);
  EXPECT_NE(err_.str().find("--mongo-pool-size: expected an integer from 1 to 1000"),
            std::string::npos)
      << err_.str();
  EXPECT_EQ(parse({"--mongo-pool-size", "1001"}).exit_code, 2);
  EXPECT_EQ(parse({"--mongo-server-selection-timeout-ms", "99"}).exit_code, 2);
  EXPECT_EQ(parse({"--mongo-server-selection-timeout-ms", "600001"}).exit_code, 2);
  EXPECT_EQ(parse({"--mongo-server-selection-timeout-ms", "100"}).exit_code, 0);
  EXPECT_EQ(parse({"--mongo-connect-timeout-ms", "99"}).exit_code, 2);
  EXPECT_EQ(parse({"--mongo-connect-timeout-ms", "600001"}).exit_code, 2);
  EXPECT_EQ(parse({"--mongo-socket-timeout-ms", "99"}).exit_code, 2);
  EXPECT_EQ(parse({"--mongo-socket-timeout-ms", "3600001"}).exit_code, 2);
  EXPECT_EQ(parse({"--config", write_toml("[storage]\nmongo_pool_size = 0\n")}).exit_code, 2);
  EXPECT_NE(err_.str().find("mongo_pool_size: expected an integer from 1 to 1000, got 0"),
            std::string::npos)
      << err_.str();
}

TEST_F(ConfigTest, MongoJournalIsABoolean) {
  EXPECT_FALSE(parse({"--mongo-journal", "false"}).settings.mongo.journal);
  EXPECT_EQ(parse({"--mongo-journal", "yes"}).exit_code, 2);
  EXPECT_NE(err_.str().find("--mongo-journal: expected true or false, got 'yes'"),
            std::string::npos)
      << err_.str();
  EXPECT_EQ(parse({"--config", write_toml("mongo_journal = \"false\"\n")}).exit_code, 2);
  EXPECT_NE(err_.str().find("mongo_journal: expected true or false"), std::string::npos)
      << err_.str();
  EXPECT_EQ(parse({"--config", write_toml("mongo_journal = 0\n")}).exit_code, 2);
  const auto infos = setting_infos();
  const auto journal = std::find_if(infos.begin(), infos.end(),
                                    [](const SettingInfo& i) { return i.key == "mongo_journal"; });
  ASSERT_NE(journal, infos.end());
  EXPECT_EQ(journal->type, "boolean");
  EXPECT_EQ(journal->default_value, "true");
  EXPECT_EQ(journal->table, "storage");
}

TEST_F(ConfigTest, WriteConcernIsMajorityOrAPositiveNumber) {
  EXPECT_EQ(parse({"--mongo-write-concern", "majority"}).settings.mongo.write_concern, "majority");
  EXPECT_EQ(parse({"--mongo-write-concern", "1"}).settings.mongo.write_concern, "1");
  for (const char* bad : {"0", "-1", "+1", "1x", "", "Majority", "all"}) {
    EXPECT_EQ(parse({"--mongo-write-concern", bad}).exit_code, 2) << bad;
    EXPECT_NE(err_.str().find("--mongo-write-concern: expected \"majority\" or a number"),
              std::string::npos)
        << err_.str();
  }
  EXPECT_EQ(parse({"--config", write_toml("mongo_write_concern = 1\n")}).exit_code, 2);
  EXPECT_NE(err_.str().find("mongo_write_concern: expected a string"), std::string::npos)
      << err_.str();
}

TEST_F(ConfigTest, BadStoreValuesAreErrorsNamingTheKeyAndTheAcceptedForms) {
  for (const char* bad : {"postgres", "SQLite", "", "mongo://db:27017/messenger", "messenger.db"}) {
    EXPECT_EQ(parse({"--store", bad}).exit_code, 2) << bad;
    const std::string err = err_.str();
    EXPECT_NE(err.find("invalid value for --store: expected \"sqlite\" or a MongoDB URI"),
              std::string::npos)
        << err;
    EXPECT_NE(err.find("mongodb://"), std::string::npos) << err;
    EXPECT_NE(err.find("mongodb+srv://"), std::string::npos) << err;
  }
  EXPECT_EQ(
      parse({"--config", write_toml("[storage]\nstore = \"mysql://db/messenger\"\n")}).exit_code,
      2);
  EXPECT_NE(err_.str().find("messenger.toml: store: expected \"sqlite\""), std::string::npos)
      << err_.str();
}

TEST_F(ConfigTest, MongoUriWithoutDatabaseIsAnError) {
  for (const char* uri :
       {"mongodb://db:27017", "mongodb://db:27017/", "mongodb://db1,db2/?replicaSet=rs0",
        "mongodb+srv://cluster.example.com", "mongodb://user:pw@db:27017?authSource=admin"}) {
    EXPECT_EQ(parse({"--store", uri}).exit_code, 2) << uri;
    EXPECT_NE(err_.str().find("names no database"), std::string::npos) << err_.str();
  }
  EXPECT_EQ(parse({"--store", "mongodb:///messenger"}).exit_code, 2);
  EXPECT_NE(err_.str().find("names no host"), std::string::npos) << err_.str();
}

TEST_F(ConfigTest, StoreErrorsDoNotShowThePassword) {
  EXPECT_EQ(parse({"--store", "mongodb://messenger:s3cret@db:27017"}).exit_code, 2);
  EXPECT_EQ(err_.str().find("s3cret"), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("mongodb://messenger:***@db:27017"), std::string::npos) << err_.str();
  EXPECT_EQ(parse({"--store", "mangodb://messenger:s3cret@db:27017/messenger"}).exit_code, 2);
  EXPECT_EQ(err_.str().find("s3cret"), std::string::npos) << err_.str();
}

TEST(RedactUriPassword, HidesOnlyThePassword) {
  EXPECT_EQ(redact_uri_password("mongodb://messenger:s3cret@db:27017/messenger"),
            "mongodb://messenger:***@db:27017/messenger");
  EXPECT_EQ(redact_uri_password("mongodb+srv://u:p@cluster.example.com/m?retryWrites=true"),
            "mongodb+srv://u:***@cluster.example.com/m?retryWrites=true");
  EXPECT_EQ(redact_uri_password("mongodb://u:p@db1:27017,db2:27018/m?replicaSet=rs0"),
            "mongodb://u:***@db1:27017,db2:27018/m?replicaSet=rs0");
  EXPECT_EQ(redact_uri_password("mongodb://:p@db/m"), "mongodb://:***@db/m");
}

TEST(RedactUriPassword, LeavesAUriWithoutPasswordAlone) {
  EXPECT_EQ(redact_uri_password("mongodb://db:27017/messenger"), "mongodb://db:27017/messenger");
  EXPECT_EQ(redact_uri_password("mongodb://x509user@db:27017/m?authMechanism=MONGODB-X509"),
            "mongodb://x509user@db:27017/m?authMechanism=MONGODB-X509");
  EXPECT_EQ(redact_uri_password("sqlite"), "sqlite");
  EXPECT_EQ(redact_uri_password(""), "");
}

TEST(RedactUriPassword, HidesAPasswordWithUnescapedSpecialCharacters) {
  const std::string redacted = redact_uri_password("mongodb://u:p@ss/w:rd?x@db:27017/m");
  EXPECT_EQ(redacted, "mongodb://u:***@db:27017/m");
  EXPECT_EQ(redacted.find("ss/w"), std::string::npos);
}

class MigrateCommandTest : public ConfigTest {
 protected:
  std::string existing_database() {
    const auto path = (dir_ / "messenger.db").string();
    std::ofstream(path) << "not opened by the parser";
    return path;
  }
};

TEST_F(MigrateCommandTest, ParsesSourceTargetAndMongoOptions) {
  const auto from = existing_database();
  const auto cl = parse({"migrate", "--from", from, "--to", "mongodb://u:pw@db:27017/messenger",
                         "--mongo-write-concern", "1", "--mongo-journal", "false",
                         "--mongo_pool_size=2", "--mongo-server-selection-timeout-ms", "1000"});
  ASSERT_EQ(cl.action, CommandLine::Action::migrate) << err_.str();
  EXPECT_EQ(cl.migrate.from, from);
  EXPECT_EQ(cl.migrate.to.uri, "mongodb://u:pw@db:27017/messenger");
  EXPECT_EQ(cl.migrate.to.write_concern, "1");
  EXPECT_FALSE(cl.migrate.to.journal);
  EXPECT_EQ(cl.migrate.to.pool_size, 2);
  EXPECT_EQ(cl.migrate.to.server_selection_timeout_ms, 1000);
  EXPECT_EQ(cl.migrate.to.connect_timeout_ms, 5000);
  EXPECT_EQ(cl.migrate.to.socket_timeout_ms, 10000);
}

TEST_F(MigrateCommandTest, DefaultsOfTheMongoOptions) {
  const auto cl = parse({"migrate", "--from", existing_database(), "--to", "mongodb://db/m"});
  ASSERT_EQ(cl.action, CommandLine::Action::migrate) << err_.str();
  EXPECT_EQ(cl.migrate.to.write_concern, "majority");
  EXPECT_TRUE(cl.migrate.to.journal);
  EXPECT_EQ(cl.migrate.to.pool_size, 8);
}

TEST_F(MigrateCommandTest, FromAndToAreRequired) {
  const auto from = existing_database();
  EXPECT_EQ(parse({"migrate", "--to", "mongodb://db/m"}).exit_code, 2);
  EXPECT_NE(err_.str().find("--from"), std::string::npos) << err_.str();
  EXPECT_EQ(parse({"migrate", "--from", from}).exit_code, 2);
  EXPECT_NE(err_.str().find("--to"), std::string::npos) << err_.str();
  EXPECT_EQ(parse({"migrate"}).exit_code, 2);
}

TEST_F(MigrateCommandTest, RefusesASourceThatDoesNotExistWithoutCreatingIt) {
  const auto missing = (dir_ / "missing.db").string();
  const auto cl = parse({"migrate", "--from", missing, "--to", "mongodb://db/m"});
  EXPECT_EQ(cl.action, CommandLine::Action::exit);
  EXPECT_EQ(cl.exit_code, 2);
  EXPECT_NE(err_.str().find("--from: no database file at '" + missing + "'"), std::string::npos)
      << err_.str();
  EXPECT_FALSE(fs::exists(missing));
  EXPECT_EQ(parse({"migrate", "--from", dir_.string(), "--to", "mongodb://db/m"}).exit_code, 2);
}

TEST_F(MigrateCommandTest, TargetMustBeAMongoUriNamingADatabase) {
  const auto from = existing_database();
  EXPECT_EQ(parse({"migrate", "--from", from, "--to", "mongodb://db:27017"}).exit_code, 2);
  EXPECT_NE(err_.str().find("--to: the MongoDB URI 'mongodb://db:27017' names no database"),
            std::string::npos)
      << err_.str();
  EXPECT_EQ(parse({"migrate", "--from", from, "--to", "sqlite"}).exit_code, 2);
  EXPECT_NE(err_.str().find("--to: expected a MongoDB URI"), std::string::npos) << err_.str();
  EXPECT_EQ(parse({"migrate", "--from", from, "--to", "mongodb://u:s3cret@db"}).exit_code, 2);
  EXPECT_EQ(err_.str().find("s3cret"), std::string::npos) << err_.str();
}

TEST_F(MigrateCommandTest, MongoOptionsAreChecked) {
  const auto from = existing_database();
  EXPECT_EQ(parse({"migrate", "--from", from, "--to", "mongodb://db/m", "--mongo-pool-size", "0"})
                .exit_code,
            2);
  EXPECT_NE(err_.str().find("--mongo-pool-size"), std::string::npos) << err_.str();
  EXPECT_EQ(
      parse({"migrate", "--from", from, "--to", "mongodb://db/m", "--mongo-write-concern", "none"})
          .exit_code,
      2);
  EXPECT_EQ(parse({"migrate", "--from", from, "--to", "mongodb://db/m", "--port", "1"}).exit_code,
            2);
}

TEST_F(MigrateCommandTest, HelpListsItsOptions) {
  const auto cl = parse({"migrate", "--help"});
  EXPECT_EQ(cl.action, CommandLine::Action::exit);
  EXPECT_EQ(cl.exit_code, 0);
  const std::string help = out_.str();
  for (const char* flag :
       {"--from", "--to", "--mongo-pool-size", "--mongo-server-selection-timeout-ms",
        "--mongo-connect-timeout-ms", "--mongo-socket-timeout-ms", "--mongo-write-concern",
        "--mongo-journal"}) {
    EXPECT_NE(help.find(flag), std::string::npos) << flag << "\n" << help;
  }
}

}  // namespace
}  // namespace messenger::server
