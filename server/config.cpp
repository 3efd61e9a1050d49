#include "config.h"

#include <arpa/inet.h>
#include <toml++/toml.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <type_traits>

namespace messenger::server {
namespace {

using Int = std::int64_t;

template <typename T>
struct IsDuration : std::false_type {};
template <typename R, typename P>
struct IsDuration<std::chrono::duration<R, P>> : std::true_type {};

template <typename T>
Int to_int(const T& value) {
  if constexpr (IsDuration<T>::value) {
    return static_cast<Int>(value.count());
  } else {
    return static_cast<Int>(value);
  }
}

template <typename T>
void assign_int(T& field, Int value) {
  if constexpr (IsDuration<T>::value) {
    field = T(static_cast<typename T::rep>(value));
  } else {
    field = static_cast<T>(value);
  }
}

/// What is wrong with a string value (e.g. "expected ..., got '...'"), or empty when nothing is.
using TextCheck = std::function<std::string(const std::string& value)>;

/// A configuration key with its accessors. Integer keys have a range; string keys may have a
/// fixed set of choices or a check.
struct Setting {
  SettingInfo info;
  Int min = 0;
  Int max = 0;
  std::function<Int(Settings&)> get_int;
  std::function<void(Settings&, Int)> set_int;
  std::function<std::string&(Settings&)> str;
  std::vector<std::string> choices;
  TextCheck check;
  std::function<bool&(Settings&)> boolean;

  [[nodiscard]] bool is_integer() const { return static_cast<bool>(get_int); }
  [[nodiscard]] bool is_boolean() const { return static_cast<bool>(boolean); }
};

template <typename Get>
Setting integer(std::string table, std::string key, Int min, Int max, Get get, std::string help) {
  Setting s;
  s.info = SettingInfo{std::move(key), std::move(table), "integer", "", std::move(help)};
  s.min = min;
  s.max = max;
  s.get_int = [get](Settings& settings) { return to_int(get(settings)); };
  s.set_int = [get](Settings& settings, Int value) { assign_int(get(settings), value); };
  return s;
}

template <typename Get>
Setting text(std::string table, std::string key, Get get, std::string help,
             std::vector<std::string> choices = {}) {
  Setting s;
  s.info = SettingInfo{std::move(key), std::move(table), "string", "", std::move(help)};
  s.str = [get](Settings& settings) -> std::string& { return get(settings); };
  s.choices = std::move(choices);
  return s;
}

template <typename Get>
Setting checked_text(std::string table, std::string key, Get get, std::string help,
                     TextCheck check) {
  Setting s = text(std::move(table), std::move(key), get, std::move(help));
  s.check = std::move(check);
  return s;
}

template <typename Get>
Setting boolean(std::string table, std::string key, Get get, std::string help) {
  Setting s;
  s.info = SettingInfo{std::move(key), std::move(table), "boolean", "", std::move(help)};
  s.boolean = [get](Settings& settings) -> bool& { return get(settings); };
  return s;
}

std::string to_text(bool value) {
  return value ? "true" : "false";
}

std::string default_text(const Setting& s, Settings& defaults) {
  if (s.is_integer()) {
    return std::to_string(s.get_int(defaults));
  }
  if (s.is_boolean()) {
    return to_text(s.boolean(defaults));
  }
  return s.str(defaults);
}

constexpr std::string_view kMongoSchemes[] = {"mongodb://", "mongodb+srv://"};

/// The length of the mongodb:// or mongodb+srv:// prefix of `uri`, or 0 without one.
std::size_t mongo_scheme_length(std::string_view uri) {
  for (std::string_view scheme : kMongoSchemes) {
    if (uri.substr(0, scheme.size()) == scheme) {
      return scheme.size();
    }
  }
  return 0;
}

/// The hosts and the database of a MongoDB URI (the connection string format: [user:pw@]hosts
/// [/database][?options]). A local reading, so that checking the configuration needs no driver;
/// the store parses the URI again with libmongoc when it opens.
struct MongoUriParts {
  std::string_view hosts;
  std::string_view database;
};

MongoUriParts split_mongo_uri(std::string_view uri) {
  std::string_view rest = uri.substr(mongo_scheme_length(uri));
  rest = rest.substr(0, rest.find('?'));
  const auto at = rest.rfind('@');
  if (at != std::string_view::npos) {
    rest.remove_prefix(at + 1);
  }
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) {
    return {rest, {}};
  }
  return {rest.substr(0, slash), rest.substr(slash + 1)};
}

constexpr std::string_view kMongoUriExamples =
    "mongodb://host:27017/messenger or mongodb+srv://cluster.example.com/messenger";

/// Why `value` is not a MongoDB URI that names a host and a database, or empty.
std::string mongo_uri_problem(const std::string& value) {
  const std::string shown = redact_uri_password(value);
  if (mongo_scheme_length(value) == 0) {
    return "expected a MongoDB URI that names a database, such as " +
           std::string(kMongoUriExamples) + ", got '" + shown + "'";
  }
  const MongoUriParts parts = split_mongo_uri(value);
  if (parts.hosts.empty()) {
    return "the MongoDB URI '" + shown + "' names no host; expected e.g. " +
           std::string(kMongoUriExamples);
  }
  if (parts.database.empty()) {
    return "the MongoDB URI '" + shown + "' names no database; add it after the hosts, e.g. " +
           std::string(kMongoUriExamples);
  }
  return {};
}

std::string store_problem(const std::string& value) {
  if (value == "sqlite") {
    return {};
  }
  if (mongo_scheme_length(value) > 0) {
    return mongo_uri_problem(value);
  }
  return "expected \"sqlite\" or a MongoDB URI that names a database (" +
         std::string(kMongoUriExamples) + "), got '" + redact_uri_password(value) + "'";
}

std::string write_concern_problem(const std::string& value) {
  int members = 0;
  const char* end = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(value.data(), end, members);
  if (value == "majority" || (!value.empty() && ec == std::errc() && ptr == end && members > 0)) {
    return {};
  }
  return "expected \"majority\" or a number of members such as \"1\", got '" + value + "'";
}

bool is_mongo_option(const Setting& s) {
  return s.info.key.starts_with("mongo_");
}

constexpr Int kKiB = 1024;
constexpr Int kMiB = 1024 * kKiB;
constexpr Int kGiB = 1024 * kMiB;

std::vector<Setting> make_settings() {
  using S = Settings;
  std::vector<Setting> v;
  // [server]
  v.push_back(text(
      "server", "bind", [](S & s) -> auto& { return s.net.bind_address; },
      "IPv4 or IPv6 address to listen on (0.0.0.0 = every IPv4 interface, :: = "
      "every interface)"));
  v.push_back(integer(
      "server", "port", 0, 65535, [](S & s) -> auto& { return s.net.port; },
      "TCP port for WebSocket, /healthz and /metrics (0 = pick a free one)"));
  v.push_back(integer(
      "server", "io_threads", 1, 256, [](S & s) -> auto& { return s.net.io_threads; },
      "threads that run the network IO"));
  v.push_back(text(
      "server", "tls_cert", [](S & s) -> auto& { return s.net.tls_cert_file; },
      "PEM certificate (chain); with tls_key the server speaks only wss:// and "
      "https://"));
  v.push_back(text(
      "server", "tls_key", [](S & s) -> auto& { return s.net.tls_key_file; },
      "PEM private key of tls_cert"));
  v.push_back(text("server", "log_level", [](S & s) -> auto& { return s.log_level; },
                   "log level; logs go to stderr",
                   {"trace", "debug", "info", "warn", "error", "critical", "off"}));
  v.push_back(integer(
      "server", "handshake_timeout_seconds", 1, 3600,
      [](S & s) -> auto& { return s.net.handshake_timeout; },
      "time limit on the TLS handshake, an HTTP request, the WebSocket upgrade "
      "and the close handshake"));
  v.push_back(integer(
      "server", "idle_timeout_seconds", 1, 86400, [](S & s) -> auto& { return s.net.idle_timeout; },
      "a WebSocket silent for half of this is pinged; silent for all of it, it "
      "is closed"));
  v.push_back(integer(
      "server", "slow_close_grace_seconds", 1, 3600,
      [](S & s) -> auto& { return s.net.slow_close_grace; },
      "how long a closing connection may take before the TCP connection is cut"));
  v.push_back(integer(
      "server", "max_http_request_bytes", kKiB, kMiB,
      [](S & s) -> auto& { return s.net.max_http_request_bytes; },
      "largest HTTP request (headers and body) accepted"));
  // [limits]
  v.push_back(integer(
      "limits", "max_frame_bytes", kKiB, 64 * kMiB,
      [](S & s) -> auto& { return s.net.limits.max_frame_bytes; },
      "largest WebSocket message a client may send (bigger: closed with 1009)"));
  v.push_back(integer(
      "limits", "max_json_depth", 4, 256,
      [](S & s) -> auto& { return s.net.limits.max_json_depth; },
      "deepest JSON nesting accepted in a request"));
  v.push_back(integer(
      "limits", "max_text_bytes", 1, 16 * kMiB,
      [](S & s) -> auto& { return s.net.limits.max_text_bytes; },
      "longest message text, in UTF-8 bytes"));
  v.push_back(integer(
      "limits", "max_settings_bytes", 2, 16 * kMiB,
      [](S & s) -> auto& { return s.net.limits.max_settings_bytes; },
      "largest per-user settings document, in bytes of compact JSON"));
  v.push_back(integer(
      "limits", "max_name_chars", 1, 10000,
      [](S & s) -> auto& { return s.net.limits.max_name_chars; },
      "longest conversation name or display name, in characters"));
  v.push_back(integer(
      "limits", "max_topic_chars", 1, 100000,
      [](S & s) -> auto& { return s.net.limits.max_topic_chars; },
      "longest conversation topic, in characters"));
  v.push_back(integer(
      "limits", "max_profile_field_chars", 1, 10000,
      [](S & s) -> auto& { return s.net.limits.max_profile_field_chars; },
      "longest department, title, email or status text, in characters"));
  v.push_back(integer(
      "limits", "max_client_msg_id_chars", 1, 1024,
      [](S & s) -> auto& { return s.net.limits.max_client_msg_id_chars; },
      "longest client_msg_id"));
  v.push_back(integer(
      "limits", "max_request_id_chars", 1, 1024,
      [](S & s) -> auto& { return s.net.limits.max_request_id_chars; }, "longest request id"));
  v.push_back(integer(
      "limits", "max_password_bytes", 8, 64 * kKiB,
      [](S & s) -> auto& { return s.net.limits.max_password_bytes; },
      "longest password, in bytes"));
  v.push_back(integer(
      "limits", "min_password_chars", 1, 1024,
      [](S & s) -> auto& { return s.net.limits.min_password_chars; },
      "shortest password a user may set, in characters"));
  v.push_back(integer(
      "limits", "max_ids_per_request", 1, 100000,
      [](S & s) -> auto& { return s.net.limits.max_ids_per_request; },
      "most user ids in one request (invite, create, user.get)"));
  v.push_back(integer(
      "limits", "history_page_max", 1, 10000,
      [](S & s) -> auto& { return s.net.limits.history_page_max; },
      "most messages in one history or sync page"));
  v.push_back(integer(
      "limits", "send_queue_max_bytes", 64 * kKiB, kGiB,
      [](S & s) -> auto& { return s.net.send_queue_max_bytes; },
      "bytes waiting to be sent to one connection before it is closed as too "
      "slow (4008)"));
  v.push_back(integer(
      "limits", "send_queue_max_frames", 16, 10'000'000,
      [](S & s) -> auto& { return s.net.send_queue_max_frames; },
      "frames waiting to be sent to one connection before it is closed as too "
      "slow (4008)"));
  v.push_back(integer(
      "limits", "requests_per_second", 0, 1'000'000,
      [](S & s) -> auto& { return s.net.requests_per_second; },
      "sustained requests per connection (0 = unlimited); more get rate_limited"));
  v.push_back(integer(
      "limits", "request_burst", 1, 1'000'000, [](S & s) -> auto& { return s.net.request_burst; },
      "requests a connection may send at once above the sustained rate"));
  v.push_back(integer(
      "limits", "typing_interval_ms", 0, 60'000,
      [](S & s) -> auto& { return s.service.typing_interval; },
      "a typing notice per connection and conversation is forwarded at most "
      "this often"));
  // [security]
  v.push_back(text(
      "security", "admin_user", [](S & s) -> auto& { return s.admin_user; },
      "username of the administrator created on first start"));
  v.push_back(integer(
      "security", "password_opslimit", 1, 4294967295LL,
      [](S & s) -> auto& { return s.service.password_opslimit; },
      "Argon2id passes (libsodium opslimit)"));
  v.push_back(integer(
      "security", "password_memlimit", 8 * kKiB, 4 * kGiB,
      [](S & s) -> auto& { return s.service.password_memlimit; },
      "Argon2id memory in bytes (libsodium memlimit)"));
  v.push_back(integer(
      "security", "password_threads", 1, 64,
      [](S & s) -> auto& { return s.service.password_threads; },
      "threads that hash and verify passwords"));
  v.push_back(integer(
      "security", "session_ttl_seconds", 1, 10LL * 365 * 24 * 3600,
      [](S & s) -> auto& { return s.service.session_ttl; }, "lifetime of a session token"));
  v.push_back(integer(
      "security", "max_login_failures_per_user", 1, 1'000'000,
      [](S & s) -> auto& { return s.service.max_login_failures_per_user; },
      "failed logins per username within login_window_seconds before logins "
      "are throttled"));
  v.push_back(integer(
      "security", "max_login_failures_per_address", 1, 1'000'000,
      [](S & s) -> auto& { return s.service.max_login_failures_per_address; },
      "failed logins per remote address within login_window_seconds before "
      "logins are throttled"));
  v.push_back(integer(
      "security", "login_window_seconds", 1, 86400,
      [](S & s) -> auto& { return s.service.login_window; },
      "window over which failed logins are counted"));
  // [storage]
  v.push_back(checked_text(
      "storage", "store", [](S & s) -> auto& { return s.store; },
      "sqlite (the embedded messenger.db in data_dir) or a MongoDB URI that names the database, "
      "e.g. mongodb://host:27017/messenger",
      store_problem));
  v.push_back(text(
      "storage", "data_dir", [](S & s) -> auto& { return s.data_dir; },
      "directory of the embedded database (messenger.db) when store is sqlite; created if "
      "missing"));
  v.push_back(text("storage", "sqlite_synchronous",
                   [](S & s) -> auto& { return s.sqlite_synchronous; },
                   "full: durable against power loss; normal: durable against a crash of the "
                   "server process, faster",
                   {"full", "normal"}));
  v.push_back(integer(
      "storage", "sqlite_busy_timeout_ms", 0, 600'000,
      [](S & s) -> auto& { return s.sqlite_busy_timeout_ms; },
      "how long SQLite waits for a lock held by another process"));
  v.push_back(integer(
      "storage", "sqlite_cache_mib", 1, 65'536, [](S & s) -> auto& { return s.sqlite_cache_mib; },
      "most memory in MiB the embedded store's page cache may grow to"));
  v.push_back(integer(
      "storage", "sqlite_checkpoint_pages", 16, 65'536,
      [](S & s) -> auto& { return s.sqlite_checkpoint_pages; },
      "WAL pages (4 KiB) after which the embedded store copies them into its database file"));
  v.push_back(integer(
      "storage", "conversation_cache_size", 1, 10'000'000,
      [](S & s) -> auto& { return s.conversation_cache_size; },
      "conversations (row and member list) the embedded store keeps in memory"));
  v.push_back(integer(
      "storage", "max_batch", 1, 100'000, [](S & s) -> auto& { return s.service.max_batch; },
      "most requests handled in one group commit"));
  v.push_back(integer(
      "storage", "commit_window_us", 0, 10'000,
      [](S & s) -> auto& { return s.service.commit_window; },
      "microseconds the service waits for more requests before committing a small batch when "
      "they have lately come at least one per window; 0 never waits"));
  v.push_back(integer(
      "storage", "mongo_pool_size", 1, 1000, [](S & s) -> auto& { return s.mongo.pool_size; },
      "MongoDB connections kept by the client pool"));
  v.push_back(integer(
      "storage", "mongo_server_selection_timeout_ms", 100, 600'000,
      [](S & s) -> auto& { return s.mongo.server_selection_timeout_ms; },
      "how long to wait for a reachable MongoDB server, at start and for each operation"));
  v.push_back(integer(
      "storage", "mongo_connect_timeout_ms", 100, 600'000,
      [](S & s) -> auto& { return s.mongo.connect_timeout_ms; },
      "time limit on the TCP connect and handshake with a MongoDB server"));
  v.push_back(integer(
      "storage", "mongo_socket_timeout_ms", 100, 3'600'000,
      [](S & s) -> auto& { return s.mongo.socket_timeout_ms; },
      "time limit on the network round trip of one MongoDB operation"));
  v.push_back(checked_text(
      "storage", "mongo_write_concern", [](S & s) -> auto& { return s.mongo.write_concern; },
      "majority, or the number of MongoDB members (e.g. 1) that must acknowledge a write",
      write_concern_problem));
  v.push_back(boolean(
      "storage", "mongo_journal", [](S & s) -> auto& { return s.mongo.journal; },
      "a write to MongoDB is acknowledged only once it is in the on-disk journal"));

  Settings defaults;
  for (Setting& s : v) {
    s.info.default_value = default_text(s, defaults);
  }
  return v;
}

const std::vector<Setting>& all_settings() {
  static const std::vector<Setting> settings = make_settings();
  return settings;
}

const Setting* find_setting(std::string_view key) {
  for (const Setting& s : all_settings()) {
    if (s.info.key == key) {
      return &s;
    }
  }
  return nullptr;
}

std::string to_flag(std::string_view key) {
  std::string flag = "--" + std::string(key);
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    out += out.empty() ? "" : std::string(separator);
    out += item;
  }
  return out;
}

core::Error config_error(std::string message) {
  return core::Error{core::Errc::bad_request, std::move(message)};
}

std::string range_text(const Setting& s) {
  return "an integer from " + std::to_string(s.min) + " to " + std::to_string(s.max);
}

core::Status set_integer(Settings& settings, const Setting& s, Int value, std::string_view where) {
  if (value < s.min || value > s.max) {
    return config_error(std::string(where) + ": expected " + range_text(s) + ", got " +
                        std::to_string(value));
  }
  s.set_int(settings, value);
  return core::Ok{};
}

core::Status set_string(Settings& settings, const Setting& s, const std::string& value,
                        std::string_view where) {
  if (!s.choices.empty() &&
      std::find(s.choices.begin(), s.choices.end(), value) == s.choices.end()) {
    return config_error(std::string(where) + ": expected one of " + join(s.choices, ", ") +
                        ", got '" + value + "'");
  }
  if (s.check) {
    if (std::string problem = s.check(value); !problem.empty()) {
      return config_error(std::string(where) + ": " + problem);
    }
  }
  s.str(settings) = value;
  return core::Ok{};
}

/// A flag's value: integers in decimal, booleans as true or false, strings as given.
core::Status set_from_flag(Settings& settings, const Setting& s, const std::string& value) {
  const std::string where = "invalid value for " + to_flag(s.info.key);
  if (s.is_boolean()) {
    if (value != "true" && value != "false") {
      return config_error(where + ": expected true or false, got '" + value + "'");
    }
    s.boolean(settings) = value == "true";
    return core::Ok{};
  }
  if (!s.is_integer()) {
    return set_string(settings, s, value, where);
  }
  Int parsed = 0;
  const char* end = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(value.data(), end, parsed);
  if (value.empty() || ec != std::errc() || ptr != end) {
    return config_error(where + ": expected " + range_text(s) + ", got '" + value + "'");
  }
  return set_integer(settings, s, parsed, where);
}

core::Status set_from_toml(Settings& settings, const Setting& s, const toml::node& node,
                           std::string_view origin) {
  const std::string where = std::string(origin) + ": " + s.info.key;
  if (s.is_integer()) {
    const auto* value = node.as_integer();
    if (value == nullptr) {
      return config_error(where + ": expected " + range_text(s));
    }
    return set_integer(settings, s, value->get(), where);
  }
  if (s.is_boolean()) {
    const auto* value = node.as_boolean();
    if (value == nullptr) {
      return config_error(where + ": expected true or false");
    }
    s.boolean(settings) = value->get();
    return core::Ok{};
  }
  const auto* value = node.as_string();
  if (value == nullptr) {
    return config_error(where + ": expected a string");
  }
  return set_string(settings, s, value->get(), where);
}

bool is_ip_literal(const std::string& text) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

/// "--max_frame_bytes=5" -> "--max-frame-bytes=5": flags may be spelled like their TOML key.
std::vector<std::string> normalize_flags(std::vector<std::string> args) {
  for (auto& arg : args) {
    if (arg == "--") {
      break;
    }
    if (arg.size() > 2 && arg.compare(0, 2, "--") == 0) {
      const auto name_end = std::min(arg.find('='), arg.size());
      std::replace(arg.begin() + 2, arg.begin() + static_cast<std::ptrdiff_t>(name_end), '_', '-');
    }
  }
  return args;
}

std::string group_title(const std::string& table) {
  if (table == "server") return "Server ([server])";
  if (table == "limits") return "Limits ([limits])";
  if (table == "security") return "Security ([security])";
  return "Storage ([storage])";
}

std::string type_name(const Setting& s) {
  if (s.is_integer()) return "INT";
  if (s.is_boolean()) return "true|false";
  return s.choices.empty() ? "TEXT" : join(s.choices, "|");
}

/// The flags of some settings on one (sub)command: the text given to each, and its option (to
/// tell whether it was given). Map nodes do not move, so CLI11 may keep pointers to the values.
struct SettingFlags {
  std::map<std::string, std::string> values;
  std::map<std::string, CLI::Option*> options;
};

/// Adds a flag for each wanted setting, in the group of its table unless `group` is given.
void add_setting_flags(CLI::App& app, SettingFlags& flags,
                       const std::function<bool(const Setting&)>& wanted,
                       const std::string& group = "") {
  for (const Setting& s : all_settings()) {
    if (!wanted(s)) {
      continue;
    }
    auto* option = app.add_option(to_flag(s.info.key), flags.values[s.info.key], s.info.help);
    option->type_name(type_name(s));
    option->default_str(s.info.default_value);
    option->group(group.empty() ? group_title(s.info.table) : group);
    flags.options[s.info.key] = option;
  }
}

/// Applies the flags that were given, in documentation order.
core::Status apply_setting_flags(Settings& settings, SettingFlags& flags) {
  for (const Setting& s : all_settings()) {
    auto option = flags.options.find(s.info.key);
    if (option != flags.options.end() && option->second->count() > 0) {
      MESSENGER_TRY(set_from_flag(settings, s, flags.values[s.info.key]));
    }
  }
  return core::Ok{};
}

/// `migrate --from FILE --to URI [--mongo-...]`: the source must exist (opening a missing
/// SQLite file would create an empty one) and the target must name a MongoDB database.
core::Status complete_migrate_options(MigrateOptions& migrate, const std::string& to,
                                      SettingFlags& flags) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(migrate.from, ec)) {
    return config_error("invalid value for --from: no database file at '" + migrate.from +
                        "'; give the path of the existing messenger.db (in the data_dir of the "
                        "server)");
  }
  if (std::string problem = mongo_uri_problem(to); !problem.empty()) {
    return config_error("invalid value for --to: " + problem);
  }
  Settings settings;
  MESSENGER_TRY(apply_setting_flags(settings, flags));
  migrate.to = settings.mongo;
  migrate.to.uri = to;
  return core::Ok{};
}

}  // namespace

std::vector<SettingInfo> setting_infos() {
  std::vector<SettingInfo> infos;
  for (const Setting& s : all_settings()) {
    infos.push_back(s.info);
  }
  return infos;
}

core::Status apply_toml(Settings& settings, std::string_view toml_text, std::string_view origin) {
  toml::table document;
  try {
    document = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    std::ostringstream message;
    message << origin << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
            << e.description();
    return config_error(message.str());
  }
  std::map<std::string, std::string> seen;  // key -> where it was set
  auto apply = [&](const std::string& key, const toml::node& node,
                   const std::string& table) -> core::Status {
    const Setting* s = find_setting(key);
    const std::string path = table.empty() ? key : table + "." + key;
    if (s == nullptr) {
      return config_error(std::string(origin) + ": unknown key '" + path + "'");
    }
    if (!table.empty() && table != s->info.table) {
      return config_error(std::string(origin) + ": key '" + key + "' belongs in [" + s->info.table +
                          "], not [" + table + "]");
    }
    if (auto [it, inserted] = seen.emplace(key, path); !inserted) {
      return config_error(std::string(origin) + ": key '" + key + "' is set twice ('" + it->second +
                          "' and '" + path + "')");
    }
    return set_from_toml(settings, *s, node, origin);
  };
  for (const auto& [raw_key, node] : document) {
    std::string key(raw_key.str());
    std::replace(key.begin(), key.end(), '-', '_');
    if (const toml::table* table = node.as_table()) {
      if (key != "server" && key != "limits" && key != "security" && key != "storage") {
        return config_error(std::string(origin) + ": unknown table [" + key +
                            "] (tables: server, limits, security, storage)");
      }
      for (const auto& [raw_inner, inner] : *table) {
        std::string inner_key(raw_inner.str());
        std::replace(inner_key.begin(), inner_key.end(), '-', '_');
        MESSENGER_TRY(apply(inner_key, inner, key));
      }
      continue;
    }
    MESSENGER_TRY(apply(key, node, ""));
  }
  return core::Ok{};
}

core::Status finish_settings(Settings& settings) {
  net::NetConfig& net = settings.net;
  if (!is_ip_literal(net.bind_address)) {
    return config_error("invalid bind address '" + net.bind_address +
                        "': expected an IPv4 or IPv6 literal such as 0.0.0.0, 127.0.0.1 or ::");
  }
  if (net.tls_cert_file.empty() != net.tls_key_file.empty()) {
    return config_error("TLS needs both --tls-cert and --tls-key (or neither)");
  }
  const protocol::Limits& limits = net.limits;
  if (limits.max_text_bytes >= limits.max_frame_bytes) {
    return config_error("max_text_bytes (" + std::to_string(limits.max_text_bytes) +
                        ") must be smaller than max_frame_bytes (" +
                        std::to_string(limits.max_frame_bytes) + ")");
  }
  if (limits.max_settings_bytes >= limits.max_frame_bytes) {
    return config_error("max_settings_bytes (" + std::to_string(limits.max_settings_bytes) +
                        ") must be smaller than max_frame_bytes (" +
                        std::to_string(limits.max_frame_bytes) + ")");
  }
  if (limits.min_password_chars > limits.max_password_bytes) {
    return config_error("min_password_chars must not exceed max_password_bytes");
  }
  if (settings.data_dir.empty()) {
    return config_error("data_dir must not be empty");
  }
  if (settings.admin_user.empty()) {
    return config_error("admin_user must not be empty");
  }
  settings.service.limits = limits;
  settings.mongo.uri = settings.uses_mongo() ? settings.store : std::string();
  return core::Ok{};
}

std::string redact_uri_password(std::string_view uri) {
  const auto scheme_end = uri.find("://");
  if (scheme_end == std::string_view::npos) {
    return std::string(uri);
  }
  // Everything between the first ':' of the user info and the last '@' is hidden, so that a
  // password with unescaped ':', '/', '?' or '@' in it is hidden all the same.
  const auto user_start = scheme_end + 3;
  const auto at = uri.rfind('@');
  const auto colon = uri.find(':', user_start);
  if (at == std::string_view::npos || at < user_start || colon == std::string_view::npos ||
      colon > at) {
    return std::string(uri);
  }
  return std::string(uri.substr(0, colon + 1)) + "***" + std::string(uri.substr(at));
}

CommandLine parse_command_line(const std::vector<std::string>& args, std::ostream& out,
                               std::ostream& err, const char* env_admin_password) {
  CommandLine result;
  CLI::App app{"The Messenger server: WebSocket at /ws, GET /healthz, GET /metrics.",
               "messenger-server"};
  app.footer(
      "Precedence: built-in defaults < --config FILE < flags. Every flag is also a key of the "
      "TOML file (with _ for -), at the top level or in its [table]. See docs/admin-guide.md.");
  app.set_version_flag("--version", "messenger-server 0.1.0");
  app.require_subcommand(0, 1);

  std::string config_file;
  std::string admin_password;
  app.add_option("--config", config_file, "TOML configuration file")->type_name("FILE");
  auto* admin_password_option =
      app.add_option("--admin-password", admin_password,
                     "password of the administrator created on first start (default: "
                     "MESSENGER_ADMIN_PASSWORD, else generated and printed once)")
          ->type_name("PW");

  SettingFlags server_flags;
  add_setting_flags(app, server_flags, [](const Setting&) { return true; });

  GenCertOptions& gen = result.gen_cert;
  gen.common_name = "localhost";
  auto* gen_cert = app.add_subcommand(
      "gen-cert", "write a self-signed certificate (cert.pem) and key (key.pem) for wss://");
  gen_cert->footer(
      "Prints the certificate's SHA-256 fingerprint, which clients pin. See docs/admin-guide.md.");
  gen_cert->add_option("--out-dir", gen.out_dir, "directory for cert.pem and key.pem")
      ->required()
      ->type_name("DIR");
  gen_cert->add_option("--cn", gen.common_name, "common name; also a subject alternative name")
      ->capture_default_str()
      ->type_name("NAME");
  gen_cert->add_option("--days", gen.days, "validity in days")
      ->capture_default_str()
      ->check(CLI::Range(1, 36500));
  gen_cert->add_flag("--force", gen.force, "overwrite existing cert.pem and key.pem");

  auto* migrate = app.add_subcommand(
      "migrate",
      "copy an existing embedded (SQLite) store into an empty MongoDB database and verify counts");
  migrate->footer(
      "Stop the server first. Login sessions are not copied: everyone signs in again. See "
      "docs/admin-guide.md.");
  migrate
      ->add_option("--from", result.migrate.from, "the existing database, e.g. data/messenger.db")
      ->required()
      ->type_name("FILE");
  std::string migrate_to;
  migrate
      ->add_option("--to", migrate_to,
                   "MongoDB URI of an empty database, e.g. mongodb://host:27017/messenger")
      ->required()
      ->type_name("URI");
  SettingFlags migrate_flags;
  add_setting_flags(*migrate, migrate_flags, is_mongo_option, "The target (as the [storage] keys)");

  std::vector<std::string> reversed = normalize_flags(args);
  std::reverse(reversed.begin(), reversed.end());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e, out, err);
    result.action = CommandLine::Action::exit;
    result.exit_code = code == 0 ? 0 : 2;
    return result;
  }
  if (gen_cert->parsed()) {
    result.action = CommandLine::Action::gen_cert;
    return result;
  }

  auto fail = [&](const core::Error& error) {
    err << "messenger-server: " << error.message << "\n";
    result.action = CommandLine::Action::exit;
    result.exit_code = 2;
    return result;
  };
  if (migrate->parsed()) {
    if (auto status = complete_migrate_options(result.migrate, migrate_to, migrate_flags);
        !status.ok()) {
      return fail(status.error());
    }
    result.action = CommandLine::Action::migrate;
    return result;
  }

  Settings& settings = result.settings;
  settings.config_file = config_file;
  if (!config_file.empty()) {
    std::ostringstream text;
    std::ifstream file(config_file);
    if (!file) {
      return fail(config_error("cannot read the configuration file '" + config_file + "'"));
    }
    text << file.rdbuf();
    if (auto status = apply_toml(settings, text.str(), config_file); !status.ok()) {
      return fail(status.error());
    }
  }
  if (auto status = apply_setting_flags(settings, server_flags); !status.ok()) {
    return fail(status.error());
  }
  if (admin_password_option->count() > 0) {
    settings.admin_password = admin_password;
  } else if (env_admin_password != nullptr) {
    settings.admin_password = env_admin_password;
  }
  if (auto status = finish_settings(settings); !status.ok()) {
    return fail(status.error());
  }
  result.action = CommandLine::Action::run_server;
  return result;
}

}  // namespace messenger::server
