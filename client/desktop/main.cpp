#include <QApplication>
#include <QMessageBox>

#include "app.h"

int main(int argc, char* argv[]) {
  QApplication application(argc, argv);
  QApplication::setApplicationName(QStringLiteral("The Messenger"));
  QApplication::setApplicationVersion(QStringLiteral("0.1.0"));
  QApplication::setDesktopFileName(QStringLiteral("the-messenger"));

  const messenger::desktop::AppOptions options =
      messenger::desktop::parse_options(QApplication::arguments());
  messenger::desktop::App app(application, options);
  if (!app.start()) {
    QMessageBox::information(
        nullptr, QStringLiteral("The Messenger"),
        QStringLiteral("The Messenger is already running with this profile folder:\n%1\n\n"
                       "Use the window that is open (look in the tray), or start with "
                       "--profile-dir for another account.")
            .arg(options.profile_dir));
    return 1;
  }
  return QApplication::exec();
}
