#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "messenger/core/result.h"
#include "messenger/storage/store.h"
#include "metrics.h"
#include "release.h"

namespace messenger::service {

/// Releases the service thread's batches on a thread of its own, in the order they were
/// committed, each only once the store has it durably: one Syncer::sync() covers every batch
/// committed before it started (a group commit of group commits). Meanwhile the service thread
/// handles and commits the next batch instead of waiting for the disk; it stays at most
/// kMaxAhead batches ahead of the releases, so a slow disk holds it back instead of
/// piling up replies.
class ReleasePipeline {
 public:
  /// Batches committed but not yet released that the service thread may have at once: one being
  /// synced and the next already committed. More would make smaller batches (each commit
  /// rewrites the pages it touches), not faster releases.
  static constexpr std::size_t kMaxAhead = 2;

  /// Called on the pipeline's thread when a sync fails: the batches it covered may or may not
  /// survive a crash, so none of them, nor any later batch, is ever released. The server's
  /// (stop_process_after_failed_sync) does not return; one that does (tests) leaves a service
  /// that commits but never answers again.
  using SyncFailure = std::function<void(const core::Error&)>;

  /// `syncer` null: commits are durable when they return, and batches are released as they
  /// come. Starts the thread.
  ReleasePipeline(std::unique_ptr<storage::Syncer> syncer, Metrics& metrics,
                  SyncFailure on_sync_failure);
  ~ReleasePipeline();
  ReleasePipeline(const ReleasePipeline&) = delete;
  ReleasePipeline& operator=(const ReleasePipeline&) = delete;

  /// Blocks while kMaxAhead batches are waiting to be released. The service thread calls it
  /// before it takes its next batch, so the work that arrives meanwhile joins that batch.
  void wait_for_room();
  /// Takes a batch that has committed or rolled back. Thread-safe; never blocks for long.
  void push(BatchOutputs batch);
  /// Releases everything pushed so far (after one more sync) and joins the thread.
  void stop();

 private:
  void run();
  /// Syncs when `group` holds a committed batch; false when the sync failed.
  bool make_durable(const std::vector<BatchOutputs>& group);

  std::unique_ptr<storage::Syncer> syncer_;
  Metrics& metrics_;
  SyncFailure on_sync_failure_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<BatchOutputs> waiting_;
  std::size_t unreleased_ = 0;  // pushed, not yet released (waiting_ plus the group in hand)
  bool stopping_ = false;
  bool failed_ = false;
  std::thread thread_;
};

/// The server's answer to a failed sync: it logs the error and ends the process at once with
/// exit status 74 (EX_IOERR), like PostgreSQL after a failed fsync. Continuing could acknowledge
/// messages the disk never took; a restart recovers every commit the disk did take, and clients
/// resend the rest (client_msg_id makes that safe).
[[noreturn]] void stop_process_after_failed_sync(const core::Error& error);

}  // namespace messenger::service
