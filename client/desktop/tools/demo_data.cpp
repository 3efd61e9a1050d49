#include "demo_data.h"

#include <sqlite3.h>

#include <QDateTime>
#include <QJsonArray>
#include <QStringList>
#include <array>
#include <memory>
#include <vector>

#include "test_server.h"

namespace messenger::desktop::tools {
namespace {

using client::test::RawClient;
using client::test::TestServer;

constexpr const char* kPassword = "demo-password-2026";

struct Person {
  const char* username;
  const char* name;
  const char* department;
  const char* title;
};

// The first person is the one whose screen is shown.
constexpr std::array kPeople = {
    Person{"emma.walker", "Emma Walker", "Product", "Product Manager"},
    Person{"alice.martin", "Alice Martin", "Engineering", "Backend Lead"},
    Person{"bob.chen", "Bob Chen", "Engineering", "Desktop Developer"},
    Person{"carla.diaz", "Carla Diaz", "Design", "UX Designer"},
    Person{"dmitri.ivanov", "Dmitri Ivanov", "Operations", "Site Reliability Engineer"},
    Person{"fatima.khan", "Fatima Khan", "Support", "Support Team Lead"},
};

// The group discussion: (person index, text). Yesterday's part first, then this morning's.
struct Line {
  int person;
  const char* text;
};
constexpr int kYesterdayLines = 6;
constexpr std::array kDiscussion = {
    Line{1, "Release 2.4 branch is cut. Server side is feature complete."},
    Line{2,
         "Desktop builds are green on Linux and Windows. Tray notifications still need a look "
         "on Windows 11."},
    Line{0, "Great work both! Can we have the release candidate on staging by Thursday?"},
    Line{4, "Staging is ready. I will deploy the RC tonight after the backup window."},
    Line{3,
         "The new sign-in screen mockups are in the design folder, please have a look "
         "before tomorrow's review."},
    Line{1,
         "Looked at them, they are clear. One question: do we show the server address "
         "field by default?"},
    Line{4, "RC deployed to staging at 22:10, no errors in the logs overnight."},
    Line{2, "Notifications on Windows 11 fixed, the build is uploaded."},
    Line{5,
         "Support tested the migration from SQLite to MongoDB on the staging copy: all "
         "history and read markers are there."},
    Line{0, "Perfect. Let's go for Friday then. I will send the announcement to #general."},
    Line{3, "Wrong channel, sorry"},                // deleted below
    Line{1, "Friday works for the backend team."},  // edited below
};

bool call(RawClient& client, const QString& type, const QJsonObject& fields, QJsonObject* result,
          QString* error) {
  auto reply = client.call(type, fields, error);
  if (!reply) return false;
  if (result) *result = *reply;
  return true;
}

qint64 id_of(const QJsonObject& result, const char* key) {
  return result.value(key).toObject().value("id").toInteger();
}

}  // namespace

bool seed_demo_company(const QUrl& server, DemoLogin* login, QString* error) {
  RawClient admin;
  if (!admin.sign_in(server, TestServer::kAdminUser, TestServer::kAdminPassword, error)) {
    return false;
  }
  std::array<qint64, kPeople.size()> ids{};
  for (std::size_t i = 0; i < kPeople.size(); ++i) {
    ids[i] = admin.create_user(kPeople[i].username, kPassword, kPeople[i].name, error,
                               kPeople[i].department, kPeople[i].title);
    if (ids[i] == 0) return false;
  }
  std::array<std::unique_ptr<RawClient>, kPeople.size()> people;
  for (std::size_t i = 0; i < kPeople.size(); ++i) {
    people[i] = std::make_unique<RawClient>();
    if (!people[i]->sign_in(server, kPeople[i].username, kPassword, error)) return false;
  }
  auto& emma = *people[0];
  QJsonArray everyone;
  for (std::size_t i = 1; i < ids.size(); ++i) everyone.append(ids[i]);

  QJsonObject created;
  if (!call(*people[4], "conv.create",
            {{"kind", "channel"},
             {"name", "general"},
             {"topic", "Company-wide announcements and questions"},
             {"member_ids", everyone}},
            &created, error)) {
    return false;
  }
  const qint64 general = id_of(created, "conversation");
  if (!call(emma, "conv.join", {{"conversation_id", general}}, nullptr, error)) return false;
  if (!call(*people[4], "msg.send",
            {{"conversation_id", general},
             {"client_msg_id", "demo-general-1"},
             {"text", "Reminder: the VPN certificates are renewed on Saturday at 08:00."}},
            nullptr, error)) {
    return false;
  }
  QJsonObject channel2;
  if (!call(*people[3], "conv.create",
            {{"kind", "channel"},
             {"name", "design-reviews"},
             {"topic", "Mockups and feedback"},
             {"member_ids", QJsonArray{}}},
            &channel2, error)) {
    return false;
  }

  QJsonObject group;
  if (!call(emma, "conv.create",
            {{"kind", "group"},
             {"name", "Release 2.4"},
             {"topic", "Ship the desktop client and the MongoDB store on Friday"},
             {"member_ids", QJsonArray{ids[1], ids[2], ids[3], ids[4], ids[5]}}},
            &group, error)) {
    return false;
  }
  const qint64 release = id_of(group, "conversation");
  int n = 0;
  QJsonObject sent;
  qint64 deleted_seq = 0;
  qint64 edited_seq = 0;
  for (const auto& line : kDiscussion) {
    if (!call(*people[static_cast<std::size_t>(line.person)], "msg.send",
              {{"conversation_id", release},
               {"client_msg_id", QString("demo-release-%1").arg(++n)},
               {"text", line.text}},
              &sent, error)) {
      return false;
    }
    const qint64 seq = sent.value("message").toObject().value("seq").toInteger();
    if (QString(line.text) == "Wrong channel, sorry") deleted_seq = seq;
    if (QString(line.text).startsWith("Friday works")) edited_seq = seq;
  }
  if (!call(*people[3], "msg.delete", {{"conversation_id", release}, {"seq", deleted_seq}}, nullptr,
            error) ||
      !call(*people[1], "msg.edit",
            {{"conversation_id", release},
             {"seq", edited_seq},
             {"text", "Friday works for the backend team. The database migration is rehearsed."}},
            nullptr, error)) {
    return false;
  }

  // Direct chats: one read, one with an unread message for Emma.
  for (std::size_t other : {std::size_t{1}, std::size_t{2}}) {
    QJsonObject direct;
    if (!call(*people[other], "conv.open_direct", {{"user_id", ids[0]}}, &direct, error)) {
      return false;
    }
    const qint64 id = id_of(direct, "conversation");
    const char* text = other == 1 ? "Can you review the release notes draft when you have a minute?"
                                  : "Pushed the fix for the tray icon, thanks for the report!";
    if (!call(*people[other], "msg.send",
              {{"conversation_id", id}, {"client_msg_id", "demo-direct"}, {"text", text}}, &sent,
              error)) {
      return false;
    }
    if (other == 2) {
      const qint64 seq = sent.value("message").toObject().value("seq").toInteger();
      if (!call(emma, "msg.read", {{"conversation_id", id}, {"seq", seq}}, nullptr, error)) {
        return false;
      }
    }
  }
  // Emma has read the group up to yesterday's part.
  if (!call(emma, "msg.read", {{"conversation_id", release}, {"seq", kYesterdayLines}}, nullptr,
            error)) {
    return false;
  }
  if (!call(*people[1], "user.update_profile", {{"status_text", "Release week"}}, nullptr, error)) {
    return false;
  }
  login->username = kPeople[0].username;
  login->password = kPassword;
  return true;
}

bool backdate_demo_messages(const QString& database_file, QString* error) {
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(database_file.toUtf8().constData(), &raw, SQLITE_OPEN_READWRITE, nullptr) !=
      SQLITE_OK) {
    *error = "cannot open " + database_file + ": " + sqlite3_errmsg(raw);
    sqlite3_close(raw);
    return false;
  }
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
  const QDateTime yesterday(QDate::currentDate().addDays(-1), QTime(0, 0));
  // Yesterday from 16:42, a few minutes apart; today's part ends a few minutes ago (never in
  // the future, whenever the screenshots are taken).
  const int today_lines = static_cast<int>(kDiscussion.size()) - kYesterdayLines;
  const QDateTime today_start = QDateTime::currentDateTime().addSecs(-(today_lines * 4 + 3) * 60);
  auto time_of = [&](int index) {
    if (index < kYesterdayLines) return yesterday.addSecs(16 * 3600 + 42 * 60 + index * 7 * 60);
    return today_start.addSecs((index - kYesterdayLines) * 4 * 60);
  };
  // (client_msg_id, sender) -> time. Direct chats and #general get their own moments too, so
  // the sidebar shows different times and a realistic order.
  struct Stamp {
    QString client_msg_id;
    QString sender;
    QDateTime at;
  };
  std::vector<Stamp> stamps;
  for (int i = 0; i < static_cast<int>(kDiscussion.size()); ++i) {
    stamps.push_back(
        {QString("demo-release-%1").arg(i + 1),
         kPeople[static_cast<std::size_t>(kDiscussion[static_cast<std::size_t>(i)].person)]
             .username,
         time_of(i)});
  }
  const QDateTime now = QDateTime::currentDateTime();
  stamps.push_back({"demo-general-1", kPeople[4].username, yesterday.addSecs(18 * 3600 + 5 * 60)});
  stamps.push_back({"demo-direct", kPeople[2].username, now.addSecs(-50 * 60)});
  stamps.push_back({"demo-direct", kPeople[1].username, now.addSecs(-60)});

  const char* sql =
      "UPDATE messages SET created_at = ?1, edited_at = CASE WHEN edited_at = 0 THEN 0 ELSE ?1 + "
      "120000 END WHERE client_msg_id = ?2 AND sender_id = (SELECT id FROM users WHERE username "
      "= ?3)";
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db.get(), sql, -1, &statement, nullptr) != SQLITE_OK) {
    *error = QString("cannot prepare the update: ") + sqlite3_errmsg(db.get());
    return false;
  }
  std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> update(statement, &sqlite3_finalize);
  for (const auto& stamp : stamps) {
    const QByteArray id = stamp.client_msg_id.toUtf8();
    const QByteArray sender = stamp.sender.toUtf8();
    sqlite3_bind_int64(update.get(), 1, stamp.at.toMSecsSinceEpoch());
    sqlite3_bind_text(update.get(), 2, id.constData(), static_cast<int>(id.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_text(update.get(), 3, sender.constData(), static_cast<int>(sender.size()),
                      SQLITE_TRANSIENT);
    if (sqlite3_step(update.get()) != SQLITE_DONE || sqlite3_changes(db.get()) != 1) {
      *error = QString("cannot update the demo message %1: %2")
                   .arg(stamp.client_msg_id, sqlite3_errmsg(db.get()));
      return false;
    }
    sqlite3_reset(update.get());
  }
  // The sidebar orders by last activity: make it the newest message's time.
  const char* activity =
      "UPDATE conversations SET last_activity = (SELECT MAX(created_at) FROM messages m WHERE "
      "m.conversation_id = conversations.id) WHERE EXISTS (SELECT 1 FROM messages m WHERE "
      "m.conversation_id = conversations.id)";
  if (sqlite3_exec(db.get(), activity, nullptr, nullptr, nullptr) != SQLITE_OK) {
    *error = QString("cannot update the conversations: ") + sqlite3_errmsg(db.get());
    return false;
  }
  return true;
}

}  // namespace messenger::desktop::tools
