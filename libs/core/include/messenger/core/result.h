#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "messenger/core/error.h"

namespace messenger::core {

/// A value or an Error. Expected failures travel as values; exceptions are for bugs and for
/// library errors caught at a boundary.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}  // NOLINT implicit
  Result(Error error) : data_(std::in_place_index<1>, std::move(error)) {}  // NOLINT implicit

  [[nodiscard]] bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(data_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(data_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(data_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  [[nodiscard]] const Error& error() const {
    assert(!ok());
    return std::get<1>(data_);
  }

 private:
  std::variant<T, Error> data_;
};

/// Success without a value.
struct Ok {};
using Status = Result<Ok>;

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

}  // namespace messenger::core

/// Returns the error of a Result expression from the enclosing function.
#define MESSENGER_TRY(expr)                        \
  do {                                             \
    auto&& messenger_try_result_ = (expr);         \
    if (!messenger_try_result_.ok()) {             \
      return messenger_try_result_.error();        \
    }                                              \
  } while (false)
