// SPDX-License-Identifier: GPL-2.0
// Just enough JSON for QMP: parse the greeting, replies and events QEMU
// sends, and quote the strings of the commands we send.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mct::qmp {

class Json {
public:
	enum class Type { Null, Bool, Number, String, Array, Object };

	Type type = Type::Null;
	bool boolean = false;
	double number = 0;
	std::string text;		// String
	std::vector<Json> items;	// Array elements, Object values
	std::vector<std::string> keys;	// Object keys, parallel to items

	bool is(Type t) const { return type == t; }
	// Member of an object, nullptr when absent or not an object.
	const Json *get(std::string_view key) const;
	// The string member key, or "" when absent or not a string.
	std::string str(std::string_view key) const;
	// Compact serialization (numbers as integers when they are integral).
	std::string dump() const;
};

// Parses one JSON document; trailing white space is allowed, anything else
// after the value is an error. Nesting is limited to 64 levels.
std::optional<Json> parse_json(std::string_view text, std::string *err = nullptr);

// "text" with quotes, backslashes and control characters escaped.
std::string json_quote(std::string_view s);

} // namespace mct::qmp
