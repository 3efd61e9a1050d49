#pragma once

#include <QMainWindow>

#include "messenger/client/connection.h"
#include "messenger/core/ids.h"

class QLabel;
class QSplitter;
class QStackedWidget;

namespace messenger::client {
class Session;
}

namespace messenger::desktop {

class ConversationSidebar;
class ConversationView;

/// The signed-in window: conversations on the left, the selected one on the right, menus for
/// new conversations, the directory, settings, my status and signing out, and a status bar that
/// appears only while the connection is not ready. The title shows the unread total.
/// Keyboard: Ctrl+K search, Ctrl+Up/Down or Alt+Up/Down switch conversations, Ctrl+N new chat.
/// The Session must outlive the window (the composer keeps its draft when it goes away).
class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(client::Session& session, QWidget* parent = nullptr);
  ~MainWindow() override;

  /// Selects and shows a conversation (also one that is not listed yet, e.g. just created).
  void open_conversation(core::ConversationId id);
  [[nodiscard]] core::ConversationId current_conversation() const;
  /// True when `id` is shown in a visible, active window: no need to notify about it.
  [[nodiscard]] bool is_in_front(core::ConversationId id) const;
  /// With a tray icon, closing the window hides it instead of quitting.
  void set_hide_on_close(bool hide) { hide_on_close_ = hide; }
  /// Shows, un-minimizes and raises the window.
  void bring_to_front();

  [[nodiscard]] QByteArray splitter_state() const;
  void restore_splitter_state(const QByteArray& state);

  [[nodiscard]] ConversationSidebar* sidebar() const { return sidebar_; }
  [[nodiscard]] ConversationView* conversation_view() const { return view_; }

 signals:
  void signOutRequested();
  void quitRequested();
  /// The conversation in front changed (invalid: none).
  void currentConversationChanged(messenger::core::ConversationId id);

 protected:
  void closeEvent(QCloseEvent* event) override;
  void changeEvent(QEvent* event) override;

 private:
  void build_menus();
  void show_conversation(core::ConversationId id);
  void update_title();
  void update_connection(client::ConnectionState state);
  void edit_status();
  void adopt_dialog(QDialog* dialog);

  client::Session& session_;
  QSplitter* splitter_ = nullptr;
  ConversationSidebar* sidebar_ = nullptr;
  QStackedWidget* stack_ = nullptr;
  QWidget* placeholder_ = nullptr;
  ConversationView* view_ = nullptr;
  QLabel* connection_ = nullptr;
  bool hide_on_close_ = false;
};

}  // namespace messenger::desktop
