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

/// A fresh directory per store, removed after the test.
std::vector<fs::path>& temp_dirs() {
  static std::vector<fs::path> dirs;
  return dirs;
}

std::unique_ptr<Store> cached_sqlite(std::size_t max_conversations) {
  std::string pattern = (fs::temp_directory_path() / "messenger-cache-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed for " << pattern;
    return nullptr;
  }
  temp_dirs().emplace_back(pattern);
  auto store = open_sqlite_store({.path = (fs::path(pattern) / "store.db").string()});
  if (!store.ok()) {
    ADD_FAILURE() << store.error().message;
    return nullptr;
  }
  return make_caching_store(std::move(store).value(), max_conversations);
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
                                  .after_test = remove_temp_dirs}),
    conformance::backend_name);

}  // namespace
}  // namespace messenger::storage
