#include "request_types.h"

#include <array>
#include <type_traits>
#include <utility>

#include "messenger/protocol/codec.h"

namespace messenger::protocol {
namespace detail {
namespace {

template <typename T>
using Is = std::type_identity<T>;

// One overload per request struct: a struct added to RequestBody without a name here does not
// compile.
constexpr std::string_view name_of(Is<Hello>) {
  return "hello";
}
constexpr std::string_view name_of(Is<Login>) {
  return "auth.login";
}
constexpr std::string_view name_of(Is<Resume>) {
  return "auth.resume";
}
constexpr std::string_view name_of(Is<Logout>) {
  return "auth.logout";
}
constexpr std::string_view name_of(Is<ChangePassword>) {
  return "auth.change_password";
}
constexpr std::string_view name_of(Is<GetMe>) {
  return "user.me";
}
constexpr std::string_view name_of(Is<GetUsers>) {
  return "user.get";
}
constexpr std::string_view name_of(Is<UpdateProfile>) {
  return "user.update_profile";
}
constexpr std::string_view name_of(Is<SearchDirectory>) {
  return "directory.search";
}
constexpr std::string_view name_of(Is<GetSettings>) {
  return "settings.get";
}
constexpr std::string_view name_of(Is<SetSettings>) {
  return "settings.set";
}
constexpr std::string_view name_of(Is<SetPresence>) {
  return "presence.set";
}
constexpr std::string_view name_of(Is<AdminCreateUser>) {
  return "admin.user.create";
}
constexpr std::string_view name_of(Is<AdminResetPassword>) {
  return "admin.user.reset_password";
}
constexpr std::string_view name_of(Is<AdminSetDisabled>) {
  return "admin.user.set_disabled";
}
constexpr std::string_view name_of(Is<AdminSetAdmin>) {
  return "admin.user.set_admin";
}
constexpr std::string_view name_of(Is<OpenDirect>) {
  return "conv.open_direct";
}
constexpr std::string_view name_of(Is<CreateConversation>) {
  return "conv.create";
}
constexpr std::string_view name_of(Is<ListConversations>) {
  return "conv.list";
}
constexpr std::string_view name_of(Is<GetConversation>) {
  return "conv.get";
}
constexpr std::string_view name_of(Is<BrowseChannels>) {
  return "conv.browse";
}
constexpr std::string_view name_of(Is<RenameConversation>) {
  return "conv.rename";
}
constexpr std::string_view name_of(Is<SetTopic>) {
  return "conv.set_topic";
}
constexpr std::string_view name_of(Is<Invite>) {
  return "conv.invite";
}
constexpr std::string_view name_of(Is<Join>) {
  return "conv.join";
}
constexpr std::string_view name_of(Is<Leave>) {
  return "conv.leave";
}
constexpr std::string_view name_of(Is<RemoveMember>) {
  return "conv.remove_member";
}
constexpr std::string_view name_of(Is<Archive>) {
  return "conv.archive";
}
constexpr std::string_view name_of(Is<SendMessage>) {
  return "msg.send";
}
constexpr std::string_view name_of(Is<GetHistory>) {
  return "msg.history";
}
constexpr std::string_view name_of(Is<SyncChanges>) {
  return "msg.sync";
}
constexpr std::string_view name_of(Is<EditMessage>) {
  return "msg.edit";
}
constexpr std::string_view name_of(Is<DeleteMessage>) {
  return "msg.delete";
}
constexpr std::string_view name_of(Is<MarkRead>) {
  return "msg.read";
}
constexpr std::string_view name_of(Is<Typing>) {
  return "typing";
}

template <std::size_t... I>
constexpr std::array<std::string_view, sizeof...(I)> make_names(std::index_sequence<I...>) {
  return {name_of(Is<std::variant_alternative_t<I, RequestBody>>{})...};
}

constexpr auto kNames = make_names(std::make_index_sequence<kRequestTypeCount>{});

}  // namespace

std::string_view request_type_at(std::size_t index) {
  return kNames.at(index);
}

std::optional<std::size_t> request_index(std::string_view type) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == type) return i;
  }
  return std::nullopt;
}

}  // namespace detail

std::string_view request_type(const RequestBody& body) {
  return detail::request_type_at(body.index());
}

}  // namespace messenger::protocol
