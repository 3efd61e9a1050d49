#include "io_courier.h"

#include <utility>

namespace messenger::net {

void IoCourier::deliver(std::vector<service::Delivery> deliveries) {
  auto batch = std::make_shared<DeliveryBatch>(std::move(deliveries));
  asio::post(strand_, [batch = std::move(batch)] {
    const DeliveryBatch& all = *batch;
    for (std::size_t begin = 0; begin < all.size();) {
      service::Connection* connection = all[begin].connection.get();
      std::size_t end = begin + 1;
      while (end < all.size() && all[end].connection.get() == connection) ++end;
      static_cast<NetConnection*>(connection)->take(batch, begin, end);
      begin = end;
    }
  });
}

}  // namespace messenger::net
