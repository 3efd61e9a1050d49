#include "messenger/storage/caching_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "messenger/storage/sqlite_store.h"
#include "store_conformance.h"

namespace messenger::storage {
namespace {

namespace fs = std::filesystem;
using conformance::StoreConformance;
using core::Seq;
using core::UserId;

/// A fresh directory per store, removed after the test.
std::vector<fs::path>& temp_dirs() {
  static std::vector<fs::path> dirs;
  return dirs;
}

/// A new database file in a fresh directory.
std::string new_database_path() {
  std::string pattern = (fs::temp_directory_path() / "messenger-cache-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed for " << pattern;
    return {};
  }
  temp_dirs().emplace_back(pattern);
  return (fs::path(pattern) / "store.db").string();
}

std::unique_ptr<Store> open_sqlite(const std::string& path) {
  auto store = open_sqlite_store({.path = path});
  if (!store.ok()) {
    ADD_FAILURE() << store.error().message;
    return nullptr;
  }
  return std::move(store).value();
}

std::unique_ptr<Store> cached_sqlite(std::size_t max_conversations,
                                     CacheLifetime lifetime = CacheLifetime::process) {
  auto store = open_sqlite(new_database_path());
  if (store == nullptr) return nullptr;
  return make_caching_store(std::move(store), max_conversations, lifetime);
}

void remove_temp_dirs() {
  std::error_code ignored;
  for (const auto& dir : temp_dirs()) fs::remove_all(dir, ignored);
  temp_dirs().clear();
}

// The cache must be invisible: the whole store suite passes through it, with the default bound
// and with a bound so small that the cache starts over all the time.
INSTANTIATE_TEST_SUITE_P(
    Cached, StoreConformance,
    ::testing::Values(
        conformance::StoreBackend{
            .name = "CachedSqlite",
            .make_store = [] { return cached_sqlite(kDefaultConversationCacheSize); },
            .after_test = remove_temp_dirs},
        conformance::StoreBackend{.name = "CachedSqliteTinyCache",
                                  .make_store = [] { return cached_sqlite(1); },
                                  .after_test = remove_temp_dirs},
        conformance::StoreBackend{
            .name = "CachedSqliteForOneUnit",
            .make_store =
                [] { return cached_sqlite(kDefaultConversationCacheSize, CacheLifetime::unit); },
            .after_test = remove_temp_dirs}),
    conformance::backend_name);

// A cache for one unit of work, with a second store on the same file as another server (SQLite
// lets it write between units only; the MongoDB tests write inside one): the next unit reads
// again, and outside a unit every read goes to the store.
TEST(CachingStoreForOneUnit, SeesAnotherWritersChangeFromTheNextUnitOn) {
  const auto path = new_database_path();
  auto cached =
      make_caching_store(open_sqlite(path), kDefaultConversationCacheSize, CacheLifetime::unit);
  auto other = open_sqlite(path);
  ASSERT_NE(other, nullptr);
  const auto alice = conformance::expect_ok(cached->create_user(conformance::new_user("alice")));
  const auto bob = conformance::expect_ok(cached->create_user(conformance::new_user("bob")));
  const auto carol = conformance::expect_ok(cached->create_user(conformance::new_user("carol")));
  Conversation input;
  input.kind = core::ConversationKind::group;
  input.name = "team";
  input.created_by = alice.id;
  input.created_at = 1;
  const std::vector<Member> owner{{alice.id, core::MemberRole::owner, Seq(), 1}};
  const auto team = conformance::expect_ok(cached->create_conversation(input, owner));
  const auto is_member = [&](UserId user) {
    return conformance::expect_ok(cached->find_member(team.id, user)).has_value();
  };

  conformance::expect_ok(cached->begin());
  EXPECT_FALSE(is_member(bob.id));
  conformance::expect_ok(cached->commit());
  conformance::expect_ok(other->add_member(team.id, {bob.id, core::MemberRole::member, Seq(), 2}));

  conformance::expect_ok(cached->begin());
  EXPECT_TRUE(is_member(bob.id));
  cached->rollback();

  conformance::expect_ok(
      other->add_member(team.id, {carol.id, core::MemberRole::member, Seq(), 3}));
  EXPECT_TRUE(is_member(carol.id));  // no unit: read from the store
  conformance::expect_ok(other->remove_member(team.id, carol.id));
  EXPECT_FALSE(is_member(carol.id));
}

}  // namespace
}  // namespace messenger::storage
