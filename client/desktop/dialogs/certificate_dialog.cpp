#include "dialogs/certificate_dialog.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

namespace messenger::desktop {
namespace {

constexpr int kPairsPerLine = 8;
constexpr int kIconSize = 48;

}  // namespace

QString CertificateDialog::format_fingerprint(const QString& sha256_fingerprint) {
  QString hex;
  for (const QChar c : sha256_fingerprint) {
    if (c.isDigit() || (c.toLower() >= 'a' && c.toLower() <= 'f')) {
      hex += c.toUpper();
    }
  }
  QString shown;
  for (qsizetype i = 0; i < hex.size(); i += 2) {
    if (i > 0) {
      shown += (i / 2) % kPairsPerLine == 0 ? QChar('\n') : QChar(':');
    }
    shown += hex.mid(i, 2);
  }
  return shown;
}

CertificateDialog::CertificateDialog(QWidget* parent, const QString& server,
                                     const QString& sha256_fingerprint, bool changed)
    : QDialog(parent) {
  setObjectName("certificateDialog");
  setWindowTitle(changed ? tr("Server certificate changed") : tr("Unknown server certificate"));

  auto* icon = new QLabel(this);
  icon->setObjectName("iconLabel");
  const auto pixmap = changed ? QStyle::SP_MessageBoxCritical : QStyle::SP_MessageBoxWarning;
  icon->setPixmap(style()->standardIcon(pixmap).pixmap(kIconSize, kIconSize));
  icon->setAlignment(Qt::AlignTop);

  auto* heading = new QLabel(this);
  heading->setObjectName("headingLabel");
  heading->setTextFormat(Qt::PlainText);
  heading->setWordWrap(true);
  QFont heading_font = heading->font();
  heading_font.setBold(true);
  heading_font.setPointSizeF(heading_font.pointSizeF() * 1.2);
  heading->setFont(heading_font);
  heading->setText(changed ? tr("The certificate of %1 has changed").arg(server)
                           : tr("Is this really %1?").arg(server));

  QLabel* warning = nullptr;
  if (changed) {
    warning = new QLabel(this);
    warning->setObjectName("warningLabel");
    warning->setWordWrap(true);
    warning->setTextFormat(Qt::RichText);
    warning->setText(
        tr("<p style='color:#c01c28'><b>Warning: this certificate is different from the one you "
           "trusted before.</b> Someone may be intercepting your connection to read your messages "
           "and your password.</p><p>Accept it only if your administrator told you that they "
           "replaced the server's certificate, and the fingerprint below matches the one they "
           "gave you. If in doubt, press Cancel and call them.</p>"));
  }

  auto* explanation = new QLabel(this);
  explanation->setObjectName("explanationLabel");
  explanation->setWordWrap(true);
  explanation->setTextFormat(Qt::RichText);
  explanation->setText(
      tr("<p>The server's certificate is not signed by an authority this computer knows, so the "
         "connection cannot be verified automatically.</p><p>Compare the fingerprint below with "
         "the one your administrator got when they created the certificate with "
         "<code>messenger-server gen-cert</code> (it prints \"SHA-256 fingerprint\"). Ask them "
         "in person or by phone, not through this connection. Trust the certificate only if all "
         "characters match.</p>"));

  auto* caption = new QLabel(tr("SHA-256 fingerprint:"), this);
  auto* fingerprint = new QLabel(format_fingerprint(sha256_fingerprint), this);
  fingerprint->setObjectName("fingerprintLabel");
  fingerprint->setTextFormat(Qt::PlainText);
  fingerprint->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  fingerprint->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
  fingerprint->setFrameShape(QFrame::StyledPanel);
  fingerprint->setMargin(8);
  fingerprint->setBackgroundRole(QPalette::Base);
  fingerprint->setAutoFillBackground(true);
  fingerprint->setCursor(Qt::IBeamCursor);

  auto* buttons = new QDialogButtonBox(this);
  trust_ = buttons->addButton(changed ? tr("Trust the new certificate") : tr("Trust and connect"),
                              QDialogButtonBox::AcceptRole);
  trust_->setObjectName("trustButton");
  trust_->setAutoDefault(false);
  cancel_ = buttons->addButton(QDialogButtonBox::Cancel);
  cancel_->setObjectName("cancelButton");
  cancel_->setAutoDefault(true);
  cancel_->setDefault(true);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

  auto* text = new QVBoxLayout;
  text->addWidget(heading);
  if (warning) {
    text->addWidget(warning);
  }
  text->addWidget(explanation);
  text->addWidget(caption);
  text->addWidget(fingerprint, 0, Qt::AlignLeft);
  text->addStretch();
  auto* row = new QHBoxLayout;
  row->addWidget(icon, 0, Qt::AlignTop);
  row->addLayout(text, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(row);
  layout->addWidget(buttons);
  setMinimumWidth(520);

  cancel_->setFocus();
}

bool ask_trust_certificate(QWidget* parent, const QString& server,
                           const QString& sha256_fingerprint, bool changed) {
  CertificateDialog dialog(parent, server, sha256_fingerprint, changed);
  return dialog.exec() == QDialog::Accepted;
}

}  // namespace messenger::desktop
