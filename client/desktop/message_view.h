#pragma once

#include <QList>
#include <QListView>
#include <QMetaObject>

namespace messenger::client {
class MessageListModel;
}

namespace messenger::desktop {

class MessageDelegate;

/// The message list of one conversation: a QListView with per-pixel scrolling over a
/// client::MessageListModel, painted by a MessageDelegate (no widget per message). Keeps the
/// newest message in view while the user is at the bottom, asks the model for older messages
/// when scrolled near the top and keeps the visible messages in place when they arrive.
class MessageView : public QListView {
  Q_OBJECT

 public:
  explicit MessageView(QWidget* parent = nullptr);
  ~MessageView() override;

  /// Shows `model` (nullptr: nothing), scrolled to the newest message.
  void set_message_model(client::MessageListModel* model);
  [[nodiscard]] client::MessageListModel* message_model() const { return model_; }
  [[nodiscard]] MessageDelegate* message_delegate() const { return delegate_; }

  /// True while the newest message is in view: new rows then keep it in view.
  [[nodiscard]] bool at_bottom() const { return stick_; }
  /// Scrolls to the newest message and keeps it in view.
  void scroll_to_bottom();
  /// Scrolls by whole pages (negative: up), e.g. for PageUp in the composer.
  void scroll_pages(int pages);

  /// Measures every row again (QListView keeps their heights until told).
  void doItemsLayout() override;

 signals:
  /// Right click or the menu key on a message.
  void messageMenuRequested(const QModelIndex& index, const QPoint& global_pos);

 protected:
  bool event(QEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void changeEvent(QEvent* event) override;
  void contextMenuEvent(QContextMenuEvent* event) override;
  void paintEvent(QPaintEvent* event) override;
  void updateGeometries() override;
  void dataChanged(const QModelIndex& top_left, const QModelIndex& bottom_right,
                   const QList<int>& roles) override;

 private:
  void on_range_changed(int maximum);
  void on_value_changed(int value);
  /// Follows the newest message (at the bottom) or not, and lays out accordingly.
  void set_stick(bool stick);
  void on_rows_about_to_be_inserted(int first);
  void on_older_loaded(int count);
  void maybe_load_older();
  /// Lays out again when the view's width is not the one the rows were measured at.
  void relayout_if_width_changed();

  MessageDelegate* delegate_ = nullptr;
  client::MessageListModel* model_ = nullptr;
  QList<QMetaObject::Connection> model_connections_;
  bool stick_ = true;
  // The view's width when the rows were last measured: text wraps by it (MessageDelegate).
  int laid_out_width_ = -1;
  bool load_queued_ = false;
  // The row at the top of the viewport and its offset, taken before older rows are inserted.
  int anchor_row_ = -1;
  int anchor_offset_ = 0;
};

}  // namespace messenger::desktop
