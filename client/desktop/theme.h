#pragma once

#include <QApplication>
#include <QJsonObject>
#include <QPalette>
#include <QWidget>

class QHBoxLayout;

namespace messenger::desktop {

/// Applies the appearance part of the user's settings document (keys in
/// dialogs/settings_dialog.h): "theme" ("light" and "dark" use the Fusion style with our own
/// palettes; "system", missing or unknown restores the platform's style and palette) and
/// "font_size" (points, clamped to 8..24; missing restores the system font). Idempotent: calling
/// it again with the same document changes nothing, and every call starts from the state the
/// application had before the first call, so switching back and forth does not drift.
void apply_appearance(QApplication& app, const QJsonObject& settings);

/// Our palettes, for previews and tests.
[[nodiscard]] QPalette light_palette();
[[nodiscard]] QPalette dark_palette();

/// The platform's general font size in points: the default of "font_size".
[[nodiscard]] int system_font_point_size();

/// The rounded field that the composer and the conversation filter share: a frameless editor
/// on its Base colour inside a thin border that takes the accent colour while the editor has
/// focus. Painted from the palette at paint time, so it follows theme changes. A click on the
/// padding focuses the editor; more widgets (the send button) can be added to row().
class FieldFrame : public QWidget {
  Q_OBJECT

 public:
  /// Takes `editor` into its layout; the editor should draw no frame of its own.
  explicit FieldFrame(QWidget* editor, QWidget* parent = nullptr);

  [[nodiscard]] QHBoxLayout* row() const { return row_; }

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;

 private:
  QWidget* editor_;
  QHBoxLayout* row_;
};

}  // namespace messenger::desktop
