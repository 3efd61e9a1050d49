#pragma once

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>

namespace messenger::protocol::test {

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::filesystem::path fixtures_dir() {
  return MESSENGER_FIXTURES_DIR;
}

/// The text of fixtures/<relative>, e.g. "requests/msg.send.json".
inline std::string fixture_text(const std::string& relative) {
  return read_file(fixtures_dir() / relative);
}

inline nlohmann::json fixture(const std::string& relative) {
  return nlohmann::json::parse(fixture_text(relative));
}

}  // namespace messenger::protocol::test
