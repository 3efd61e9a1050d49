// The desktop windows driven like a user would (keys and clicks on the real widgets), offscreen,
// against the real messenger-server.

#include <QCheckBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMenu>
#include <QPushButton>
#include <QScopeGuard>
#include <QScrollBar>
#include <QTemporaryDir>
#include <QToolTip>
#include <QtTest>
#include <memory>
#include <optional>

#include "app.h"
#include "composer.h"
#include "conversation_sidebar.h"
#include "conversation_view.h"
#include "main_window.h"
#include "message_delegate.h"
#include "message_view.h"
#include "messenger/client/conversation_list_model.h"
#include "messenger/client/message_list_model.h"
#include "messenger/client/session.h"
#include "sign_in_window.h"
#include "test_server.h"
#include "theme.h"
#include "tray.h"

using namespace messenger;
using client::test::RawClient;
using client::test::TestServer;
using desktop::Composer;
using desktop::MainWindow;
using desktop::MessageView;
using Messages = client::MessageListModel;
using Conversations = client::ConversationListModel;

namespace {

constexpr int kTimeoutMs = 15'000;
constexpr const char* kPassword = "correct-horse-battery";

struct Account {
  QString username;
  core::UserId id;
};

// One person's desktop: a Session on its own profile folder and its main window.
struct Desktop {
  QString profile_dir;
  std::unique_ptr<client::Session> session;
  std::unique_ptr<MainWindow> window;

  ~Desktop() {
    window.reset();  // before the Session: the composer keeps its draft there
    session.reset();
  }
  [[nodiscard]] Composer* composer() const { return window->findChild<Composer*>("composer"); }
  [[nodiscard]] MessageView* message_view() const {
    return window->findChild<MessageView*>("messageView");
  }
  [[nodiscard]] QListView* conversation_list() const {
    return window->findChild<QListView*>("conversationList");
  }
  [[nodiscard]] qint64 unread(core::ConversationId id) const {
    const Conversations* list = session->conversations();
    const int row = list->row_of(id);
    return row < 0 ? -1 : list->index(row).data(Conversations::UnreadRole).toLongLong();
  }
  bool show_window() {
    window = std::make_unique<MainWindow>(*session);
    window->show();
    return QTest::qWaitForWindowExposed(window.get());
  }
};

int count_text(const QAbstractItemModel* model, const QString& text) {
  int count = 0;
  for (int row = 0; row < model->rowCount(); ++row) {
    count += model->index(row, 0).data(Messages::TextRole).toString() == text ? 1 : 0;
  }
  return count;
}

int row_with_text(const QAbstractItemModel* model, const QString& text) {
  for (int row = model->rowCount() - 1; row >= 0; --row) {
    if (model->index(row, 0).data(Messages::TextRole).toString() == text) {
      return row;
    }
  }
  return -1;
}

QVariant role_of(const QAbstractItemModel* model, const QString& text, int role) {
  const int row = row_with_text(model, text);
  return row < 0 ? QVariant() : model->index(row, 0).data(role);
}

bool is_sent(const QAbstractItemModel* model, const QString& text) {
  return role_of(model, text, Messages::SendStateRole).toInt() ==
             static_cast<int>(Messages::SendState::sent) &&
         role_of(model, text, Messages::SeqRole).toLongLong() > 0;
}

QModelIndex list_index_of(const QListView* list, core::ConversationId id) {
  const QAbstractItemModel* model = list->model();
  for (int row = 0; row < model->rowCount(); ++row) {
    const QModelIndex index = model->index(row, 0);
    if (index.data(Conversations::IdRole).toLongLong() == id.value()) {
      return index;
    }
  }
  return {};
}

}  // namespace

class DesktopTest : public QObject {
  Q_OBJECT

 private:
  Account make_user(const QString& name, const QString& display_name) {
    QString error;
    const QString username = QStringLiteral("%1%2").arg(name).arg(++next_user_);
    const qint64 id = admin_.create_user(username, kPassword, display_name, &error);
    if (id == 0) {
      qWarning() << "create_user:" << error;
    }
    return {username, core::UserId(id)};
  }

  QString new_profile_dir() {
    return root_.filePath(QStringLiteral("profile-%1").arg(++next_dir_));
  }

  // Signs in through the Session (the sign-in window has its own test) and shows a MainWindow.
  std::unique_ptr<Desktop> sign_in(const Account& account, QString profile_dir = {},
                                   bool keep_signed_in = false) {
    auto desktop = std::make_unique<Desktop>();
    desktop->profile_dir = profile_dir.isEmpty() ? new_profile_dir() : profile_dir;
    desktop->session = std::make_unique<client::Session>(desktop->profile_dir);
    desktop->session->sign_in(
        client::SignInRequest{server_.url(), account.username, kPassword, keep_signed_in});
    if (!QTest::qWaitFor([&] { return desktop->session->signed_in(); }, kTimeoutMs)) {
      qWarning() << "sign-in of" << account.username << "did not finish";
      return nullptr;
    }
    if (!desktop->show_window()) {
      return nullptr;
    }
    return desktop;
  }

  // Opens (creates) the direct conversation of `from` with `to`; invalid on failure.
  static core::ConversationId open_direct(Desktop& from, const Account& to) {
    auto id = std::make_shared<std::optional<core::ConversationId>>();
    from.session->open_direct(to.id, [id](core::Result<core::ConversationId> result) {
      *id = result.ok() ? result.value() : core::ConversationId{};
    });
    if (!QTest::qWaitFor([&] { return id->has_value(); }, kTimeoutMs)) {
      return {};
    }
    return id->value();
  }

  static core::ConversationId create_group(Desktop& from, const QString& name,
                                           const std::vector<core::UserId>& members) {
    auto id = std::make_shared<std::optional<core::ConversationId>>();
    from.session->create_conversation(core::ConversationKind::group, name, {}, members,
                                      [id](core::Result<core::ConversationId> result) {
                                        *id = result.ok() ? result.value() : core::ConversationId{};
                                      });
    if (!QTest::qWaitFor([&] { return id->has_value(); }, kTimeoutMs)) {
      return {};
    }
    return id->value();
  }

  static void type_and_send(Composer* composer, const QString& text) {
    QTest::keyClicks(composer, text);
    QTest::keyClick(composer, Qt::Key_Return);
  }

  // The history tests post hundreds of messages as fast as the server answers; on a fast machine
  // that exceeds the per-connection request rate, which these tests are not about.
  TestServer server_{{QStringLiteral("--requests-per-second"), QStringLiteral("0")}};
  RawClient admin_;
  QTemporaryDir root_;
  int next_user_ = 0;
  int next_dir_ = 0;

 private slots:
  void initTestCase() {
    QVERIFY(root_.isValid());
    QString error;
    QVERIFY2(server_.start(&error), qPrintable(error));
    QVERIFY2(
        admin_.sign_in(server_.url(), TestServer::kAdminUser, TestServer::kAdminPassword, &error),
        qPrintable(error));
  }

  void sign_in_window_explains_a_wrong_password_then_opens_the_main_window() {
    const Account alice = make_user("alice", "Alice Adams");
    QVERIFY(alice.id.is_valid());
    const QString profile = new_profile_dir();
    {
      desktop::App app(*qApp, desktop::AppOptions{profile, server_.url()});
      QVERIFY(app.start());
      QVERIFY(app.main_window() == nullptr);
      desktop::SignInWindow* window = app.sign_in_window();
      QVERIFY(window != nullptr);
      QVERIFY(QTest::qWaitForWindowExposed(window));
      auto* server = window->findChild<QLineEdit*>("serverEdit");
      auto* username = window->findChild<QLineEdit*>("usernameEdit");
      auto* password = window->findChild<QLineEdit*>("passwordEdit");
      auto* keep = window->findChild<QCheckBox*>("keepSignedIn");
      auto* button = window->findChild<QPushButton*>("signInButton");
      auto* status = window->findChild<QLabel*>("statusLabel");
      QVERIFY(server && username && password && keep && button && status);
      QCOMPARE(server->text(), server_.url().toString());
      QCOMPARE(password->echoMode(), QLineEdit::Password);
      QVERIFY(keep->isChecked());

      QTest::keyClicks(username, alice.username);
      QTest::keyClicks(password, "not-the-password");
      QTest::mouseClick(button, Qt::LeftButton);
      QVERIFY(!password->isEnabled());  // inputs wait while signing in
      QTRY_VERIFY_WITH_TIMEOUT(status->text().contains("Wrong username or password"), kTimeoutMs);
      QVERIFY(password->isEnabled());
      QVERIFY(button->isEnabled());
      QVERIFY(app.main_window() == nullptr);

      password->clear();
      QTest::keyClicks(password, kPassword);
      QTest::keyClick(password, Qt::Key_Return);  // Enter signs in too
      QTRY_VERIFY_WITH_TIMEOUT(app.main_window() != nullptr && app.main_window()->isVisible(),
                               kTimeoutMs);
      QVERIFY(app.sign_in_window() == nullptr);
    }
    // "Keep me signed in": the next start opens the main window at once, no password.
    desktop::App again(*qApp, desktop::AppOptions{profile, {}});
    QVERIFY(again.start());
    QVERIFY(again.main_window() != nullptr);
    QVERIFY(again.main_window()->isVisible());
    QVERIFY(again.sign_in_window() == nullptr);
    QTRY_COMPARE_WITH_TIMEOUT(again.session().connection_state(), client::ConnectionState::ready,
                              kTimeoutMs);
    // One instance per profile folder.
    desktop::App second(*qApp, desktop::AppOptions{profile, {}});
    QVERIFY(!second.start());

    // Signing out goes back to the sign-in window, with the username kept, and forgets the login.
    emit again.main_window()->signOutRequested();
    QTRY_VERIFY_WITH_TIMEOUT(again.main_window() == nullptr && again.sign_in_window() != nullptr,
                             kTimeoutMs);
    QVERIFY(again.sign_in_window()->isVisible());
    QCOMPARE(again.sign_in_window()->findChild<QLineEdit*>("usernameEdit")->text(), alice.username);
    QVERIFY(!again.session().saved_login().has_value());
  }

  void enter_sends_once_and_shift_enter_starts_a_new_line() {
    const Account alice = make_user("alice", "Alice Adams");
    const Account bob = make_user("bob", "Bob Brown");
    auto a = sign_in(alice);
    auto b = sign_in(bob);
    QVERIFY(a && b);
    const core::ConversationId id = open_direct(*a, bob);
    QVERIFY(id.is_valid());
    QTRY_VERIFY_WITH_TIMEOUT(b->session->conversations()->row_of(id) >= 0, kTimeoutMs);
    a->window->open_conversation(id);
    b->window->open_conversation(id);
    QCOMPARE(a->window->current_conversation(), id);
    QCOMPARE(b->window->current_conversation(), id);
    Messages* sent_from = a->session->messages(id);
    Messages* seen_by = b->session->messages(id);
    QCOMPARE(a->message_view()->model(), sent_from);
    QCOMPARE(b->message_view()->model(), seen_by);
    Composer* composer = a->composer();
    QVERIFY(composer && composer->isEnabled());

    type_and_send(composer, "Hello Bob");
    QCOMPARE(composer->toPlainText(), QString());
    QCOMPARE(count_text(sent_from, "Hello Bob"), 1);  // shown at once, while sending
    QTRY_COMPARE_WITH_TIMEOUT(count_text(seen_by, "Hello Bob"), 1, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(is_sent(sent_from, "Hello Bob"), kTimeoutMs);
    QCOMPARE(role_of(seen_by, "Hello Bob", Messages::OwnRole).toBool(), false);
    QCOMPARE(role_of(sent_from, "Hello Bob", Messages::OwnRole).toBool(), true);

    // Shift+Enter: a new line, nothing sent.
    const int rows = sent_from->rowCount();
    QTest::keyClicks(composer, "line one");
    QTest::keyClick(composer, Qt::Key_Return, Qt::ShiftModifier);
    QTest::keyClicks(composer, "line two");
    QCOMPARE(composer->toPlainText(), QString("line one\nline two"));
    QCOMPARE(sent_from->rowCount(), rows);
    QTest::keyClick(composer, Qt::Key_Return);
    QTRY_COMPARE_WITH_TIMEOUT(count_text(seen_by, "line one\nline two"), 1, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(is_sent(sent_from, "line one\nline two"), kTimeoutMs);

    // Blank text is not sent.
    QTest::keyClicks(composer, "   ");
    QTest::keyClick(composer, Qt::Key_Return);
    QTest::keyClick(composer, Qt::Key_Return, Qt::ShiftModifier);
    QTest::keyClick(composer, Qt::Key_Return);
    QCOMPARE(sent_from->rowCount(), rows + 1);

    // Bob answers from his window; each message is there exactly once on both sides.
    type_and_send(b->composer(), "Hi Alice");
    QTRY_COMPARE_WITH_TIMEOUT(count_text(sent_from, "Hi Alice"), 1, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(is_sent(seen_by, "Hi Alice"), kTimeoutMs);
    for (const Messages* model : {sent_from, seen_by}) {
      QCOMPARE(count_text(model, "Hello Bob"), 1);
      QCOMPARE(count_text(model, "line one\nline two"), 1);
      QCOMPARE(count_text(model, "Hi Alice"), 1);
      QCOMPARE(model->rowCount(), 3);
    }
  }

  void up_arrow_edits_my_last_message() {
    const Account carol = make_user("carol", "Carol Chen");
    const Account dave = make_user("dave", "Dave Diaz");
    auto a = sign_in(carol);
    auto b = sign_in(dave);
    QVERIFY(a && b);
    const core::ConversationId id = open_direct(*a, dave);
    QVERIFY(id.is_valid());
    QTRY_VERIFY_WITH_TIMEOUT(b->session->conversations()->row_of(id) >= 0, kTimeoutMs);
    a->window->open_conversation(id);
    b->window->open_conversation(id);
    Messages* mine = a->session->messages(id);
    Messages* theirs = b->session->messages(id);
    Composer* composer = a->composer();
    auto* edit_bar = a->window->findChild<QWidget*>("editBar");
    QVERIFY(edit_bar != nullptr);

    // Dave starts typing: Carol sees it under the messages.
    auto* typing = a->window->findChild<QLabel*>("typingLabel");
    QVERIFY(typing != nullptr);
    QTest::keyClicks(b->composer(), "Sure");
    QTRY_COMPARE_WITH_TIMEOUT(typing->text(), QString("Dave Diaz is typing\u2026"), kTimeoutMs);
    b->composer()->clear();

    type_and_send(composer, "Meeting at 10");
    QTRY_VERIFY_WITH_TIMEOUT(is_sent(mine, "Meeting at 10"), kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(count_text(theirs, "Meeting at 10"), 1, kTimeoutMs);

    // Up, then Escape: nothing changes.
    QTest::keyClick(composer, Qt::Key_Up);
    QVERIFY(composer->editing());
    QVERIFY(edit_bar->isVisible());
    QCOMPARE(composer->toPlainText(), QString("Meeting at 10"));
    QTest::keyClick(composer, Qt::Key_Escape);
    QVERIFY(!composer->editing());
    QVERIFY(!edit_bar->isVisible());
    QCOMPARE(composer->toPlainText(), QString());

    // Up, change, Enter: saved, and Dave sees it edited.
    QTest::keyClick(composer, Qt::Key_Up);
    QVERIFY(composer->editing());
    composer->selectAll();
    QTest::keyClicks(composer, "Meeting at 11");
    QTest::keyClick(composer, Qt::Key_Return);
    QVERIFY(!composer->editing());
    QCOMPARE(composer->toPlainText(), QString());
    QTRY_COMPARE_WITH_TIMEOUT(count_text(theirs, "Meeting at 11"), 1, kTimeoutMs);
    QCOMPARE(count_text(theirs, "Meeting at 10"), 0);
    QVERIFY(role_of(theirs, "Meeting at 11", Messages::EditedRole).toBool());
    QTRY_VERIFY_WITH_TIMEOUT(role_of(mine, "Meeting at 11", Messages::EditedRole).toBool(),
                             kTimeoutMs);
    QCOMPARE(mine->rowCount(), 1);  // an edit, not a new message
  }

  void a_message_the_server_refuses_can_be_retried_or_deleted() {
    const Account tara = make_user("tara", "Tara Tan");
    const Account uma = make_user("uma", "Uma Udo");
    auto a = sign_in(tara);
    QVERIFY(a);
    const core::ConversationId id = open_direct(*a, uma);
    QVERIFY(id.is_valid());
    a->window->open_conversation(id);
    Messages* model = a->session->messages(id);
    Composer* composer = a->composer();
    QTRY_COMPARE_WITH_TIMEOUT(a->session->connection_state(), client::ConnectionState::ready,
                              kTimeoutMs);
    const auto max_bytes = static_cast<int>(a->session->limits().max_text_bytes);

    // The composer holds back what the server would refuse, by the server's limit.
    composer->setPlainText(QString(max_bytes + 1, 'x'));
    QVERIFY(!composer->submit());
    QCOMPARE(model->rowCount(), 0);
    QCOMPARE(composer->toPlainText().size(), max_bytes + 1);  // kept, to be shortened
    composer->clear();

    // Sent past the composer: refused, shown as failed; its menu deletes it.
    const QString refused(max_bytes + 1, 'y');
    a->session->send_message(id, refused);
    QTRY_COMPARE_WITH_TIMEOUT(role_of(model, refused, Messages::SendStateRole).toInt(),
                              static_cast<int>(Messages::SendState::failed), kTimeoutMs);
    QStringList offered;
    QTimer::singleShot(0, a->window.get(), [&offered] {
      auto* menu = qobject_cast<QMenu*>(QApplication::activePopupWidget());
      if (menu == nullptr) {
        return;
      }
      for (QAction* action : menu->actions()) {
        offered << action->text();
      }
      for (QAction* action : menu->actions()) {
        if (action->text() == "Delete") {
          action->trigger();
        }
      }
      menu->close();
    });
    MessageView* view = a->message_view();
    const QModelIndex failed = model->index(row_with_text(model, refused));
    emit view->messageMenuRequested(failed, view->viewport()->mapToGlobal(QPoint(10, 10)));
    QVERIFY2(offered.contains("Retry sending") && offered.contains("Delete"),
             qPrintable(offered.join(", ")));
    QTRY_COMPARE_WITH_TIMEOUT(count_text(model, refused), 0, kTimeoutMs);
    QCOMPARE(model->rowCount(), 0);
  }

  void draft_survives_switching_and_a_restart() {
    const Account erin = make_user("erin", "Erin Evans");
    const Account frank = make_user("frank", "Frank Fox");
    const Account grace = make_user("grace", "Grace Gill");
    const QString profile = new_profile_dir();
    core::ConversationId with_frank;
    {
      auto a = sign_in(erin, profile, /*keep_signed_in=*/true);
      QVERIFY(a);
      with_frank = open_direct(*a, frank);
      const core::ConversationId with_grace = open_direct(*a, grace);
      QVERIFY(with_frank.is_valid() && with_grace.is_valid());
      a->window->open_conversation(with_frank);
      Composer* composer = a->composer();
      QTest::keyClicks(composer, "half-written thought");
      // Kept shortly after typing stops...
      QTRY_COMPARE_WITH_TIMEOUT(a->session->draft(with_frank), QString("half-written thought"),
                                kTimeoutMs);
      // ...and when switching away, at once.
      QTest::keyClicks(composer, ", continued");
      a->window->open_conversation(with_grace);
      QCOMPARE(composer->toPlainText(), QString());
      QCOMPARE(a->session->draft(with_frank), QString("half-written thought, continued"));
      a->window->open_conversation(with_frank);
      QCOMPARE(composer->toPlainText(), QString("half-written thought, continued"));
      // The last keys, typed just before quitting, are kept as the window goes.
      QTest::keyClicks(composer, " and more");
    }
    client::Session session(profile);
    QVERIFY(session.saved_login().has_value());
    QVERIFY(session.resume_saved());
    MainWindow window(session);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.open_conversation(with_frank);
    auto* composer = window.findChild<Composer*>("composer");
    QCOMPARE(composer->toPlainText(), QString("half-written thought, continued and more"));
    // Sending it clears the draft.
    QTRY_COMPARE_WITH_TIMEOUT(session.connection_state(), client::ConnectionState::ready,
                              kTimeoutMs);
    QTest::keyClick(composer, Qt::Key_Return);
    QCOMPARE(composer->toPlainText(), QString());
    QCOMPARE(session.draft(with_frank), QString());
  }

  void unread_badge_counts_until_the_conversation_is_opened() {
    const Account hana = make_user("hana", "Hana Hill");
    const Account ivan = make_user("ivan", "Ivan Ito");
    auto a = sign_in(hana);
    auto b = sign_in(ivan);
    QVERIFY(a && b);
    const core::ConversationId direct = open_direct(*a, ivan);
    const core::ConversationId group = create_group(*a, "Launch plans", {ivan.id});
    QVERIFY(direct.is_valid() && group.is_valid());
    QTRY_VERIFY_WITH_TIMEOUT(b->session->conversations()->row_of(direct) >= 0 &&
                                 b->session->conversations()->row_of(group) >= 0,
                             kTimeoutMs);
    b->window->open_conversation(direct);  // Ivan looks at the direct chat

    a->window->open_conversation(group);
    type_and_send(a->composer(), "Are we ready?");
    type_and_send(a->composer(), "Launch is on Monday");
    QTRY_COMPARE_WITH_TIMEOUT(b->unread(group), qint64{2}, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(b->window->windowTitle().contains("(2)"), kTimeoutMs);
    QCOMPARE(b->unread(direct), qint64{0});

    // Ivan clicks the group in his sidebar.
    QListView* list = b->conversation_list();
    const QModelIndex row = list_index_of(list, group);
    QVERIFY(row.isValid());
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, list->visualRect(row).center());
    QCOMPARE(b->window->current_conversation(), group);
    QTRY_COMPARE_WITH_TIMEOUT(b->unread(group), qint64{0}, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(!b->window->windowTitle().contains("("), kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(count_text(b->message_view()->model(), "Launch is on Monday"), 1,
                              kTimeoutMs);
  }

  void keyboard_moves_between_conversations() {
    const Account jan = make_user("jan", "Jan Jones");
    const Account kim = make_user("kim", "Kim King");
    const Account lea = make_user("lea", "Lea Lopez");
    auto a = sign_in(jan);
    QVERIFY(a);
    const core::ConversationId with_kim = open_direct(*a, kim);
    const core::ConversationId with_lea = open_direct(*a, lea);
    QVERIFY(with_kim.is_valid() && with_lea.is_valid());
    const Conversations* list = a->session->conversations();
    QTRY_VERIFY_WITH_TIMEOUT(list->row_of(with_kim) >= 0 && list->row_of(with_lea) >= 0,
                             kTimeoutMs);
    a->window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(a->window.get()));
    const core::ConversationId top(list->index(0).data(Conversations::IdRole).toLongLong());
    const core::ConversationId second(list->index(1).data(Conversations::IdRole).toLongLong());
    a->window->open_conversation(top);
    Composer* composer = a->composer();
    QTRY_VERIFY_WITH_TIMEOUT(composer->hasFocus(), kTimeoutMs);

    QTest::keyClick(composer, Qt::Key_Down, Qt::ControlModifier);
    QCOMPARE(a->window->current_conversation(), second);
    QTest::keyClick(composer, Qt::Key_Up, Qt::AltModifier);
    QCOMPARE(a->window->current_conversation(), top);

    // Ctrl+K, a few letters of a name, Enter: that conversation, ready to write.
    QTest::keyClick(composer, Qt::Key_K, Qt::ControlModifier);
    auto* filter = a->window->findChild<QLineEdit*>("filterEdit");
    QVERIFY(filter->hasFocus());
    // The sidebar shows people by name once the Session knows them.
    QTRY_COMPARE_WITH_TIMEOUT(list->index(list->row_of(with_lea)).data().toString(),
                              QString("Lea Lopez"), kTimeoutMs);
    QTest::keyClicks(filter, "lea lo");
    QTest::keyClick(filter, Qt::Key_Return);
    QCOMPARE(a->window->current_conversation(), with_lea);
    QVERIFY(composer->hasFocus());
    QCOMPARE(filter->text(), QString());
  }

  void history_loads_at_the_top_and_follows_at_the_bottom() {
    const Account rita = make_user("rita", "Rita Ruiz");
    const Account sam = make_user("sam", "Sam Stone");
    auto a = sign_in(rita);
    QVERIFY(a);
    QString error;
    RawClient sam_client;
    QVERIFY2(sam_client.sign_in(server_.url(), sam.username, kPassword, &error), qPrintable(error));
    const auto opened =
        sam_client.call("conv.open_direct", {{"user_id", qint64{rita.id.value()}}}, &error);
    QVERIFY2(opened.has_value(), qPrintable(error));
    const core::ConversationId id(opened->value("conversation").toObject().value("id").toInteger());
    QVERIFY(id.is_valid());
    int next = 0;
    const auto say = [&](const QString& text) {
      return sam_client
          .call("msg.send",
                {{"conversation_id", qint64{id.value()}},
                 {"client_msg_id", QStringLiteral("history-%1").arg(++next)},
                 {"text", text}},
                &error)
          .has_value();
    };
    constexpr int kMessages = 400;
    for (int i = 1; i <= kMessages; ++i) {
      QVERIFY2(say(QStringLiteral("history %1").arg(i)), qPrintable(error));
    }
    QTRY_VERIFY_WITH_TIMEOUT(a->session->conversations()->row_of(id) >= 0, kTimeoutMs);
    a->window->open_conversation(id);
    Messages* model = a->session->messages(id);
    MessageView* view = a->message_view();
    QTRY_VERIFY_WITH_TIMEOUT(count_text(model, QStringLiteral("history %1").arg(kMessages)) == 1,
                             kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(model->has_older() && !model->loading_older(), kTimeoutMs);
    QVERIFY(view->at_bottom());
    const int rows = model->rowCount();
    QVERIFY(rows < kMessages);

    // Scrolled to the top: the page before comes, and what was on screen stays where it was,
    // also once more rows are loaded than one layout batch (the rest is laid out later).
    view->setBatchSize(120);
    for (int page = 0; page < 4; ++page) {
      const int loaded = model->rowCount();
      view->verticalScrollBar()->setValue(0);
      const qint64 first_seq = model->index(0).data(Messages::SeqRole).toLongLong();
      const int first_top = view->visualRect(model->index(0)).top();
      QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() > loaded, kTimeoutMs);
      QTRY_VERIFY_WITH_TIMEOUT(!model->loading_older(), kTimeoutMs);
      const int moved_row = model->row_of(core::Seq(first_seq));
      QVERIFY(moved_row > 0);
      QCOMPARE(view->visualRect(model->index(moved_row)).top(), first_top);
      QVERIFY(!view->at_bottom());
    }
    QVERIFY(model->rowCount() > 2 * view->batchSize());

    // Reading older messages: a new one does not move the view.
    const int value = view->verticalScrollBar()->value();
    QVERIFY(say("while you were reading"));
    QTRY_COMPARE_WITH_TIMEOUT(count_text(model, "while you were reading"), 1, kTimeoutMs);
    QCOMPARE(view->verticalScrollBar()->value(), value);

    // At the bottom: the view follows new messages.
    view->scroll_to_bottom();
    QVERIFY(say("a fresh one"));
    QTRY_COMPARE_WITH_TIMEOUT(count_text(model, "a fresh one"), 1, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(view->visualRect(model->index(model->rowCount() - 1)).bottom() <=
                                 view->viewport()->height(),
                             kTimeoutMs);
    QVERIFY(view->at_bottom());
  }

  void notifies_about_messages_the_user_does_not_see() {
    const Account nina = make_user("nina", "Nina Novak");
    const Account omar = make_user("omar", "Omar Ortiz");
    auto a = sign_in(nina);
    auto b = sign_in(omar);
    QVERIFY(a && b);
    const core::ConversationId direct = open_direct(*a, omar);
    const core::ConversationId group = create_group(*a, "Release", {omar.id});
    QVERIFY(direct.is_valid() && group.is_valid());
    QTRY_VERIFY_WITH_TIMEOUT(b->session->conversations()->row_of(group) >= 0, kTimeoutMs);
    desktop::Tray tray(*b->session, *b->window);
    b->window->open_conversation(direct);
    b->window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(b->window.get()));
    a->window->open_conversation(group);

    // Another conversation than the one in front: a notice with the text.
    type_and_send(a->composer(), "Build 42 is green");
    QTRY_COMPARE_WITH_TIMEOUT(tray.notices_shown(), 1, kTimeoutMs);
    QCOMPARE(tray.last_notice().title, QString("Nina Novak in Release"));
    QCOMPARE(tray.last_notice().text, QString("Build 42 is green"));
    QCOMPARE(tray.last_notice().conversation, group);

    // The conversation in front of an active window: none.
    a->window->open_conversation(direct);
    type_and_send(a->composer(), "Did you see it?");
    QTRY_COMPARE_WITH_TIMEOUT(count_text(b->session->messages(direct), "Did you see it?"), 1,
                              kTimeoutMs);
    QCOMPARE(tray.notices_shown(), 1);

    // Previews off: the notice does not show the text.
    QJsonObject settings = b->session->settings();
    settings["notifications"] = QJsonObject{{"enabled", true}, {"preview", false}};
    b->session->set_settings(settings);
    a->window->open_conversation(group);
    type_and_send(a->composer(), "Secret numbers");
    QTRY_COMPARE_WITH_TIMEOUT(tray.notices_shown(), 2, kTimeoutMs);
    QCOMPARE(tray.last_notice().text, QString("New message"));

    // Muted: none.
    b->session->set_muted(group, true);
    type_and_send(a->composer(), "Muted now");
    QTRY_COMPARE_WITH_TIMEOUT(count_text(b->session->messages(group), "Muted now"), 1, kTimeoutMs);
    QCOMPARE(tray.notices_shown(), 2);
  }

  void idle_time_turns_presence_away_and_input_back_online() {
    const Account pia = make_user("pia", "Pia Park");
    const Account quinn = make_user("quinn", "Quinn Quist");
    auto a = sign_in(pia);
    auto b = sign_in(quinn);
    QVERIFY(a && b);
    const core::ConversationId direct = open_direct(*b, pia);
    QVERIFY(direct.is_valid());
    const auto presence_of_pia = [&] {
      const auto user = b->session->user(pia.id);
      return user ? user->presence : protocol::PresenceState::offline;
    };
    QTRY_COMPARE_WITH_TIMEOUT(presence_of_pia(), protocol::PresenceState::online, kTimeoutMs);

    desktop::IdleWatcher idle;
    idle.set_session(a->session.get());
    idle.set_away_after(std::chrono::milliseconds(300));
    QTRY_VERIFY_WITH_TIMEOUT(idle.away(), kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(presence_of_pia(), protocol::PresenceState::away, kTimeoutMs);
    idle.set_away_after(std::chrono::minutes(10));
    QTest::keyClick(a->composer(), Qt::Key_Shift);
    QVERIFY(!idle.away());
    QTRY_COMPARE_WITH_TIMEOUT(presence_of_pia(), protocol::PresenceState::online, kTimeoutMs);
  }

  // Not a check: pictures of the windows with realistic data, for people to look at.
  void screenshots() {
    const QString out = qEnvironmentVariable("MESSENGER_SHOTS_DIR");
    if (out.isEmpty()) {
      QSKIP("set MESSENGER_SHOTS_DIR to save pictures of the windows");
    }
    QVERIFY(QDir().mkpath(out));
    {
      desktop::App app(*qApp, desktop::AppOptions{new_profile_dir(), server_.url()});
      QVERIFY(app.start());
      desktop::SignInWindow* window = app.sign_in_window();
      QVERIFY(QTest::qWaitForWindowExposed(window));
      QVERIFY(window->grab().save(out + "/sign-in.png"));
      QTest::keyClicks(window->findChild<QLineEdit*>("usernameEdit"), "jsmith");
      QTest::keyClicks(window->findChild<QLineEdit*>("passwordEdit"), "wrong-password");
      QTest::mouseClick(window->findChild<QPushButton*>("signInButton"), Qt::LeftButton);
      auto* status = window->findChild<QLabel*>("statusLabel");
      QTRY_VERIFY_WITH_TIMEOUT(status->text().contains("Wrong"), kTimeoutMs);
      QVERIFY(window->grab().save(out + "/sign-in-error.png"));
    }

    const Account me = make_user("maria", "Maria Novak");
    const Account tom = make_user("tom", "Tom Berger");
    const Account lena = make_user("lena", "Lena Fischer");
    const Account raj = make_user("raj", "Raj Patel");
    auto a = sign_in(me);
    QVERIFY(a);
    QString error;
    RawClient tom_client;
    RawClient lena_client;
    QVERIFY(tom_client.sign_in(server_.url(), tom.username, kPassword, &error));
    QVERIFY(lena_client.sign_in(server_.url(), lena.username, kPassword, &error));
    QVERIFY(lena_client.call("presence.set", {{"state", "away"}}, &error));
    int next_id = 0;
    const auto say = [&](RawClient& who, core::ConversationId where, const QString& text) {
      return who
          .call("msg.send",
                {{"conversation_id", qint64{where.value()}},
                 {"client_msg_id", QStringLiteral("shot-%1").arg(++next_id)},
                 {"text", text}},
                &error)
          .has_value();
    };

    const core::ConversationId group = create_group(*a, "Design review", {tom.id, lena.id, raj.id});
    QVERIFY(group.is_valid());
    const core::ConversationId with_tom = open_direct(*a, tom);
    const core::ConversationId with_lena = open_direct(*a, lena);
    const core::ConversationId with_raj = open_direct(*a, raj);
    QVERIFY(with_tom.is_valid() && with_lena.is_valid() && with_raj.is_valid());
    a->window->resize(1100, 720);
    a->window->open_conversation(group);
    Composer* composer = a->composer();

    QVERIFY(say(tom_client, group, "Morning! The new onboarding screens are up on the board."));
    QVERIFY(say(tom_client, group,
                "Two open questions: do we keep the progress bar, and "
                "should the last step ask for notification permission "
                "right away or wait until the first message arrives?"));
    QVERIFY(say(lena_client, group, "Progress bar yes \u2014 people asked for it in testing."));
    QVERIFY(say(lena_client, group,
                "Permission: wait. Asking before they know why feels "
                "pushy."));
    QTRY_COMPARE_WITH_TIMEOUT(a->session->messages(group)->rowCount(), 4, kTimeoutMs);
    type_and_send(composer, "Agree with Lena on both.");
    QTest::keyClicks(composer, "I'll update the spec today:");
    QTest::keyClick(composer, Qt::Key_Return, Qt::ShiftModifier);
    QTest::keyClicks(composer, "- keep the progress bar");
    QTest::keyClick(composer, Qt::Key_Return, Qt::ShiftModifier);
    QTest::keyClicks(composer, "- ask for notifications after the first message");
    QTest::keyClick(composer, Qt::Key_Return);
    type_and_send(composer, "Review on Thursday at 10?");
    QTRY_VERIFY_WITH_TIMEOUT(is_sent(a->session->messages(group), "Review on Thursday at 10?"),
                             kTimeoutMs);
    QTest::keyClick(composer, Qt::Key_Up);
    composer->selectAll();
    QTest::keyClicks(composer, "Review on Thursday at 10:30?");
    QTest::keyClick(composer, Qt::Key_Return);
    QVERIFY(say(tom_client, group, "Works for me."));
    QVERIFY(say(tom_client, group, "Oops, wrong channel"));
    const auto removed = tom_client.call(
        "msg.delete", {{"conversation_id", qint64{group.value()}}, {"seq", qint64{9}}}, &error);
    QVERIFY2(removed.has_value(), qPrintable(error));
    QVERIFY(say(tom_client, with_tom, "Can you send me the file from yesterday?"));
    QVERIFY(say(lena_client, with_lena, "Lunch at 12?"));
    QVERIFY(say(lena_client, with_lena, "The new place on the corner"));
    QTRY_VERIFY_WITH_TIMEOUT(a->unread(with_lena) == 2 && a->unread(with_tom) == 1, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(
        role_of(a->session->messages(group), "Review on Thursday at 10:30?", Messages::EditedRole)
            .toBool(),
        kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(
        a->session->messages(group)->index(8).data(Messages::DeletedRole).toBool(), kTimeoutMs);
    QTest::keyClicks(composer, "Great, see you all the");
    QTRY_VERIFY_WITH_TIMEOUT(a->conversation_list()
                                 ->model()
                                 ->index(0, 0)
                                 .data(Qt::DisplayRole)
                                 .toString()
                                 .contains("Lena"),
                             kTimeoutMs);
    QTRY_VERIFY(a->window->windowTitle().contains("(3)"));
    QVERIFY(a->window->grab().save(out + "/main-window.png"));
    a->window->open_conversation(with_lena);
    QVERIFY(lena_client.call("typing", {{"conversation_id", qint64{with_lena.value()}}}, &error));
    QTRY_VERIFY_WITH_TIMEOUT(!a->window->findChild<QLabel*>("typingLabel")->text().isEmpty(),
                             kTimeoutMs);
    QVERIFY(a->window->grab().save(out + "/direct-chat.png"));
    a->window->open_conversation(group);
    desktop::apply_appearance(*qApp, {{"theme", "dark"}});
    QTRY_VERIFY(a->window->palette().color(QPalette::Window).lightness() < 128);
    QVERIFY(a->window->grab().save(out + "/main-window-dark.png"));
    desktop::apply_appearance(*qApp, {});
    Q_UNUSED(with_raj);
  }

  void long_text_wraps_at_the_width_of_the_view() {
    const core::ConversationId id(1);
    Messages model(id, core::UserId(1));
    std::vector<core::Message> messages;
    const QString words = QStringLiteral(
        "Two open questions: do we keep the progress bar, and should the last step ask for "
        "notification permission right away or wait until the first message arrives?");
    for (const QString& text : {QStringLiteral("short"), QStringLiteral("short too"), words,
                                words + " \u05e9\u05dc\u05d5\u05dd",
                                QStringLiteral("https://example.com/") + QString(200, 'x')}) {
      core::Message message;
      message.conversation_id = id;
      message.seq = core::Seq(static_cast<std::int64_t>(messages.size()) + 1);
      message.rev = core::Rev(message.seq.value());
      message.sender_id = core::UserId(2);
      message.created_at = QDateTime::currentMSecsSinceEpoch();
      message.text = text.toStdString();
      messages.push_back(std::move(message));
    }
    model.reset(std::move(messages), false);
    MessageView view;
    view.resize(500, 600);
    view.set_message_model(&model);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const int line = view.fontMetrics().lineSpacing();
    const auto height = [&](int row) { return view.visualRect(model.index(row)).height(); };
    // Rows 1 to 4 are in one group: they differ only by their text.
    const int one_line = height(1);
    QVERIFY(height(2) >= one_line + 2 * line);
    QVERIFY(height(3) >= one_line + 2 * line);  // shaped (right-to-left) text
    QVERIFY(height(4) >= one_line + 2 * line);  // one long word: broken anywhere
    view.resize(1400, 600);
    QTRY_VERIFY(height(2) < one_line + 2 * line);
  }

  void times_show_hours_and_minutes_and_the_sidebar_says_which_day() {
    using desktop::ConversationSidebar;
    const auto restore = qScopeGuard([saved = QLocale()] { QLocale::setDefault(saved); });
    // The C locale's short time format has seconds ("HH:mm:ss"): they are left out.
    QLocale::setDefault(QLocale::c());
    QCOMPARE(desktop::short_time(QTime(16, 42, 5)), QString("16:42"));
    QCOMPARE(desktop::MessageDelegate::time_tooltip(QDateTime(QDate(2026, 11, 26), QTime(16, 42))),
             QString("Thursday, 26 November 2026 at 16:42"));
    const QDateTime now(QDate(2026, 11, 26), QTime(9, 30));  // a Thursday
    const auto label = [&](int year, int month, int day, QTime time = QTime(2, 47, 40)) {
      return ConversationSidebar::activity_label(QDateTime(QDate(year, month, day), time), now);
    };
    QCOMPARE(label(2026, 11, 26), QString("02:47"));
    QCOMPARE(label(2026, 11, 26, QTime(0, 0)), QString("00:00"));
    QCOMPARE(label(2026, 11, 25, QTime(23, 59)), QString("Yesterday"));
    QCOMPARE(label(2026, 11, 24), QString("Tue"));
    // Six days ago: still the weekday; a week ago: the date.
    QCOMPARE(label(2026, 11, 20), QString("Fri"));
    QCOMPARE(label(2026, 11, 19), QString("19 Nov 2026"));
    QCOMPARE(label(2025, 3, 1), QString("1 Mar 2025"));
    QCOMPARE(ConversationSidebar::activity_label(QDateTime(), now), QString());
    // Another locale's own formats.
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    const QString afternoon = desktop::short_time(QTime(16, 42, 5));
    QVERIFY2(afternoon.startsWith("4:42") && afternoon.endsWith("PM"), qPrintable(afternoon));
    QCOMPARE(label(2026, 11, 19), QString("11/19/26"));
    QLocale::setDefault(QLocale(QLocale::German, QLocale::Germany));
    QCOMPARE(label(2026, 11, 26, QTime(16, 42, 5)), QString("16:42"));
    QCOMPARE(label(2026, 11, 24), QString("Di."));
  }

  void composer_grows_with_its_text_and_scrolls_past_eight_lines() {
    client::Session session(new_profile_dir());
    QWidget window;
    window.resize(500, 400);
    Composer composer(session, &window);
    composer.setGeometry(0, 0, 500, composer.sizeHint().height());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    const auto lines = [](int count) {
      QStringList text;
      for (int i = 1; i <= count; ++i) {
        text << QStringLiteral("line %1").arg(i);
      }
      return text.join('\n');
    };
    const int one = composer.height();
    QCOMPARE(composer.verticalScrollBarPolicy(), Qt::ScrollBarAlwaysOff);
    composer.setPlainText(lines(3));
    QTRY_VERIFY(composer.height() > one);
    const int three = composer.height();
    composer.setPlainText(lines(Composer::kMaxVisibleLines));
    QTRY_VERIFY(composer.height() > three);
    const int most = composer.height();
    QCOMPARE(composer.verticalScrollBarPolicy(), Qt::ScrollBarAlwaysOff);
    // Taller than that: it stops growing and scrolls.
    composer.setPlainText(lines(30));
    QTRY_COMPARE(composer.verticalScrollBarPolicy(), Qt::ScrollBarAsNeeded);
    QCOMPARE(composer.height(), most);
    QTRY_VERIFY(composer.verticalScrollBar()->isVisible());
    // A long paragraph grows it too, by its wrapped lines.
    composer.setPlainText(QString(40, 'w').append(' ').repeated(6));
    QTRY_VERIFY(composer.height() > one && composer.height() < most);
    QCOMPARE(composer.verticalScrollBarPolicy(), Qt::ScrollBarAlwaysOff);
    composer.clear();
    QTRY_COMPARE(composer.height(), one);
  }

  void hovering_the_time_of_a_message_shows_its_date() {
    const core::ConversationId id(1);
    Messages model(id, core::UserId(1));
    core::Message message;
    message.conversation_id = id;
    message.seq = core::Seq(1);
    message.rev = core::Rev(1);
    message.sender_id = core::UserId(2);
    const QDateTime sent(QDate::currentDate(), QTime(9, 41));
    message.created_at = sent.toMSecsSinceEpoch();
    message.text = "The quarterly numbers are in";
    model.reset({message}, false);
    MessageView view;
    view.resize(600, 300);
    view.set_message_model(&model);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const QRect row = view.visualRect(model.index(0));
    const QString expected = desktop::MessageDelegate::time_tooltip(sent);
    // The tooltip at `pos`, empty when none (a hidden tooltip fades out first).
    const auto tooltip_at = [&](QPoint pos) {
      QToolTip::hideText();
      if (!QTest::qWaitFor([] { return !QToolTip::isVisible(); }, 2000)) {
        return QStringLiteral("(stuck)");
      }
      QHelpEvent event(QEvent::ToolTip, pos, view.viewport()->mapToGlobal(pos));
      QApplication::sendEvent(view.viewport(), &event);
      return QToolTip::isVisible() ? QToolTip::text() : QString();
    };
    // Somewhere on the row the time is hovered: the date shows...
    QPoint hit(-1, -1);
    for (int y = row.top(); y < row.bottom() && hit.y() < 0; y += 2) {
      for (int x = row.left(); x < row.right(); x += 3) {
        if (!tooltip_at(QPoint(x, y)).isEmpty()) {
          hit = QPoint(x, y);
          break;
        }
      }
    }
    QVERIFY2(hit.y() >= 0, "no tooltip anywhere on the row");
    QCOMPARE(tooltip_at(hit), expected);
    // ...and not over the name left of it nor over the text below it.
    QCOMPARE(tooltip_at(QPoint(row.left() + 2, hit.y())), QString());
    const int line = view.fontMetrics().lineSpacing();
    for (int x = row.left(); x < row.right(); x += 3) {
      QCOMPARE(tooltip_at(QPoint(x, hit.y() + line + 6)), QString());
    }
    QToolTip::hideText();
  }

  void rows_are_measured_again_after_font_width_and_theme_changes() {
    const core::ConversationId id(1);
    const core::UserId me(1);
    Messages model(id, me);
    const QStringList texts = {
        "RC deployed to staging at 22:10, no errors in the logs overnight.",
        "Notifications on Windows 11 fixed, the build is uploaded.",
        "Support tested the migration from SQLite to MongoDB on the staging copy: all history and "
        "read markers are there.",
        "Perfect. Let's go for Friday then. I will send the announcement to #general.",
        "two\nlines",
        "Friday works for the backend team. The database migration is rehearsed.",
    };
    std::vector<core::Message> messages;
    const core::TimestampMs start = QDateTime::currentMSecsSinceEpoch() - 3'600'000;
    for (const QString& text : texts) {
      core::Message message;
      message.conversation_id = id;
      message.seq = core::Seq(static_cast<std::int64_t>(messages.size()) + 1);
      message.rev = core::Rev(message.seq.value());
      message.sender_id = core::UserId(1 + static_cast<std::int64_t>(messages.size()) % 3);
      message.created_at = start + static_cast<core::TimestampMs>(messages.size()) * 240'000;
      message.text = text.toStdString();
      messages.push_back(std::move(message));
    }
    model.reset(std::move(messages), false);
    MessageView view;
    view.resize(760, 600);
    view.set_message_model(&model);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    // Every row as tall as the delegate says at this moment, and no gaps between rows.
    const auto consistent = [&] {
      QStyleOptionViewItem option;
      option.initFrom(&view);
      option.font = view.font();
      option.widget = &view;
      for (int row = 0; row < model.rowCount(); ++row) {
        const QModelIndex index = model.index(row);
        const QRect rect = view.visualRect(index);
        if (rect.height() != view.itemDelegate()->sizeHint(option, index).height()) {
          return false;
        }
        if (row > 0 && rect.top() != view.visualRect(model.index(row - 1)).bottom() + 1) {
          return false;
        }
      }
      return true;
    };
    QTRY_VERIFY(consistent());
    const int wrapped = view.visualRect(model.index(2)).height();
    const auto restore = qScopeGuard([] { desktop::apply_appearance(*qApp, {}); });
    desktop::apply_appearance(*qApp, {{"font_size", 16}});
    QTRY_COMPARE(view.font().pointSize(), 16);
    QTRY_VERIFY(consistent());
    QTRY_VERIFY(view.visualRect(model.index(2)).height() > wrapped);
    desktop::apply_appearance(*qApp, {{"font_size", 10}, {"theme", "dark"}});
    QTRY_VERIFY(consistent());
    view.resize(420, 600);
    QTRY_VERIFY(consistent());
    view.resize(1200, 600);
    QTRY_VERIFY(consistent());
    desktop::apply_appearance(*qApp, {});
    QTRY_VERIFY(consistent());
  }

  void long_history_is_measured_lazily_and_bounded() {
    // A model of 100,000 messages without a server: the view's layout asks the delegate for
    // every row's height, which must be cheap and must not keep a layout per row.
    const core::ConversationId id(1);
    const core::UserId me(1);
    Messages model(id, me);
    std::vector<core::Message> messages;
    constexpr int kRows = 100'000;
    messages.reserve(kRows);
    const core::TimestampMs start = QDateTime::currentMSecsSinceEpoch() - 3'600'000LL * kRows / 60;
    for (int i = 1; i <= kRows; ++i) {
      core::Message message;
      message.conversation_id = id;
      message.seq = core::Seq(i);
      message.rev = core::Rev(i);
      message.sender_id = core::UserId(1 + i % 3);
      message.created_at = start + i * 60'000LL;
      // Mostly short lines; every tenth a paragraph that wraps; now and then a long link.
      message.text = i % 10 == 0
                         ? std::string(
                               "Quarterly numbers are in: revenue grew in every region "
                               "while costs stayed flat, so the board wants a short "
                               "summary for the all-hands on Friday and a longer one ") +
                               "for the investors, ideally with the charts from last time " +
                               std::to_string(i)
                     : i % 1000 == 0 ? "https://intranet.example.com/" + std::string(300, 'x')
                                     : "message number " + std::to_string(i);
      messages.push_back(std::move(message));
    }
    model.reset(std::move(messages), false);

    MessageView view;
    view.resize(700, 500);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QElapsedTimer timer;
    timer.start();
    view.set_message_model(&model);
    const qint64 first_layout_ms = timer.elapsed();
    QVERIFY(view.at_bottom());
    QVERIFY(view.indexAt(QPoint(10, view.viewport()->height() - 5)).row() >= kRows - 5);
    // Narrower: only the wrapping messages are laid out again.
    timer.restart();
    view.resize(600, 500);
    QTRY_VERIFY(view.indexAt(QPoint(10, view.viewport()->height() - 5)).row() >= kRows - 5);
    const qint64 resize_ms = timer.elapsed();
    qInfo("100,000 rows: first layout %lld ms, layout after a resize %lld ms", first_layout_ms,
          resize_ms);
    const desktop::MessageDelegate* delegate = view.message_delegate();
    QVERIFY(delegate->cached_layouts() <= 256);
    QVERIFY(delegate->cached_measures() <= 140'000);
    view.scrollToTop();
    QTRY_VERIFY(view.indexAt(QPoint(10, 5)).row() == 0);
  }
};

QTEST_MAIN(DesktopTest)
#include "desktop_test.moc"
