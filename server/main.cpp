// messenger-server: reads the configuration and wires store, service and network together.

#include <pthread.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cert.h"
#include "config.h"
#include "messenger/core/clock.h"
#include "messenger/storage/caching_store.h"
#include "messenger/storage/mongo_store.h"
#include "messenger/storage/sqlite_store.h"
#include "metrics.h"
#include "open_files.h"
#include "server.h"
#include "service.h"

namespace {

using namespace messenger;

constexpr int kStartupFailed = 1;

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("messenger");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  spdlog::set_level(spdlog::level::from_str(level));
}

std::string host_for_url(const std::string& address) {
  return address.find(':') != std::string::npos ? "[" + address + "]" : address;
}

/// Connections below this many open files are few enough to be worth a warning at startup.
constexpr std::uint64_t kFewOpenFiles = 4096;

/// One descriptor per connection: take the whole hard limit the administrator allows.
void raise_open_files() {
  auto limit = server::raise_open_file_limit();
  if (!limit.ok()) {
    spdlog::warn("server.open_files error=\"{}\"", limit.error().message);
    return;
  }
  spdlog::info("server.open_files soft={} hard={} soft_before={}", limit->soft,
               limit->hard_unlimited ? std::string("unlimited") : std::to_string(limit->hard),
               limit->soft_before);
  if (limit->soft < kFewOpenFiles) {
    spdlog::warn(
        "server.open_files_low soft={}: about that many connections at most; raise the hard "
        "limit (ulimit -Hn, LimitNOFILE= in a systemd unit)",
        limit->soft);
  }
}

int fail(const std::string& message) {
  std::cerr << "messenger-server: " << message << std::endl;
  return kStartupFailed;
}

int run_gen_cert(const server::GenCertOptions& options) {
  server::CertRequest request;
  request.out_dir = options.out_dir;
  request.common_name = options.common_name;
  request.days = options.days;
  request.force = options.force;
  auto files = server::generate_self_signed(request);
  if (!files.ok()) {
    return fail(files.error().message);
  }
  std::cout << "Wrote " << files->cert_path << " and " << files->key_path
            << " (private, mode 0600): a self-signed EC P-256 certificate for '"
            << options.common_name << "', valid for " << options.days << " days.\n"
            << "SHA-256 fingerprint: " << files->sha256_fingerprint << "\n"
            << "Clients show this fingerprint when they first connect; check that it matches.\n"
            << "Start the server with:\n"
            << "  messenger-server --tls-cert " << files->cert_path << " --tls-key "
            << files->key_path << "\n";
  return 0;
}

using StoreResult = core::Result<std::unique_ptr<storage::Store>>;

core::Error startup_error(std::string message) {
  return core::Error{core::Errc::unavailable, std::move(message)};
}

/// The embedded store: `messenger.db` in data_dir, which is created when missing.
StoreResult open_embedded_store(const server::Settings& settings) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(settings.data_dir, ec);
  if (ec) {
    return startup_error("cannot create the data directory '" + settings.data_dir +
                         "': " + ec.message());
  }
  storage::SqliteOptions sqlite;
  sqlite.path = (fs::path(settings.data_dir) / "messenger.db").string();
  sqlite.synchronous = settings.sqlite_synchronous;
  sqlite.busy_timeout_ms = settings.sqlite_busy_timeout_ms;
  sqlite.cache_mib = settings.sqlite_cache_mib;
  sqlite.checkpoint_pages = settings.sqlite_checkpoint_pages;
  auto store = storage::open_sqlite_store(sqlite);
  if (!store.ok()) {
    return startup_error("cannot open the database '" + sqlite.path +
                         "': " + store.error().message);
  }
  spdlog::info("server.store kind=sqlite path={} synchronous={}", sqlite.path, sqlite.synchronous);
  // This process is the only writer of the file, so conversation rows and members can be kept
  // in memory (not so for a MongoDB database that several servers share).
  return storage::make_caching_store(std::move(store).value(),
                                     static_cast<std::size_t>(settings.conversation_cache_size));
}

StoreResult open_mongodb_store(const server::Settings& settings) {
  const storage::MongoOptions& options = settings.mongo;
  auto store = storage::open_mongo_store(options);
  if (!store.ok()) {
    return store;  // its message names the address and what to check
  }
  spdlog::info("server.store kind=mongodb uri={} pool_size={} write_concern={} journal={}",
               server::redact_uri_password(options.uri), options.pool_size, options.write_concern,
               options.journal);
  // Other servers may write the same database, so what the cache reads is kept for one batch
  // only: a send then reads its conversation and members once per batch, not per request.
  return storage::make_caching_store(std::move(store).value(),
                                     static_cast<std::size_t>(settings.conversation_cache_size),
                                     storage::CacheLifetime::unit);
}

/// The store chosen by the `store` setting.
StoreResult open_store(const server::Settings& settings) {
  return settings.uses_mongo() ? open_mongodb_store(settings) : open_embedded_store(settings);
}

int run_migrate(const server::MigrateOptions& options) {
  setup_logging("warn");  // the stores' own warnings go to stderr, apart from the progress
  storage::SqliteOptions sqlite;
  sqlite.path = options.from;
  auto source = storage::open_sqlite_store(sqlite);
  if (!source.ok()) {
    return fail("cannot open the database '" + options.from + "': " + source.error().message);
  }
  auto report = storage::migrate_to_mongo(
      **source, options.to, [](const std::string& line) { std::cout << line << std::endl; });
  if (!report.ok()) {
    return fail(report.error().message);
  }
  std::cout << "migrated " << report->users << " users, " << report->conversations
            << " conversations, " << report->members << " members, " << report->messages
            << " messages; counts verified" << std::endl;
  return 0;
}

int run_server(server::Settings settings) {
  setup_logging(settings.log_level);
  raise_open_files();
  // Block the stop signals in every thread (threads inherit the mask) before any is started;
  // main waits for them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  auto store = open_store(settings);
  if (!store.ok()) {
    return fail(store.error().message);
  }

  service::Metrics metrics;
  metrics.store_counters = [&store = **store] { return store.counters(); };
  core::SystemClock clock;
  auto service = std::make_unique<service::Service>(**store, clock, metrics, settings.service);
  auto password = service->bootstrap_admin(settings.admin_user, settings.admin_password);
  if (!password.ok()) {
    return fail("cannot create the first administrator: " + password.error().message);
  }
  if (!password->empty()) {
    if (settings.admin_password.empty()) {
      std::cout << "First start: created administrator '" << settings.admin_user
                << "' with password '" << *password << "'. Change it after signing in."
                << std::endl;
    } else {
      std::cout << "First start: created administrator '" << settings.admin_user
                << "' with the password given by --admin-password or MESSENGER_ADMIN_PASSWORD."
                << std::endl;
    }
  }

  const bool tls = settings.net.tls();
  if (tls) {
    if (auto fingerprint = server::certificate_fingerprint(settings.net.tls_cert_file);
        fingerprint.ok()) {
      std::cout << "TLS certificate SHA-256 fingerprint: " << *fingerprint << std::endl;
    }
  }

  service->start();
  net::Server server(settings.net, *service, metrics);
  auto port = server.start();
  if (!port.ok()) {
    service->stop();
    service.reset();
    return fail(port.error().message);
  }
  const std::string host = host_for_url(settings.net.bind_address) + ":" + std::to_string(*port);
  std::cout << "messenger-server listening on " << (tls ? "wss://" : "ws://") << host
            << "/ws (health: " << (tls ? "https://" : "http://") << host << "/healthz)"
            << std::endl;

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  spdlog::info("server.stopping signal={}", strsignal(signal_number));
  server.stop_accepting();
  service->stop();
  server.stop();
  service.reset();  // before the Server: its sessions may still be held by the Service
  store->reset();   // while logging works: closing the MongoDB pool may log
  spdlog::info("server.stopped");
  spdlog::shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using messenger::server::CommandLine;
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto command = messenger::server::parse_command_line(args, std::cout, std::cerr,
                                                       std::getenv("MESSENGER_ADMIN_PASSWORD"));
  try {
    switch (command.action) {
      case CommandLine::Action::exit:
        return command.exit_code;
      case CommandLine::Action::gen_cert:
        return run_gen_cert(command.gen_cert);
      case CommandLine::Action::migrate:
        return run_migrate(command.migrate);
      case CommandLine::Action::run_server:
        return run_server(std::move(command.settings));
    }
  } catch (const std::exception& e) {
    return fail(std::string("unexpected error: ") + e.what());
  }
  return fail("unknown action");
}
