// SPDX-License-Identifier: GPL-2.0
// Minimal JSON support: string escaping for the writer and a small
// recursive-descent reader (enough for the files mct-verdict writes).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mct::verdict {

struct JsonMember;

struct JsonValue {
	enum class Type { Null, Bool, Number, String, Array, Object };
	Type type = Type::Null;
	bool boolean = false;
	double number = 0;
	std::string string;
	std::vector<JsonValue> array;
	std::vector<JsonMember> members;

	// Member lookup; nullptr if this is no object or has no such key.
	const JsonValue *get(std::string_view key) const;
	std::string get_string(std::string_view key, std::string fallback = "") const;
	long get_int(std::string_view key, long fallback = 0) const;
	std::vector<std::string> get_strings(std::string_view key) const;
};

struct JsonMember {
	std::string key;
	JsonValue value;
};

// Parses a complete JSON text; on error returns nullopt and sets error.
std::optional<JsonValue> parse_json(std::string_view text, std::string &error);

// "text" as a JSON string literal, quotes included.  Invalid UTF-8 bytes
// are replaced by '?' so that the output is always valid JSON.
std::string json_quote(std::string_view text);

} // namespace mct::verdict
