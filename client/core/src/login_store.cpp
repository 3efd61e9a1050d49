#include "login_store.h"

#include <QCryptographicHash>
#include <QDir>
#include <QSettings>
#include <utility>

namespace messenger::client::detail {
namespace {

constexpr auto kLoginGroup = "login";
constexpr auto kPinGroup = "certificates";

// QSettings treats '/' and '\' in keys as group separators; host:port contains neither, but a
// host name from a URL is normalised first so that "Chat.Example" and "chat.example" match.
QString pin_key(const QUrl& server) {
  const int default_port = server.scheme() == "wss" ? 443 : 80;
  return server.host().toLower() + ':' + QString::number(server.port(default_port));
}

}  // namespace

LoginStore::LoginStore(QString profile_dir) : profile_dir_(std::move(profile_dir)) {
  QDir().mkpath(profile_dir_);
}

QString LoginStore::file() const {
  return QDir(profile_dir_).filePath("login.ini");
}

std::optional<KeptLogin> LoginStore::kept() const {
  QSettings ini(file(), QSettings::IniFormat);
  ini.beginGroup(kLoginGroup);
  KeptLogin login{ini.value("server").toUrl(), ini.value("username").toString(),
                  ini.value("token").toString().toStdString()};
  if (!login.server.isValid() || login.username.isEmpty() || login.token.empty()) {
    return std::nullopt;
  }
  return login;
}

void LoginStore::keep(const KeptLogin& login) {
  QSettings ini(file(), QSettings::IniFormat);
  ini.beginGroup(kLoginGroup);
  ini.setValue("server", login.server.toString());
  ini.setValue("username", login.username);
  ini.setValue("token", QString::fromStdString(login.token));
  ini.endGroup();
  ini.sync();
}

void LoginStore::forget() {
  QSettings ini(file(), QSettings::IniFormat);
  ini.remove(kLoginGroup);
  ini.sync();
}

QString LoginStore::pin(const QUrl& server) const {
  QSettings ini(file(), QSettings::IniFormat);
  ini.beginGroup(kPinGroup);
  return ini.value(pin_key(server)).toString();
}

void LoginStore::set_pin(const QUrl& server, const QString& sha256_fingerprint) {
  QSettings ini(file(), QSettings::IniFormat);
  ini.beginGroup(kPinGroup);
  ini.setValue(pin_key(server), sha256_fingerprint);
  ini.endGroup();
  ini.sync();
}

QString LoginStore::cache_file(const QUrl& server, const QString& username) const {
  // A newline cannot occur in a URL or a username, so no two accounts share a name.
  const QByteArray key = (server.toString() + '\n' + username.toLower()).toUtf8();
  const QString name =
      QString::fromLatin1(QCryptographicHash::hash(key, QCryptographicHash::Sha1).toHex());
  return QDir(profile_dir_).filePath("cache/" + name + ".sqlite");
}

}  // namespace messenger::client::detail
