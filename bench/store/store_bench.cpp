// messenger-store-bench: what the embedded store alone costs per 1:1 message, with no network
// and no service around it. It drives the store the way the server's service thread does
// (a unit of work per batch, one append per send, the conversation cache in front, then the
// disk sync), on a real SQLite file, and reports CPU per message for the whole process, so the
// checkpointer's thread counts too. The chat scenario's server CPU per message minus this is
// what the network and the service cost.

#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

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
  bool ordered_ids = false;
  std::string synchronous = "full";
  std::string json_out;
};

/// A store call failed: main reports it and removes the database before exiting.
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
  return pairs;
}

/// A client's id for its message: 36 characters, as the desktop client's UUIDs. Random ones
/// (version 4) land anywhere in the sender's part of the (sender, client id) index; ordered ones
/// (version 7: the send time in milliseconds first) after the sender's previous ones.
std::string client_id(std::mt19937_64& random, bool ordered, std::int64_t sent_ms) {
  const std::uint64_t high = ordered ? static_cast<std::uint64_t>(sent_ms) & 0xffffffffffffULL
                                     : random() & 0xffffffffffffULL;
  return fmt::format("{:08x}-{:04x}-{:x}{:03x}-{:04x}-{:012x}", high >> 16, high & 0xffffU,
                     ordered ? 7 : 4, random() & 0xfffU, 0x8000U | (random() & 0x3fffU),
                     random() & 0xffffffffffffULL);
}

/// Where the process stands: time, CPU used and bytes written so far.
struct Meter {
  std::int64_t time_ns = 0;
  std::int64_t cpu_ns = 0;
  std::int64_t written_bytes = 0;

  static Meter now() {
    return {bench::now_ns(), bench::self_cpu_ns(),
            bench::process_storage_write_bytes(getpid()).value_or(0)};
  }
};

/// The figures of the messages appended between two meters.
struct Figures {
  std::int64_t stored_before = 0;  // messages the database held when the slice began
  std::int64_t messages = 0;
  double per_second = 0;
  double cpu_us_per_message = 0;
  double written_bytes_per_message = 0;

  Figures(std::int64_t before, std::int64_t count, const Meter& from, const Meter& to)
      : stored_before(before), messages(count) {
    const auto n = static_cast<double>(count);
    per_second =
        n * 1e9 / static_cast<double>(std::max<std::int64_t>(1, to.time_ns - from.time_ns));
    cpu_us_per_message = static_cast<double>(to.cpu_ns - from.cpu_ns) / 1e3 / n;
    written_bytes_per_message = static_cast<double>(to.written_bytes - from.written_bytes) / n;
  }

  [[nodiscard]] nlohmann::json json() const {
    return {{"stored_before", stored_before},
            {"messages", messages},
            {"messages_per_second", per_second},
            {"cpu_us_per_message", cpu_us_per_message},
            {"written_bytes_per_message", written_bytes_per_message}};
  }
};

std::string describe(const Figures& figures) {
  return fmt::format("{:.0f} msg/s, cpu={:.1f}us/msg, written={:.1f}KB/msg", figures.per_second,
                     figures.cpu_us_per_message, figures.written_bytes_per_message / 1000);
}

/// Appends the messages; the whole run's figures first, then one per --report-every slice.
std::vector<Figures> run(storage::Store& store, const std::vector<Pair>& pairs,
                         const Options& options) {
  std::mt19937_64 random(20261127);
  const std::string text(static_cast<std::size_t>(options.text_bytes), 'x');
  std::vector<Figures> slices;
  const Meter start = Meter::now();
  Meter slice_start = start;
  std::int64_t slice_first = 0;
  std::vector<storage::NewMessage> one(1);
  for (std::int64_t sent = 0; sent < options.messages;) {
    expect(store.begin(), "begin a batch");
    for (int i = 0; i < options.batch && sent < options.messages; ++i, ++sent) {
      const auto& pair = pairs[random() % pairs.size()];
      const std::int64_t sent_at = 1'700'000'000'000 + sent;  // a millisecond apart
      one[0] = storage::NewMessage{.conversation_id = pair.conversation,
                                   .sender_id = random() % 2 == 0 ? pair.a : pair.b,
                                   .client_msg_id = client_id(random, options.ordered_ids, sent_at),
                                   .text = text,
                                   .created_at = sent_at};
      expect(store.append_messages(one), "append a message");
    }
    expect(store.commit(), "commit a batch");
    if (auto syncer = store.defer_sync()) expect(syncer->sync(), "sync a batch");
    if (options.report_every > 0 && sent - slice_first >= options.report_every) {
      const Meter now = Meter::now();
      slices.emplace_back(slice_first, sent - slice_first, slice_start, now);
      fmt::print("  stored {:>10}-{:<10} {}\n", slice_first, sent, describe(slices.back()));
      std::fflush(stdout);
      slice_start = now;
      slice_first = sent;
    }
  }
  slices.insert(slices.begin(), Figures(0, options.messages, start, Meter::now()));
  return slices;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{
      "What the embedded store (SQLite, with the server's conversation cache) costs per 1:1 "
      "message, in process: batches of appends, each committed and synced as the server does."};
  app.add_option("--dir", options.dir,
                 "where to put the database: a directory of its own is made in it, and removed "
                 "at the end (default: the system's temporary directory)");
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
                 "also print the figures of each slice of this many messages, to see how the cost "
                 "grows with the database (0: off)")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{100'000'000}));
  app.add_option("--client-ids", options.ordered_ids,
                 "the client ids' shape: random (UUID version 4, as the desktop client sent until "
                 "stop 18) or ordered (version 7, send time first)")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, bool>{{"random", false}, {"ordered", true}}))
      ->default_str("random");
  app.add_option("--synchronous", options.synchronous, "full or normal, as the server's setting")
      ->capture_default_str()
      ->check(CLI::IsMember({"full", "normal"}));
  app.add_option("--json", options.json_out, "also write the figures to this file as JSON");
  CLI11_PARSE(app, argc, argv);

  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path parent = options.dir.empty() ? fs::temp_directory_path(ec) : fs::path(options.dir);
  const fs::path work = parent / fmt::format("messenger-store-bench-{}", getpid());
  if (ec || !fs::create_directories(work, ec)) {
    std::cerr << "messenger-store-bench: cannot make the directory " << work << ": "
              << (ec ? ec.message() : "it exists already") << "\n";
    return 1;
  }
  int status = 0;
  try {
    storage::SqliteOptions sqlite;
    sqlite.path = (work / "store-bench.db").string();
    sqlite.synchronous = options.synchronous;
    auto store =
        storage::make_caching_store(expect(storage::open_sqlite_store(sqlite), "open the database"),
                                    storage::kDefaultConversationCacheSize);
    const auto pairs = make_pairs(*store, options.users);
    const auto slices = run(*store, pairs, options);
    store.reset();  // stops the checkpointer before the file goes

    fmt::print("store messages={} batch={} conversations={} client_ids={} synchronous={}: {}\n",
               options.messages, options.batch, pairs.size(),
               options.ordered_ids ? "ordered" : "random", options.synchronous,
               describe(slices.front()));
    if (!options.json_out.empty()) {
      nlohmann::json out = slices.front().json();
      out["scenario"] = "store";
      out["batch"] = options.batch;
      out["conversations"] = pairs.size();
      out["text_bytes"] = options.text_bytes;
      out["synchronous"] = options.synchronous;
      out["client_ids"] = options.ordered_ids ? "ordered" : "random";
      out["slices"] = nlohmann::json::array();
      for (std::size_t k = 1; k < slices.size(); ++k) out["slices"].push_back(slices[k].json());
      std::ofstream(options.json_out) << out.dump(2) << "\n";
    }
  } catch (const std::runtime_error& error) {
    std::cerr << "messenger-store-bench: " << error.what() << "\n";
    status = 1;
  }
  fs::remove_all(work, ec);
  return status;
}
