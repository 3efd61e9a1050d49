#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "messenger/core/result.h"
#include "messenger/storage/mongo_store.h"
#include "server.h"
#include "service_config.h"

namespace messenger::server {

/// Everything messenger-server is configured with: defaults, then the TOML file, then flags.
struct Settings {
  std::string config_file;
  std::string data_dir = "./data";
  std::string log_level = "info";
  std::string admin_user = "admin";
  std::string admin_password;  // flag or MESSENGER_ADMIN_PASSWORD only; never from the file
  /// "sqlite" (the embedded store in data_dir) or a mongodb:// or mongodb+srv:// URI that names
  /// a database.
  std::string store = "sqlite";
  std::string sqlite_synchronous = "full";
  int sqlite_busy_timeout_ms = 5000;
  /// Upper bound of the embedded store's page cache, in MiB.
  int sqlite_cache_mib = 64;
  /// WAL pages after which the embedded store checkpoints, off the service thread.
  int sqlite_checkpoint_pages = 40'000;
  /// Conversations whose row and members the SQLite store keeps in memory.
  int conversation_cache_size = 100'000;
  /// Its `uri` is `store` when that names a MongoDB database once settings are complete.
  storage::MongoOptions mongo;
  net::NetConfig net;
  /// Its `limits` are the same as net.limits once settings are complete.
  service::ServiceConfig service;

  [[nodiscard]] bool uses_mongo() const { return store != "sqlite"; }
};

/// One configuration key: TOML `key` (in `[table]` or at the top level) and flag `--key` with
/// dashes for underscores (underscores are accepted too).
struct SettingInfo {
  std::string key;
  std::string table;
  std::string type;  // "integer", "string" or "boolean"
  std::string default_value;
  std::string help;
};

/// Every key, in documentation order.
std::vector<SettingInfo> setting_infos();

/// Applies a TOML document to `settings`. Unknown keys and tables, wrong types and values out
/// of range are errors naming the key and `origin` (the file name).
core::Status apply_toml(Settings& settings, std::string_view toml_text, std::string_view origin);

/// Checks the settings as a whole (e.g. both TLS files or neither) and copies the protocol
/// limits to the service.
core::Status finish_settings(Settings& settings);

/// `uri` with the password of its `user:password@` part replaced by `***`, for logs and errors.
std::string redact_uri_password(std::string_view uri);

struct GenCertOptions {
  std::string out_dir;
  std::string common_name;
  int days = 825;
  bool force = false;
};

/// `migrate`: copy an existing embedded store into an empty MongoDB database.
struct MigrateOptions {
  std::string from;  // an existing SQLite messenger.db
  storage::MongoOptions to;
};

/// What the command line asks for.
struct CommandLine {
  enum class Action { run_server, gen_cert, migrate, exit };
  Action action = Action::exit;
  int exit_code = 0;  // for Action::exit: 0 after --help, 2 after an invalid value
  Settings settings;
  GenCertOptions gen_cert;
  MigrateOptions migrate;
};

/// Parses the arguments (without the program name) and the TOML file named by --config.
/// Help goes to `out`, errors to `err`. `env_admin_password` is MESSENGER_ADMIN_PASSWORD or
/// null.
CommandLine parse_command_line(const std::vector<std::string>& args, std::ostream& out,
                               std::ostream& err, const char* env_admin_password);

}  // namespace messenger::server
