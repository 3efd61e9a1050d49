#include "sign_in_window.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include "dialogs/certificate_dialog.h"
#include "tray.h"

namespace messenger::desktop {
namespace {

constexpr int kFormWidth = 340;
constexpr int kDefaultPort = 7700;

}  // namespace

SignInWindow::SignInWindow(client::Session& session, QWidget* parent)
    : QWidget(parent), session_(session) {
  setObjectName("signInWindow");
  setWindowTitle(tr("Sign in \u2014 The Messenger"));

  auto* logo = new QLabel(this);
  logo->setPixmap(Tray::make_icon(0).pixmap(64, 64));
  logo->setAlignment(Qt::AlignCenter);
  auto* title = new QLabel(tr("The Messenger"), this);
  QFont big = title->font();
  big.setBold(true);
  big.setPointSizeF(big.pointSizeF() * 1.6);
  title->setFont(big);
  title->setAlignment(Qt::AlignCenter);
  auto* subtitle = new QLabel(tr("Sign in with your company account"), this);
  subtitle->setAlignment(Qt::AlignCenter);
  subtitle->setForegroundRole(QPalette::PlaceholderText);

  server_ = new QLineEdit(this);
  server_->setObjectName("serverEdit");
  server_->setPlaceholderText(QString::fromLatin1(kDefaultServer));
  server_->setText(QString::fromLatin1(kDefaultServer));
  username_ = new QLineEdit(this);
  username_->setObjectName("usernameEdit");
  username_->setPlaceholderText(tr("e.g. jsmith"));
  password_ = new QLineEdit(this);
  password_->setObjectName("passwordEdit");
  password_->setEchoMode(QLineEdit::Password);
  keep_ = new QCheckBox(tr("&Keep me signed in"), this);
  keep_->setObjectName("keepSignedIn");
  keep_->setChecked(true);
  keep_->setToolTip(tr("Keeps a sign-in token (never the password) on this computer."));
  sign_in_ = new QPushButton(tr("Sign in"), this);
  sign_in_->setObjectName("signInButton");
  sign_in_->setDefault(true);
  sign_in_->setAutoDefault(true);
  status_ = new QLabel(this);
  status_->setObjectName("statusLabel");
  status_->setWordWrap(true);
  status_->setAlignment(Qt::AlignHCenter | Qt::AlignTop);
  status_->setMinimumHeight(status_->fontMetrics().lineSpacing() * 3);
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  auto* form = new QFormLayout;
  form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  form->addRow(tr("&Server"), server_);
  form->addRow(tr("&Username"), username_);
  form->addRow(tr("&Password"), password_);
  form->addRow(QString(), keep_);

  auto* card = new QWidget(this);
  card->setFixedWidth(kFormWidth);
  auto* card_layout = new QVBoxLayout(card);
  card_layout->setContentsMargins(0, 0, 0, 0);
  card_layout->setSpacing(10);
  card_layout->addWidget(logo);
  card_layout->addWidget(title);
  card_layout->addWidget(subtitle);
  card_layout->addSpacing(10);
  card_layout->addLayout(form);
  card_layout->addWidget(sign_in_);
  card_layout->addWidget(status_);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(30, 30, 30, 20);
  layout->addStretch(1);
  layout->addWidget(card, 0, Qt::AlignHCenter);
  layout->addStretch(2);
  resize(460, 540);

  setTabOrder(server_, username_);
  setTabOrder(username_, password_);
  setTabOrder(password_, keep_);
  setTabOrder(keep_, sign_in_);
  for (QLineEdit* edit : {server_, username_, password_}) {
    connect(edit, &QLineEdit::returnPressed, this, &SignInWindow::submit);
  }
  connect(sign_in_, &QPushButton::clicked, this, &SignInWindow::submit);
  connect(&session_, &client::Session::signInFailed, this, &SignInWindow::on_failed);
  connect(&session_, &client::Session::signedIn, this, [this] {
    if (busy_) {
      set_busy(false);
      show_message(tr("Signed in."), false);
    }
  });
  username_->setFocus();
}

SignInWindow::~SignInWindow() = default;

void SignInWindow::set_server(const QUrl& server) {
  if (server.isValid() && !server.isEmpty()) {
    server_->setText(server.toString());
  }
}

void SignInWindow::set_username(const QString& username) {
  username_->setText(username);
  (username.isEmpty() ? username_ : password_)->setFocus();
}

void SignInWindow::show_message(const QString& text, bool error) {
  QPalette palette = status_->palette();
  palette.setColor(QPalette::WindowText, error ? QColor(0xd3, 0x2f, 0x2f)
                                               : this->palette().color(QPalette::PlaceholderText));
  status_->setPalette(palette);
  status_->setText(text);
}

QUrl SignInWindow::normalized_server(const QString& text) {
  QString address = text.trimmed();
  if (address.isEmpty()) {
    return {};
  }
  if (!address.contains(QStringLiteral("://"))) {
    address.prepend(QStringLiteral("ws://"));
  }
  QUrl url(address, QUrl::StrictMode);
  if (!url.isValid() || url.host().isEmpty() ||
      (url.scheme() != QLatin1String("ws") && url.scheme() != QLatin1String("wss"))) {
    return {};
  }
  if (url.port() == -1 && url.scheme() == QLatin1String("ws")) {
    url.setPort(kDefaultPort);
  }
  if (url.path().isEmpty() || url.path() == QLatin1String("/")) {
    url.setPath(QStringLiteral("/ws"));
  }
  return url;
}

QString SignInWindow::problem_text(client::SignInProblem problem, const QUrl& server,
                                   const QString& detail) {
  const QString where = server.toDisplayString();
  switch (problem) {
    case client::SignInProblem::unreachable:
      return tr("Cannot reach the server at %1. Check the address and that the server is "
                "running.")
          .arg(where);
    case client::SignInProblem::invalid_credentials:
      return tr("Wrong username or password.");
    case client::SignInProblem::account_disabled:
      return tr("This account is disabled. Ask your administrator to enable it again.");
    case client::SignInProblem::throttled:
      return tr("Too many failed attempts. Wait a minute, then try again.");
    case client::SignInProblem::incompatible_server:
      return tr("The server at %1 does not speak this version of The Messenger. Ask your "
                "administrator which version to install.")
          .arg(where);
    case client::SignInProblem::certificate_untrusted:
      return tr("Not signed in: the certificate of %1 was not trusted.").arg(where);
    case client::SignInProblem::certificate_changed:
      return tr("Not signed in: the certificate of %1 has changed since you last signed in. "
                "This can mean that someone is intercepting the connection. Ask your "
                "administrator whether the certificate was replaced.")
          .arg(where);
    case client::SignInProblem::token_rejected:
      return tr("Your saved sign-in has expired or was revoked. Sign in with your password.");
    case client::SignInProblem::other:
      break;
  }
  return detail.isEmpty() ? tr("Signing in failed.") : tr("Signing in failed: %1").arg(detail);
}

void SignInWindow::submit() {
  if (busy_) {
    return;
  }
  const QUrl server = normalized_server(server_->text());
  if (!server.isValid()) {
    show_message(tr("Enter the server address, for example ws://chat.example.com:7700/ws."));
    server_->setFocus();
    return;
  }
  if (username_->text().trimmed().isEmpty()) {
    show_message(tr("Enter your username."));
    username_->setFocus();
    return;
  }
  if (password_->text().isEmpty()) {
    show_message(tr("Enter your password."));
    password_->setFocus();
    return;
  }
  server_url_ = server;
  server_->setText(server.toString());
  set_busy(true);
  show_message(tr("Signing in to %1\u2026").arg(server.toDisplayString()), false);
  session_.sign_in(client::SignInRequest{server, username_->text().trimmed().toLower(),
                                         password_->text(), keep_->isChecked()});
}

void SignInWindow::set_busy(bool busy) {
  busy_ = busy;
  for (QWidget* widget : {static_cast<QWidget*>(server_), static_cast<QWidget*>(username_),
                          static_cast<QWidget*>(password_), static_cast<QWidget*>(keep_),
                          static_cast<QWidget*>(sign_in_)}) {
    widget->setEnabled(!busy);
  }
}

void SignInWindow::on_failed(client::SignInProblem problem, const QString& message,
                             const QString& fingerprint) {
  if (!busy_) {
    return;
  }
  const bool certificate = problem == client::SignInProblem::certificate_untrusted ||
                           problem == client::SignInProblem::certificate_changed;
  if (certificate) {
    const bool changed = problem == client::SignInProblem::certificate_changed;
    if (changed) {
      show_message(tr("Warning: the certificate of %1 has changed since you last signed in. "
                      "This can mean that someone is intercepting the connection.")
                       .arg(server_url_.toDisplayString()));
    }
    if (ask_trust_certificate(this, server_url_.toDisplayString(), fingerprint, changed)) {
      show_message(tr("Certificate trusted. Signing in\u2026"), false);
      session_.trust_certificate(fingerprint);
      return;
    }
  }
  set_busy(false);
  show_message(problem_text(problem, server_url_, message));
  if (problem == client::SignInProblem::invalid_credentials ||
      problem == client::SignInProblem::token_rejected) {
    password_->setFocus();
    password_->selectAll();
  } else if (problem == client::SignInProblem::unreachable) {
    server_->setFocus();
  }
}

}  // namespace messenger::desktop
