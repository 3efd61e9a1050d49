#include "seed.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QTextStream>
#include <QTimer>
#include <array>
#include <memory>
#include <random>
#include <vector>

#include "protocol_client.h"

namespace messenger::bench::desktop {
namespace {

constexpr const char* kPassword = "desktop-bench-password";
constexpr int kColleagues = 10;
constexpr int kSmallMessages = 5;

constexpr std::array kWords = {
    "release",  "build",     "server",    "the",    "a",       "client", "we",      "should",
    "review",   "today",     "please",    "deploy", "staging", "fix",    "merged",  "branch",
    "test",     "green",     "looks",     "good",   "to",      "me",     "can",     "you",
    "check",    "logs",      "after",     "lunch",  "meeting", "moved",  "at",      "ten",
    "thanks",   "for",       "the",       "update", "ticket",  "is",     "closed",  "now",
    "design",   "mockup",    "feedback",  "on",     "Friday",  "backup", "window",  "tonight",
    "database", "migration", "rehearsed", "and",    "works",   "with",   "MongoDB", "SQLite"};

// Mostly one line, sometimes a paragraph that wraps over several lines.
QString message_text(std::uint32_t seed) {
  std::mt19937 random(seed);
  const std::uint32_t kind = random() % 100;
  const std::uint32_t words = kind < 70   ? 3 + random() % 13
                              : kind < 95 ? 15 + random() % 36
                                          : 50 + random() % 101;
  QString text;
  for (std::uint32_t i = 0; i < words; ++i) {
    if (i > 0) text += ' ';
    text += kWords[random() % kWords.size()];
  }
  text[0] = text[0].toUpper();
  text += random() % 4 == 0 ? "?" : ".";
  return text;
}

// Runs the event loop until every client's stream is done, one fails, or the deadline.
bool run_streams(const std::vector<ProtocolClient*>& clients, QDeadlineTimer deadline,
                 QString* error) {
  const auto finished = [&] {
    for (const ProtocolClient* client : clients) {
      if (!client->failure().isEmpty() || !client->stream_done()) return false;
    }
    return true;
  };
  while (!finished() && !deadline.hasExpired()) {
    for (const ProtocolClient* client : clients) {
      if (!client->failure().isEmpty()) {
        *error = client->failure();
        return false;
      }
    }
    QEventLoop loop;
    QTimer::singleShot(20, &loop, &QEventLoop::quit);
    loop.exec();
  }
  if (!finished()) {
    int acked = 0;
    for (const ProtocolClient* client : clients) acked += client->stream_acked();
    *error = QString("seeding did not finish in time (%1 messages acknowledged)").arg(acked);
    return false;
  }
  return true;
}

qint64 conversation_id(const QJsonObject& result) {
  return result.value("conversation").toObject().value("id").toInteger();
}

}  // namespace

bool seed_server(const QUrl& url, const QString& admin_user, const QString& admin_password,
                 const SeedOptions& options, Seeded* seeded, QString* error) {
  const QDeadlineTimer deadline(std::chrono::seconds(options.timeout_s));
  ProtocolClient admin;
  if (!admin.sign_in(url, admin_user, admin_password, error)) return false;
  const auto create = [&](const QString& username, const QString& name) -> qint64 {
    const auto result = admin.call("admin.user.create",
                                   {{"username", username},
                                    {"password", kPassword},
                                    {"display_name", name},
                                    {"department", "Engineering"},
                                    {"email", username + "@example.test"}},
                                   error);
    return result ? result->value("user").toObject().value("id").toInteger() : 0;
  };
  if (create("riley.reader", "Riley Reader") == 0) return false;
  std::vector<qint64> colleagues;
  for (int i = 1; i <= std::max(kColleagues, options.senders); ++i) {
    const qint64 id =
        create(QString("colleague%1").arg(i, 2, 10, QChar('0')), QString("Colleague %1").arg(i));
    if (id == 0) return false;
    colleagues.push_back(id);
  }

  ProtocolClient reader;
  if (!reader.sign_in(url, "riley.reader", kPassword, error)) return false;
  std::vector<std::unique_ptr<ProtocolClient>> senders;
  for (int i = 0; i < options.senders; ++i) {
    senders.push_back(std::make_unique<ProtocolClient>());
    if (!senders.back()->sign_in(url, QString("colleague%1").arg(i + 1, 2, 10, QChar('0')),
                                 kPassword, error)) {
      return false;
    }
  }

  int conversations = 0;
  for (int j = 0; j < options.small_conversations; ++j) {
    const qint64 other = colleagues[static_cast<std::size_t>(j / 2) % colleagues.size()];
    std::optional<QJsonObject> created;
    if (j % 2 == 0) {
      created = reader.call("conv.open_direct", {{"user_id", other}}, error);
    } else {
      QJsonArray members;
      for (std::size_t k = 0; k < 3; ++k) {
        members.append(colleagues[(static_cast<std::size_t>(j) + k) % colleagues.size()]);
      }
      created = reader.call(
          "conv.create",
          {{"kind", "group"}, {"name", QString("Team %1").arg(j)}, {"member_ids", members}}, error);
    }
    if (!created) return false;
    reader.start_stream(
        conversation_id(*created), kSmallMessages, kSmallMessages, QString("small-%1-").arg(j),
        [j](int i) { return message_text(static_cast<std::uint32_t>(1'000'000 + j * 100 + i)); });
    if (!run_streams({&reader}, deadline, error)) return false;
    ++conversations;
  }

  QJsonArray members;
  for (int i = 0; i < options.senders; ++i) members.append(colleagues[static_cast<std::size_t>(i)]);
  const auto big = reader.call("conv.create",
                               {{"kind", "group"},
                                {"name", "All hands"},
                                {"topic", "The long history the desktop benchmark scrolls"},
                                {"member_ids", members}},
                               error);
  if (!big) return false;
  const qint64 big_id = conversation_id(*big);
  ++conversations;

  // The reader and each sender send an equal share, all at once.
  std::vector<ProtocolClient*> clients{&reader};
  for (auto& sender : senders) clients.push_back(sender.get());
  const int shares = static_cast<int>(clients.size());
  QElapsedTimer timer;
  timer.start();
  for (int s = 0; s < shares; ++s) {
    const int count = options.messages / shares + (s < options.messages % shares ? 1 : 0);
    clients[static_cast<std::size_t>(s)]->start_stream(
        big_id, count, options.window, QString("big-%1-").arg(s),
        [s, shares](int i) { return message_text(static_cast<std::uint32_t>(i * shares + s)); });
  }
  if (!run_streams(clients, deadline, error)) return false;

  seeded->username = "riley.reader";
  seeded->password = kPassword;
  seeded->big_conversation = big_id;
  seeded->conversations = conversations;
  seeded->messages = options.messages;
  seeded->seconds = static_cast<double>(timer.nsecsElapsed()) / 1e9;
  return true;
}

}  // namespace messenger::bench::desktop
