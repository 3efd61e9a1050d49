#pragma once

#include <QDialog>
#include <QJsonObject>
#include <QString>

class QCheckBox;
class QComboBox;
class QSpinBox;

namespace messenger::client {
class Session;
}

namespace messenger::desktop {

/// The per-user settings document (Session::settings() / set_settings()). It is stored on the
/// server, so it follows the user to another PC. Every key is optional; a missing or malformed
/// value means its default. Keys:
///
///   "notifications": {
///     "enabled": bool          desktop notifications for new messages (default true)
///     "preview": bool          show the message text in them (default true)
///   }
///   "theme": "light" | "dark" | "system"     (default "system"; see apply_appearance)
///   "font_size": int          points, 8..24 (default: the system font's size; absent until the
///                             user picks a different size, so each PC keeps its own default)
///   "start_minimized": bool   start in the tray (default false)
///   "away_after_minutes": int 1..120: idle time before presence turns away (default 10)
///   "muted_conversations": [conversation ids]   managed by Session::set_muted
///
/// Whoever writes the document must keep keys it does not know (other clients, newer versions)
/// and "muted_conversations": DesktopSettings::write_to() does.
struct DesktopSettings {
  static constexpr int kMinFontSize = 8;
  static constexpr int kMaxFontSize = 24;
  static constexpr int kMinAwayMinutes = 1;
  static constexpr int kMaxAwayMinutes = 120;

  bool notifications_enabled = true;
  bool notification_preview = true;
  QString theme = "system";
  int font_size = 0;  // 0: the system font's size
  bool start_minimized = false;
  int away_after_minutes = 10;

  /// Reads the keys above with their defaults; out-of-range numbers are clamped.
  [[nodiscard]] static DesktopSettings from_json(const QJsonObject& settings);
  /// Writes these values into `settings`, keeping every other key (and unknown keys inside
  /// "notifications"). font_size 0 removes "font_size".
  void write_to(QJsonObject& settings) const;

  friend bool operator==(const DesktopSettings&, const DesktopSettings&) = default;
};

/// Edits DesktopSettings. OK saves through Session::set_settings() on top of the newest document
/// (so mutes or other keys changed meanwhile are kept); Cancel discards. The application applies
/// the result when the Session emits settingsChanged().
class SettingsDialog : public QDialog {
  Q_OBJECT

 public:
  SettingsDialog(client::Session& session, QWidget* parent = nullptr);

  /// The values the widgets show now.
  [[nodiscard]] DesktopSettings values() const;

  void accept() override;

 private:
  void show_values(const DesktopSettings& values);

  client::Session& session_;
  DesktopSettings loaded_;
  QCheckBox* notifications_enabled_ = nullptr;
  QCheckBox* notification_preview_ = nullptr;
  QComboBox* theme_ = nullptr;
  QSpinBox* font_size_ = nullptr;
  QCheckBox* start_minimized_ = nullptr;
  QSpinBox* away_after_ = nullptr;
};

}  // namespace messenger::desktop
