// messenger-desktop-bench: start-up, conversation-open and scrolling figures of the desktop
// client (bench/README.md). Without arguments it starts a messenger-server, seeds it and runs
// every measurement in child processes of itself ("probe MODE"), each running the real App.
#include <QApplication>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTextStream>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "probe.h"
#include "runner.h"

namespace {

namespace bench = messenger::bench::desktop;

int to_int(const QCommandLineParser& parser, const QString& name) {
  bool ok = false;
  const int value = parser.value(name).toInt(&ok);
  if (!ok || value < 0) {
    QTextStream(stderr) << "messenger-desktop-bench: --" << name << " needs a number >= 0\n";
    std::exit(2);
  }
  return value;
}

void add_options(QCommandLineParser& parser) {
  parser.setApplicationDescription(
      "Measures the desktop client: a new process's start to its first painted main window on a "
      "filled profile, opening a conversation of many messages (cold and warm cache), and "
      "memory after scrolling through its history. Starts its own messenger-server.");
  parser.addHelpOption();
  parser.addPositionalArgument("probe", "(internal) run one measurement in this process");
  parser.addOptions({
      {"messages", "Messages in the big conversation.", "N", "100000"},
      {"senders", "Colleagues sending them (besides the reader), pipelined.", "N", "4"},
      {"window", "Unacknowledged msg.send per sender while seeding.", "N", "64"},
      {"runs", "New-process starts per figure (median).", "N", "5"},
      {"open-runs", "Cold and warm opens (median).", "N", "5"},
      {"scroll", "Rows to load by scrolling up.", "N", "10000"},
      {"scroll-max", "Then go on to this many rows, within --scroll-budget-s.", "N", "0"},
      {"scroll-budget-s", "Seconds for one scroll run.", "S", "120"},
      {"scroll-runs", "Cold + warm scroll runs.", "N", "1"},
      {"timeout-s", "Bound of the whole run (probe: of this probe).", "S", "1200"},
      {"json", "Write the figures to FILE.", "FILE"},
      {"check", "Exit status 1 unless every figure was measured."},
      // probe only
      {"profile-dir", "(probe) The profile folder.", "DIR"},
      {"t0-ns", "(probe) steady_clock ns when the parent started this process.", "NS", "0"},
      {"server", "(probe) Server URL.", "URL"},
      {"username", "(probe) Username.", "NAME"},
      {"password", "(probe) Password.", "PASSWORD"},
      {"conversation", "(probe) Conversation id.", "ID", "0"},
      {"target", "(probe) Rows to scroll to.", "N", "10000"},
      {"max", "(probe) Rows to go on to.", "N", "0"},
      {"budget-s", "(probe) Seconds for scrolling.", "S", "120"},
  });
}

int run_probe(QApplication& application, const QCommandLineParser& parser, std::int64_t main_ns) {
  bench::ProbeOptions options;
  options.mode = parser.positionalArguments().value(1);
  options.profile_dir = parser.value("profile-dir");
  options.t0_ns = parser.value("t0-ns").toLongLong();
  options.server = QUrl(parser.value("server"));
  options.username = parser.value("username");
  options.password = parser.value("password");
  options.conversation = parser.value("conversation").toLongLong();
  options.target = to_int(parser, "target");
  options.max = to_int(parser, "max");
  options.budget_s = to_int(parser, "budget-s");
  options.timeout_s = to_int(parser, "timeout-s");
  return bench::run_probe(application, options, main_ns);
}

int run_bench(const QCommandLineParser& parser) {
  bench::RunOptions options;
  options.seed.messages = to_int(parser, "messages");
  options.seed.senders = to_int(parser, "senders");
  options.seed.window = to_int(parser, "window");
  options.runs = to_int(parser, "runs");
  options.open_runs = to_int(parser, "open-runs");
  options.scroll_target = to_int(parser, "scroll");
  options.scroll_max = to_int(parser, "scroll-max");
  options.scroll_budget_s = to_int(parser, "scroll-budget-s");
  options.scroll_runs = to_int(parser, "scroll-runs");
  options.timeout_s = to_int(parser, "timeout-s");
  options.json_file = parser.value("json");
  options.check = parser.isSet("check");
  return bench::run_bench(options);
}

}  // namespace

int main(int argc, char** argv) {
  const std::int64_t main_ns = bench::now_ns();
  // A probe runs the widgets; the parent only needs an event loop (and no display).
  const bool probe = argc > 1 && std::strcmp(argv[1], "probe") == 0;
  std::unique_ptr<QCoreApplication> application;
  if (probe) {
    application = std::make_unique<QApplication>(argc, argv);
  } else {
    application = std::make_unique<QCoreApplication>(argc, argv);
  }
  // As messenger-desktop's main() does.
  QCoreApplication::setApplicationName("The Messenger");
  QCoreApplication::setApplicationVersion("0.1.0");
  QCommandLineParser parser;
  add_options(parser);
  parser.process(*application);
  if (probe) {
    QGuiApplication::setDesktopFileName("the-messenger");
    return run_probe(*static_cast<QApplication*>(application.get()), parser, main_ns);
  }
  return run_bench(parser);
}
