// SPDX-License-Identifier: GPL-2.0
// Small JSON support for the host tools: a recursive-descent reader, string
// quoting and a compact writer. mct-verdict reads back the files it writes
// with it, mct-qmp-relay parses what QEMU sends on QMP and builds the
// commands it sends.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mct {

struct JsonMember;

struct JsonValue {
	enum class Type { Null, Bool, Number, String, Array, Object };

	Type type = Type::Null;
	bool boolean = false;
	double number = 0;
	std::string string;		// String
	std::vector<JsonValue> array;	// Array elements
	std::vector<JsonMember> members; // Object members, in document order

	bool is(Type t) const { return type == t; }
	// Member lookup; nullptr if this is no object or has no such key.
	const JsonValue *get(std::string_view key) const;
	// The string member key, fallback when absent or not a string.
	std::string get_string(std::string_view key, std::string fallback = "") const;
	// The number member key truncated to an integer, fallback when absent,
	// not a number or out of range.
	long get_int(std::string_view key, long fallback = 0) const;
	// The string elements of the array member key (others are skipped).
	std::vector<std::string> get_strings(std::string_view key) const;
	// Compact serialization (numbers as integers when they are integral).
	std::string dump() const;
};

struct JsonMember {
	std::string key;
	JsonValue value;
};

// Parses one complete JSON text; trailing white space is allowed, anything
// else after the value is an error. Nesting is limited to 64 levels, control
// characters must be escaped in strings, unpaired \u surrogates become '?'.
// On error returns nullopt and sets *error (when given) to "what at offset N".
std::optional<JsonValue> parse_json(std::string_view text, std::string *error = nullptr);

// "text" as a JSON string literal, quotes included. Invalid UTF-8 bytes
// are replaced by '?' so that the output is always valid JSON.
std::string json_quote(std::string_view text);

} // namespace mct
