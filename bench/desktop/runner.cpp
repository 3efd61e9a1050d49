#include "runner.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTextStream>
#include <QThread>
#include <algorithm>
#include <optional>
#include <vector>

#include "probe.h"
#include "test_server.h"

namespace messenger::bench::desktop {
namespace {

using client::test::TestServer;

constexpr int kMinChildTimeoutS = 10;

QTextStream& err() {
  static QTextStream stream(stderr);
  return stream;
}

QString loadavg() {
  QFile file("/proc/loadavg");
  if (!file.open(QIODevice::ReadOnly)) return {};
  return QString::fromLatin1(file.readAll()).section(' ', 0, 2);
}

// A value by dotted path ("at_target.elapsed_ms"); nothing when absent or negative (unmeasured).
std::optional<double> value_at(const QJsonObject& object, const QString& path) {
  QJsonValue value = object;
  for (const QString& part : path.split('.')) value = value.toObject().value(part);
  if (!value.isDouble() || value.toDouble() < 0) return std::nullopt;
  return value.toDouble();
}

double median_of(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// Median, min and max of each key over the runs that measured it.
QJsonObject stats(const QJsonArray& runs, const QStringList& keys) {
  QJsonObject out;
  for (const QString& key : keys) {
    std::vector<double> values;
    for (const QJsonValue& run : runs) {
      if (auto value = value_at(run.toObject(), key)) values.push_back(*value);
    }
    if (values.empty()) continue;
    const auto [low, high] = std::minmax_element(values.begin(), values.end());
    out[key] = QJsonObject{{"median", median_of(values)},
                           {"min", *low},
                           {"max", *high},
                           {"n", static_cast<int>(values.size())}};
  }
  return out;
}

class Runner {
 public:
  explicit Runner(const RunOptions& options)
      : options_(options), deadline_(std::chrono::seconds(options.timeout_s)) {}

  int run() {
    out_["tool"] = "messenger-desktop-bench";
    out_["platform"] = qEnvironmentVariable("QT_QPA_PLATFORM", "default");  // the probes say
    out_["qt"] = qVersion();
    out_["cpus"] = QThread::idealThreadCount();
    out_["loadavg_start"] = loadavg();
    const bool ok = measure();
    out_["loadavg_end"] = loadavg();
    out_["ok"] = ok && failures_ == 0;
    if (!error_.isEmpty()) out_["error"] = error_;
    if (!options_.json_file.isEmpty()) {
      QFile file(options_.json_file);
      if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
          file.write(QJsonDocument(out_).toJson(QJsonDocument::Indented)) < 0) {
        err() << "cannot write " << options_.json_file << "\n";
        return 1;
      }
    }
    QTextStream(stdout) << summary() << "\n";
    if (!error_.isEmpty()) err() << "messenger-desktop-bench: " << error_ << "\n";
    return options_.check && !out_["ok"].toBool() ? 1 : 0;
  }

 private:
  bool measure() {
    TestServer server({"--requests-per-second", "0"});
    QString error;
    if (!server.start(&error)) return fail(error);
    Seeded seeded;
    SeedOptions seed = options_.seed;
    seed.timeout_s = std::max(1, static_cast<int>(deadline_.remainingTime() / 1000));
    err() << "seeding " << seed.messages << " messages...\n";
    err().flush();
    if (!seed_server(server.url(), TestServer::kAdminUser, TestServer::kAdminPassword, seed,
                     &seeded, &error)) {
      return fail("seeding: " + error);
    }
    out_["seed"] = QJsonObject{{"messages", seeded.messages},
                               {"conversations", seeded.conversations},
                               {"senders", seed.senders + 1},
                               {"seconds", seeded.seconds},
                               {"messages_per_s", seeded.messages / seeded.seconds}};
    err() << "seeded " << seeded.messages << " messages in " << seeded.seconds << " s\n";
    server_ = server.url();
    seeded_ = seeded;
    big_ = QString::number(seeded.big_conversation);

    QTemporaryDir work(QDir::temp().filePath("messenger-desktop-bench-XXXXXX"));
    if (!work.isValid()) return fail("cannot create a temporary folder");
    const QString list_profile = work.filePath("list");
    const auto cold_profile = [&](int i) { return work.filePath(QString("cold-%1").arg(i)); };

    // 1. A profile whose kept login and cache are filled, no conversation open.
    QJsonArray prepared;
    if (!probe("prepare", list_profile, sign_in_args(), &prepared)) {
      return fail("the first sign-in failed");
    }
    out_["first_sign_in"] = prepared.first();
    out_["platform"] = prepared.first().toObject().value("platform");

    // 2a. Cold opens: each on a new profile, as soon as the conversation is listed.
    QJsonArray cold;
    for (int i = 0; i < options_.open_runs; ++i) {
      probe("prepare", cold_profile(i), sign_in_args() + QStringList{"--conversation", big_},
            &cold);
    }
    phase("open_cold", cold,
          {"open_frame_ms", "open_paint_ms", "open_rows_ms", "open_call_ms", "listed_ms",
           "signed_in_ms", "synced_ms"});

    // 1. New-process starts on the filled profile: the list only, then (on a cold-open
    // profile) with the 100,000-message conversation restored as the last one open.
    QJsonArray starts;
    for (int i = 0; i < options_.runs; ++i) probe("start", list_profile, {}, &starts);
    phase("start", starts,
          {"first_frame_ms", "first_paint_ms", "app_started_ms", "app_constructed_ms",
           "qapplication_ms", "main_ms", "ready_ms", "synced_ms", "list_rows",
           "rss_kib_first_frame", "rss_kib_synced"});
    if (options_.open_runs > 0) {
      QJsonArray restored;
      for (int i = 0; i < options_.runs; ++i) probe("start", cold_profile(0), {}, &restored);
      phase(
          "start_restored", restored,
          {"first_frame_ms", "restored_frame_ms", "app_started_ms", "synced_ms", "rss_kib_synced"});
    }

    // 2b. Warm opens: from the cache, after the sync.
    QJsonArray warm;
    for (int i = 0; i < options_.open_runs; ++i) {
      probe("open", list_profile, {"--conversation", big_}, &warm);
    }
    phase("open_warm", warm,
          {"open_frame_ms", "open_paint_ms", "open_call_ms", "rss_kib_before_open",
           "rss_kib_after_open"});

    // 3. Scrolling up: the older pages from the server (cold), then from the cache (warm).
    QJsonArray scroll_cold;
    QJsonArray scroll_warm;
    const QStringList scroll_args{"--conversation", big_,
                                  "--target",       QString::number(options_.scroll_target),
                                  "--max",          QString::number(options_.scroll_max),
                                  "--budget-s",     QString::number(options_.scroll_budget_s)};
    const int scroll_timeout = options_.child_timeout_s + options_.scroll_budget_s;
    const QStringList scroll_keys{"open_frame_ms",        "rss_kib_before_open",
                                  "rss_kib_after_open",   "at_target.rss_kib",
                                  "at_target.elapsed_ms", "at_target.rows_loaded",
                                  "at_end.rss_kib",       "at_end.elapsed_ms",
                                  "at_end.rows_loaded",   "vm_hwm_kib"};
    for (int i = 0; i < options_.scroll_runs; ++i) {
      const QString profile = i < options_.open_runs ? cold_profile(i) : list_profile;
      probe("scroll", profile, scroll_args, &scroll_cold, scroll_timeout);
      probe("scroll", profile, scroll_args, &scroll_warm, scroll_timeout);
    }
    phase("scroll_cold", scroll_cold, scroll_keys);
    phase("scroll_warm", scroll_warm, scroll_keys);
    return true;
  }

  [[nodiscard]] QStringList sign_in_args() const {
    return {"--server",       server_.toString(), "--username",
            seeded_.username, "--password",       seeded_.password};
  }

  void phase(const QString& name, const QJsonArray& runs, const QStringList& keys) {
    QJsonObject object = stats(runs, keys);
    object["runs"] = runs;
    out_[name] = object;
  }

  // Runs this executable as `probe MODE` on `profile`; appends its result to `results`.
  bool probe(const QString& mode, const QString& profile, const QStringList& args,
             QJsonArray* results, int timeout_s = 0) {
    const int remaining = static_cast<int>(deadline_.remainingTime() / 1000);
    if (remaining < kMinChildTimeoutS) {
      ++failures_;
      error_ = "out of time before the " + mode + " probe";
      return false;
    }
    const int limit = std::min(remaining, timeout_s > 0 ? timeout_s : options_.child_timeout_s);
    QProcess process;
    process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    const std::int64_t t0 = now_ns();
    process.start(QCoreApplication::applicationFilePath(),
                  QStringList{"probe", mode, "--profile-dir", profile, "--t0-ns",
                              QString::number(t0), "--timeout-s", QString::number(limit)} +
                      args);
    const bool finished = process.waitForFinished(limit * 1000 + 10'000);
    if (!finished) {
      process.kill();
      process.waitForFinished();
    }
    QJsonObject result;
    for (const QByteArray& line : process.readAllStandardOutput().split('\n')) {
      if (line.startsWith("RESULT ")) result = QJsonDocument::fromJson(line.mid(7)).object();
    }
    if (result.isEmpty()) {
      result = QJsonObject{{"mode", mode},
                           {"ok", false},
                           {"error", finished ? "no RESULT line (exit code " +
                                                    QString::number(process.exitCode()) + ")"
                                              : "timed out"}};
    }
    results->append(result);
    const bool ok = result.value("ok").toBool();
    if (!ok) {
      ++failures_;
      error_ = mode + ": " + result.value("error").toString();
    }
    err() << mode << " " << results->size() << ": "
          << QJsonDocument(brief(result)).toJson(QJsonDocument::Compact) << "\n";
    err().flush();
    return ok;
  }

  // The headline fields of a probe result, for the progress lines.
  static QJsonObject brief(const QJsonObject& result) {
    QJsonObject out;
    for (const char* key : {"ok", "error", "first_frame_ms", "restored_frame_ms", "synced_ms",
                            "open_frame_ms", "rss_kib_after_open"}) {
      if (result.contains(key)) out[key] = result.value(key);
    }
    for (const char* key : {"at_target", "at_end"}) {
      const QJsonObject part = result.value(key).toObject();
      if (part.isEmpty()) continue;
      out[key] = QJsonObject{{"rows", part.value("rows_loaded")},
                             {"ms", part.value("elapsed_ms")},
                             {"rss_kib", part.value("rss_kib")}};
    }
    return out;
  }

  bool fail(const QString& message) {
    error_ = message;
    return false;
  }

  [[nodiscard]] double median(const QString& phase, const QString& key) const {
    return out_.value(phase).toObject().value(key).toObject().value("median").toDouble(-1);
  }

  [[nodiscard]] QString summary() const {
    const auto ms_figure = [this](const QString& phase, const QString& key) {
      const QJsonObject s = out_.value(phase).toObject().value(key).toObject();
      if (s.isEmpty()) return QString("n/a");
      return QString("%1 ms (%2-%3, n=%4)")
          .arg(s.value("median").toDouble(), 0, 'f', 0)
          .arg(s.value("min").toDouble(), 0, 'f', 0)
          .arg(s.value("max").toDouble(), 0, 'f', 0)
          .arg(s.value("n").toInt());
    };
    const auto mib = [this](const QString& phase, const QString& key) {
      const double kib = median(phase, key);
      return kib < 0 ? QString("n/a") : QString::number(kib / 1024, 'f', 0);
    };
    const auto seconds = [this](const QString& phase, const QString& key) {
      const double value = median(phase, key);
      return value < 0 ? QString("n/a") : QString::number(value / 1000, 'f', 1) + " s";
    };
    return QString(
               "messenger-desktop-bench %1 %2 msgs | start %3, synced %4, restored-conversation %5 "
               "| "
               "open cold %6, warm %7 | scroll %8 cold %9 warm %10, rss %11->%12 MiB, "
               "at end %13 rows %14 MiB | load %15 -> %16%17")
        .arg(out_.value("platform").toString())
        .arg(seeded_.messages)
        .arg(ms_figure("start", "first_frame_ms"), ms_figure("start", "synced_ms"),
             ms_figure("start_restored", "restored_frame_ms"),
             ms_figure("open_cold", "open_frame_ms"), ms_figure("open_warm", "open_frame_ms"))
        .arg(options_.scroll_target)
        .arg(seconds("scroll_cold", "at_target.elapsed_ms"),
             seconds("scroll_warm", "at_target.elapsed_ms"),
             mib("scroll_cold", "rss_kib_before_open"), mib("scroll_cold", "at_target.rss_kib"))
        .arg(median("scroll_cold", "at_end.rows_loaded"), 0, 'f', 0)
        .arg(mib("scroll_cold", "at_end.rss_kib"), out_.value("loadavg_start").toString(),
             out_.value("loadavg_end").toString(),
             out_.value("ok").toBool() ? QString() : QString(" | FAILED"));
  }

  const RunOptions& options_;
  QDeadlineTimer deadline_;
  QJsonObject out_;
  QString error_;
  int failures_ = 0;
  QUrl server_;
  Seeded seeded_;
  QString big_;
};

}  // namespace

int run_bench(const RunOptions& options) {
  return Runner(options).run();
}

}  // namespace messenger::bench::desktop
