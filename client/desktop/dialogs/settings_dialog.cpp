#include "dialogs/settings_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QJsonValue>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>
#include <algorithm>

#include "messenger/client/session.h"
#include "theme.h"

namespace messenger::desktop {
namespace {

bool read_bool(const QJsonObject& object, const char* key, bool fallback) {
  const QJsonValue value = object.value(key);
  return value.isBool() ? value.toBool() : fallback;
}

int read_int(const QJsonObject& object, const char* key, int fallback, int low, int high) {
  const QJsonValue value = object.value(key);
  return value.isDouble() ? std::clamp(value.toInt(fallback), low, high) : fallback;
}

}  // namespace

DesktopSettings DesktopSettings::from_json(const QJsonObject& settings) {
  DesktopSettings s;
  const QJsonObject notifications = settings.value("notifications").toObject();
  s.notifications_enabled = read_bool(notifications, "enabled", s.notifications_enabled);
  s.notification_preview = read_bool(notifications, "preview", s.notification_preview);
  const QString theme = settings.value("theme").toString();
  if (theme == "light" || theme == "dark" || theme == "system") {
    s.theme = theme;
  }
  s.font_size = read_int(settings, "font_size", 0, kMinFontSize, kMaxFontSize);
  s.start_minimized = read_bool(settings, "start_minimized", s.start_minimized);
  s.away_after_minutes = read_int(settings, "away_after_minutes", s.away_after_minutes,
                                  kMinAwayMinutes, kMaxAwayMinutes);
  return s;
}

void DesktopSettings::write_to(QJsonObject& settings) const {
  QJsonObject notifications = settings.value("notifications").toObject();
  notifications["enabled"] = notifications_enabled;
  notifications["preview"] = notification_preview;
  settings["notifications"] = notifications;
  settings["theme"] = theme;
  if (font_size > 0) {
    settings["font_size"] = font_size;
  } else {
    settings.remove("font_size");
  }
  settings["start_minimized"] = start_minimized;
  settings["away_after_minutes"] = away_after_minutes;
}

SettingsDialog::SettingsDialog(client::Session& session, QWidget* parent)
    : QDialog(parent), session_(session), loaded_(DesktopSettings::from_json(session.settings())) {
  setWindowTitle(tr("Settings"));
  setObjectName("settingsDialog");

  auto* notifications = new QGroupBox(tr("Notifications"), this);
  notifications_enabled_ = new QCheckBox(tr("Show a desktop notification for new messages"));
  notifications_enabled_->setObjectName("notificationsEnabledCheck");
  notification_preview_ = new QCheckBox(tr("Include the message text in notifications"));
  notification_preview_->setObjectName("notificationPreviewCheck");
  auto* notifications_layout = new QVBoxLayout(notifications);
  notifications_layout->addWidget(notifications_enabled_);
  notifications_layout->addWidget(notification_preview_);
  connect(notifications_enabled_, &QCheckBox::toggled, notification_preview_,
          &QCheckBox::setEnabled);

  auto* appearance = new QGroupBox(tr("Appearance"), this);
  theme_ = new QComboBox;
  theme_->setObjectName("themeCombo");
  theme_->addItem(tr("Same as the system"), QStringLiteral("system"));
  theme_->addItem(tr("Light"), QStringLiteral("light"));
  theme_->addItem(tr("Dark"), QStringLiteral("dark"));
  font_size_ = new QSpinBox;
  font_size_->setObjectName("fontSizeSpin");
  font_size_->setRange(DesktopSettings::kMinFontSize, DesktopSettings::kMaxFontSize);
  font_size_->setSuffix(tr(" pt"));
  auto* appearance_layout = new QFormLayout(appearance);
  appearance_layout->addRow(tr("&Theme:"), theme_);
  appearance_layout->addRow(tr("&Font size:"), font_size_);

  auto* behaviour = new QGroupBox(tr("Behaviour"), this);
  start_minimized_ = new QCheckBox(tr("Start minimized to the system tray"));
  start_minimized_->setObjectName("startMinimizedCheck");
  away_after_ = new QSpinBox;
  away_after_->setObjectName("awayAfterSpin");
  away_after_->setRange(DesktopSettings::kMinAwayMinutes, DesktopSettings::kMaxAwayMinutes);
  away_after_->setSuffix(tr(" min"));
  auto* behaviour_layout = new QFormLayout(behaviour);
  behaviour_layout->addRow(start_minimized_);
  behaviour_layout->addRow(tr("Show me as &away after:"), away_after_);

  auto* note = new QLabel(
      tr("Your settings are kept on the server and follow you to every computer you sign in on."));
  note->setWordWrap(true);
  note->setEnabled(false);

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  buttons->button(QDialogButtonBox::Ok)->setObjectName("okButton");
  buttons->button(QDialogButtonBox::Cancel)->setObjectName("cancelButton");
  connect(buttons, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &SettingsDialog::reject);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(notifications);
  layout->addWidget(appearance);
  layout->addWidget(behaviour);
  layout->addWidget(note);
  layout->addStretch();
  layout->addWidget(buttons);

  show_values(loaded_);
}

void SettingsDialog::show_values(const DesktopSettings& values) {
  notifications_enabled_->setChecked(values.notifications_enabled);
  notification_preview_->setChecked(values.notification_preview);
  notification_preview_->setEnabled(values.notifications_enabled);
  theme_->setCurrentIndex(std::max(0, theme_->findData(values.theme)));
  font_size_->setValue(values.font_size > 0 ? values.font_size : system_font_point_size());
  start_minimized_->setChecked(values.start_minimized);
  away_after_->setValue(values.away_after_minutes);
}

DesktopSettings SettingsDialog::values() const {
  DesktopSettings s;
  s.notifications_enabled = notifications_enabled_->isChecked();
  s.notification_preview = notification_preview_->isChecked();
  s.theme = theme_->currentData().toString();
  // An untouched system size stays unset, so another PC keeps its own default size.
  const bool default_size =
      loaded_.font_size == 0 && font_size_->value() == system_font_point_size();
  s.font_size = default_size ? 0 : font_size_->value();
  s.start_minimized = start_minimized_->isChecked();
  s.away_after_minutes = away_after_->value();
  return s;
}

void SettingsDialog::accept() {
  const DesktopSettings wanted = values();
  if (wanted != loaded_) {
    // Only what the user changed, on top of the newest document: a mute or another device's
    // change made while this dialog was open is kept.
    QJsonObject document = session_.settings();
    DesktopSettings merged = DesktopSettings::from_json(document);
    const auto take = [&](auto DesktopSettings::*field) {
      if (wanted.*field != loaded_.*field) {
        merged.*field = wanted.*field;
      }
    };
    take(&DesktopSettings::notifications_enabled);
    take(&DesktopSettings::notification_preview);
    take(&DesktopSettings::theme);
    take(&DesktopSettings::font_size);
    take(&DesktopSettings::start_minimized);
    take(&DesktopSettings::away_after_minutes);
    merged.write_to(document);
    session_.set_settings(document);
  }
  QDialog::accept();
}

}  // namespace messenger::desktop
