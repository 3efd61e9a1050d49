#pragma once

#include <QString>
#include <QUrl>
#include <cstdint>

namespace messenger::bench::desktop {

struct SeedOptions {
  int messages = 100'000;        // in the big conversation
  int senders = 4;               // colleagues sending into it, besides the reader
  int window = 64;               // unacknowledged msg.send per sending connection
  int small_conversations = 12;  // for a realistic sidebar
  int timeout_s = 300;
};

/// What the desktop runs signed in as, and what it finds there.
struct Seeded {
  QString username;
  QString password;
  std::int64_t big_conversation = 0;
  int conversations = 0;  // the reader's, the big one included
  int messages = 0;       // in the big conversation
  double seconds = 0;     // to send them
};

/// Fills an empty server through the protocol: a reader with colleagues, small direct and
/// group conversations with a few messages each, then one group of `messages` messages written
/// by the reader and `senders` colleagues at once (pipelined, so a few seconds per 10,000 on a
/// quiet machine); its texts vary in length from a few words to several wrapped lines.
bool seed_server(const QUrl& url, const QString& admin_user, const QString& admin_password,
                 const SeedOptions& options, Seeded* seeded, QString* error);

}  // namespace messenger::bench::desktop
