// messenger-store-bench: what the embedded store alone costs per 1:1 message, with no network
// and no service around it. It drives the store the way the service thread does (a unit of
// work per batch, one append per send, the conversation cache in front, commits split from their
// disk sync), on a real SQLite file, and reports CPU per message for the whole process, so the
// checkpointer's thread counts too. That is the floor under the chat scenario's server CPU per
// message at the same batch size and client-id shape (bench/README.md, "The store alone").

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "client_msg_ids.h"
#include "messenger/storage/caching_store.h"
#include "messenger/storage/sqlite_store.h"
#include "proc_stats.h"

namespace {

namespace storage = messenger::storage;
namespace core = messenger::core;
namespace bench = messenger::bench;

struct Options {
  std::string dir;  // empty: the system's temporary directory
  std::int64_t messages = 200'000;
  int batch = 50;
  int users = 1000;
  int text_bytes = 40;
  std::int64_t report_every = 0;  // 0: the whole run only
  std::string client_ids = "ordered";
  std::string synchronous = "full";
  int cache_mib = storage::SqliteOptions{}.cache_mib;
  std::string json_out;
};

/// A store call failed, or the run was interrupted: main reports it and removes the database.
[[noreturn]] void fail(const std::string& what, const core::Error& error) {
  throw std::runtime_error(what + ": " + error.message);
}

template <typename T>
T expect(core::Result<T> result, const std::string& what) {
  if (!result.ok()) fail(what, result.error());
  return std::move(result).value();
}

void expect(const core::Status& status, const std::string& what) {
  if (!status.ok()) fail(what, status.error());
}

/// SIGINT and SIGTERM stay pending (blocked in every thread) until the run looks for them
/// between batches, so that an interrupted run still removes its database.
class Interruption {
 public:
  Interruption() {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGINT);
    sigaddset(&signals_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
  }

  void throw_if_pending() const {
    sigset_t pending;
    sigpending(&pending);
    if (sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1) {
      throw std::runtime_error("interrupted by a signal; no figures");
    }
  }

 private:
  sigset_t signals_{};
};

struct Pair {
  core::ConversationId conversation;
  core::UserId a;
  core::UserId b;
};

/// Users 2k and 2k + 1 talk to each other, as the chat scenario pairs its clients.
std::vector<Pair> make_pairs(storage::Store& store, int users) {
  std::vector<core::UserId> ids;
  expect(store.begin(), "begin the setup");
  for (int i = 0; i < users; ++i) {
    storage::NewUser user{.username = fmt::format("store-bench-{}", i),
                          .password_hash = "unused",
                          .profile = {},
                          .is_admin = false,
                          .created_at = 1};
    ids.push_back(expect(store.create_user(user), "create a user").id);
  }
  std::vector<Pair> pairs;
  for (std::size_t i = 0; i + 1 < ids.size(); i += 2) {
    core::Conversation direct;
    direct.kind = core::ConversationKind::direct;
    direct.created_by = ids[i];
    direct.created_at = 1;
    const std::vector<core::Member> members{{ids[i], core::MemberRole::member, core::Seq(), 1},
                                            {ids[i + 1], core::MemberRole::member, core::Seq(), 1}};
    pairs.push_back({expect(store.create_conversation(direct, members), "create a conversation").id,
                     ids[i], ids[i + 1]});
  }
  expect(store.commit(), "commit the setup");
  // The service reads a conversation (through the cache) before every send to it, so its
  // appends take the counters from the cache's row instead of a SELECT each: do the same. (With
  // more conversations than the cache holds, the reads evict one another, as in the server.)
  for (const auto& pair : pairs)
    expect(store.find_conversation(pair.conversation), "read a conversation");
  return pairs;
}

/// A client's id for its message: 36 characters, as the desktop client's UUIDs. Ordered ones
/// (version 7: the send time in milliseconds first) go to the end of the deduplication index,
/// whoever sends them; random ones (version 4) anywhere in it.
std::string client_id(std::mt19937_64& random, bool ordered, std::int64_t sent_ms) {
  const std::uint64_t high = ordered ? static_cast<std::uint64_t>(sent_ms) & 0xffffffffffffULL
                                     : random() & 0xffffffffffffULL;
  const std::uint64_t rand_a = random();
  const std::uint64_t clock = random();
  const std::uint64_t node = random();
  std::string id;
  bench::append_uuid(id, high, ordered ? 7 : 4, rand_a, clock, node);
  return id;
}

/// Where the process stands: time, CPU used and bytes written so far (none where the kernel
/// does not count them).
struct Meter {
  std::int64_t time_ns = 0;
  std::int64_t cpu_ns = 0;
  std::optional<std::int64_t> written_bytes;

  static Meter now() {
    return {bench::now_ns(), bench::self_cpu_ns(), bench::process_storage_write_bytes(getpid())};
  }
};

/// The figures of the messages appended between two meters.
struct Figures {
  std::int64_t stored_before = 0;  // messages the database held when the slice began
  std::int64_t messages = 0;
  double per_second = 0;
  double cpu_us_per_message = 0;
  std::optional<double> written_bytes_per_message;

  Figures(std::int64_t before, std::int64_t count, const Meter& from, const Meter& to)
      : stored_before(before), messages(count) {
    const auto n = static_cast<double>(count);
    per_second =
        n * 1e9 / static_cast<double>(std::max<std::int64_t>(1, to.time_ns - from.time_ns));
    cpu_us_per_message = static_cast<double>(to.cpu_ns - from.cpu_ns) / 1e3 / n;
    if (from.written_bytes && to.written_bytes) {
      written_bytes_per_message = static_cast<double>(*to.written_bytes - *from.written_bytes) / n;
    }
  }

  [[nodiscard]] nlohmann::json json() const {
    nlohmann::json out{{"stored_before", stored_before},
                       {"messages", messages},
                       {"messages_per_second", per_second},
                       {"cpu_us_per_message", cpu_us_per_message},
                       {"written_bytes_per_message", nullptr}};
    if (written_bytes_per_message) out["written_bytes_per_message"] = *written_bytes_per_message;
    return out;
  }
};

std::string describe(const Figures& figures) {
  return fmt::format("{:.0f} msg/s, cpu={:.1f}us/msg, written={}", figures.per_second,
                     figures.cpu_us_per_message,
                     figures.written_bytes_per_message
                         ? fmt::format("{:.1f}KB/msg", *figures.written_bytes_per_message / 1000)
                         : std::string("unknown (no /proc/self/io)"));
}

/// Appends the messages; the whole run's figures first, then the slices (--report-every). A
/// slice ends with the first batch that reaches its size; the last one holds what is left.
std::vector<Figures> run(storage::Store& store, const std::vector<Pair>& pairs,
                         const Options& options, const Interruption& interruption) {
  std::mt19937_64 random(20261127);
  const bool ordered = options.client_ids == "ordered";
  const std::string text(static_cast<std::size_t>(options.text_bytes), 'x');
  // Once, as the service does when it starts: from here on a commit is durable once the
  // syncer's sync() after it has returned (store.h).
  const std::unique_ptr<storage::Syncer> syncer = store.defer_sync();
  std::vector<Figures> slices;
  const Meter start = Meter::now();
  Meter slice_start = start;
  std::int64_t slice_first = 0;
  const auto end_slice = [&](std::int64_t sent) {
    const Meter now = Meter::now();
    slices.emplace_back(slice_first, sent - slice_first, slice_start, now);
    fmt::print("  stored {:>10}-{:<10} {}\n", slice_first, sent, describe(slices.back()));
    std::fflush(stdout);
    slice_start = now;
    slice_first = sent;
  };
  std::vector<storage::NewMessage> one(1);
  for (std::int64_t sent = 0, batches = 0; sent < options.messages; ++batches) {
    if (batches % 64 == 0) interruption.throw_if_pending();
    expect(store.begin(), "begin a batch");
    for (int i = 0; i < options.batch && sent < options.messages; ++i, ++sent) {
      const auto& pair = pairs[random() % pairs.size()];
      const std::int64_t sent_at = 1'700'000'000'000 + sent;  // a millisecond apart
      one[0] = storage::NewMessage{.conversation_id = pair.conversation,
                                   .sender_id = random() % 2 == 0 ? pair.a : pair.b,
                                   .client_msg_id = client_id(random, ordered, sent_at),
                                   .text = text,
                                   .created_at = sent_at};
      expect(store.append_messages(one), "append a message");
    }
    expect(store.commit(), "commit a batch");
    if (syncer) expect(syncer->sync(), "sync a batch");
    if (options.report_every > 0 && sent - slice_first >= options.report_every) end_slice(sent);
  }
  if (options.report_every > 0 && slice_first < options.messages) end_slice(options.messages);
  slices.insert(slices.begin(), Figures(0, options.messages, start, Meter::now()));
  return slices;
}

void write_json(const std::string& path, const Options& options, std::size_t conversations,
                const std::vector<Figures>& slices) {
  nlohmann::json out = slices.front().json();
  out["scenario"] = "store";
  out["batch"] = options.batch;
  out["users"] = options.users;
  out["conversations"] = conversations;
  out["text_bytes"] = options.text_bytes;
  out["client_ids"] = options.client_ids;
  out["synchronous"] = options.synchronous;
  out["cache_mib"] = options.cache_mib;
  out["report_every"] = options.report_every;
  out["slices"] = nlohmann::json::array();
  for (std::size_t k = 1; k < slices.size(); ++k) out["slices"].push_back(slices[k].json());
  std::ofstream file(path);
  file << out.dump(2) << "\n";
  file.close();
  if (!file) throw std::runtime_error("cannot write the JSON results to " + path);
}

/// Runs the whole benchmark in `work`; the caller removes it, whatever happens.
void bench_in(const std::filesystem::path& work, const Options& options,
              const Interruption& interruption) {
  storage::SqliteOptions sqlite;
  sqlite.path = (work / "store-bench.db").string();
  sqlite.synchronous = options.synchronous;
  sqlite.cache_mib = options.cache_mib;
  auto store =
      storage::make_caching_store(expect(storage::open_sqlite_store(sqlite), "open the database"),
                                  storage::kDefaultConversationCacheSize);
  const auto pairs = make_pairs(*store, options.users);
  const auto slices = run(*store, pairs, options, interruption);
  store.reset();  // stops the checkpointer before the file goes

  fmt::print("store messages={} batch={} conversations={} client_ids={} synchronous={}: {}\n",
             options.messages, options.batch, pairs.size(), options.client_ids, options.synchronous,
             describe(slices.front()));
  if (!options.json_out.empty()) write_json(options.json_out, options, pairs.size(), slices);
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{
      "What the embedded store (SQLite, with the server's conversation cache) costs per 1:1 "
      "message, in process: batches of appends, each committed, then synced as the server does."};
  app.add_option("--dir", options.dir,
                 "an existing directory for the database: a directory of the tool's own is made "
                 "in it and removed at the end (default: the system's temporary directory)");
  app.add_option("--messages", options.messages, "messages to append")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{100'000'000}));
  app.add_option("--batch", options.batch, "messages per unit of work (one commit and sync each)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100'000));
  app.add_option("--users", options.users, "users, paired into direct conversations")
      ->capture_default_str()
      ->check(CLI::Range(2, 1'000'000));
  app.add_option("--text-bytes", options.text_bytes, "bytes of text per message")
      ->capture_default_str()
      ->check(CLI::Range(1, 65'536));
  app.add_option("--report-every", options.report_every,
                 "also print the figures of each slice of about this many messages (a slice "
                 "ends with a batch), to see how the cost grows with the database (0: off)")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{100'000'000}));
  app.add_option("--client-ids", options.client_ids,
                 "the client ids' shape: ordered (UUID version 7, send time first, as the desktop "
                 "client sends) or random (version 4, as it sent until stop 18)")
      ->capture_default_str()
      ->check(CLI::IsMember({"random", "ordered"}));
  app.add_option("--synchronous", options.synchronous, "full or normal, as the server's setting")
      ->capture_default_str()
      ->check(CLI::IsMember({"full", "normal"}));
  app.add_option("--cache-mib", options.cache_mib,
                 "SQLite's page cache, as the server's sqlite_cache_mib setting")
      ->capture_default_str()
      ->check(CLI::Range(1, 65'536));
  app.add_option("--json", options.json_out, "also write the figures to this file as JSON");
  CLI11_PARSE(app, argc, argv);

  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path parent = options.dir.empty() ? fs::temp_directory_path(ec) : fs::path(options.dir);
  if (!ec) parent = fs::absolute(parent, ec);
  if (ec || !fs::is_directory(parent, ec)) {
    std::cerr << "messenger-store-bench: " << parent
              << " is not a directory; give --dir an existing one\n";
    return 2;
  }
  const fs::path work = parent / fmt::format("messenger-store-bench-{}", getpid());
  if (!fs::create_directory(work, ec)) {
    std::cerr << "messenger-store-bench: cannot make the directory " << work << ": "
              << (ec ? ec.message() : "it exists already") << "\n";
    return 1;
  }
  const Interruption interruption;  // before the store starts its checkpointer thread
  int status = 0;
  try {
    bench_in(work, options, interruption);
  } catch (const std::runtime_error& error) {
    std::cerr << "messenger-store-bench: " << error.what() << "\n";
    status = 1;
  }
  if (fs::remove_all(work, ec); ec) {
    std::cerr << "messenger-store-bench: could not remove " << work << ": " << ec.message()
              << "; remove it by hand\n";
    status = 1;
  }
  return status;
}
