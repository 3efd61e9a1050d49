// The dialogs (directory, profile card, new conversation, invite, channel browser, settings,
// certificate) and apply_appearance, driven through their widgets against the real messenger-server
// with a real Session. With MESSENGER_SCREENSHOT_DIR set, each dialog is also saved there as a PNG.

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFontMetrics>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPointer>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStyle>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>
#include <algorithm>
#include <map>
#include <memory>

#include "dialogs/certificate_dialog.h"
#include "dialogs/channel_browser_dialog.h"
#include "dialogs/directory_dialog.h"
#include "dialogs/invite_dialog.h"
#include "dialogs/new_conversation_dialog.h"
#include "dialogs/profile_card.h"
#include "dialogs/settings_dialog.h"
#include "messenger/client/conversation_list_model.h"
#include "messenger/client/session.h"
#include "test_server.h"
#include "theme.h"

namespace messenger::desktop {
namespace {

using client::Session;
using client::test::RawClient;
using client::test::TestServer;

constexpr int kWaitMs = 15'000;
const QString kPassword = "password-for-tests";
const QString kFingerprint =
    "3A:7F:00:C2:91:5E:4B:D8:0F:66:A1:23:9C:E4:57:B0:"
    "12:8D:F3:6A:C9:04:7E:B5:2D:91:E8:3F:60:AC:17:5B";

template <typename T>
T* child(const QWidget& parent, const char* name) {
  auto* widget = parent.findChild<T*>(name);
  if (!widget) {
    qWarning("no child %s named %s", T::staticMetaObject.className(), name);
  }
  return widget;
}

QStringList column_texts(const QTreeWidget* tree, int column) {
  QStringList texts;
  for (int i = 0; i < tree->topLevelItemCount(); ++i) {
    texts << tree->topLevelItem(i)->text(column);
  }
  return texts;
}

QTreeWidgetItem* find_row(const QTreeWidget* tree, int column, const QString& text) {
  for (int i = 0; i < tree->topLevelItemCount(); ++i) {
    if (tree->topLevelItem(i)->text(column) == text) {
      return tree->topLevelItem(i);
    }
  }
  return nullptr;
}

QListWidgetItem* find_item(const QListWidget* list, const QString& starts_with) {
  for (int i = 0; i < list->count(); ++i) {
    if (list->item(i)->text().startsWith(starts_with)) {
      return list->item(i);
    }
  }
  return nullptr;
}

void click_row(QTreeWidget* tree, QTreeWidgetItem* item) {
  QTest::mouseClick(tree->viewport(), Qt::LeftButton, {}, tree->visualItemRect(item).center());
}

// What the platform sends for a double-click: press, release, double-click, release.
void double_click_row(QTreeWidget* tree, QTreeWidgetItem* item) {
  const QPoint at = tree->visualItemRect(item).center();
  QTest::mouseClick(tree->viewport(), Qt::LeftButton, {}, at);
  QTest::mouseDClick(tree->viewport(), Qt::LeftButton, {}, at);
  QTest::mouseRelease(tree->viewport(), Qt::LeftButton, {}, at);
}

void replace_text(QLineEdit* edit, const QString& text) {
  QTest::keyClick(edit, Qt::Key_A, Qt::ControlModifier);
  QTest::keyClick(edit, Qt::Key_Backspace);
  QTest::keyClicks(edit, text);
}

/// Saves `widget` as NAME.png in $MESSENGER_SCREENSHOT_DIR, if that is set.
void screenshot(QWidget& widget, const QString& name) {
  const QString dir = qEnvironmentVariable("MESSENGER_SCREENSHOT_DIR");
  if (dir.isEmpty()) {
    return;
  }
  QDir().mkpath(dir);
  QApplication::processEvents();
  widget.grab().save(QDir(dir).filePath(name + ".png"));
}

}  // namespace

class DialogsTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void cleanupTestCase();

  void directory_finds_people_by_department_and_title();
  void profile_card_shows_fields_and_sends_message();
  void my_profile_card_edits_status_text();
  void new_direct_conversation();
  void new_group_with_two_picked_members();
  void invite_two_people_to_a_group();
  void invite_offers_only_non_members_and_follows_changes();
  void invite_refusals_are_shown_in_the_dialog();
  void channel_browser_lists_and_joins_a_channel();
  void settings_are_saved_and_follow_the_user();
  void certificate_dialog_shows_fingerprint_and_defaults_to_cancel();
  void certificate_dialog_warns_when_changed();
  void ask_trust_certificate_returns_false_on_enter();
  void apply_appearance_switches_palette_and_font();

 private:
  std::unique_ptr<Session> sign_in(QTemporaryDir& profile, const QString& username,
                                   const QString& password = kPassword);
  core::UserId id(const QString& username) const { return core::UserId(ids_.at(username)); }
  /// conv.create by Alice; an invalid id on failure (with a warning).
  core::ConversationId create_group(const QString& name, const QStringList& members);

  TestServer server_;
  RawClient admin_;
  RawClient alice_;
  QTemporaryDir profile_;
  std::unique_ptr<Session> session_;
  std::map<QString, qint64> ids_;
  core::ConversationId general_;
};

std::unique_ptr<Session> DialogsTest::sign_in(QTemporaryDir& profile, const QString& username,
                                              const QString& password) {
  auto session = std::make_unique<Session>(profile.path());
  QSignalSpy signed_in(session.get(), &Session::signedIn);
  QSignalSpy failed(session.get(), &Session::signInFailed);
  session->sign_in({server_.url(), username, password, false});
  if (!QTest::qWaitFor([&] { return !signed_in.isEmpty() || !failed.isEmpty(); }, kWaitMs) ||
      signed_in.isEmpty()) {
    qWarning() << "sign-in of" << username << "failed:" << failed;
    return nullptr;
  }
  return session;
}

core::ConversationId DialogsTest::create_group(const QString& name, const QStringList& members) {
  QJsonArray member_ids;
  for (const QString& member : members) {
    member_ids.append(ids_.at(member));
  }
  QString error;
  const auto created = alice_.call(
      "conv.create", {{"kind", "group"}, {"name", name}, {"member_ids", member_ids}}, &error);
  if (!created) {
    qWarning() << "conv.create" << name << "failed:" << error;
    return core::ConversationId();
  }
  return core::ConversationId(created->value("conversation").toObject().value("id").toInteger());
}

void DialogsTest::initTestCase() {
  QString error;
  QVERIFY2(server_.start(&error), qPrintable(error));
  QVERIFY2(
      admin_.sign_in(server_.url(), TestServer::kAdminUser, TestServer::kAdminPassword, &error),
      qPrintable(error));
  struct Person {
    const char* username;
    const char* name;
    const char* department;
    const char* title;
  };
  const Person people[] = {
      {"maria", "Maria Keller", "Product", "Product Manager"},
      {"alice", "Alice Johnson", "Engineering", "Backend Engineer"},
      {"bob", "Bob Smith", "Engineering", "QA Lead"},
      {"carol", "Carol Diaz", "Logistics", "Warehouse Coordinator"},
      {"erin", "Erin Walsh", "Finance", "Senior Accountant"},
      {"frank", "Frank Moreau", "Sales", "Account Executive"},
      {"grace", "Grace Okafor", "Engineering", "Engineering Manager"},
      {"henry", "Henry Lindqvist", "Support", "Support Specialist"},
  };
  for (const Person& p : people) {
    const qint64 user =
        admin_.create_user(p.username, kPassword, p.name, &error, p.department, p.title);
    QVERIFY2(user > 0, qPrintable(error));
    ids_[p.username] = user;
  }
  // Alice stays connected (online), with a status text, and owns two public channels.
  QVERIFY2(alice_.sign_in(server_.url(), "alice", kPassword, &error), qPrintable(error));
  QVERIFY2(alice_.call("user.update_profile", {{"status_text", "On call this week"}}, &error),
           qPrintable(error));
  QVERIFY2(alice_.call("conv.create",
                       {{"kind", "channel"},
                        {"name", "design-reviews"},
                        {"topic", "Weekly design reviews, Thursdays 10:00"},
                        {"member_ids", QJsonArray{ids_["bob"], ids_["grace"]}}},
                       &error),
           qPrintable(error));
  QVERIFY2(alice_.call("conv.create",
                       {{"kind", "channel"},
                        {"name", "backend"},
                        {"topic", "APIs, databases and on-call hand-over"},
                        {"member_ids", QJsonArray{ids_["bob"]}}},
                       &error),
           qPrintable(error));
  const auto general = admin_.call(
      "conv.create",
      {{"kind", "channel"},
       {"name", "general"},
       {"topic", "Company-wide announcements"},
       {"member_ids",
        QJsonArray{ids_["maria"], ids_["alice"], ids_["bob"], ids_["carol"], ids_["erin"]}}},
      &error);
  QVERIFY2(general, qPrintable(error));
  general_ =
      core::ConversationId(general->value("conversation").toObject().value("id").toInteger());

  QVERIFY(profile_.isValid());
  session_ = sign_in(profile_, "maria");
  QVERIFY(session_);
}

void DialogsTest::cleanupTestCase() {
  session_.reset();
}

void DialogsTest::directory_finds_people_by_department_and_title() {
  DirectoryDialog dialog(*session_, nullptr);
  dialog.show();
  QVERIFY(QTest::qWaitForWindowExposed(&dialog));
  auto* search = child<QLineEdit>(dialog, "searchEdit");
  auto* table = child<QTreeWidget>(dialog, "peopleTable");
  QVERIFY(search && table);

  // Everyone at first (the administrator too).
  QTRY_COMPARE_WITH_TIMEOUT(table->topLevelItemCount(), 9, kWaitMs);
  QTRY_VERIFY_WITH_TIMEOUT(
      find_row(table, DirectoryDialog::kNameColumn, "Alice Johnson") != nullptr, kWaitMs);
  const QTreeWidgetItem* alice = find_row(table, DirectoryDialog::kNameColumn, "Alice Johnson");
  QCOMPARE(alice->text(DirectoryDialog::kTitleColumn), "Backend Engineer");
  QCOMPARE(alice->text(DirectoryDialog::kDepartmentColumn), "Engineering");
  QCOMPARE(alice->text(DirectoryDialog::kPresenceColumn), "Online");
  QVERIFY(find_row(table, DirectoryDialog::kNameColumn, "Carol Diaz")
              ->text(DirectoryDialog::kPresenceColumn)
              .startsWith("Offline"));
  screenshot(dialog, "directory");

  QTest::keyClicks(search, "engineering");  // department (and one title), any case
  QTRY_COMPARE_WITH_TIMEOUT(column_texts(table, DirectoryDialog::kNameColumn),
                            (QStringList{"Alice Johnson", "Bob Smith", "Grace Okafor"}), kWaitMs);
  screenshot(dialog, "directory_search");

  replace_text(search, "Logistics");
  QTRY_COMPARE_WITH_TIMEOUT(column_texts(table, DirectoryDialog::kNameColumn),
                            QStringList{"Carol Diaz"}, kWaitMs);

  replace_text(search, "accountant");  // title
  QTRY_COMPARE_WITH_TIMEOUT(column_texts(table, DirectoryDialog::kNameColumn),
                            QStringList{"Erin Walsh"}, kWaitMs);

  replace_text(search, "nobody-has-this");
  QTRY_COMPARE_WITH_TIMEOUT(table->topLevelItemCount(), 0, kWaitMs);
  QVERIFY(child<QLabel>(dialog, "statusLabel")->text().contains("Nobody matches"));

  // Enter on a row opens that person's card.
  replace_text(search, "walsh");
  QTRY_COMPARE_WITH_TIMEOUT(column_texts(table, DirectoryDialog::kNameColumn),
                            QStringList{"Erin Walsh"}, kWaitMs);
  click_row(table, table->topLevelItem(0));
  QTest::keyClick(table, Qt::Key_Return);
  QTRY_VERIFY_WITH_TIMEOUT(dialog.findChild<ProfileCard*>() != nullptr, kWaitMs);
  ProfileCard* card = dialog.findChild<ProfileCard*>();
  QCOMPARE(card->user_id(), id("erin"));
  QVERIFY(card->isVisible());
  QVERIFY(dialog.isVisible());
}

void DialogsTest::profile_card_shows_fields_and_sends_message() {
  DirectoryDialog dialog(*session_, nullptr);
  QSignalSpy opened(&dialog, &DirectoryDialog::conversationOpened);
  dialog.show();
  QVERIFY(QTest::qWaitForWindowExposed(&dialog));
  auto* table = child<QTreeWidget>(dialog, "peopleTable");
  QTest::keyClicks(child<QLineEdit>(dialog, "searchEdit"), "alice");
  QTRY_COMPARE_WITH_TIMEOUT(column_texts(table, DirectoryDialog::kNameColumn),
                            QStringList{"Alice Johnson"}, kWaitMs);
  double_click_row(table, table->topLevelItem(0));
  QTRY_VERIFY_WITH_TIMEOUT(dialog.findChild<ProfileCard*>() != nullptr, kWaitMs);
  QPointer<ProfileCard> card = dialog.findChild<ProfileCard*>();
  QVERIFY(QTest::qWaitForWindowExposed(card));

  QCOMPARE(child<QLabel>(*card, "displayNameLabel")->text(), "Alice Johnson");
  QCOMPARE(child<QLabel>(*card, "usernameLabel")->text(), "@alice");
  QCOMPARE(child<QLabel>(*card, "titleLabel")->text(), "Backend Engineer");
  QCOMPARE(child<QLabel>(*card, "departmentLabel")->text(), "Engineering");
  QVERIFY(child<QLabel>(*card, "emailLabel")->text().contains("alice@example.test"));
  QCOMPARE(child<QLabel>(*card, "statusLabel")->text(), "On call this week");
  QVERIFY(child<QLabel>(*card, "presenceLabel")->text().contains("Online"));
  QVERIFY(!card->findChild<QLineEdit*>("statusEdit"));
  screenshot(*card, "profile_card");

  QSignalSpy card_opened(card.data(), &ProfileCard::conversationOpened);
  QTest::mouseClick(child<QPushButton>(*card, "sendMessageButton"), Qt::LeftButton);
  QTRY_COMPARE_WITH_TIMEOUT(card_opened.count(), 1, kWaitMs);
  QCOMPARE(opened.count(), 1);
  const auto conversation = opened.at(0).at(0).value<core::ConversationId>();
  QVERIFY(conversation.is_valid());
  QCOMPARE(card_opened.at(0).at(0).value<core::ConversationId>(), conversation);
  QTRY_VERIFY_WITH_TIMEOUT(session_->conversation(conversation).has_value(), kWaitMs);
  QCOMPARE(session_->conversation(conversation)->conversation.conversation.kind,
           core::ConversationKind::direct);
  QTRY_VERIFY_WITH_TIMEOUT(card.isNull(), kWaitMs);  // closed and deleted
  QVERIFY(!dialog.isVisible());
}

void DialogsTest::my_profile_card_edits_status_text() {
  ProfileCard card(*session_, id("maria"), nullptr);
  card.show();
  QVERIFY(QTest::qWaitForWindowExposed(&card));
  QVERIFY(!card.findChild<QPushButton*>("sendMessageButton"));
  auto* edit = child<QLineEdit>(card, "statusEdit");
  auto* save = child<QPushButton>(card, "saveStatusButton");
  QVERIFY(edit && save);
  QVERIFY(!save->isEnabled());
  QTest::keyClicks(edit, "Writing the Q3 roadmap");
  QVERIFY(save->isEnabled());
  screenshot(card, "profile_card_me");
  QTest::keyClick(edit, Qt::Key_Return);
  QTRY_VERIFY_WITH_TIMEOUT(
      session_->user(id("maria")).has_value() &&
          session_->user(id("maria"))->user.profile.status_text == "Writing the Q3 roadmap",
      kWaitMs);
  QTRY_COMPARE_WITH_TIMEOUT(child<QLabel>(card, "statusLabel")->text(), "Writing the Q3 roadmap",
                            kWaitMs);
  QVERIFY(!save->isEnabled());
  QVERIFY(card.isVisible());  // Enter saved; it did not close the card
}

void DialogsTest::new_direct_conversation() {
  NewConversationDialog dialog(*session_, NewConversationDialog::Mode::direct, nullptr);
  QSignalSpy opened(&dialog, &NewConversationDialog::conversationOpened);
  dialog.show();
  QVERIFY(QTest::qWaitForWindowExposed(&dialog));
  auto* results = child<QListWidget>(dialog, "resultsList");
  QTRY_VERIFY_WITH_TIMEOUT(results->count() >= 8, kWaitMs);
  QVERIFY(!find_item(results, "Maria Keller"));  // not myself
  screenshot(dialog, "new_direct");
  QTest::keyClicks(child<QLineEdit>(dialog, "searchEdit"), "support");
  QTRY_COMPARE_WITH_TIMEOUT(results->count(), 1, kWaitMs);
  QVERIFY(results->item(0)->text().startsWith("Henry Lindqvist"));
  QTest::mouseClick(child<QPushButton>(dialog, "okButton"), Qt::LeftButton);
  QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kWaitMs);
  const auto conversation = opened.at(0).at(0).value<core::ConversationId>();
  QVERIFY(conversation.is_valid());
  QTRY_VERIFY_WITH_TIMEOUT(session_->conversations()->find(conversation) != nullptr, kWaitMs);
  QCOMPARE(session_->title(conversation), "Henry Lindqvist");
  QVERIFY(!dialog.isVisible());
}

void DialogsTest::new_group_with_two_picked_members() {
  NewConversationDialog dialog(*session_, NewConversationDialog::Mode::group, nullptr);
  QSignalSpy opened(&dialog, &NewConversationDialog::conversationOpened);
  dialog.show();
  QVERIFY(QTest::qWaitForWindowExposed(&dialog));
  auto* ok = child<QPushButton>(dialog, "okButton");
  auto* search = child<QLineEdit>(dialog, "searchEdit");
  auto* results = child<QListWidget>(dialog, "resultsList");
  QVERIFY(!ok->isEnabled());  // no name yet
  QTest::keyClicks(child<QLineEdit>(dialog, "nameEdit"), "Release 2.0");
  QTest::keyClicks(child<QLineEdit>(dialog, "topicEdit"), "Shipping on Friday");
  QVERIFY(ok->isEnabled());

  // Two picks from two different searches: the first survives the second search.
  QTest::keyClicks(search, "alice");
  QTRY_COMPARE_WITH_TIMEOUT(results->count(), 1, kWaitMs);
  QListWidget* list = results;
  QTest::mouseClick(list->viewport(), Qt::LeftButton, {},
                    list->visualItemRect(list->item(0)).center());
  QCOMPARE(list->item(0)->checkState(), Qt::Checked);
  replace_text(search, "warehouse");
  QTRY_VERIFY_WITH_TIMEOUT(results->count() == 1 && find_item(results, "Carol Diaz"), kWaitMs);
  list->setFocus();
  QTest::keyClick(list, Qt::Key_Down);
  QTest::keyClick(list, Qt::Key_Space);
  QCOMPARE(list->item(0)->checkState(), Qt::Checked);
  QCOMPARE(dialog.picked(), (std::vector<core::UserId>{id("alice"), id("carol")}));
  QCOMPARE(child<QListWidget>(dialog, "pickedList")->count(), 2);
  replace_text(search, "");
  QTRY_VERIFY_WITH_TIMEOUT(results->count() >= 8, kWaitMs);
  QCOMPARE(find_item(results, "Alice Johnson")->checkState(), Qt::Checked);
  QCOMPARE(find_item(results, "Bob Smith")->checkState(), Qt::Unchecked);
  screenshot(dialog, "new_group");

  QTest::mouseClick(ok, Qt::LeftButton);
  QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kWaitMs);
  const auto conversation = opened.at(0).at(0).value<core::ConversationId>();
  QVERIFY(conversation.is_valid());
  QTRY_VERIFY_WITH_TIMEOUT(session_->conversations()->find(conversation) != nullptr, kWaitMs);
  const auto summary = session_->conversation(conversation);
  QVERIFY(summary.has_value());
  QCOMPARE(summary->conversation.conversation.kind, core::ConversationKind::group);
  QCOMPARE(QString::fromStdString(summary->conversation.conversation.name), "Release 2.0");
  QCOMPARE(QString::fromStdString(summary->conversation.conversation.topic), "Shipping on Friday");
  QCOMPARE(summary->conversation.members.size(), std::size_t{3});
  QVERIFY(!dialog.isVisible());
}

void DialogsTest::invite_two_people_to_a_group() {
  const core::ConversationId conversation = create_group("Q3 launch", {"maria", "bob"});
  QVERIFY(conversation.is_valid());
  QTRY_VERIFY_WITH_TIMEOUT(session_->conversation(conversation).has_value(), kWaitMs);

  InviteDialog dialog(*session_, conversation, nullptr);
  QSignalSpy invited(&dialog, &InviteDialog::invited);
  dialog.show();
  QVERIFY(QTest::qWaitForWindowExposed(&dialog));
  QCOMPARE(dialog.windowTitle(), "Invite people to Q3 launch");
  QCOMPARE(child<QLabel>(dialog, "headingLabel")->text(), "Invite people to Q3 launch");
  auto* invite = child<QPushButton>(dialog, "inviteButton");
  auto* search = child<QLineEdit>(dialog, "searchEdit");
  auto* results = child<QListWidget>(dialog, "resultsList");
  QVERIFY(invite && search && results);
  QVERIFY(!invite->isEnabled());  // nobody picked yet

  // Everyone in the directory (9) but the three members, me among them.
  QTRY_COMPARE_WITH_TIMEOUT(results->count(), 6, kWaitMs);
  QVERIFY(!find_item(results, "Maria Keller"));
  QVERIFY(!find_item(results, "Alice Johnson"));
  QVERIFY(!find_item(results, "Bob Smith"));

  // "engineering" finds Alice, Bob and Grace; only Grace is not a member yet.
  QTest::keyClicks(search, "engineering");
  QTRY_VERIFY_WITH_TIMEOUT(results->count() == 1 && find_item(results, "Grace Okafor"), kWaitMs);
  QTest::mouseClick(results->viewport(), Qt::LeftButton, {},
                    results->visualItemRect(results->item(0)).center());
  QCOMPARE(results->item(0)->checkState(), Qt::Checked);
  QVERIFY(invite->isEnabled());
  replace_text(search, "finance");
  QTRY_VERIFY_WITH_TIMEOUT(results->count() == 1 && find_item(results, "Erin Walsh"), kWaitMs);
  QTest::mouseClick(results->viewport(), Qt::LeftButton, {},
                    results->visualItemRect(results->item(0)).center());
  QCOMPARE(dialog.picked(), (std::vector<core::UserId>{id("grace"), id("erin")}));
  QCOMPARE(child<QListWidget>(dialog, "pickedList")->count(), 2);
  replace_text(search, "");
  QTRY_COMPARE_WITH_TIMEOUT(results->count(), 6, kWaitMs);
  QCOMPARE(find_item(results, "Grace Okafor")->checkState(), Qt::Checked);
  QCOMPARE(find_item(results, "Henry Lindqvist")->checkState(), Qt::Unchecked);
  screenshot(dialog, "invite");

  QTest::mouseClick(invite, Qt::LeftButton);
  QTRY_COMPARE_WITH_TIMEOUT(invited.count(), 1, kWaitMs);
  QCOMPARE(invited.at(0).at(0).value<core::ConversationId>(), conversation);
  QVERIFY(!dialog.isVisible());
  const auto summary = session_->conversation(conversation);
  QVERIFY(summary.has_value());
  std::vector<core::UserId> members;
  for (const core::Member& member : summary->conversation.members) {
    members.push_back(member.user_id);
  }
  std::sort(members.begin(), members.end());
  std::vector<core::UserId> expected{id("maria"), id("alice"), id("bob"), id("erin"), id("grace")};
  std::sort(expected.begin(), expected.end());
  QCOMPARE(members, expected);

  // The invited see it: Grace in her own Session, Erin over the bare protocol.
  QTemporaryDir grace_profile;
  std::unique_ptr<Session> grace = sign_in(grace_profile, "grace");
  QVERIFY(grace);
  QTRY_VERIFY_WITH_TIMEOUT(grace->conversation(conversation).has_value(), kWaitMs);
  QCOMPARE(grace->title(conversation), "Q3 launch");
  RawClient erin;
  QString error;
  QVERIFY2(erin.sign_in(server_.url(), "erin", kPassword, &error), qPrintable(error));
  const auto got =
      erin.call("conv.get", {{"conversation_id", qint64{conversation.value()}}}, &error);
  QVERIFY2(got, qPrintable(error));
  QCOMPARE(got->value("conversation").toObject().value("name").toString(), "Q3 launch");
}

void DialogsTest::invite_offers_only_non_members_and_follows_changes() {
  // #general: the administrator, Maria, Alice, Bob, Carol and Erin.
  QTRY_VERIFY_WITH_TIMEOUT(session_->conversation(general_).has_value(), kWaitMs);
  InviteDialog dialog(*session_, general_, nullptr);
  dialog.show();
  QVERIFY(QTest::qWaitForWindowExposed(&dialog));
  auto* results = child<QListWidget>(dialog, "resultsList");
  QTRY_COMPARE_WITH_TIMEOUT(results->count(), 3, kWaitMs);
  QVERIFY(find_item(results, "Frank Moreau") && find_item(results, "Grace Okafor") &&
          find_item(results, "Henry Lindqvist"));
  QVERIFY(child<QLabel>(dialog, "membersLabel")->text().startsWith("6 members"));
  for (const QString& name : {QString("Frank Moreau"), QString("Henry Lindqvist")}) {
    QListWidgetItem* item = find_item(results, name);
    QTest::mouseClick(results->viewport(), Qt::LeftButton, {},
                      results->visualItemRect(item).center());
  }
  QCOMPARE(dialog.picked(), (std::vector<core::UserId>{id("frank"), id("henry")}));

  // Alice invites Frank meanwhile: he is no longer offered, nor picked.
  QString error;
  QVERIFY2(alice_.call("conv.invite",
                       {{"conversation_id", qint64{general_.value()}},
                        {"user_ids", QJsonArray{ids_["frank"]}}},
                       &error),
           qPrintable(error));
  QTRY_VERIFY_WITH_TIMEOUT(!find_item(results, "Frank Moreau"), kWaitMs);
  QCOMPARE(results->count(), 2);
  QCOMPARE(dialog.picked(), std::vector<core::UserId>{id("henry")});
  QCOMPARE(child<QListWidget>(dialog, "pickedList")->count(), 1);
  QVERIFY(child<QLabel>(dialog, "membersLabel")->text().startsWith("7 members"));
  QVERIFY(child<QPushButton>(dialog, "inviteButton")->isEnabled());
}

void DialogsTest::invite_refusals_are_shown_in_the_dialog() {
  // Any member may invite (docs/protocol.md, conv.invite); a non-member may not, an
  // administrator neither.
  const core::ConversationId conversation = create_group("Vendor contracts", {"maria"});
  QVERIFY(conversation.is_valid());
  QTemporaryDir admin_profile;
  std::unique_ptr<Session> admin =
      sign_in(admin_profile, TestServer::kAdminUser, TestServer::kAdminPassword);
  QVERIFY(admin);
  {
    InviteDialog dialog(*admin, conversation, nullptr);
    QSignalSpy invited(&dialog, &InviteDialog::invited);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    auto* results = child<QListWidget>(dialog, "resultsList");
    auto* invite = child<QPushButton>(dialog, "inviteButton");
    auto* error = child<QLabel>(dialog, "errorLabel");
    QTest::keyClicks(child<QLineEdit>(dialog, "searchEdit"), "henry");
    QTRY_VERIFY_WITH_TIMEOUT(results->count() == 1 && find_item(results, "Henry Lindqvist"),
                             kWaitMs);
    QTest::mouseClick(results->viewport(), Qt::LeftButton, {},
                      results->visualItemRect(results->item(0)).center());
    QTest::mouseClick(invite, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(error->isVisible(), kWaitMs);
    QVERIFY2(error->text().contains("not a member"), qPrintable(error->text()));
    QVERIFY(dialog.isVisible());
    QVERIFY(invite->isEnabled());  // may be tried again
    QCOMPARE(invited.count(), 0);
  }
  QTRY_VERIFY_WITH_TIMEOUT(session_->conversation(conversation).has_value(), kWaitMs);
  QCOMPARE(session_->conversation(conversation)->conversation.members.size(), std::size_t{2});

  // Archived: nobody can be invited any more.
  QString message;
  QVERIFY2(
      alice_.call("conv.archive", {{"conversation_id", qint64{conversation.value()}}}, &message),
      qPrintable(message));
  QTRY_VERIFY_WITH_TIMEOUT(session_->conversation(conversation)->conversation.conversation.archived,
                           kWaitMs);
  InviteDialog dialog(*session_, conversation, nullptr);
  dialog.show();
  QVERIFY(QTest::qWaitForWindowExposed(&dialog));
  auto* results = child<QListWidget>(dialog, "resultsList");
  auto* error = child<QLabel>(dialog, "errorLabel");
  QTest::keyClicks(child<QLineEdit>(dialog, "searchEdit"), "henry");
  QTRY_VERIFY_WITH_TIMEOUT(results->count() == 1 && find_item(results, "Henry Lindqvist"), kWaitMs);
  auto* search = child<QLineEdit>(dialog, "searchEdit");
  search->setFocus();
  QTest::keyClick(search, Qt::Key_Down);
  QTest::keyClick(search, Qt::Key_Return);  // ticks; does not invite
  QCOMPARE(dialog.picked(), std::vector<core::UserId>{id("henry")});
  QVERIFY(!error->isVisible());
  QTest::mouseClick(child<QPushButton>(dialog, "inviteButton"), Qt::LeftButton);
  QTRY_VERIFY_WITH_TIMEOUT(error->isVisible(), kWaitMs);
  QVERIFY2(error->text().contains("archived"), qPrintable(error->text()));
  QVERIFY(dialog.isVisible());
  screenshot(dialog, "invite_refused");
  QCOMPARE(session_->conversation(conversation)->conversation.members.size(), std::size_t{2});
}

void DialogsTest::channel_browser_lists_and_joins_a_channel() {
  {
    ChannelBrowserDialog dialog(*session_, nullptr);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    auto* table = child<QTreeWidget>(dialog, "channelTable");
    QTRY_COMPARE_WITH_TIMEOUT(table->topLevelItemCount(), 3, kWaitMs);
    QCOMPARE(find_row(table, ChannelBrowserDialog::kNameColumn, "#general")
                 ->text(ChannelBrowserDialog::kJoinedColumn),
             "Joined");
    screenshot(dialog, "channel_browser");
  }

  ChannelBrowserDialog dialog(*session_, nullptr);
  QSignalSpy opened(&dialog, &ChannelBrowserDialog::conversationOpened);
  dialog.show();
  QVERIFY(QTest::qWaitForWindowExposed(&dialog));
  auto* table = child<QTreeWidget>(dialog, "channelTable");
  auto* join = child<QPushButton>(dialog, "joinButton");
  QTest::keyClicks(child<QLineEdit>(dialog, "searchEdit"), "design");
  QTRY_COMPARE_WITH_TIMEOUT(column_texts(table, ChannelBrowserDialog::kNameColumn),
                            QStringList{"#design-reviews"}, kWaitMs);
  QTreeWidgetItem* row = table->topLevelItem(0);
  QCOMPARE(row->text(ChannelBrowserDialog::kTopicColumn), "Weekly design reviews, Thursdays 10:00");
  QCOMPARE(row->text(ChannelBrowserDialog::kMembersColumn), "3");
  QCOMPARE(row->text(ChannelBrowserDialog::kJoinedColumn), "");
  QVERIFY(!join->isEnabled());
  click_row(table, row);
  QVERIFY(join->isEnabled());
  QTest::mouseClick(join, Qt::LeftButton);
  QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kWaitMs);
  const auto conversation = opened.at(0).at(0).value<core::ConversationId>();
  QVERIFY(conversation.is_valid());
  QTRY_VERIFY_WITH_TIMEOUT(session_->conversations()->find(conversation) != nullptr, kWaitMs);
  QCOMPARE(session_->title(conversation), "design-reviews");
  QVERIFY(!dialog.isVisible());

  // Now it is mine: listed as joined, with Open instead of Join.
  ChannelBrowserDialog again(*session_, nullptr);
  QSignalSpy opened_again(&again, &ChannelBrowserDialog::conversationOpened);
  again.show();
  QVERIFY(QTest::qWaitForWindowExposed(&again));
  auto* table2 = child<QTreeWidget>(again, "channelTable");
  QTest::keyClicks(child<QLineEdit>(again, "searchEdit"), "design");
  QTRY_COMPARE_WITH_TIMEOUT(column_texts(table2, ChannelBrowserDialog::kNameColumn),
                            QStringList{"#design-reviews"}, kWaitMs);
  QCOMPARE(table2->topLevelItem(0)->text(ChannelBrowserDialog::kMembersColumn), "4");
  QCOMPARE(table2->topLevelItem(0)->text(ChannelBrowserDialog::kJoinedColumn), "Joined");
  click_row(table2, table2->topLevelItem(0));
  QVERIFY(child<QPushButton>(again, "openButton")->isEnabled());
  QTest::keyClick(table2, Qt::Key_Return);
  QCOMPARE(opened_again.count(), 1);
  QCOMPARE(opened_again.at(0).at(0).value<core::ConversationId>(), conversation);
}

void DialogsTest::settings_are_saved_and_follow_the_user() {
  // Keys this dialog does not know, and a mute, must survive the save.
  QJsonObject before{{"language", "de"},
                     {"notifications", QJsonObject{{"sound", false}}},
                     {"muted_conversations", QJsonArray{12345}}};
  session_->set_settings(before);

  QTemporaryDir other_profile;
  std::unique_ptr<Session> other = sign_in(other_profile, "maria");  // "another PC"
  QVERIFY(other);
  QTRY_COMPARE_WITH_TIMEOUT(other->settings().value("language").toString(), "de", kWaitMs);
  QSignalSpy other_changed(other.get(), &Session::settingsChanged);
  QSignalSpy changed(session_.get(), &Session::settingsChanged);

  SettingsDialog dialog(*session_, nullptr);
  dialog.show();
  QVERIFY(QTest::qWaitForWindowExposed(&dialog));
  screenshot(dialog, "settings");
  auto* theme = child<QComboBox>(dialog, "themeCombo");
  auto* font = child<QSpinBox>(dialog, "fontSizeSpin");
  auto* away = child<QSpinBox>(dialog, "awayAfterSpin");
  QCOMPARE(theme->currentData().toString(), "system");
  QCOMPARE(font->value(), system_font_point_size());
  QCOMPARE(away->value(), 10);
  QVERIFY(child<QCheckBox>(dialog, "notificationsEnabledCheck")->isChecked());

  theme->setFocus();
  QTest::keyClick(theme, Qt::Key_Down);
  QTest::keyClick(theme, Qt::Key_Down);
  QCOMPARE(theme->currentData().toString(), "dark");
  const int size = system_font_point_size() + 4;
  for (int i = 0; i < 4; ++i) {
    QTest::keyClick(font, Qt::Key_Up);
  }
  QCOMPARE(font->value(), size);
  QTest::mouseClick(child<QCheckBox>(dialog, "notificationPreviewCheck"), Qt::LeftButton);
  QTest::mouseClick(child<QPushButton>(dialog, "okButton"), Qt::LeftButton);
  QCOMPARE(dialog.result(), int(QDialog::Accepted));

  QTRY_VERIFY_WITH_TIMEOUT(!changed.isEmpty(), kWaitMs);
  const QJsonObject saved = session_->settings();
  QCOMPARE(saved.value("theme").toString(), "dark");
  QCOMPARE(saved.value("font_size").toInt(), size);
  QCOMPARE(saved.value("language").toString(), "de");
  QCOMPARE(saved.value("muted_conversations").toArray(), QJsonArray{12345});
  const QJsonObject notifications = saved.value("notifications").toObject();
  QCOMPARE(notifications.value("sound").toBool(true), false);
  QCOMPARE(notifications.value("preview").toBool(true), false);
  QCOMPARE(notifications.value("enabled").toBool(false), true);
  QVERIFY(session_->is_muted(core::ConversationId(12345)));

  // The other PC gets the new document from the server.
  QTRY_VERIFY_WITH_TIMEOUT(!other_changed.isEmpty(), kWaitMs);
  QTRY_COMPARE_WITH_TIMEOUT(other->settings().value("theme").toString(), "dark", kWaitMs);
  QCOMPARE(other->settings(), saved);

  // Another dialog shows what was saved; Cancel changes nothing.
  SettingsDialog second(*session_, nullptr);
  QCOMPARE(child<QComboBox>(second, "themeCombo")->currentData().toString(), "dark");
  QCOMPARE(child<QSpinBox>(second, "fontSizeSpin")->value(), size);
  QVERIFY(!child<QCheckBox>(second, "notificationPreviewCheck")->isChecked());
  second.show();
  QVERIFY(QTest::qWaitForWindowExposed(&second));
  QTest::keyClick(child<QComboBox>(second, "themeCombo"), Qt::Key_Up);
  QTest::mouseClick(child<QPushButton>(second, "cancelButton"), Qt::LeftButton);
  QCOMPARE(session_->settings(), saved);
}

void DialogsTest::certificate_dialog_shows_fingerprint_and_defaults_to_cancel() {
  CertificateDialog dialog(nullptr, "wss://chat.example.com:8443/ws", kFingerprint, false);
  dialog.show();
  QVERIFY(QTest::qWaitForWindowExposed(&dialog));
  auto* fingerprint = child<QLabel>(dialog, "fingerprintLabel");
  QCOMPARE(fingerprint->text(),
           "3A:7F:00:C2:91:5E:4B:D8\n0F:66:A1:23:9C:E4:57:B0\n"
           "12:8D:F3:6A:C9:04:7E:B5\n2D:91:E8:3F:60:AC:17:5B");
  QVERIFY(fingerprint->textInteractionFlags() & Qt::TextSelectableByMouse);
  // The columns line up: every character of a fingerprint is as wide as the others. (Not
  // QFontInfo::fixedPitch(): fontconfig does not flag some monospaced fonts, e.g. Noto Sans Mono.)
  const QFontMetrics metrics(fingerprint->font());
  for (const QChar c : QStringLiteral("0123456789ABCDEF:")) {
    QCOMPARE(metrics.horizontalAdvance(c), metrics.horizontalAdvance(QLatin1Char('0')));
  }
  QVERIFY(child<QLabel>(dialog, "explanationLabel")->text().contains("messenger-server gen-cert"));
  QVERIFY(!dialog.findChild<QLabel*>("warningLabel"));
  QVERIFY(child<QPushButton>(dialog, "cancelButton")->isDefault());
  QVERIFY(!child<QPushButton>(dialog, "trustButton")->isDefault());
  screenshot(dialog, "certificate");

  QTest::keyClick(&dialog, Qt::Key_Return);
  QVERIFY(!dialog.isVisible());
  QCOMPARE(dialog.result(), int(QDialog::Rejected));

  CertificateDialog trusted(nullptr, "wss://chat.example.com:8443/ws", kFingerprint, false);
  trusted.show();
  QVERIFY(QTest::qWaitForWindowExposed(&trusted));
  QTest::mouseClick(child<QPushButton>(trusted, "trustButton"), Qt::LeftButton);
  QCOMPARE(trusted.result(), int(QDialog::Accepted));
}

void DialogsTest::certificate_dialog_warns_when_changed() {
  CertificateDialog dialog(nullptr, "wss://chat.example.com:8443/ws", kFingerprint.toLower(), true);
  dialog.show();
  QVERIFY(QTest::qWaitForWindowExposed(&dialog));
  auto* warning = child<QLabel>(dialog, "warningLabel");
  QVERIFY(warning && warning->isVisible());
  QVERIFY(warning->text().contains("different from the one you trusted before"));
  QVERIFY(warning->text().contains("replaced"));
  QVERIFY(child<QLabel>(dialog, "fingerprintLabel")->text().startsWith("3A:7F:00:C2"));
  QVERIFY(child<QPushButton>(dialog, "cancelButton")->isDefault());
  screenshot(dialog, "certificate_changed");
  QTest::keyClick(&dialog, Qt::Key_Escape);
  QCOMPARE(dialog.result(), int(QDialog::Rejected));
}

void DialogsTest::ask_trust_certificate_returns_false_on_enter() {
  int presses = 0;
  QTimer press;
  press.setInterval(20);
  connect(&press, &QTimer::timeout, this, [&] {
    if (auto* dialog = qobject_cast<CertificateDialog*>(QApplication::activeModalWidget())) {
      ++presses;
      QTest::keyClick(dialog, Qt::Key_Return);
    }
  });
  press.start();
  QVERIFY(!ask_trust_certificate(nullptr, "wss://chat.example.com:8443/ws", kFingerprint, true));
  press.stop();
  QCOMPARE(presses, 1);
}

void DialogsTest::apply_appearance_switches_palette_and_font() {
  auto& app = *qApp;
  const QColor original_window = app.palette().color(QPalette::Window);
  const int original_size = app.font().pointSize();

  apply_appearance(app, {{"theme", "dark"}, {"font_size", 14}});
  QCOMPARE(app.style()->name().toLower(), "fusion");
  QVERIFY(app.palette().color(QPalette::Window).lightness() < 60);
  QVERIFY(app.palette().color(QPalette::WindowText).lightness() > 200);
  QVERIFY(app.palette().color(QPalette::Base).lightness() < 60);
  QCOMPARE(app.font().pointSize(), 14);
  const QPalette dark = app.palette();
  apply_appearance(app, {{"theme", "dark"}, {"font_size", 14}});  // idempotent
  QCOMPARE(app.palette(), dark);
  QCOMPARE(app.font().pointSize(), 14);

  SettingsDialog dialog(*session_, nullptr);
  dialog.show();
  QVERIFY(QTest::qWaitForWindowExposed(&dialog));
  screenshot(dialog, "settings_dark");
  ProfileCard card(*session_, id("alice"), nullptr);
  card.show();
  QVERIFY(QTest::qWaitForWindowExposed(&card));
  screenshot(card, "profile_card_dark");

  apply_appearance(app, {{"theme", "light"}, {"font_size", 99}});
  QVERIFY(app.palette().color(QPalette::Window).lightness() > 200);
  QVERIFY(app.palette().color(QPalette::WindowText).lightness() < 60);
  QCOMPARE(app.font().pointSize(), 24);  // clamped

  apply_appearance(app, {});  // "system" and the system font
  QCOMPARE(app.palette().color(QPalette::Window), original_window);
  QCOMPARE(app.font().pointSize(), original_size);
}

}  // namespace messenger::desktop

QTEST_MAIN(messenger::desktop::DialogsTest)
#include "dialogs_test.moc"
