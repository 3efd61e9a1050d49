#include "message_view.h"

#include <QContextMenuEvent>
#include <QPainter>
#include <QResizeEvent>
#include <QScrollBar>
#include <QTimer>
#include <algorithm>

#include "message_delegate.h"
#include "messenger/client/message_list_model.h"

namespace messenger::desktop {
namespace {

// How close to the bottom (pixels) still counts as "at the bottom".
constexpr int kBottomSlack = 4;
// Rows laid out per turn of the event loop: covers an older page, the rows in view and more.
constexpr int kLayoutBatch = 1000;

}  // namespace

MessageView::MessageView(QWidget* parent) : QListView(parent) {
  setObjectName("messageView");
  delegate_ = new MessageDelegate(this);
  setItemDelegate(delegate_);
  setUniformItemSizes(false);
  setBatchSize(kLayoutBatch);
  setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
  setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  setSelectionMode(QAbstractItemView::SingleSelection);
  setEditTriggers(QAbstractItemView::NoEditTriggers);
  setFrameShape(QFrame::NoFrame);
  setBackgroundRole(QPalette::Base);
  setAutoFillBackground(true);
  setMouseTracking(true);
  viewport()->setAttribute(Qt::WA_Hover);
  setFocusPolicy(Qt::StrongFocus);
  connect(verticalScrollBar(), &QScrollBar::rangeChanged, this,
          [this](int, int maximum) { on_range_changed(maximum); });
  connect(verticalScrollBar(), &QScrollBar::valueChanged, this, &MessageView::on_value_changed);
}

MessageView::~MessageView() = default;

void MessageView::set_message_model(client::MessageListModel* model) {
  for (const auto& connection : model_connections_) {
    disconnect(connection);
  }
  model_connections_.clear();
  anchor_row_ = -1;
  QItemSelectionModel* old_selection = selectionModel();
  model_ = model;
  setModel(model);
  if (old_selection != selectionModel()) {
    delete old_selection;  // QAbstractItemView::setModel leaves it to us
  }
  if (model_ != nullptr) {
    model_connections_ << connect(
        model_, &QAbstractItemModel::rowsAboutToBeInserted, this,
        [this](const QModelIndex&, int first, int) { on_rows_about_to_be_inserted(first); });
    model_connections_ << connect(model_, &client::MessageListModel::olderLoaded, this,
                                  &MessageView::on_older_loaded);
  }
  scroll_to_bottom();
  maybe_load_older();
}

void MessageView::scroll_to_bottom() {
  set_stick(true);
  scrollToBottom();  // lays out pending rows first
}

void MessageView::scroll_pages(int pages) {
  for (int i = 0; i < std::abs(pages); ++i) {
    verticalScrollBar()->triggerAction(pages > 0 ? QAbstractSlider::SliderPageStepAdd
                                                 : QAbstractSlider::SliderPageStepSub);
  }
}

void MessageView::on_range_changed(int maximum) {
  if (stick_) {
    verticalScrollBar()->setValue(maximum);
  }
  maybe_load_older();
}

void MessageView::on_value_changed(int value) {
  set_stick(value >= verticalScrollBar()->maximum() - kBottomSlack);
  maybe_load_older();
}

void MessageView::set_stick(bool stick) {
  stick_ = stick;
  // A layout measures every loaded row: with tens of thousands loaded, tens of milliseconds
  // after each older page. Up in the history, batches lay out the first rows (those the view
  // keeps its place by) at once and the rest in later turns of the event loop. At the bottom a
  // batched layout would show the top of the history until its last batch: one pass there.
  setLayoutMode(stick ? QListView::SinglePass : QListView::Batched);
}

void MessageView::maybe_load_older() {
  if (model_ == nullptr || load_queued_ || !model_->has_older() || model_->loading_older() ||
      verticalScrollBar()->value() > viewport()->height()) {
    return;
  }
  // Not from inside a scroll or layout notification: the model may insert rows at once.
  load_queued_ = true;
  QTimer::singleShot(0, this, [this] {
    load_queued_ = false;
    if (model_ != nullptr && verticalScrollBar()->value() <= viewport()->height()) {
      model_->load_older();
    }
  });
}

void MessageView::on_rows_about_to_be_inserted(int first) {
  anchor_row_ = -1;
  if (first != 0 || model_ == nullptr || model_->rowCount() == 0 || stick_) {
    return;
  }
  const QModelIndex top = indexAt(QPoint(1, 1));
  if (top.isValid()) {
    anchor_row_ = top.row();
    anchor_offset_ = visualRect(top).top();
  }
}

void MessageView::on_older_loaded(int count) {
  const int row = anchor_row_;
  anchor_row_ = -1;
  if (row < 0 || count <= 0 || model_ == nullptr || stick_) {
    return;
  }
  executeDelayedItemsLayout();
  const QRect moved = visualRect(model_->index(row + count));
  if (moved.isValid()) {
    verticalScrollBar()->setValue(verticalScrollBar()->value() + moved.top() - anchor_offset_);
  }
}

void MessageView::updateGeometries() {
  QListView::updateGeometries();
  // A few messages sit at the bottom, next to the composer, as in every chat.
  const int available = height() - 2 * frameWidth();
  const int top = std::max(0, available - contentsSize().height());
  if (top != viewportMargins().top()) {
    setViewportMargins(0, top, 0, 0);
  }
}

void MessageView::dataChanged(const QModelIndex& top_left, const QModelIndex& bottom_right,
                              const QList<int>& roles) {
  QListView::dataChanged(top_left, bottom_right, roles);
  const bool names_only =
      roles.size() == 1 && roles.front() == client::MessageListModel::SenderNameRole;
  if (!names_only) {
    scheduleDelayedItemsLayout();  // heights may have changed (edit, grouping, sent)
  }
}

void MessageView::doItemsLayout() {
  laid_out_width_ = width();
  QListView::doItemsLayout();
}

void MessageView::relayout_if_width_changed() {
  // The delegate wraps text by the view's width (not the viewport's, which changes with the
  // scroll bar). Rows measured at another width would be painted with other line breaks than
  // their height was made for: a blank gap or clipped lines until the next layout.
  if (width() != laid_out_width_) {
    scheduleDelayedItemsLayout();
  }
}

bool MessageView::event(QEvent* event) {
  const bool handled = QListView::event(event);
  // resizeEvent() only hears about the viewport, whose width may stay the same (the scroll
  // bar going away as the view gets narrower).
  if (event->type() == QEvent::Resize) {
    relayout_if_width_changed();
  }
  return handled;
}

void MessageView::resizeEvent(QResizeEvent* event) {
  QListView::resizeEvent(event);
  relayout_if_width_changed();
}

void MessageView::changeEvent(QEvent* event) {
  QListView::changeEvent(event);
  if (event->type() == QEvent::FontChange) {
    delegate_->clear_cache();
    scheduleDelayedItemsLayout();
  }
}

void MessageView::contextMenuEvent(QContextMenuEvent* event) {
  const bool mouse = event->reason() == QContextMenuEvent::Mouse;
  const QModelIndex index = mouse ? indexAt(event->pos()) : currentIndex();
  if (!index.isValid()) {
    return;
  }
  setCurrentIndex(index);
  const QPoint pos =
      mouse ? event->globalPos() : viewport()->mapToGlobal(visualRect(index).center());
  emit messageMenuRequested(index, pos);
}

void MessageView::paintEvent(QPaintEvent* event) {
  relayout_if_width_changed();  // a safety net: the next frame is right
  QListView::paintEvent(event);
  if (model_ != nullptr && model_->rowCount() == 0 && !model_->has_older()) {
    QPainter painter(viewport());
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(viewport()->rect(), Qt::AlignCenter, tr("No messages here yet.\nSay hello!"));
  }
}

}  // namespace messenger::desktop
