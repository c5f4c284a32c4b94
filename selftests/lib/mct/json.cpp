// SPDX-License-Identifier: GPL-2.0
// JSON reader, writer and string quoting.
#include "mct/json.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <utility>

namespace mct {

namespace {

constexpr int kMaxDepth = 64;

// Length of the valid UTF-8 sequence at s[i], 0 if invalid: overlong
// forms, UTF-16 surrogates and code points above U+10FFFF are invalid.
std::size_t utf8_len(std::string_view s, std::size_t i)
{
	const auto b = static_cast<unsigned char>(s[i]);
	unsigned char lo = 0x80, hi = 0xbf;	// range of the second byte
	std::size_t n;

	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		n = 2;
	else if (b >= 0xe0 && b <= 0xef)
		n = 3;
	else if (b >= 0xf0 && b <= 0xf4)
		n = 4;
	else
		return 0;
	if (b == 0xe0)
		lo = 0xa0;
	else if (b == 0xed)
		hi = 0x9f;
	else if (b == 0xf0)
		lo = 0x90;
	else if (b == 0xf4)
		hi = 0x8f;
	if (i + n > s.size())
		return 0;
	if (static_cast<unsigned char>(s[i + 1]) < lo || static_cast<unsigned char>(s[i + 1]) > hi)
		return 0;
	for (std::size_t k = 2; k < n; k++) {
		if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80)
			return 0;
	}
	return n;
}

void append_utf8(std::string &out, unsigned long cp)
{
	if (cp < 0x80) {
		out += static_cast<char>(cp);
	} else if (cp < 0x800) {
		out += static_cast<char>(0xc0 | (cp >> 6));
		out += static_cast<char>(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		out += static_cast<char>(0xe0 | (cp >> 12));
		out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
		out += static_cast<char>(0x80 | (cp & 0x3f));
	} else {
		out += static_cast<char>(0xf0 | (cp >> 18));
		out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
		out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
		out += static_cast<char>(0x80 | (cp & 0x3f));
	}
}

bool is_high_surrogate(unsigned long cp)
{
	return cp >= 0xd800 && cp <= 0xdbff;
}

bool is_low_surrogate(unsigned long cp)
{
	return cp >= 0xdc00 && cp <= 0xdfff;
}

class Parser {
public:
	explicit Parser(std::string_view text) : s_(text) {}

	std::optional<JsonValue> parse_document(std::string *error);

private:
	bool fail(const char *what);
	void skip_ws();
	bool literal(std::string_view word);
	bool parse_value(JsonValue &v, int depth);
	bool parse_number(JsonValue &v);
	bool parse_hex4(unsigned long &out);
	bool parse_escape(std::string &out);
	bool parse_string(std::string &out);
	bool parse_array(JsonValue &v, int depth);
	bool parse_object(JsonValue &v, int depth);

	std::string_view s_;
	std::size_t pos_ = 0;
	std::string error_;
};

std::optional<JsonValue> Parser::parse_document(std::string *error)
{
	JsonValue v;

	if (!parse_value(v, 0)) {
		if (error)
			*error = error_ + " at offset " + std::to_string(pos_);
		return std::nullopt;
	}
	skip_ws();
	if (pos_ != s_.size()) {
		if (error)
			*error = "trailing data at offset " + std::to_string(pos_);
		return std::nullopt;
	}
	return v;
}

bool Parser::fail(const char *what)
{
	error_ = what;
	return false;
}

void Parser::skip_ws()
{
	while (pos_ < s_.size() &&
	       (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
		pos_++;
}

bool Parser::literal(std::string_view word)
{
	if (s_.substr(pos_, word.size()) != word)
		return fail("invalid literal");
	pos_ += word.size();
	return true;
}

bool Parser::parse_value(JsonValue &v, int depth)
{
	if (depth > kMaxDepth)
		return fail("nesting too deep");
	skip_ws();
	if (pos_ >= s_.size())
		return fail("unexpected end of input");
	switch (s_[pos_]) {
	case '{':
		return parse_object(v, depth);
	case '[':
		return parse_array(v, depth);
	case '"':
		v.type = JsonValue::Type::String;
		return parse_string(v.string);
	case 't':
		v.type = JsonValue::Type::Bool;
		v.boolean = true;
		return literal("true");
	case 'f':
		v.type = JsonValue::Type::Bool;
		return literal("false");
	case 'n':
		v.type = JsonValue::Type::Null;
		return literal("null");
	default:
		return parse_number(v);
	}
}

bool Parser::parse_number(JsonValue &v)
{
	const std::size_t start = pos_;

	while (pos_ < s_.size() &&
	       std::string_view("+-0123456789.eE").find(s_[pos_]) != std::string_view::npos)
		pos_++;
	if (pos_ == start)
		return fail("unexpected character");
	const std::string text(s_.substr(start, pos_ - start));
	char *end = nullptr;

	v.type = JsonValue::Type::Number;
	v.number = std::strtod(text.c_str(), &end);
	if (end != text.c_str() + text.size())
		return fail("invalid number");
	return true;
}

bool Parser::parse_hex4(unsigned long &out)
{
	if (pos_ + 4 > s_.size())
		return fail("truncated \\u escape");
	out = 0;
	for (int i = 0; i < 4; i++) {
		const char c = s_[pos_++];

		out <<= 4;
		if (c >= '0' && c <= '9')
			out |= static_cast<unsigned long>(c - '0');
		else if (c >= 'a' && c <= 'f')
			out |= static_cast<unsigned long>(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			out |= static_cast<unsigned long>(c - 'A' + 10);
		else
			return fail("invalid \\u escape");
	}
	return true;
}

bool Parser::parse_escape(std::string &out)
{
	if (pos_ >= s_.size())
		return fail("truncated escape");
	switch (s_[pos_++]) {
	case '"': out += '"'; return true;
	case '\\': out += '\\'; return true;
	case '/': out += '/'; return true;
	case 'b': out += '\b'; return true;
	case 'f': out += '\f'; return true;
	case 'n': out += '\n'; return true;
	case 'r': out += '\r'; return true;
	case 't': out += '\t'; return true;
	case 'u': {
		unsigned long cp;

		if (!parse_hex4(cp))
			return false;
		if (is_high_surrogate(cp)) {
			// Only a low surrogate right after it makes a pair; any
			// other escape there is read again on its own.
			const std::size_t next = pos_;
			unsigned long low;

			if (s_.substr(pos_, 2) != "\\u") {
				cp = '?';
			} else {
				pos_ += 2;
				if (!parse_hex4(low))
					return false;
				if (is_low_surrogate(low)) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
				} else {
					cp = '?';
					pos_ = next;
				}
			}
		} else if (is_low_surrogate(cp)) {
			cp = '?';
		}
		append_utf8(out, cp);
		return true;
	}
	default:
		return fail("invalid escape");
	}
}

bool Parser::parse_string(std::string &out)
{
	pos_++; // opening quote
	while (pos_ < s_.size()) {
		const char c = s_[pos_];

		if (static_cast<unsigned char>(c) < 0x20)
			return fail("control character in string");
		pos_++;
		if (c == '"')
			return true;
		if (c == '\\') {
			if (!parse_escape(out))
				return false;
		} else {
			out += c;
		}
	}
	return fail("unterminated string");
}

bool Parser::parse_array(JsonValue &v, int depth)
{
	v.type = JsonValue::Type::Array;
	pos_++;
	skip_ws();
	if (pos_ < s_.size() && s_[pos_] == ']') {
		pos_++;
		return true;
	}
	for (;;) {
		v.array.emplace_back();
		if (!parse_value(v.array.back(), depth + 1))
			return false;
		skip_ws();
		if (pos_ >= s_.size())
			return fail("unterminated array");
		if (s_[pos_] == ']') {
			pos_++;
			return true;
		}
		if (s_[pos_++] != ',')
			return fail("expected ',' or ']'");
	}
}

bool Parser::parse_object(JsonValue &v, int depth)
{
	v.type = JsonValue::Type::Object;
	pos_++;
	skip_ws();
	if (pos_ < s_.size() && s_[pos_] == '}') {
		pos_++;
		return true;
	}
	for (;;) {
		JsonMember member;

		skip_ws();
		if (pos_ >= s_.size() || s_[pos_] != '"')
			return fail("expected a member name");
		if (!parse_string(member.key))
			return false;
		skip_ws();
		if (pos_ >= s_.size() || s_[pos_++] != ':')
			return fail("expected ':'");
		if (!parse_value(member.value, depth + 1))
			return false;
		v.members.push_back(std::move(member));
		skip_ws();
		if (pos_ >= s_.size())
			return fail("unterminated object");
		if (s_[pos_] == '}') {
			pos_++;
			return true;
		}
		if (s_[pos_++] != ',')
			return fail("expected ',' or '}'");
	}
}

std::string dump_number(double v)
{
	char buf[32];

	if (std::nearbyint(v) == v && std::fabs(v) < 1e15)
		std::snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(v));
	else
		std::snprintf(buf, sizeof(buf), "%.17g", v);
	return buf;
}

} // namespace

const JsonValue *JsonValue::get(std::string_view key) const
{
	if (type != Type::Object)
		return nullptr;
	for (const JsonMember &m : members) {
		if (m.key == key)
			return &m.value;
	}
	return nullptr;
}

std::string JsonValue::get_string(std::string_view key, std::string fallback) const
{
	const JsonValue *v = get(key);

	return v && v->type == Type::String ? v->string : fallback;
}

long JsonValue::get_int(std::string_view key, long fallback) const
{
	// -2^63 and 2^63 are exact doubles; NaN fails both tests.
	constexpr double lo = static_cast<double>(std::numeric_limits<long>::min());
	const JsonValue *v = get(key);

	if (!v || v->type != Type::Number || !(v->number >= lo && v->number < -lo))
		return fallback;
	return static_cast<long>(v->number);
}

std::vector<std::string> JsonValue::get_strings(std::string_view key) const
{
	std::vector<std::string> out;
	const JsonValue *v = get(key);

	if (!v || v->type != Type::Array)
		return out;
	for (const JsonValue &item : v->array) {
		if (item.type == Type::String)
			out.push_back(item.string);
	}
	return out;
}

std::string JsonValue::dump() const
{
	std::string out;

	switch (type) {
	case Type::Null:
		return "null";
	case Type::Bool:
		return boolean ? "true" : "false";
	case Type::Number:
		return dump_number(number);
	case Type::String:
		return json_quote(string);
	case Type::Array:
		out = "[";
		for (std::size_t i = 0; i < array.size(); i++) {
			if (i)
				out += ',';
			out += array[i].dump();
		}
		out += ']';
		return out;
	case Type::Object:
		out = "{";
		for (std::size_t i = 0; i < members.size(); i++) {
			if (i)
				out += ',';
			out += json_quote(members[i].key);
			out += ':';
			out += members[i].value.dump();
		}
		out += '}';
		return out;
	}
	return "null";
}

std::optional<JsonValue> parse_json(std::string_view text, std::string *error)
{
	return Parser(text).parse_document(error);
}

std::string json_quote(std::string_view text)
{
	std::string out = "\"";

	for (std::size_t i = 0; i < text.size();) {
		const char c = text[i];
		const auto u = static_cast<unsigned char>(c);

		if (c == '"' || c == '\\') {
			out += '\\';
			out += c;
		} else if (c == '\n') {
			out += "\\n";
		} else if (c == '\t') {
			out += "\\t";
		} else if (c == '\r') {
			out += "\\r";
		} else if (u < 0x20 || u == 0x7f) {
			char buf[8];

			std::snprintf(buf, sizeof(buf), "\\u%04x", u);
			out += buf;
		} else if (u >= 0x80) {
			const std::size_t n = utf8_len(text, i);

			if (n == 0) {
				out += '?';
				i++;
				continue;
			}
			out.append(text.substr(i, n));
			i += n;
			continue;
		} else {
			out += c;
		}
		i++;
	}
	out += '"';
	return out;
}

} // namespace mct
