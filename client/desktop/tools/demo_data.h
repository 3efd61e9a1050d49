#pragma once

#include <QString>
#include <QUrl>

namespace messenger::desktop::tools {

/// The account the screenshots are taken as.
struct DemoLogin {
  QString username;
  QString password;
};

/// Fills an empty server with a small company through the protocol: six people with
/// departments and titles, a public channel, a project group, direct chats, and a day of
/// conversation in the group including an edited and a deleted message. Returns the login of
/// the person whose screen is shown.
bool seed_demo_company(const QUrl& server, DemoLogin* login, QString* error);

/// Moves the demo messages to realistic times (a group discussion starting yesterday
/// afternoon and going on this morning), so the screenshots show a day break. The server
/// stamps messages with its own clock, so this edits its stopped SQLite file (`messenger.db`
/// in its data directory) directly — for screenshots only.
bool backdate_demo_messages(const QString& database_file, QString* error);

}  // namespace messenger::desktop::tools
