#pragma once

#include <QDialog>
#include <QString>

class QPushButton;

namespace messenger::desktop {

/// Asks whether to trust a wss:// server certificate that the system does not know, showing its
/// SHA-256 fingerprint to compare with the one the administrator got from
/// `messenger-server gen-cert`. With `changed`, warns that the certificate differs from the one
/// trusted before. Cancel is the default button: Enter or Escape does not trust.
class CertificateDialog : public QDialog {
  Q_OBJECT

 public:
  CertificateDialog(QWidget* parent, const QString& server, const QString& sha256_fingerprint,
                    bool changed);

  /// The fingerprint as shown: upper-case hex pairs with colons, eight pairs a line.
  [[nodiscard]] static QString format_fingerprint(const QString& sha256_fingerprint);

 private:
  QPushButton* trust_ = nullptr;
  QPushButton* cancel_ = nullptr;
};

/// Shows a CertificateDialog modally; true when the user trusts the certificate.
bool ask_trust_certificate(QWidget* parent, const QString& server,
                           const QString& sha256_fingerprint, bool changed);

}  // namespace messenger::desktop
