#pragma once

namespace messenger::storage::sqlite {

/// When a round of background checkpoint passes ends (Checkpointer::run; docs/storage.md). Each
/// pass copies what was committed during the one before; the round ends, and the writer copies
/// what is left inside its next commit, when:
/// - no more than `finish_frames` are left;
/// - a pass copied no further than the one before: a reader's snapshot pins the copy, and
///   another pass would copy nothing;
/// - kPassesThatProveSaturation passes in a row left no fewer frames than the pass before: the
///   commits outpace the passes. One such pass proves nothing: a pass slowed down by a busy core
///   leaves more, and handing the writer ~1,000 frames instead of ~200 stalled its commits for
///   30 ms (docs/benchmarks.md, stop 19).
class CheckpointRound {
 public:
  static constexpr int kPassesThatProveSaturation = 3;

  explicit CheckpointRound(int finish_frames) : finish_frames_(finish_frames) {}

  /// After a pass that has copied the WAL up to frame `copied` and left `left` frames: whether
  /// the round ends.
  [[nodiscard]] bool ends_after(int copied, int left) {
    const bool pinned = copied == copied_before_;
    not_shrinking_ = left_before_ >= 0 && left >= left_before_ ? not_shrinking_ + 1 : 0;
    copied_before_ = copied;
    left_before_ = left;
    return left <= finish_frames_ || pinned || not_shrinking_ >= kPassesThatProveSaturation;
  }

 private:
  int finish_frames_;
  int copied_before_ = -1;
  int left_before_ = -1;
  int not_shrinking_ = 0;
};

}  // namespace messenger::storage::sqlite
