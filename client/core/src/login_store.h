#pragma once

#include <QString>
#include <QUrl>
#include <optional>
#include <string>

namespace messenger::client::detail {

/// A login kept by "keep me signed in": where, who, and the session token (never a password).
struct KeptLogin {
  QUrl server;
  QString username;
  std::string token;
};

/// `login.ini` in the profile folder (QSettings, INI format): the kept login and the pinned
/// certificate fingerprints, one per host:port. Every call reads or writes the file at once, so
/// a crash loses nothing and two Session objects on one profile see the same file.
class LoginStore {
 public:
  explicit LoginStore(QString profile_dir);

  [[nodiscard]] std::optional<KeptLogin> kept() const;
  void keep(const KeptLogin& login);
  /// Forgets the kept login (the token is gone from the disk); pins stay.
  void forget();

  /// The pinned SHA-256 fingerprint for the server's host and port; empty when none.
  [[nodiscard]] QString pin(const QUrl& server) const;
  void set_pin(const QUrl& server, const QString& sha256_fingerprint);

  /// `cache/<hex sha1 of the server URL and the lower-case username>.sqlite` under the profile
  /// folder: one cache per account and server, with a name safe on every file system.
  [[nodiscard]] QString cache_file(const QUrl& server, const QString& username) const;

 private:
  [[nodiscard]] QString file() const;

  QString profile_dir_;
};

}  // namespace messenger::client::detail
