#include "probe.h"

#include <malloc.h>

#include <QCheckBox>
#include <QDateTime>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QScrollBar>
#include <QSettings>
#include <QTextStream>
#include <QTimer>
#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "app.h"
#include "conversation_view.h"
#include "main_window.h"
#include "message_delegate.h"
#include "message_view.h"
#include "messenger/client/conversation_list_model.h"
#include "messenger/client/message_list_model.h"
#include "messenger/client/session.h"
#include "sign_in_window.h"
#include "test_server.h"

namespace messenger::bench::desktop {
namespace {

namespace ui = ::messenger::desktop;
using client::MessageListModel;
using client::Session;
using client::test::wait_until;
using core::ConversationId;

constexpr int kSettleMs = 300;
constexpr int kPageTimeoutMs = 30'000;
constexpr int kPaintTimeoutMs = 5'000;

double ms(std::int64_t from_ns, std::int64_t to_ns) {
  if (from_ns == 0 || to_ns == 0) return -1;
  return static_cast<double>(to_ns - from_ns) / 1e6;
}

void settle(int ms_to_wait) {
  QEventLoop loop;
  QTimer::singleShot(ms_to_wait, &loop, &QEventLoop::quit);
  loop.exec();
}

// Resident memory in KiB ("VmRSS" or "VmHWM" of /proc/self/status); -1 where there is none.
qint64 proc_status_kib(const QByteArray& field) {
  QFile file("/proc/self/status");
  if (!file.open(QIODevice::ReadOnly)) return -1;
  for (const QByteArray& line : file.readAll().split('\n')) {
    if (line.startsWith(field + ':')) {
      return line.mid(field.size() + 1).trimmed().split(' ').value(0).toLongLong();
    }
  }
  return -1;
}

bool in_main_window(const QWidget* widget) {
  return widget->window()->objectName() == QLatin1String("mainWindow");
}

bool is_message_viewport(const QWidget* widget) {
  const QWidget* parent = widget->parentWidget();
  return parent != nullptr && parent->objectName() == QLatin1String("messageView");
}

/// Notes the first Paint event after arm() of a widget that `match`es while `ready()` holds,
/// and the end of that frame: the next turn of the event loop, after the whole window was
/// painted and handed to the platform. Watches the application, so that it also sees windows
/// created (and painted) later.
class PaintWatch : public QObject {
 public:
  PaintWatch(std::function<bool(const QWidget*)> match, std::function<bool()> ready)
      : match_(std::move(match)), ready_(std::move(ready)) {
    QCoreApplication::instance()->installEventFilter(this);
  }
  ~PaintWatch() override { QCoreApplication::instance()->removeEventFilter(this); }
  PaintWatch(const PaintWatch&) = delete;
  PaintWatch& operator=(const PaintWatch&) = delete;

  void arm() {
    armed_ = true;
    paint_ns_ = 0;
    frame_ns_ = 0;
  }
  [[nodiscard]] bool done() const { return frame_ns_ != 0; }
  [[nodiscard]] std::int64_t paint_ns() const { return paint_ns_; }
  [[nodiscard]] std::int64_t frame_ns() const { return frame_ns_; }

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override {
    if (event->type() != QEvent::Paint || !armed_ || paint_ns_ != 0) return false;
    const auto* widget = qobject_cast<const QWidget*>(watched);
    if (widget == nullptr || !match_(widget) || !ready_()) return false;
    paint_ns_ = now_ns();
    QTimer::singleShot(0, this, [this] { frame_ns_ = now_ns(); });
    return false;
  }

 private:
  std::function<bool(const QWidget*)> match_;
  std::function<bool()> ready_;
  bool armed_ = false;
  std::int64_t paint_ns_ = 0;
  std::int64_t frame_ns_ = 0;
};

// One older page as the message view asked for it and painted it.
struct Page {
  std::int64_t requested = 0;  // the scroll bar was moved to the top
  std::int64_t about = 0;      // rowsAboutToBeInserted: the page is there (cache or server)
  std::int64_t inserted = 0;   // rowsInserted: the model and the view took the rows
  std::int64_t loaded = 0;     // olderLoaded, after the view kept its place (a layout)
  std::int64_t frame = 0;      // the next frame of the message view was done
  int count = 0;
};

QJsonObject page_summary(const std::vector<Page>& pages, std::size_t end) {
  double fetch = 0;
  double insert = 0;
  double layout = 0;
  double paint = 0;
  int rows = 0;
  for (std::size_t i = 0; i < end; ++i) {
    const Page& p = pages[i];
    if (p.about != 0) {
      fetch += ms(p.requested, p.about);
      insert += ms(p.about, p.inserted);
      layout += ms(p.inserted, p.loaded);
    } else {
      fetch += ms(p.requested, p.loaded);
    }
    if (p.frame != 0) paint += ms(p.loaded, p.frame);
    rows += p.count;
  }
  // Scroll to frame, per page.
  const auto average = [&](std::size_t from, std::size_t to) {
    double total = 0;
    int n = 0;
    for (std::size_t i = from; i < to; ++i) {
      if (pages[i].requested == 0 || pages[i].frame == 0) continue;
      total += ms(pages[i].requested, pages[i].frame);
      ++n;
    }
    return n > 0 ? total / n : -1.0;
  };
  const std::size_t window = std::min<std::size_t>(10, end);
  return QJsonObject{{"pages", static_cast<qint64>(end)},
                     {"rows", rows},
                     {"fetch_ms", fetch},
                     {"model_insert_ms", insert},
                     {"relayout_ms", layout},
                     {"paint_ms", paint},
                     {"first_pages_avg_ms", average(0, window)},
                     {"last_pages_avg_ms", average(end - window, end)}};
}

// What one full relayout of the message view costs at its current size, and the model roles
// its delegate asks for per row (sizeHint asks for DayBreak, FirstInGroup, SendState and the
// text's key; each message of the page costs that again at every relayout), so that a slow
// page can be attributed without a profiler.
QJsonObject relayout_costs(ui::MessageView* view) {
  MessageListModel* model = view->message_model();
  const int rows = model->rowCount();
  const auto time_ms = [](const std::function<void()>& work) {
    const std::int64_t begin = now_ns();
    work();
    return ms(begin, now_ns());
  };
  QJsonObject costs{{"rows", rows}};
  // Up in the history the view lays out in batches; this times all rows in one pass.
  const QListView::LayoutMode mode = view->layoutMode();
  view->setLayoutMode(QListView::SinglePass);
  costs["full_relayout_ms"] = time_ms([view] { view->doItemsLayout(); });
  view->setLayoutMode(mode);
  const std::pair<const char*, int> roles[] = {
      {"data_text_ms", MessageListModel::TextRole},
      {"data_sender_name_ms", MessageListModel::SenderNameRole},
      {"data_time_ms", MessageListModel::TimeRole},
      {"data_day_break_ms", MessageListModel::DayBreakRole},
      {"data_first_in_group_ms", MessageListModel::FirstInGroupRole},
      {"data_send_state_ms", MessageListModel::SendStateRole},
  };
  for (const auto& [name, role] : roles) {
    costs[name] = time_ms([&, role = role] {
      for (int row = 0; row < rows; ++row) (void)model->data(model->index(row), role);
    });
  }
  // One conversion to local time per row, for reference: TimeRole pays it on every call (for
  // painted rows), the grouping roles only when a row is stored.
  qint64 sink = 0;
  costs["local_date_per_row_ms"] = time_ms([&] {
    for (int row = 0; row < rows; ++row) {
      sink += QDateTime::fromMSecsSinceEpoch(1'700'000'000'000LL + row * 1000LL).date().day();
    }
  });
  costs["delegate_cached_measures"] = view->message_delegate()->cached_measures();
  costs["checksum"] = sink;
  return costs;
}

// Where the memory of a long history is, at the end of a scroll run (destructive: the view is
// emptied): RSS as it is, after giving free heap back to the system (malloc_trim), after the
// view drops its per-row geometry (no model), and after the delegate forgets its measures.
// What remains above the RSS before opening is the model's rows (and the cache's pages).
QJsonObject memory_breakdown(ui::MessageView* view) {
  const auto settle_and_trim = [] {
    settle(50);
    malloc_trim(0);
    return proc_status_kib("VmRSS");
  };
  QJsonObject out{{"rss_kib", proc_status_kib("VmRSS")}};
  out["trimmed_kib"] = settle_and_trim();
  view->set_message_model(nullptr);
  out["without_view_rows_kib"] = settle_and_trim();
  view->message_delegate()->clear_cache();
  out["without_delegate_caches_kib"] = settle_and_trim();
  return out;
}

class Probe {
 public:
  Probe(QApplication& application, const ProbeOptions& options, std::int64_t main_ns)
      : application_(application), options_(options) {
    result_["mode"] = options.mode;
    result_["platform"] = QGuiApplication::platformName();
    result_["main_ms"] = since_start(main_ns);
    result_["qapplication_ms"] = since_start(now_ns());
  }

  int run() {
    bool ok = false;
    if (options_.mode == "prepare") {
      ok = prepare();
    } else if (options_.mode == "start") {
      ok = start();
    } else if (options_.mode == "open") {
      ok = resume_and_open();
    } else if (options_.mode == "scroll") {
      ok = resume_and_open() && scroll();
    } else {
      error_ = "unknown mode " + options_.mode;
    }
    result_["ok"] = ok;
    if (!error_.isEmpty()) result_["error"] = error_;
    result_["vm_hwm_kib"] = proc_status_kib("VmHWM");
    app_.reset();  // saves the window state and closes the connection, as quitting does
    QTextStream(stdout) << "RESULT " << QJsonDocument(result_).toJson(QJsonDocument::Compact)
                        << "\n";
    return ok ? 0 : 1;
  }

 private:
  [[nodiscard]] double since_start(std::int64_t ns) const { return ms(options_.t0_ns, ns); }
  [[nodiscard]] int timeout_ms() const { return options_.timeout_s * 1000; }

  bool fail(const QString& message) {
    error_ = message;
    return false;
  }

  void make_app(const QUrl& server) {
    ui::AppOptions app_options;
    app_options.profile_dir = options_.profile_dir;
    app_options.server = server;
    app_ = std::make_unique<ui::App>(application_, app_options);
  }

  [[nodiscard]] MessageListModel* open_model() const {
    if (!app_ || app_->main_window() == nullptr) return nullptr;
    return app_->main_window()->conversation_view()->message_view()->message_model();
  }

  [[nodiscard]] int list_rows() const {
    return app_ && app_->main_window() != nullptr ? app_->session().conversations()->rowCount() : 0;
  }

  // Notes when the session is synced (and ready) until `scope` goes away.
  void watch_session(const QObject* scope, std::int64_t* synced_ns, std::int64_t* ready_ns) {
    Session& session = app_->session();
    QObject::connect(&session, &Session::synced, scope, [synced_ns] {
      if (*synced_ns == 0) *synced_ns = now_ns();
    });
    if (ready_ns == nullptr) return;
    QObject::connect(&session, &Session::connectionStateChanged, scope,
                     [ready_ns](client::ConnectionState state) {
                       if (state == client::ConnectionState::ready && *ready_ns == 0) {
                         *ready_ns = now_ns();
                       }
                     });
  }

  // The first run on a new profile: the sign-in window, keep signed in, the first sync.
  bool prepare() {
    make_app(options_.server);
    if (!app_->start() || app_->sign_in_window() == nullptr) {
      return fail("the sign-in window did not open");
    }
    ui::SignInWindow& sign_in = *app_->sign_in_window();
    sign_in.set_username(options_.username);
    auto* password = sign_in.findChild<QLineEdit*>("passwordEdit");
    auto* keep = sign_in.findChild<QCheckBox*>("keepSignedIn");
    if (password == nullptr || keep == nullptr) return fail("no passwordEdit or keepSignedIn");
    password->setText(options_.password);
    keep->setChecked(true);

    Session& session = app_->session();
    QObject scope;  // ends the connections to the locals below
    std::int64_t signed_in_ns = 0;
    std::int64_t synced_ns = 0;
    QObject::connect(&session, &Session::signedIn, &scope, [&] { signed_in_ns = now_ns(); });
    watch_session(&scope, &synced_ns, nullptr);

    // The cold open: as soon as the conversation is listed (the user can click it), while
    // the first sync still fetches the newest pages.
    const ConversationId big(options_.conversation);
    PaintWatch watch(is_message_viewport, [this] {
      const MessageListModel* model = open_model();
      return model != nullptr && model->rowCount() > 0;
    });
    std::int64_t listed_ns = 0;
    std::int64_t open_ns = 0;
    std::int64_t open_returned_ns = 0;
    std::int64_t rows_ns = 0;
    if (big.is_valid()) {
      QObject::connect(&session, &Session::conversationChanged, &scope, [&](ConversationId id) {
        if (id != big || listed_ns != 0 || !session.conversation(big)) return;
        listed_ns = now_ns();
        QTimer::singleShot(0, &scope, [&] {
          watch.arm();
          open_ns = now_ns();
          app_->main_window()->open_conversation(big);
          open_returned_ns = now_ns();
          MessageListModel* model = session.messages(big);
          const auto note_rows = [&rows_ns, model] {
            if (rows_ns == 0 && model->rowCount() > 0) rows_ns = now_ns();
          };
          note_rows();
          QObject::connect(model, &QAbstractItemModel::rowsInserted, &scope, note_rows);
          QObject::connect(model, &QAbstractItemModel::modelReset, &scope, note_rows);
        });
      });
    }
    const std::int64_t submit_ns = now_ns();
    sign_in.submit();
    if (!wait_until([&] { return synced_ns != 0 && (!big.is_valid() || watch.done()); },
                    timeout_ms())) {
      return fail(signed_in_ns == 0 ? "signing in did not finish"
                  : synced_ns == 0  ? "the first sync did not finish"
                                    : "the conversation was not painted");
    }
    result_["signed_in_ms"] = ms(submit_ns, signed_in_ns);
    result_["synced_ms"] = ms(submit_ns, synced_ns);
    result_["list_rows"] = list_rows();
    if (big.is_valid()) {
      result_["listed_ms"] = ms(submit_ns, listed_ns);
      result_["open_call_ms"] = ms(open_ns, open_returned_ns);
      result_["open_rows_ms"] = ms(open_ns, rows_ns);
      result_["open_paint_ms"] = ms(open_ns, watch.paint_ns());
      result_["open_frame_ms"] = ms(open_ns, watch.frame_ns());
      result_["open_synced_before_frame"] = synced_ns != 0 && synced_ns < watch.frame_ns();
      result_["rows"] = open_model() != nullptr ? open_model()->rowCount() : 0;
    }
    return true;
  }

  // A new process on a profile with a kept login and a filled cache.
  bool start() {
    PaintWatch window_watch(in_main_window, [this] { return list_rows() > 0; });
    PaintWatch view_watch(is_message_viewport, [this] {
      const MessageListModel* model = open_model();
      return model != nullptr && model->rowCount() > 0;
    });
    window_watch.arm();
    view_watch.arm();
    make_app({});
    const std::int64_t constructed_ns = now_ns();
    if (!app_->start()) return fail("the profile folder is locked");
    const std::int64_t started_ns = now_ns();
    if (app_->main_window() == nullptr) return fail("no kept login: the sign-in window opened");
    QObject scope;
    std::int64_t synced_ns = 0;
    std::int64_t ready_ns = 0;
    watch_session(&scope, &synced_ns, &ready_ns);
    const bool restored = app_->main_window()->current_conversation().is_valid();
    qint64 rss_frame = -1;
    int rows_at_frame = -1;
    const bool ok = wait_until(
        [&] {
          if (window_watch.done() && rss_frame < 0) {
            rss_frame = proc_status_kib("VmRSS");
            rows_at_frame = list_rows();
          }
          return window_watch.done() && synced_ns != 0 && (!restored || view_watch.done());
        },
        timeout_ms());
    result_["app_constructed_ms"] = since_start(constructed_ns);
    result_["app_started_ms"] = since_start(started_ns);
    result_["first_paint_ms"] = since_start(window_watch.paint_ns());
    result_["first_frame_ms"] = since_start(window_watch.frame_ns());
    result_["list_rows"] = rows_at_frame;
    result_["ready_ms"] = since_start(ready_ns);
    result_["synced_ms"] = since_start(synced_ns);
    result_["restored_conversation"] = restored;
    if (restored) {
      result_["restored_frame_ms"] = since_start(view_watch.frame_ns());
      result_["restored_rows"] = open_model() != nullptr ? open_model()->rowCount() : 0;
    }
    result_["rss_kib_first_frame"] = rss_frame;
    result_["rss_kib_synced"] = proc_status_kib("VmRSS");
    if (!ok) {
      return fail(!window_watch.done() ? "the main window was not painted with the list"
                                       : "the sync did not finish");
    }
    return true;
  }

  // Resumes on the profile with no conversation open, waits for the sync, then opens one.
  bool resume_and_open() {
    QSettings state(QDir(options_.profile_dir).filePath("desktop.ini"), QSettings::IniFormat);
    for (const QString& key : state.allKeys()) {
      if (key.endsWith("/last_conversation")) state.remove(key);
    }
    state.sync();
    make_app({});
    if (!app_->start()) return fail("the profile folder is locked");
    if (app_->main_window() == nullptr) return fail("no kept login: the sign-in window opened");
    QObject scope;
    std::int64_t synced_ns = 0;
    watch_session(&scope, &synced_ns, nullptr);
    if (!wait_until([&] { return synced_ns != 0; }, timeout_ms())) {
      return fail("the sync did not finish");
    }
    settle(kSettleMs);
    result_["rss_kib_before_open"] = proc_status_kib("VmRSS");

    PaintWatch watch(is_message_viewport, [this] {
      const MessageListModel* model = open_model();
      return model != nullptr && model->rowCount() > 0;
    });
    watch.arm();
    const std::int64_t open_ns = now_ns();
    app_->main_window()->open_conversation(ConversationId(options_.conversation));
    const std::int64_t returned_ns = now_ns();
    if (!wait_until([&] { return watch.done(); }, timeout_ms())) {
      return fail("the conversation was not painted");
    }
    result_["open_call_ms"] = ms(open_ns, returned_ns);
    result_["open_paint_ms"] = ms(open_ns, watch.paint_ns());
    result_["open_frame_ms"] = ms(open_ns, watch.frame_ns());
    result_["rows"] = open_model()->rowCount();
    settle(kSettleMs);
    result_["rss_kib_after_open"] = proc_status_kib("VmRSS");
    return true;
  }

  // Scroll bar to the top, again and again, as a user dragging it up would: each time the
  // view asks for the older page, keeps its place and paints.
  bool scroll() {
    ui::MessageView* view = app_->main_window()->conversation_view()->message_view();
    MessageListModel* model = view->message_model();
    QScrollBar* bar = view->verticalScrollBar();
    std::vector<Page> pages;
    PaintWatch watch(is_message_viewport, [] { return true; });
    QObject scope;  // ends the connections to the locals above
    // A page from the cache comes back inside the request (olderRequested, then at once
    // olderLoaded), one from the server later; so a page is timed from the scroll that asked
    // for it (or, when the view asked by itself, from the end of the previous page).
    Page current;
    QObject::connect(model, &QAbstractItemModel::rowsAboutToBeInserted, &scope,
                     [&](const QModelIndex&, int first, int) {
                       if (first == 0) current.about = now_ns();
                     });
    QObject::connect(model, &QAbstractItemModel::rowsInserted, &scope,
                     [&](const QModelIndex&, int first, int) {
                       if (first == 0) current.inserted = now_ns();
                     });
    QObject::connect(model, &MessageListModel::olderLoaded, &scope, [&](int count) {
      current.loaded = now_ns();
      current.count = count;
      pages.push_back(current);
      current = Page{current.loaded, 0, 0, 0, 0, 0};
      watch.arm();
    });

    const int goal = std::max(options_.target, options_.max);
    const std::int64_t begin_ns = now_ns();
    const std::int64_t budget_ns = std::int64_t{options_.budget_s} * 1'000'000'000;
    std::optional<std::size_t> target_pages;
    int unpainted = 0;
    QString stopped = "goal reached";
    while (model->rowCount() < goal) {
      if (!model->has_older()) {
        stopped = "no older messages";
        break;
      }
      if (now_ns() - begin_ns > budget_ns) {
        stopped = "time budget spent";
        break;
      }
      const std::size_t loaded_before = pages.size();
      if (bar->value() != 0) {
        current.requested = now_ns();
        bar->setValue(0);
      }
      if (!wait_until([&] { return pages.size() > loaded_before; }, kPageTimeoutMs)) {
        return fail(QString("no older page within %1 s at %2 rows")
                        .arg(kPageTimeoutMs / 1000)
                        .arg(model->rowCount()));
      }
      if (wait_until([&] { return watch.done(); }, kPaintTimeoutMs)) {
        pages.back().frame = watch.frame_ns();
      } else {
        ++unpainted;
      }
      if (!target_pages && model->rowCount() >= options_.target) {
        target_pages = pages.size();
        QJsonObject at_target = page_summary(pages, pages.size());
        at_target["rows_loaded"] = model->rowCount();
        at_target["elapsed_ms"] = ms(begin_ns, now_ns());
        at_target["rss_kib"] = proc_status_kib("VmRSS");
        result_["at_target"] = at_target;
        result_["costs_at_target"] = relayout_costs(view);
      }
    }
    QJsonObject at_end = page_summary(pages, pages.size());
    at_end["rows_loaded"] = model->rowCount();
    at_end["elapsed_ms"] = ms(begin_ns, now_ns());
    at_end["rss_kib"] = proc_status_kib("VmRSS");
    at_end["stopped"] = stopped;
    result_["at_end"] = at_end;
    result_["unpainted_pages"] = unpainted;
    result_["costs_at_end"] = relayout_costs(view);
    result_["memory_at_end"] = memory_breakdown(view);
    if (!target_pages) return fail("did not reach the target: " + stopped);
    return true;
  }

  QApplication& application_;
  const ProbeOptions& options_;
  std::unique_ptr<ui::App> app_;
  QJsonObject result_;
  QString error_;
};

}  // namespace

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int run_probe(QApplication& application, const ProbeOptions& options, std::int64_t main_ns) {
  return Probe(application, options, main_ns).run();
}

}  // namespace messenger::bench::desktop
