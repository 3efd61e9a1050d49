#include "release_pipeline.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <utility>

namespace messenger::service {

ReleasePipeline::ReleasePipeline(std::unique_ptr<storage::Syncer> syncer, Metrics& metrics,
                                 SyncFailure on_sync_failure)
    : syncer_(std::move(syncer)),
      metrics_(metrics),
      on_sync_failure_(std::move(on_sync_failure)),
      thread_([this] { run(); }) {}

ReleasePipeline::~ReleasePipeline() {
  stop();
}

void ReleasePipeline::wait_for_room() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return unreleased_ < kMaxAhead || failed_; });
}

void ReleasePipeline::push(BatchOutputs batch) {
  {
    std::lock_guard lock(mutex_);
    waiting_.push_back(std::move(batch));
    ++unreleased_;
  }
  changed_.notify_all();
}

void ReleasePipeline::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ReleasePipeline::run() {
  for (;;) {
    std::vector<BatchOutputs> group;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return !waiting_.empty() || stopping_; });
      if (waiting_.empty()) return;  // stopping, and everything is released
      group.swap(waiting_);
    }
    const bool durable = !failed_ && make_durable(group);
    if (durable) {
      for (auto& batch : group) release(batch, metrics_);
    }
    {
      std::lock_guard lock(mutex_);
      unreleased_ -= group.size();
      if (!durable) failed_ = true;
    }
    changed_.notify_all();
  }
}

bool ReleasePipeline::make_durable(const std::vector<BatchOutputs>& group) {
  if (!syncer_) return true;
  bool any_committed = false;
  for (const auto& batch : group) any_committed = any_committed || batch.committed;
  if (!any_committed) return true;
  const auto started = std::chrono::steady_clock::now();
  auto synced = syncer_->sync();
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  metrics_.sync_seconds.observe(took.count());
  if (synced.ok()) return true;
  on_sync_failure_(synced.error());
  return false;
}

void stop_process_after_failed_sync(const core::Error& error) {
  spdlog::critical(
      "storage: {}. Committed messages may not be on disk, so none of them is acknowledged and "
      "the server stops now (exit status 74). Check the disk (dmesg, free space), then start the "
      "server again: it recovers every commit the disk kept, and clients resend the rest.",
      error.message);
  // Only a flush: other threads may still be logging, so the logger must stay alive.
  spdlog::default_logger()->flush();
  std::_Exit(74);
}

}  // namespace messenger::service
