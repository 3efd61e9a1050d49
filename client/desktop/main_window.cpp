#include "main_window.h"

#include <QAction>
#include <QCloseEvent>
#include <QInputDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPainter>
#include <QPointer>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>

#include "composer.h"
#include "conversation_sidebar.h"
#include "conversation_view.h"
#include "dialogs/channel_browser_dialog.h"
#include "dialogs/directory_dialog.h"
#include "dialogs/new_conversation_dialog.h"
#include "dialogs/profile_card.h"
#include "dialogs/settings_dialog.h"
#include "messenger/client/session.h"

namespace messenger::desktop {
namespace {

constexpr int kSidebarWidth = 290;
constexpr int kMinSidebarWidth = 220;

// A hairline between the sidebar and the conversation instead of the style's grip dots. Qt keeps
// a few pixels around a one-pixel handle for grabbing it.
class HairlineHandle : public QSplitterHandle {
 public:
  using QSplitterHandle::QSplitterHandle;

 protected:
  void paintEvent(QPaintEvent*) override {
    QPainter painter(this);
    QColor line = palette().color(QPalette::WindowText);
    line.setAlpha(40);
    painter.fillRect(contentsRect(), palette().color(QPalette::Base));
    painter.fillRect(contentsRect(), line);
  }
};

class Splitter : public QSplitter {
 public:
  using QSplitter::QSplitter;

 protected:
  QSplitterHandle* createHandle() override { return new HairlineHandle(orientation(), this); }
};

}  // namespace

MainWindow::MainWindow(client::Session& session, QWidget* parent)
    : QMainWindow(parent), session_(session) {
  setObjectName("mainWindow");
  sidebar_ = new ConversationSidebar(session_, this);
  sidebar_->setMinimumWidth(kMinSidebarWidth);
  view_ = new ConversationView(session_, this);

  auto* empty =
      new QLabel(tr("Choose a conversation on the left,\nor start a new one with Ctrl+N."), this);
  empty->setObjectName("emptyPlaceholder");
  empty->setAlignment(Qt::AlignCenter);
  empty->setForegroundRole(QPalette::PlaceholderText);
  placeholder_ = empty;
  stack_ = new QStackedWidget(this);
  stack_->addWidget(placeholder_);
  stack_->addWidget(view_);

  splitter_ = new Splitter(Qt::Horizontal, this);
  splitter_->setObjectName("mainSplitter");
  splitter_->setHandleWidth(1);
  splitter_->addWidget(sidebar_);
  splitter_->addWidget(stack_);
  splitter_->setStretchFactor(0, 0);
  splitter_->setStretchFactor(1, 1);
  splitter_->setChildrenCollapsible(false);
  splitter_->setSizes({kSidebarWidth, 1000 - kSidebarWidth});
  setCentralWidget(splitter_);

  connection_ = new QLabel(this);
  connection_->setObjectName("connectionLabel");
  statusBar()->addWidget(connection_, 1);
  statusBar()->setSizeGripEnabled(false);

  build_menus();
  resize(1000, 680);

  connect(sidebar_, &ConversationSidebar::conversationSelected, this,
          &MainWindow::show_conversation);
  connect(sidebar_, &ConversationSidebar::conversationActivated, this,
          [this](core::ConversationId id) {
            if (id.is_valid()) {
              view_->composer()->setFocus(Qt::OtherFocusReason);
            }
          });
  connect(view_, &ConversationView::conversationRequested, this, &MainWindow::open_conversation);
  connect(&session_, &client::Session::unreadTotalChanged, this, &MainWindow::update_title);
  connect(&session_, &client::Session::connectionStateChanged, this,
          &MainWindow::update_connection);

  update_title();
  update_connection(session_.connection_state());
  show_conversation({});
}

MainWindow::~MainWindow() = default;

void MainWindow::build_menus() {
  using Mode = NewConversationDialog::Mode;
  const auto new_conversation = [this](Mode mode) {
    auto* dialog = new NewConversationDialog(session_, mode, this);
    connect(dialog, &NewConversationDialog::conversationOpened, this,
            &MainWindow::open_conversation);
    adopt_dialog(dialog);
  };

  QMenu* app_menu = menuBar()->addMenu(tr("&Messenger"));
  QAction* new_direct = app_menu->addAction(tr("New &direct chat\u2026"), this,
                                            [new_conversation] { new_conversation(Mode::direct); });
  new_direct->setObjectName("newDirectAction");
  new_direct->setShortcut(QKeySequence::New);
  QAction* new_group = app_menu->addAction(tr("New &group\u2026"), this,
                                           [new_conversation] { new_conversation(Mode::group); });
  new_group->setObjectName("newGroupAction");
  new_group->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N));
  QAction* new_channel = app_menu->addAction(
      tr("New c&hannel\u2026"), this, [new_conversation] { new_conversation(Mode::channel); });
  new_channel->setObjectName("newChannelAction");
  QAction* browse = app_menu->addAction(tr("&Browse channels\u2026"), this, [this] {
    auto* dialog = new ChannelBrowserDialog(session_, this);
    connect(dialog, &ChannelBrowserDialog::conversationOpened, this,
            &MainWindow::open_conversation);
    adopt_dialog(dialog);
  });
  browse->setObjectName("browseChannelsAction");
  browse->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_B));
  QAction* directory = app_menu->addAction(tr("&Directory\u2026"), this, [this] {
    auto* dialog = new DirectoryDialog(session_, this);
    connect(dialog, &DirectoryDialog::conversationOpened, this, &MainWindow::open_conversation);
    adopt_dialog(dialog);
  });
  directory->setObjectName("directoryAction");
  directory->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D));
  app_menu->addSeparator();
  QAction* profile = app_menu->addAction(tr("My &profile\u2026"), this, [this] {
    auto* card = new ProfileCard(session_, session_.me().user.id, this);
    connect(card, &ProfileCard::conversationOpened, this, &MainWindow::open_conversation);
    adopt_dialog(card);
  });
  profile->setObjectName("myProfileAction");
  QAction* status = app_menu->addAction(tr("My &status\u2026"), this, &MainWindow::edit_status);
  status->setObjectName("myStatusAction");
  QAction* settings = app_menu->addAction(
      tr("&Settings\u2026"), this, [this] { adopt_dialog(new SettingsDialog(session_, this)); });
  settings->setObjectName("settingsAction");
  settings->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
  settings->setMenuRole(QAction::PreferencesRole);
  app_menu->addSeparator();
  QAction* sign_out = app_menu->addAction(tr("Sign &out\u2026"), this, [this] {
    const auto answer = QMessageBox::question(this, tr("Sign out"),
                                              tr("Sign out of The Messenger on this computer?"),
                                              QMessageBox::Yes | QMessageBox::Cancel);
    if (answer == QMessageBox::Yes) {
      emit signOutRequested();
    }
  });
  sign_out->setObjectName("signOutAction");
  QAction* quit = app_menu->addAction(tr("&Quit"), this, &MainWindow::quitRequested);
  quit->setObjectName("quitAction");
  quit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));
  quit->setMenuRole(QAction::QuitRole);

  QMenu* go = menuBar()->addMenu(tr("&Go"));
  QAction* search =
      go->addAction(tr("&Search conversations"), sidebar_, &ConversationSidebar::focus_filter);
  search->setObjectName("searchAction");
  search->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
  QAction* next =
      go->addAction(tr("&Next conversation"), this, [this] { sidebar_->select_relative(1); });
  next->setObjectName("nextConversationAction");
  next->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Down), QKeySequence(Qt::ALT | Qt::Key_Down)});
  QAction* previous =
      go->addAction(tr("&Previous conversation"), this, [this] { sidebar_->select_relative(-1); });
  previous->setObjectName("previousConversationAction");
  previous->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Up), QKeySequence(Qt::ALT | Qt::Key_Up)});

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  QAction* keys = help->addAction(tr("&Keyboard shortcuts"), this, [this] {
    QMessageBox::information(
        this, tr("Keyboard shortcuts"),
        tr("<table cellspacing='4'>"
           "<tr><td><b>Enter</b></td><td>send</td></tr>"
           "<tr><td><b>Shift+Enter</b></td><td>new line</td></tr>"
           "<tr><td><b>Up</b> (empty message)</td><td>edit my last message</td></tr>"
           "<tr><td><b>Esc</b></td><td>cancel editing</td></tr>"
           "<tr><td><b>Ctrl+K</b></td><td>search conversations</td></tr>"
           "<tr><td><b>Ctrl+Up / Ctrl+Down</b></td><td>previous / next conversation</td></tr>"
           "<tr><td><b>PageUp / PageDown</b></td><td>scroll the messages</td></tr>"
           "<tr><td><b>Ctrl+N</b></td><td>new direct chat</td></tr>"
           "<tr><td><b>Ctrl+Shift+D</b></td><td>directory</td></tr>"
           "</table>"));
  });
  keys->setShortcut(QKeySequence::HelpContents);

  sidebar_->set_actions({new_direct, new_group, new_channel, browse, directory});
}

void MainWindow::adopt_dialog(QDialog* dialog) {
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->open();
}

void MainWindow::open_conversation(core::ConversationId id) {
  sidebar_->select(id);
  if (view_->conversation() != id) {
    show_conversation(id);
  }
  if (id.is_valid()) {
    view_->composer()->setFocus(Qt::OtherFocusReason);
  }
}

core::ConversationId MainWindow::current_conversation() const {
  return view_->conversation();
}

bool MainWindow::is_in_front(core::ConversationId id) const {
  return isVisible() && !isMinimized() && isActiveWindow() && view_->conversation() == id;
}

void MainWindow::bring_to_front() {
  if (isMinimized()) {
    setWindowState((windowState() & ~Qt::WindowMinimized) | Qt::WindowActive);
  }
  show();
  raise();
  activateWindow();
}

QByteArray MainWindow::splitter_state() const {
  return splitter_->saveState();
}

void MainWindow::restore_splitter_state(const QByteArray& state) {
  splitter_->restoreState(state);
}

void MainWindow::show_conversation(core::ConversationId id) {
  view_->set_conversation(id);
  stack_->setCurrentWidget(id.is_valid() ? static_cast<QWidget*>(view_) : placeholder_);
  emit currentConversationChanged(id);
}

void MainWindow::update_title() {
  const qint64 unread = session_.unread_total();
  setWindowTitle(unread > 0 ? tr("The Messenger (%1)").arg(unread) : tr("The Messenger"));
}

void MainWindow::update_connection(client::ConnectionState state) {
  switch (state) {
    case client::ConnectionState::ready:
      connection_->clear();
      statusBar()->hide();
      return;
    case client::ConnectionState::connecting:
      connection_->setText(tr("Connecting\u2026"));
      break;
    case client::ConnectionState::offline:
      connection_->setText(tr("Offline \u2014 messages will be sent when the connection returns"));
      break;
  }
  statusBar()->show();
}

void MainWindow::edit_status() {
  bool ok = false;
  const QString current = QString::fromStdString(session_.me().user.profile.status_text);
  const QString text =
      QInputDialog::getText(this, tr("My status"), tr("What colleagues see next to your name:"),
                            QLineEdit::Normal, current, &ok);
  if (!ok || text.trimmed() == current) {
    return;
  }
  session_.set_status_text(text.trimmed(), [self = QPointer<MainWindow>(this)](
                                               core::Result<core::Ok> result) {
    if (!result.ok() && self) {
      QMessageBox::warning(
          self, tr("My status"),
          tr("The status was not saved: %1").arg(QString::fromStdString(result.error().message)));
    }
  });
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (hide_on_close_) {
    event->ignore();
    hide();
    return;
  }
  QMainWindow::closeEvent(event);
}

void MainWindow::changeEvent(QEvent* event) {
  QMainWindow::changeEvent(event);
  if (event->type() == QEvent::ActivationChange && isActiveWindow()) {
    view_->mark_read_if_seen();
  }
}

}  // namespace messenger::desktop
