#pragma once

#include <QCache>
#include <QFont>
#include <QStyledItemDelegate>
#include <memory>
#include <vector>

class QDate;
class QDateTime;
class QTime;

namespace messenger::desktop {

/// Paints one row of a client::MessageListModel, Slack-like (everything left-aligned): a day
/// separator above DayBreakRole rows, an avatar with the sender's name and time above
/// FirstInGroupRole rows, the word-wrapped text with an "edited" mark, tombstones, and for my
/// messages a state mark (clock while sending, check when sent, red when failed).
///
/// Heights come from a two-pass measure: the text's natural width (once per message revision,
/// independent of the view's width), then a full line layout only when the text has to wrap at
/// the current width. Both are kept in bounded caches keyed by (conversation, seq, rev) or by the
/// client id of an unsent message, so sizeHint() stays cheap for long histories and a resize only
/// re-measures messages that wrap. Line layouts are kept only for the rows being painted.
class MessageDelegate : public QStyledItemDelegate {
  Q_OBJECT

 public:
  /// The key of a message's text in the caches.
  struct Key {
    qint64 conversation = 0;
    qint64 seq = 0;     // 0 for an unsent message
    qint64 detail = 0;  // rev of a sent message, hash of the client id of an unsent one
    int width = 0;      // wrap width; 0 in the natural-width cache
    friend bool operator==(const Key&, const Key&) = default;
  };

  explicit MessageDelegate(QObject* parent = nullptr);
  ~MessageDelegate() override;

  void paint(QPainter* painter, const QStyleOptionViewItem& option,
             const QModelIndex& index) const override;
  [[nodiscard]] QSize sizeHint(const QStyleOptionViewItem& option,
                               const QModelIndex& index) const override;
  bool helpEvent(QHelpEvent* event, QAbstractItemView* view, const QStyleOptionViewItem& option,
                 const QModelIndex& index) override;

  /// Forgets every measure and layout (the font changed).
  void clear_cache();

  /// The label of a day separator: "Today", "Yesterday", the weekday within the last week, else
  /// the date.
  [[nodiscard]] static QString day_label(const QDate& date, const QDate& today);
  /// What hovering a message's time shows: the full date and the time of day.
  [[nodiscard]] static QString time_tooltip(const QDateTime& time);

  /// Cache fill, for tests.
  [[nodiscard]] int cached_measures() const;
  [[nodiscard]] int cached_layouts() const;

 private:
  struct Style;
  struct Natural;
  struct Wrap;
  struct Laid;

  [[nodiscard]] const Style& style(const QFont& font) const;
  [[nodiscard]] static int text_width(const QStyleOptionViewItem& option, const Style& style);
  /// The sender's name as the first row of a group shows it (elided to the row's width).
  [[nodiscard]] static QString shown_name(const Style& style, const QRect& rect,
                                          const QModelIndex& index);
  /// Where a row's time is painted (beside the name, or in the gutter while hovered); also
  /// where hovering shows time_tooltip().
  [[nodiscard]] static QRect time_rect(const Style& style, const QRect& rect,
                                       const QModelIndex& index);
  [[nodiscard]] static Key key_of(const QModelIndex& index);
  [[nodiscard]] const Natural& natural(const QModelIndex& index, const Key& key,
                                       const Style& style) const;
  static void measure_simple(const QString& text, const Style& style, Natural& natural);
  static void measure_shaped(const QString& text, const Style& style, Natural& natural);
  [[nodiscard]] static Wrap wrap(const Natural& natural, qreal room, std::vector<int>* starts);
  [[nodiscard]] int text_height(const QModelIndex& index, const Key& key, int width,
                                const Style& style) const;
  [[nodiscard]] const Laid& laid_out(const QModelIndex& index, const Key& key, int width,
                                     const Style& style) const;

  mutable std::unique_ptr<Style> style_;
  mutable QCache<Key, Natural> natural_;
  mutable QCache<Key, int> exact_heights_;
  mutable QCache<Key, Laid> layouts_;
};

size_t qHash(const MessageDelegate::Key& key, size_t seed = 0) noexcept;

/// A round avatar with up to two initials of `name` on a colour derived from `seed` (the same
/// hues as dialogs/profile_card.h's initials_avatar), painted directly so it stays sharp on
/// high-DPI screens.
void paint_avatar(QPainter& painter, const QRectF& rect, const QString& name, qint64 seed);
/// A time of day as messages show it: the locale's short format without seconds.
[[nodiscard]] QString short_time(const QTime& time);
/// The colour of a sender's name, readable on `palette`'s base colour.
[[nodiscard]] QColor name_color(qint64 seed, const QPalette& palette);

}  // namespace messenger::desktop
