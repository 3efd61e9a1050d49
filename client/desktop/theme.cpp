#include "theme.h"

#include <QEvent>
#include <QFont>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QPainter>
#include <QPainterPath>
#include <QStyle>
#include <QStyleFactory>
#include <algorithm>
#include <optional>

namespace messenger::desktop {
namespace {

constexpr int kMinFontSize = 8;
constexpr int kMaxFontSize = 24;
constexpr qreal kFieldRadius = 8;

// What the application looked like before the first apply_appearance(), so "system" can go back
// to it: the platform theme's palette is not reachable through public API once replaced.
struct Original {
  QString style_name;
  QPalette palette;
  QFont font;
};

Original& original(QApplication& app) {
  static std::optional<Original> saved;
  if (!saved) {
    saved = Original{app.style()->name(), app.palette(), app.font()};
  }
  return *saved;
}

void use_style(QApplication& app, const QString& name) {
  if (app.style()->name().compare(name, Qt::CaseInsensitive) == 0) {
    return;
  }
  if (QStyle* style = QStyleFactory::create(name)) {
    app.setStyle(style);  // the application takes ownership
  }
}

void set_disabled_colors(QPalette& palette, const QColor& text, const QColor& button_text) {
  palette.setColor(QPalette::Disabled, QPalette::WindowText, text);
  palette.setColor(QPalette::Disabled, QPalette::Text, text);
  palette.setColor(QPalette::Disabled, QPalette::ButtonText, button_text);
  palette.setColor(QPalette::Disabled, QPalette::PlaceholderText, text);
}

}  // namespace

QPalette light_palette() {
  QPalette p;
  const QColor window(0xf3, 0xf4, 0xf6);
  const QColor text(0x1f, 0x23, 0x28);
  const QColor accent(0x1a, 0x5f, 0xb4);
  p.setColor(QPalette::Window, window);
  p.setColor(QPalette::WindowText, text);
  p.setColor(QPalette::Base, Qt::white);
  p.setColor(QPalette::AlternateBase, QColor(0xf6, 0xf8, 0xfa));
  p.setColor(QPalette::ToolTipBase, QColor(0xff, 0xff, 0xe1));
  p.setColor(QPalette::ToolTipText, text);
  p.setColor(QPalette::PlaceholderText, QColor(0x6e, 0x77, 0x81));
  p.setColor(QPalette::Text, text);
  p.setColor(QPalette::Button, QColor(0xe9, 0xeb, 0xee));
  p.setColor(QPalette::ButtonText, text);
  p.setColor(QPalette::BrightText, QColor(0xc0, 0x1c, 0x28));
  p.setColor(QPalette::Light, Qt::white);
  p.setColor(QPalette::Midlight, QColor(0xe1, 0xe4, 0xe8));
  p.setColor(QPalette::Mid, QColor(0xb8, 0xbf, 0xc6));
  p.setColor(QPalette::Dark, QColor(0x8c, 0x95, 0x9f));
  p.setColor(QPalette::Shadow, QColor(0x57, 0x60, 0x6a));
  p.setColor(QPalette::Highlight, accent);
  p.setColor(QPalette::HighlightedText, Qt::white);
  p.setColor(QPalette::Link, accent);
  p.setColor(QPalette::LinkVisited, QColor(0x61, 0x35, 0x83));
  set_disabled_colors(p, QColor(0x8c, 0x95, 0x9f), QColor(0x8c, 0x95, 0x9f));
  p.setColor(QPalette::Disabled, QPalette::Highlight, QColor(0xb8, 0xbf, 0xc6));
  return p;
}

QPalette dark_palette() {
  QPalette p;
  // Inputs a little lighter than the window, so that check boxes and fields stand out (Fusion
  // draws their outline darker than the window).
  const QColor window(0x20, 0x23, 0x27);
  const QColor base(0x2b, 0x2f, 0x35);
  const QColor text(0xe6, 0xe8, 0xeb);
  // Dark enough for white text on it (a selected conversation, badges): contrast 4.7:1.
  const QColor accent(0x2f, 0x74, 0xc8);
  p.setColor(QPalette::Window, window);
  p.setColor(QPalette::WindowText, text);
  p.setColor(QPalette::Base, base);
  p.setColor(QPalette::AlternateBase, QColor(0x30, 0x34, 0x3b));
  p.setColor(QPalette::ToolTipBase, QColor(0x30, 0x34, 0x3a));
  p.setColor(QPalette::ToolTipText, text);
  p.setColor(QPalette::PlaceholderText, QColor(0x8b, 0x94, 0x9e));
  p.setColor(QPalette::Text, text);
  p.setColor(QPalette::Button, QColor(0x36, 0x3a, 0x42));
  p.setColor(QPalette::ButtonText, text);
  p.setColor(QPalette::BrightText, QColor(0xff, 0x7b, 0x72));
  p.setColor(QPalette::Light, QColor(0x45, 0x4a, 0x52));
  p.setColor(QPalette::Midlight, QColor(0x3a, 0x3f, 0x46));
  p.setColor(QPalette::Mid, QColor(0x2b, 0x2f, 0x35));
  p.setColor(QPalette::Dark, QColor(0x15, 0x17, 0x1a));
  p.setColor(QPalette::Shadow, Qt::black);
  p.setColor(QPalette::Highlight, accent);
  p.setColor(QPalette::HighlightedText, Qt::white);
  p.setColor(QPalette::Link, QColor(0x6c, 0xb6, 0xff));
  p.setColor(QPalette::LinkVisited, QColor(0xc2, 0x97, 0xff));
  set_disabled_colors(p, QColor(0x7a, 0x82, 0x8c), QColor(0x7a, 0x82, 0x8c));
  p.setColor(QPalette::Disabled, QPalette::Highlight, QColor(0x45, 0x4a, 0x52));
  p.setColor(QPalette::Disabled, QPalette::Base, window);
  return p;
}

int system_font_point_size() {
  const int size = QFontDatabase::systemFont(QFontDatabase::GeneralFont).pointSize();
  return size > 0 ? size : 10;
}

void apply_appearance(QApplication& app, const QJsonObject& settings) {
  const Original& before = original(app);

  const QString theme = settings.value("theme").toString();
  if (theme == "dark" || theme == "light") {
    use_style(app, "Fusion");
    const QPalette wanted = theme == "dark" ? dark_palette() : light_palette();
    if (app.palette() != wanted) {
      app.setPalette(wanted);
    }
  } else {
    use_style(app, before.style_name);
    if (app.palette() != before.palette) {
      app.setPalette(before.palette);
    }
  }

  QFont font = before.font;
  const QJsonValue size = settings.value("font_size");
  if (size.isDouble()) {
    font.setPointSize(std::clamp(size.toInt(), kMinFontSize, kMaxFontSize));
  }
  if (app.font() != font) {
    app.setFont(font);
  }
}

FieldFrame::FieldFrame(QWidget* editor, QWidget* parent)
    : QWidget(parent), editor_(editor), row_(new QHBoxLayout(this)) {
  row_->setContentsMargins(6, 3, 3, 3);
  row_->setSpacing(2);
  row_->addWidget(editor_, 1);
  editor_->installEventFilter(this);
  setFocusProxy(editor_);
  setSizePolicy(editor_->sizePolicy().horizontalPolicy(), QSizePolicy::Fixed);
}

bool FieldFrame::eventFilter(QObject* watched, QEvent* event) {
  if (watched == editor_) {
    switch (event->type()) {
      case QEvent::FocusIn:
      case QEvent::FocusOut:
      case QEvent::EnabledChange:
      case QEvent::ReadOnlyChange:
        update();
        break;
      default:
        break;
    }
  }
  return QWidget::eventFilter(watched, event);
}

void FieldFrame::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.setRenderHint(QPainter::Antialiasing);
  const QPalette& palette = editor_->palette();
  const QPalette::ColorGroup group = editor_->isEnabled() ? QPalette::Active : QPalette::Disabled;
  QColor border = palette.color(QPalette::Text);
  border.setAlpha(editor_->isEnabled() ? 60 : 30);
  if (editor_->hasFocus()) {
    border = palette.color(QPalette::Highlight);
  }
  const QRectF box = QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5);
  painter.setPen(QPen(border, 1));
  painter.setBrush(palette.color(group, QPalette::Base));
  painter.drawRoundedRect(box, kFieldRadius, kFieldRadius);
}

void FieldFrame::mousePressEvent(QMouseEvent* event) {
  editor_->setFocus(Qt::MouseFocusReason);
  QWidget::mousePressEvent(event);
}

}  // namespace messenger::desktop
