// messenger-desktop-screenshots: the pictures of docs/user-guide.md. Starts a real
// messenger-server with a small demo company (tools/demo_data), runs the real desktop windows
// and saves the sign-in window and the main window with a realistic conversation as PNG files.
// scripts/screenshots.sh runs it under Xvfb; CTest runs it offscreen as a smoke test.
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QLineEdit>
#include <QTemporaryDir>
#include <QTest>
#include <QTextStream>
#include <QTimer>

#include "app.h"
#include "demo_data.h"
#include "main_window.h"
#include "messenger/client/conversation_list_model.h"
#include "messenger/client/message_list_model.h"
#include "messenger/client/session.h"
#include "sign_in_window.h"
#include "test_server.h"
#include "theme.h"

namespace {

using messenger::client::test::TestServer;
namespace desktop = messenger::desktop;
namespace tools = messenger::desktop::tools;

constexpr int kWaitMs = 30'000;

int fail(const QString& message) {
  QTextStream(stderr) << "messenger-desktop-screenshots: " << message << "\n";
  return 1;
}

bool save(QWidget& window, const QString& file) {
  // Let pending layouts and repaints (e.g. of the delegate) finish first.
  QTest::qWait(300);
  return window.grab().save(file, "PNG");
}

messenger::core::ConversationId find_conversation(messenger::client::Session& session,
                                                  const QString& title) {
  for (const auto& row : session.conversations()->rows()) {
    if (row.title == title) return row.summary.conversation.conversation.id;
  }
  return {};
}

int run(QApplication& application, const QString& out_dir) {
  QDir().mkpath(out_dir);
  TestServer server;
  QString error;
  tools::DemoLogin login;
  if (!server.start(&error) || !tools::seed_demo_company(server.url(), &login, &error) ||
      !server.stop(&error) ||
      !tools::backdate_demo_messages(QDir(server.data_dir()).filePath("messenger.db"), &error) ||
      !server.restart(&error)) {
    return fail(error);
  }

  QTemporaryDir profile;
  desktop::AppOptions options;
  options.profile_dir = profile.path();
  options.server = server.url();
  desktop::App app(application, options);
  if (!app.start() || app.sign_in_window() == nullptr) {
    return fail("the sign-in window did not open");
  }
  auto& sign_in = *app.sign_in_window();
  sign_in.set_username(login.username);
  auto* password = sign_in.findChild<QLineEdit*>("passwordEdit");
  if (password == nullptr) return fail("no password field named passwordEdit");
  password->setText(login.password);
  sign_in.resize(420, sign_in.sizeHint().height());
  if (!save(sign_in, QDir(out_dir).filePath("sign-in.png"))) return fail("cannot save sign-in.png");

  bool synced = false;
  QObject::connect(&app.session(), &messenger::client::Session::synced, [&] { synced = true; });
  sign_in.submit();
  if (!QTest::qWaitFor([&] { return synced && app.main_window() != nullptr; }, kWaitMs)) {
    return fail("signing in and syncing did not finish within 30 s");
  }
  auto& window = *app.main_window();
  window.resize(1100, 720);
  const auto release = find_conversation(app.session(), "Release 2.4");
  if (!release.is_valid()) return fail("the demo group is missing");
  window.open_conversation(release);
  auto* messages = app.session().messages(release);
  if (!QTest::qWaitFor([&] { return messages->rowCount() >= 10; }, kWaitMs)) {
    return fail("the demo conversation did not load");
  }
  if (!save(window, QDir(out_dir).filePath("main-window.png"))) {
    return fail("cannot save main-window.png");
  }

  auto settings = app.session().settings();
  settings["theme"] = "dark";
  app.session().set_settings(settings);
  desktop::apply_appearance(application, settings);
  if (!save(window, QDir(out_dir).filePath("main-window-dark.png"))) {
    return fail("cannot save main-window-dark.png");
  }
  QTextStream(stdout) << "saved sign-in.png, main-window.png and main-window-dark.png in "
                      << out_dir << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  QApplication application(argc, argv);
  QApplication::setApplicationName("The Messenger");
  QCommandLineParser parser;
  parser.setApplicationDescription("Saves the screenshots of docs/user-guide.md.");
  parser.addHelpOption();
  parser.addOption({"out", "Folder for the PNG files.", "dir", "docs/images"});
  parser.process(application);
  // Fixed look whatever the machine: the light theme and the same font size everywhere.
  desktop::apply_appearance(application, QJsonObject{{"theme", "light"}, {"font_size", 10}});
  return run(application, parser.value("out"));
}
