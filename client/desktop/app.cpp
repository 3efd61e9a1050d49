#include "app.h"

#include <QCommandLineParser>
#include <QDir>
#include <QStandardPaths>
#include <algorithm>

#include "dialogs/certificate_dialog.h"
#include "dialogs/settings_dialog.h"
#include "main_window.h"
#include "messenger/client/conversation_list_model.h"
#include "sign_in_window.h"
#include "theme.h"
#include "tray.h"

namespace messenger::desktop {
namespace {

constexpr std::chrono::seconds kIdleCheckInterval{15};

}  // namespace

AppOptions parse_options(const QStringList& arguments) {
  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral("The Messenger: the company chat."));
  parser.addHelpOption();
  parser.addVersionOption();
  const QCommandLineOption profile(
      QStringLiteral("profile-dir"),
      QStringLiteral("Keep this computer's data (cache, kept login, window layout) in DIR. "
                     "Default: $MESSENGER_PROFILE_DIR, else the platform's data folder."),
      QStringLiteral("DIR"));
  const QCommandLineOption server(
      QStringLiteral("server"),
      QStringLiteral("Prefill the server address, e.g. ws://chat.example.com:7700/ws."),
      QStringLiteral("URL"));
  parser.addOption(profile);
  parser.addOption(server);
  parser.process(arguments);

  AppOptions options;
  if (parser.isSet(profile)) {
    options.profile_dir = parser.value(profile);
  } else if (const QString env = qEnvironmentVariable("MESSENGER_PROFILE_DIR"); !env.isEmpty()) {
    options.profile_dir = env;
  } else {
    options.profile_dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
  }
  options.profile_dir = QDir(options.profile_dir).absolutePath();
  if (parser.isSet(server)) {
    options.server = SignInWindow::normalized_server(parser.value(server));
  }
  return options;
}

IdleWatcher::IdleWatcher(QObject* parent) : QObject(parent) {
  last_input_.start();
  timer_.setInterval(kIdleCheckInterval);
  connect(&timer_, &QTimer::timeout, this, &IdleWatcher::check);
  timer_.start();
  if (QCoreApplication::instance() != nullptr) {
    QCoreApplication::instance()->installEventFilter(this);
  }
}

IdleWatcher::~IdleWatcher() {
  if (QCoreApplication::instance() != nullptr) {
    QCoreApplication::instance()->removeEventFilter(this);
  }
}

void IdleWatcher::set_session(client::Session* session) {
  session_ = session;
  away_ = false;
  last_input_.restart();
}

void IdleWatcher::set_away_after(std::chrono::milliseconds idle) {
  away_after_ = idle;
  // Look a few times within the idle time, but not more often than needed.
  timer_.setInterval(std::clamp<std::chrono::milliseconds>(idle / 4, std::chrono::milliseconds(50),
                                                           kIdleCheckInterval));
}

void IdleWatcher::check() {
  if (away_ || session_ == nullptr || !session_->signed_in() || away_after_.count() <= 0) {
    return;
  }
  if (last_input_.elapsed() >= away_after_.count()) {
    away_ = true;
    session_->set_away(true);
  }
}

bool IdleWatcher::eventFilter(QObject* watched, QEvent* event) {
  switch (event->type()) {
    case QEvent::KeyPress:
    case QEvent::MouseButtonPress:
    case QEvent::MouseMove:
    case QEvent::Wheel:
    case QEvent::TouchBegin:
      last_input_.restart();
      if (away_) {
        away_ = false;
        if (session_ != nullptr) {
          session_->set_away(false);
        }
      }
      break;
    default:
      break;
  }
  return QObject::eventFilter(watched, event);
}

App::App(QApplication& application, AppOptions options, QObject* parent)
    : QObject(parent),
      application_(application),
      options_(std::move(options)),
      lock_(QDir(options_.profile_dir).filePath(QStringLiteral("desktop.lock"))),
      ui_state_(QDir(options_.profile_dir).filePath(QStringLiteral("desktop.ini")),
                QSettings::IniFormat) {
  QDir().mkpath(options_.profile_dir);
  lock_.setStaleLockTime(0);  // stale only when its process is gone, however old
}

App::~App() {
  save_ui_state();
  // Widgets first: the composer keeps its draft in the Session as it goes.
  tray_.reset();
  main_window_.reset();
  sign_in_.reset();
  session_.reset();
}

bool App::start() {
  if (!lock_.tryLock(100)) {
    return false;
  }
  QApplication::setWindowIcon(Tray::make_icon(0));
  create_session();
  starting_ = true;
  apply_settings();
  if (session_->saved_login() && session_->resume_saved()) {
    if (!main_window_) {
      show_main();  // the cached data is there at once, whether or not signedIn() came yet
    }
  } else {
    show_sign_in({});
  }
  starting_ = false;
  return true;
}

void App::create_session() {
  session_ = std::make_unique<client::Session>(options_.profile_dir);
  client::Session* session = session_.get();
  connect(session, &client::Session::signedIn, this, &App::on_signed_in);
  connect(session, &client::Session::signInFailed, this, &App::on_sign_in_failed);
  connect(session, &client::Session::signedOut, this, [this](const QString& reason) {
    // Not from inside the Session's own signal: show_sign_in() replaces the Session.
    QMetaObject::invokeMethod(
        this, [this, reason] { show_sign_in(reason); }, Qt::QueuedConnection);
  });
  connect(session, &client::Session::settingsChanged, this, &App::apply_settings);
  idle_.set_session(session);
}

void App::show_sign_in(const QString& message) {
  if (main_window_) {
    save_ui_state();
    tray_.reset();
    main_window_.reset();
    sign_in_.reset();
    session_.reset();
    create_session();
    apply_settings();
  }
  application_.setQuitOnLastWindowClosed(true);
  if (!sign_in_) {
    sign_in_ = std::make_unique<SignInWindow>(*session_);
    const QUrl last(ui_state_.value(QStringLiteral("last_server")).toString());
    sign_in_->set_server(!options_.server.isEmpty() ? options_.server : last);
    sign_in_->set_username(ui_state_.value(QStringLiteral("last_username")).toString());
  }
  if (!message.isEmpty()) {
    sign_in_->show_message(message);
  }
  sign_in_->show();
  sign_in_->raise();
  sign_in_->activateWindow();
}

void App::on_signed_in() {
  if (main_window_) {
    return;
  }
  ui_state_.setValue(QStringLiteral("last_server"), session_->server().toString());
  ui_state_.setValue(QStringLiteral("last_username"),
                     QString::fromStdString(session_->me().user.username));
  if (sign_in_) {
    sign_in_->hide();
    sign_in_.release()->deleteLater();  // we are inside a signal it listens to
  }
  show_main();
}

void App::show_main() {
  main_window_ = std::make_unique<MainWindow>(*session_);
  MainWindow* window = main_window_.get();
  connect(window, &MainWindow::signOutRequested, this, [this] { session_->sign_out(); });
  connect(window, &MainWindow::quitRequested, this, &App::quit);
  connect(window, &MainWindow::currentConversationChanged, this, [this](core::ConversationId id) {
    if (id.is_valid()) {
      ui_state_.setValue(account_key() + QStringLiteral("/last_conversation"),
                         QVariant::fromValue<qint64>(id.value()));
    }
  });
  tray_ = std::make_unique<Tray>(*session_, *window);
  connect(tray_.get(), &Tray::quitRequested, this, &App::quit);
  window->set_hide_on_close(tray_->available());
  application_.setQuitOnLastWindowClosed(!tray_->available());

  window->restoreGeometry(ui_state_.value(QStringLiteral("window/geometry")).toByteArray());
  window->restore_splitter_state(ui_state_.value(QStringLiteral("window/splitter")).toByteArray());
  const core::ConversationId last(
      ui_state_.value(account_key() + QStringLiteral("/last_conversation")).toLongLong());
  if (last.is_valid() && session_->conversations()->row_of(last) >= 0) {
    window->open_conversation(last);
  }
  const bool minimized = starting_ && tray_->available() &&
                         DesktopSettings::from_json(session_->settings()).start_minimized;
  if (!minimized) {
    window->show();
  }
}

void App::on_sign_in_failed(client::SignInProblem problem, const QString& message,
                            const QString& fingerprint) {
  if (!main_window_) {
    return;  // the sign-in window shows it
  }
  // The kept login was resumed and the server refused it afterwards.
  using client::SignInProblem;
  switch (problem) {
    case SignInProblem::certificate_untrusted:
    case SignInProblem::certificate_changed:
      if (ask_trust_certificate(main_window_.get(), session_->server().toDisplayString(),
                                fingerprint, problem == SignInProblem::certificate_changed)) {
        session_->trust_certificate(fingerprint);
        return;
      }
      break;
    case SignInProblem::unreachable:
    case SignInProblem::throttled:
    case SignInProblem::other:
      return;  // the connection keeps trying; the status bar says so
    default:
      break;
  }
  const QString text = SignInWindow::problem_text(problem, session_->server(), message);
  QMetaObject::invokeMethod(
      this, [this, text] { show_sign_in(text); }, Qt::QueuedConnection);
}

void App::apply_settings() {
  const QJsonObject settings = session_->settings();
  apply_appearance(application_, settings);
  idle_.set_away_after(
      std::chrono::minutes(DesktopSettings::from_json(settings).away_after_minutes));
}

void App::save_ui_state() {
  if (main_window_) {
    ui_state_.setValue(QStringLiteral("window/geometry"), main_window_->saveGeometry());
    ui_state_.setValue(QStringLiteral("window/splitter"), main_window_->splitter_state());
  }
}

void App::quit() {
  save_ui_state();
  QCoreApplication::quit();
}

QString App::account_key() const {
  const QUrl server = session_->server();
  return QStringLiteral("account_%1_%2_%3")
      .arg(server.host())
      .arg(server.port())
      .arg(session_->me().user.id.value());
}

}  // namespace messenger::desktop
