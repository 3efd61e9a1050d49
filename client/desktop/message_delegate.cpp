#include "message_delegate.h"

#include <QAbstractItemView>
#include <QDate>
#include <QDateTime>
#include <QFontMetricsF>
#include <QHelpEvent>
#include <QLocale>
#include <QPainter>
#include <QPainterPath>
#include <QStaticText>
#include <QStyle>
#include <QTextBoundaryFinder>
#include <QTextLayout>
#include <QToolTip>
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "messenger/client/message_list_model.h"

namespace messenger::desktop {
namespace {

using Model = client::MessageListModel;

// Bounds of the caches. A measure is a few dozen bytes (more for long messages), so the natural
// cache holds every row of a long history; layouts are kilobytes and only for painted rows.
constexpr int kMaxNaturalEntries = 120'000;
constexpr int kMaxExactEntries = 20'000;
constexpr int kMaxLayouts = 256;
// Text never wraps narrower than this.
constexpr int kMinTextWidth = 160;
// Left of the avatars, as left of the conversation's title and composer (ConversationView).
constexpr int kMargin = 12;
// Characters whose advances are remembered: everything is_simple() accepts.
constexpr char16_t kAdvanceTableSize = 0x2030;

int hue_of(qint64 seed) {
  return static_cast<int>((seed * 47) % 360);
}

bool is_dark(const QPalette& palette) {
  return palette.color(QPalette::Base).lightness() < 128;
}

QString initials(const QString& name) {
  QString out;
  for (const QString& word : name.split(' ', Qt::SkipEmptyParts)) {
    if (out.size() == 2) {
      break;
    }
    out += word.front().toUpper();
  }
  return out.isEmpty() ? QStringLiteral("?") : out;
}

// The text as QTextLayout wants it: forced line breaks as U+2028.
QString layout_text(QString text) {
  text.replace(QLatin1Char('\r'), QString());
  text.replace(QLatin1Char('\n'), QChar::LineSeparator);
  return text;
}

// Text that is measured by adding up character advances instead of shaping it: Latin, Greek
// and Cyrillic letters, digits and punctuation, without combining marks, tabs or right-to-left
// characters. Kerning is left out; the painted lines are the measured ones either way.
bool is_simple(const QString& text) {
  return std::all_of(text.begin(), text.end(), [](QChar c) {
    const char16_t u = c.unicode();
    return (u >= 0x20 && u < 0x0300) || (u >= 0x0370 && u < 0x0483) || u == 0x2014 || u == 0x2013 ||
           u == 0x2026 || u == 0x2018 || u == 0x2019 || u == 0x201c || u == 0x201d ||
           u == QChar::LineSeparator;
  });
}

void paint_clock(QPainter& painter, const QRectF& box, const QColor& color) {
  const qreal d = std::min(box.width(), box.height()) * 0.72;
  const QRectF circle(box.center().x() - d / 2, box.center().y() - d / 2, d, d);
  painter.setPen(QPen(color, 1.3));
  painter.setBrush(Qt::NoBrush);
  painter.drawEllipse(circle);
  const QPointF c = circle.center();
  painter.drawLine(c, QPointF(c.x(), c.y() - d * 0.32));
  painter.drawLine(c, QPointF(c.x() + d * 0.25, c.y()));
}

void paint_check(QPainter& painter, const QRectF& box, const QColor& color) {
  const qreal d = std::min(box.width(), box.height()) * 0.7;
  const QPointF o(box.center().x() - d / 2, box.center().y() - d / 2);
  QPainterPath path;
  path.moveTo(o + QPointF(0, d * 0.55));
  path.lineTo(o + QPointF(d * 0.35, d * 0.88));
  path.lineTo(o + QPointF(d, d * 0.15));
  painter.setPen(QPen(color, 1.6, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
  painter.setBrush(Qt::NoBrush);
  painter.drawPath(path);
}

void paint_failed(QPainter& painter, const QRectF& box, const QColor& color, const QFont& font) {
  const qreal d = std::min(box.width(), box.height()) * 0.8;
  const QRectF circle(box.center().x() - d / 2, box.center().y() - d / 2, d, d);
  painter.setPen(Qt::NoPen);
  painter.setBrush(color);
  painter.drawEllipse(circle);
  QFont bold = font;
  bold.setBold(true);
  painter.setFont(bold);
  painter.setPen(Qt::white);
  painter.drawText(circle, Qt::AlignCenter, QStringLiteral("!"));
}

}  // namespace

size_t qHash(const MessageDelegate::Key& key, size_t seed) noexcept {
  return qHashMulti(seed, key.conversation, key.seq, key.detail, key.width);
}

void paint_avatar(QPainter& painter, const QRectF& rect, const QString& name, qint64 seed) {
  painter.save();
  painter.setRenderHint(QPainter::Antialiasing);
  painter.setPen(Qt::NoPen);
  painter.setBrush(QColor::fromHsl(hue_of(seed), 110, 110));
  painter.drawEllipse(rect);
  QFont font = painter.font();
  font.setBold(true);
  font.setPixelSize(std::max(8, static_cast<int>(rect.height() * 0.4)));
  painter.setFont(font);
  painter.setPen(Qt::white);
  painter.drawText(rect, Qt::AlignCenter, initials(name));
  painter.restore();
}

QString short_time(const QTime& time) {
  const QLocale locale;
  QString format = locale.timeFormat(QLocale::ShortFormat);
  format.remove(QStringLiteral(":ss")).remove(QStringLiteral(".ss"));
  return locale.toString(time, format);
}

QColor name_color(qint64 seed, const QPalette& palette) {
  return QColor::fromHsl(hue_of(seed), 120, is_dark(palette) ? 170 : 85);
}

// Sizes derived from the view's font, so that everything scales with the font size setting.
struct MessageDelegate::Style {
  explicit Style(const QFont& base)
      : font(base), bold(base), small(base), italic(base), metrics(base) {
    bold.setBold(true);
    small.setPointSizeF(base.pointSizeF() > 0 ? base.pointSizeF() * 0.85 : 8.5);
    italic.setItalic(true);
    const QFontMetricsF fm(font);
    const QFontMetricsF bold_fm(bold);
    const QFontMetricsF small_fm(small);
    line = static_cast<int>(std::ceil(fm.lineSpacing()));
    ascent = fm.ascent();
    bold_ascent = bold_fm.ascent();
    small_line = static_cast<int>(std::ceil(small_fm.lineSpacing()));
    small_ascent = small_fm.ascent();
    margin = std::max(kMargin, line * 3 / 4);
    avatar = std::max(32, line * 2 + 2);
    gap = std::max(8, line / 2);
    text_x = margin + avatar + gap;
    state_w = line;
    day_h = small_line + 22;
    first_top = std::max(8, line / 2);
    top = 1;
    bottom = 3;
    name_h = static_cast<int>(std::ceil(bold_fm.lineSpacing())) + 2;
    max_text = static_cast<int>(fm.averageCharWidth() * 110);
    edited_text = MessageDelegate::tr("edited");
    edited_gap = fm.horizontalAdvance(QLatin1Char(' ')) * 1.5;
    edited_w = small_fm.horizontalAdvance(edited_text) + edited_gap;
  }

  // The advance of one character, remembered (for is_simple() text).
  [[nodiscard]] qreal advance(QChar c) const {
    const char16_t u = c.unicode();
    if (u >= kAdvanceTableSize) {
      return metrics.horizontalAdvance(c);
    }
    float& known = advances[u];
    if (known < 0) {
      known = static_cast<float>(metrics.horizontalAdvance(c));
    }
    return known;
  }

  QFont font;
  QFont bold;
  QFont small;
  QFont italic;
  int line = 0;
  qreal ascent = 0;
  qreal bold_ascent = 0;
  int small_line = 0;
  qreal small_ascent = 0;
  int margin = 0;
  int avatar = 0;
  int gap = 0;
  int text_x = 0;
  int state_w = 0;  // the sending / sent / failed mark
  int day_h = 0;
  int first_top = 0;
  int top = 0;
  int bottom = 0;
  int name_h = 0;
  int max_text = 0;
  QString edited_text;
  qreal edited_gap = 0;
  qreal edited_w = 0;

  // What follows the text on its last line: "edited" and my message's state mark.
  [[nodiscard]] qreal suffix_width(bool edited, bool own) const {
    return (edited ? edited_w : 0) + (own ? edited_gap + state_w : 0);
  }
  QFontMetricsF metrics;
  mutable std::vector<float> advances = std::vector<float>(kAdvanceTableSize, -1.0F);
};

// The first pass, once per message revision: the text cut into pieces that may not be split
// (a word with the spaces after it, at Unicode line-break opportunities), each with its x on an
// unwrapped line. Breaking lines at any width is then arithmetic (Telegram Desktop's approach),
// and painting uses exactly these breaks, so measure and paint always agree.
struct MessageDelegate::Natural {
  struct Piece {
    qint32 end = 0;    // the text position after the piece
    float end_x = 0;   // its right edge without trailing spaces, from the paragraph's start
    float next_x = 0;  // where the next piece starts
    bool paragraph_end = false;
  };
  qreal widest = 0;         // the widest paragraph
  qreal last = 0;           // the last paragraph's width
  int lines = 1;            // paragraphs
  bool exact_only = false;  // right-to-left text or tabs: a full QTextLayout at each width
  std::vector<Piece> pieces;
};

// The second pass: lines at one width.
struct MessageDelegate::Wrap {
  bool ok = false;  // false: a piece is wider than the line (a long URL): lay out exactly
  int lines = 0;
  qreal last = 0;  // the last line's width
};

// For painting: the lines of one message at one width.
// Either the measured lines, each prepared for painting, or (for text that is laid out exactly)
// a QTextLayout wrapped at the width.
struct MessageDelegate::Laid {
  std::vector<QStaticText> measured;
  QTextLayout exact;
  int lines = 0;
  qreal last = 0;

  void draw(QPainter& painter, const QPointF& origin, int line_height) const {
    if (measured.empty()) {
      exact.draw(&painter, origin);
      return;
    }
    for (std::size_t i = 0; i < measured.size(); ++i) {
      painter.drawStaticText(origin + QPointF(0, static_cast<qreal>(i) * line_height), measured[i]);
    }
  }
};

MessageDelegate::MessageDelegate(QObject* parent)
    : QStyledItemDelegate(parent),
      natural_(kMaxNaturalEntries),
      exact_heights_(kMaxExactEntries),
      layouts_(kMaxLayouts) {}

MessageDelegate::~MessageDelegate() = default;

void MessageDelegate::clear_cache() {
  style_.reset();
  natural_.clear();
  exact_heights_.clear();
  layouts_.clear();
}

int MessageDelegate::cached_measures() const {
  return static_cast<int>(natural_.size() + exact_heights_.size());
}

int MessageDelegate::cached_layouts() const {
  return static_cast<int>(layouts_.size());
}

QString MessageDelegate::day_label(const QDate& date, const QDate& today) {
  if (date == today) {
    return tr("Today");
  }
  if (date == today.addDays(-1)) {
    return tr("Yesterday");
  }
  const QLocale locale;
  if (date < today && date > today.addDays(-7)) {
    return locale.dayName(date.dayOfWeek());
  }
  if (date.year() == today.year()) {
    return locale.toString(date, QStringLiteral("d MMMM"));
  }
  return locale.toString(date, QStringLiteral("d MMMM yyyy"));
}

const MessageDelegate::Style& MessageDelegate::style(const QFont& font) const {
  if (!style_ || style_->font != font) {
    if (style_) {
      natural_.clear();
      exact_heights_.clear();
      layouts_.clear();
    }
    style_ = std::make_unique<Style>(font);
  }
  return *style_;
}

int MessageDelegate::text_width(const QStyleOptionViewItem& option, const Style& style) {
  int row_width = option.rect.width();
  if (const auto* view = qobject_cast<const QAbstractItemView*>(option.widget)) {
    // The scroll bar's room is always left out, so that its coming and going does not change
    // where text wraps (and does not make the view lay out every row again).
    const int bar = view->style()->pixelMetric(QStyle::PM_ScrollBarExtent, nullptr, view);
    row_width = view->width() - 2 * view->frameWidth() - bar;
  }
  const int width = row_width - style.text_x - 2 * style.margin;
  return std::clamp(width, kMinTextWidth, std::max(kMinTextWidth, style.max_text));
}

MessageDelegate::Key MessageDelegate::key_of(const QModelIndex& index) {
  Key key;
  if (const auto* model = qobject_cast<const Model*>(index.model())) {
    if (const core::Message* message = model->message_at(index.row())) {
      key.conversation = message->conversation_id.value();
      key.seq = message->seq.value();
      key.detail = key.seq > 0
                       ? message->rev.value()
                       : static_cast<qint64>(std::hash<std::string>{}(message->client_msg_id) >> 1);
      return key;
    }
  }
  // Another model (tests, previews): the text itself identifies the measure.
  key.seq = index.data(Model::SeqRole).toLongLong();
  key.detail = static_cast<qint64>(qHash(index.data(Model::TextRole).toString()) >> 1) ^
               (index.data(Model::EditedRole).toBool() ? 1 : 0);
  return key;
}

const MessageDelegate::Natural& MessageDelegate::natural(const QModelIndex& index, const Key& key,
                                                         const Style& style) const {
  Key natural_key = key;
  natural_key.width = 0;
  if (const Natural* cached = natural_.object(natural_key)) {
    return *cached;
  }
  auto* natural = new Natural;
  const QString text = layout_text(index.data(Model::TextRole).toString());
  if (is_simple(text)) {
    measure_simple(text, style, *natural);
  } else {
    measure_shaped(text, style, *natural);
  }
  natural_.insert(natural_key, natural);
  return *natural;
}

void MessageDelegate::measure_shaped(const QString& text, const Style& style, Natural& natural) {
  natural.exact_only =
      text.contains(QLatin1Char('\t')) || std::any_of(text.begin(), text.end(), [](QChar c) {
        return c.direction() == QChar::DirR || c.direction() == QChar::DirAL;
      });
  QTextLayout layout(text, style.font);
  QTextOption option;
  option.setWrapMode(QTextOption::NoWrap);
  layout.setTextOption(option);
  layout.setCacheEnabled(true);  // shaped once for every cursorToX() below
  layout.beginLayout();
  std::vector<QTextLine> paragraphs;
  for (QTextLine line = layout.createLine(); line.isValid(); line = layout.createLine()) {
    paragraphs.push_back(line);
  }
  layout.endLayout();
  natural.lines = std::max<int>(1, static_cast<int>(paragraphs.size()));
  natural.widest = 0;
  for (std::size_t p = 0; p < paragraphs.size(); ++p) {
    const QTextLine& line = paragraphs[p];
    natural.last = line.naturalTextWidth();
    natural.widest = std::max(natural.widest, natural.last);
  }
  QTextBoundaryFinder finder(QTextBoundaryFinder::Line, text);
  for (std::size_t p = 0; p < paragraphs.size() && !natural.exact_only; ++p) {
    const QTextLine& line = paragraphs[p];
    const int begin = line.textStart();
    const int end =
        p + 1 < paragraphs.size() ? paragraphs[p + 1].textStart() : static_cast<int>(text.size());
    const qreal origin = line.cursorToX(begin);
    if (line.naturalTextWidth() < kMinTextWidth - 2) {
      // Never wraps (text is never narrower than that): one piece.
      natural.pieces.push_back({end, static_cast<float>(line.naturalTextWidth()),
                                static_cast<float>(line.naturalTextWidth()), true});
      continue;
    }
    finder.setPosition(begin);
    int from = begin;
    while (from < end) {
      int to = finder.toNextBoundary();
      if (to < 0 || to > end) {
        to = end;
      }
      int trimmed = to;
      while (trimmed > from && (text[trimmed - 1].isSpace())) {
        --trimmed;
      }
      const auto end_x = static_cast<float>(line.cursorToX(trimmed) - origin);
      const auto next_x = to < end ? static_cast<float>(line.cursorToX(to) - origin) : end_x;
      natural.pieces.push_back({to, end_x, next_x, to == end});
      from = to;
    }
  }
}

void MessageDelegate::measure_simple(const QString& text, const Style& style, Natural& natural) {
  natural.lines = 1;
  qreal x = 0;
  qreal trimmed_x = 0;  // x after the last character that is not a space
  int begin = 0;        // where the current piece starts
  std::size_t first_piece = 0;
  const auto end_paragraph = [&](int end, qreal width) {
    if (width < kMinTextWidth - 2) {
      natural.pieces.resize(first_piece);  // never wraps: one piece is enough
    }
    natural.pieces.push_back({end, static_cast<float>(width), static_cast<float>(width), true});
    first_piece = natural.pieces.size();
    natural.widest = std::max(natural.widest, width);
  };
  const auto length = static_cast<int>(text.size());
  for (int i = 0; i < length; ++i) {
    const QChar c = text[i];
    if (c == QChar::LineSeparator) {
      end_paragraph(i + 1, trimmed_x);
      ++natural.lines;
      x = trimmed_x = 0;
      begin = i + 1;
      continue;
    }
    if (c != QLatin1Char(' ') && i > begin && text[i - 1] == QLatin1Char(' ')) {
      // A break opportunity before a word that follows spaces.
      natural.pieces.push_back({i, static_cast<float>(trimmed_x), static_cast<float>(x), false});
      begin = i;
    }
    x += style.advance(c);
    if (c != QLatin1Char(' ')) {
      trimmed_x = x;
    }
  }
  end_paragraph(length, trimmed_x);
  natural.last = trimmed_x;
}

MessageDelegate::Wrap MessageDelegate::wrap(const Natural& natural, qreal room,
                                            std::vector<int>* starts) {
  Wrap out;
  qreal line_x = 0;  // where the current line starts on the unwrapped paragraph
  bool line_empty = true;
  int line_start = 0;
  float previous_next_x = 0;
  int previous_end = 0;
  for (const Natural::Piece& piece : natural.pieces) {
    if (line_empty) {
      ++out.lines;
      if (starts != nullptr) {
        starts->push_back(line_start);
      }
    } else if (piece.end_x - line_x > room) {
      ++out.lines;
      line_x = previous_next_x;
      line_start = previous_end;
      if (starts != nullptr) {
        starts->push_back(line_start);
      }
    }
    if (piece.end_x - line_x > room) {
      return {};  // wider than a whole line
    }
    line_empty = false;
    out.last = piece.end_x - line_x;
    previous_next_x = piece.next_x;
    previous_end = piece.end;
    if (piece.paragraph_end) {
      line_x = 0;
      line_empty = true;
      line_start = piece.end;
    }
  }
  out.ok = out.lines > 0;
  return out;
}

int MessageDelegate::text_height(const QModelIndex& index, const Key& key, int width,
                                 const Style& style) const {
  if (index.data(Model::DeletedRole).toBool()) {
    return style.line;
  }
  const qreal mark = style.suffix_width(index.data(Model::EditedRole).toBool(),
                                        index.data(Model::OwnRole).toBool());
  const Natural& measure = natural(index, key, style);
  // One pixel of slack against rounding.
  const qreal room = width - 1;
  if (!measure.exact_only) {
    if (measure.widest <= room && measure.last + mark <= room) {
      return measure.lines * style.line;
    }
    const Wrap wrapped = wrap(measure, room, nullptr);
    if (wrapped.ok) {
      return (wrapped.lines + (wrapped.last + mark > room ? 1 : 0)) * style.line;
    }
  }
  Key exact_key = key;
  exact_key.width = width;
  if (const int* height = exact_heights_.object(exact_key)) {
    return *height;
  }
  const Laid& laid = laid_out(index, key, width, style);
  const int height = (laid.lines + (laid.last + mark > room ? 1 : 0)) * style.line;
  exact_heights_.insert(exact_key, new int(height));
  return height;
}

const MessageDelegate::Laid& MessageDelegate::laid_out(const QModelIndex& index, const Key& key,
                                                       int width, const Style& style) const {
  Key layout_key = key;
  layout_key.width = width;
  if (const Laid* cached = layouts_.object(layout_key)) {
    return *cached;
  }
  const Natural& measure = natural(index, key, style);
  std::vector<int> starts;
  const Wrap wrapped = measure.exact_only ? Wrap{} : wrap(measure, width - 1, &starts);

  auto* laid = new Laid;
  const QString text = layout_text(index.data(Model::TextRole).toString());
  if (wrapped.ok) {
    // The measured breaks, one prepared line each: the painted lines are the measured ones.
    const auto length = static_cast<int>(text.size());
    laid->measured.reserve(starts.size());
    for (std::size_t i = 0; i < starts.size(); ++i) {
      const int next = i + 1 < starts.size() ? starts[i + 1] : length;
      QString piece = text.mid(starts[i], next - starts[i]);
      while (!piece.isEmpty() && (piece.back() == QChar::LineSeparator || piece.back().isSpace())) {
        piece.chop(1);
      }
      QStaticText line(piece);
      line.setTextFormat(Qt::PlainText);
      line.setPerformanceHint(QStaticText::AggressiveCaching);
      line.prepare(QTransform(), style.font);
      laid->measured.push_back(std::move(line));
    }
    laid->lines = static_cast<int>(starts.size());
    laid->last = wrapped.last;
  } else {
    QTextLayout& layout = laid->exact;
    layout.setText(text);
    layout.setFont(style.font);
    QTextOption option;
    option.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    layout.setTextOption(option);
    layout.setCacheEnabled(true);
    layout.beginLayout();
    for (QTextLine line = layout.createLine(); line.isValid(); line = layout.createLine()) {
      line.setLineWidth(width);
      line.setPosition(QPointF(0, laid->lines * style.line));
      laid->last = line.naturalTextWidth();
      ++laid->lines;
    }
    layout.endLayout();
  }
  laid->lines = std::max(laid->lines, 1);
  layouts_.insert(layout_key, laid);
  return *laid;
}

QSize MessageDelegate::sizeHint(const QStyleOptionViewItem& option,
                                const QModelIndex& index) const {
  const Style& s = style(option.font);
  const bool day = index.data(Model::DayBreakRole).toBool();
  const bool first = index.data(Model::FirstInGroupRole).toBool();
  const bool failed =
      index.data(Model::SendStateRole).toInt() == static_cast<int>(Model::SendState::failed);
  const int width = text_width(option, s);
  int height = day ? s.day_h : 0;
  height += first ? s.first_top + s.name_h : s.top;
  height += text_height(index, key_of(index), width, s);
  height += failed ? s.small_line : 0;
  height += s.bottom;
  if (first) {
    height = std::max(height, (day ? s.day_h : 0) + s.first_top + s.avatar + s.bottom);
  }
  return {s.text_x + s.margin, height};
}

void MessageDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                            const QModelIndex& index) const {
  const Style& s = style(option.font);
  const QPalette& palette = option.palette;
  const QColor text_color = palette.color(QPalette::Text);
  const QColor dim = palette.color(QPalette::PlaceholderText);
  const QColor error_color = is_dark(palette) ? QColor(0xff, 0x6b, 0x6b) : QColor(0xd3, 0x2f, 0x2f);
  const QRect rect = option.rect;
  const bool day = index.data(Model::DayBreakRole).toBool();
  const bool first = index.data(Model::FirstInGroupRole).toBool();
  const bool deleted = index.data(Model::DeletedRole).toBool();
  const bool edited = index.data(Model::EditedRole).toBool();
  const bool own = index.data(Model::OwnRole).toBool();
  const auto state = static_cast<Model::SendState>(index.data(Model::SendStateRole).toInt());
  const QDateTime time = index.data(Model::TimeRole).toDateTime();
  const QLocale locale;

  painter->save();
  painter->setClipRect(rect);
  painter->setRenderHint(QPainter::Antialiasing);
  int y = rect.top();

  if (day) {
    const QString label = day_label(time.date(), QDate::currentDate());
    QFont font = s.small;
    font.setBold(true);
    painter->setFont(font);
    const QFontMetrics fm(font);
    const int label_w = fm.horizontalAdvance(label) + 24;
    const int mid = y + s.day_h / 2;
    const QRect pill(rect.center().x() - label_w / 2, mid - s.small_line / 2 - 3, label_w,
                     s.small_line + 6);
    QColor line_color = dim;
    line_color.setAlpha(70);
    painter->setPen(QPen(line_color, 1));
    painter->drawLine(rect.left() + s.margin, mid, pill.left() - 6, mid);
    painter->drawLine(pill.right() + 6, mid, rect.right() - s.margin, mid);
    painter->setPen(line_color);
    painter->setBrush(palette.color(QPalette::Base));
    painter->drawRoundedRect(pill, pill.height() / 2.0, pill.height() / 2.0);
    painter->setPen(dim);
    painter->drawText(pill, Qt::AlignCenter, label);
    y += s.day_h;
  }

  const QRect body(rect.left(), y, rect.width(), rect.bottom() + 1 - y);
  if (option.state & QStyle::State_Selected) {
    QColor fill = palette.color(QPalette::Highlight);
    fill.setAlpha(45);
    painter->fillRect(body, fill);
  } else if (option.state & QStyle::State_MouseOver) {
    QColor fill = text_color;
    fill.setAlpha(12);
    painter->fillRect(body, fill);
  }

  const int x = rect.left() + s.text_x;
  const QString time_text = short_time(time.time());
  const QRect time_box = time_rect(s, rect, index);
  if (first) {
    y += s.first_top;
    const qint64 sender = index.data(Model::SenderIdRole).toLongLong();
    const QString name = index.data(Model::SenderNameRole).toString();
    paint_avatar(*painter, QRectF(rect.left() + s.margin, y, s.avatar, s.avatar), name, sender);
    painter->setFont(s.bold);
    painter->setPen(name_color(sender, palette));
    painter->drawText(QPointF(x, y + s.bold_ascent), shown_name(s, rect, index));
    painter->setFont(s.small);
    painter->setPen(dim);
    painter->drawText(QPointF(time_box.left(), y + s.bold_ascent), time_text);
    y += s.name_h;
  } else {
    y += s.top;
    if (option.state & QStyle::State_MouseOver) {
      painter->setFont(s.small);
      painter->setPen(dim);
      painter->drawText(time_box, Qt::AlignRight | Qt::AlignVCenter, time_text);
    }
  }

  const int width = text_width(option, s);
  const Key key = key_of(index);
  const int text_h = text_height(index, key, width, s);
  if (deleted) {
    painter->setFont(s.italic);
    painter->setPen(dim);
    painter->drawText(QPointF(x, y + s.ascent), tr("Message deleted"));
  } else {
    const Laid& laid = laid_out(index, key, width, s);
    painter->setPen(text_color);
    painter->setFont(s.font);
    laid.draw(*painter, QPointF(x, y), s.line);
    // "edited" and the state mark follow the last line, or go below it when they do not fit.
    const bool wraps = laid.last + s.suffix_width(edited, own) > width - 1;
    qreal suffix_x = wraps ? x : x + laid.last;
    const int suffix_top = y + (wraps ? laid.lines : laid.lines - 1) * s.line;
    if (edited) {
      painter->setFont(s.small);
      painter->setPen(dim);
      painter->drawText(QPointF(suffix_x + s.edited_gap, suffix_top + s.ascent), s.edited_text);
      suffix_x += s.edited_w;
    }
    if (own) {
      const QRectF box(suffix_x + s.edited_gap, suffix_top, s.state_w, s.line);
      switch (state) {
        case Model::SendState::sending:
          paint_clock(*painter, box, dim);
          break;
        case Model::SendState::sent:
          paint_check(*painter, box, dim);
          break;
        case Model::SendState::failed:
          paint_failed(*painter, box, error_color, s.small);
          break;
      }
    }
  }

  if (state == Model::SendState::failed) {
    painter->setFont(s.small);
    painter->setPen(error_color);
    painter->drawText(QPointF(x, y + text_h + s.small_ascent),
                      tr("Not sent \u2014 right-click to retry or delete"));
  }
  painter->restore();
}

QString MessageDelegate::shown_name(const Style& style, const QRect& rect,
                                    const QModelIndex& index) {
  const int room = rect.width() - style.text_x - style.margin - 80;
  return QFontMetrics(style.bold)
      .elidedText(index.data(Model::SenderNameRole).toString(), Qt::ElideRight, std::max(40, room));
}

QRect MessageDelegate::time_rect(const Style& style, const QRect& rect, const QModelIndex& index) {
  int y = rect.top() + (index.data(Model::DayBreakRole).toBool() ? style.day_h : 0);
  if (!index.data(Model::FirstInGroupRole).toBool()) {
    // In the gutter left of the text, where it shows while the row is hovered.
    return {rect.left() + style.margin - 4, y + style.top, style.text_x - style.margin - 2,
            style.line};
  }
  y += style.first_top;
  const int left = rect.left() + style.text_x +
                   QFontMetrics(style.bold).horizontalAdvance(shown_name(style, rect, index)) +
                   style.gap;
  const QString time = short_time(index.data(Model::TimeRole).toDateTime().time());
  return {left, y, QFontMetrics(style.small).horizontalAdvance(time), style.name_h};
}

QString MessageDelegate::time_tooltip(const QDateTime& time) {
  const QLocale locale;
  return tr("%1 at %2")
      .arg(locale.toString(time.date(), QLocale::LongFormat), short_time(time.time()));
}

bool MessageDelegate::helpEvent(QHelpEvent* event, QAbstractItemView* view,
                                const QStyleOptionViewItem& option, const QModelIndex& index) {
  if (event == nullptr || view == nullptr || event->type() != QEvent::ToolTip || !index.isValid()) {
    return QStyledItemDelegate::helpEvent(event, view, option, index);
  }
  // The whole row explains a failed send; otherwise only the time says more (the full date),
  // so that a tooltip does not cover the text being read.
  const auto state = static_cast<Model::SendState>(index.data(Model::SendStateRole).toInt());
  QString text;
  QRect area = option.rect;
  if (state == Model::SendState::failed) {
    const QString error = index.data(Model::ErrorRole).toString();
    text = tr("Not sent: %1").arg(error.isEmpty() ? tr("the server refused it") : error);
  } else {
    area = time_rect(style(option.font), option.rect, index);
    if (area.contains(event->pos())) {
      text = time_tooltip(index.data(Model::TimeRole).toDateTime());
      if (state == Model::SendState::sending) {
        text = tr("Sending\u2026 (written %1)").arg(text);
      }
    }
  }
  if (text.isEmpty()) {
    QToolTip::hideText();
    return true;
  }
  QToolTip::showText(event->globalPos(), text, view->viewport(), area);
  return true;
}

}  // namespace messenger::desktop
