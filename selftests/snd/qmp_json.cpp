// SPDX-License-Identifier: GPL-2.0
#include "qmp_json.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace mct::qmp {

const Json *Json::get(std::string_view key) const
{
	if (type != Type::Object)
		return nullptr;
	for (size_t i = 0; i < keys.size(); i++)
		if (keys[i] == key)
			return &items[i];
	return nullptr;
}

std::string Json::str(std::string_view key) const
{
	const Json *v = get(key);

	return v && v->is(Type::String) ? v->text : std::string();
}

std::string json_quote(std::string_view s)
{
	std::string out = "\"";

	for (unsigned char c : s) {
		switch (c) {
		case '"': out += "\\\""; break;
		case '\\': out += "\\\\"; break;
		case '\n': out += "\\n"; break;
		case '\r': out += "\\r"; break;
		case '\t': out += "\\t"; break;
		default:
			if (c < 0x20) {
				char buf[8];

				std::snprintf(buf, sizeof(buf), "\\u%04x", c);
				out += buf;
			} else {
				out += static_cast<char>(c);
			}
		}
	}
	return out + "\"";
}

static std::string dump_number(double v)
{
	char buf[32];

	if (std::nearbyint(v) == v && std::fabs(v) < 1e15)
		std::snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(v));
	else
		std::snprintf(buf, sizeof(buf), "%.17g", v);
	return buf;
}

std::string Json::dump() const
{
	std::string out;

	switch (type) {
	case Type::Null: return "null";
	case Type::Bool: return boolean ? "true" : "false";
	case Type::Number: return dump_number(number);
	case Type::String: return json_quote(text);
	case Type::Array:
		out = "[";
		for (size_t i = 0; i < items.size(); i++) {
			if (i)
				out += ',';
			out += items[i].dump();
		}
		out += ']';
		return out;
	case Type::Object:
		out = "{";
		for (size_t i = 0; i < items.size(); i++) {
			if (i)
				out += ',';
			out += json_quote(keys[i]);
			out += ':';
			out += items[i].dump();
		}
		out += '}';
		return out;
	}
	return "null";
}

namespace {

class Parser {
public:
	explicit Parser(std::string_view s) : s_(s) {}

	std::optional<Json> document(std::string *err);

private:
	bool value(Json &out, int depth);
	bool string(std::string &out);
	bool number(Json &out);
	bool object(Json &out, int depth);
	bool array(Json &out, int depth);
	bool literal(std::string_view word);
	bool hex4(unsigned &out);
	void skip_ws();
	bool fail(const char *why);

	std::string_view s_;
	size_t pos_ = 0;
	std::string err_;
};

void Parser::skip_ws()
{
	while (pos_ < s_.size() &&
	       (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
		pos_++;
}

bool Parser::fail(const char *why)
{
	if (err_.empty())
		err_ = std::string(why) + " at offset " + std::to_string(pos_);
	return false;
}

bool Parser::literal(std::string_view word)
{
	if (s_.substr(pos_, word.size()) != word)
		return fail("bad literal");
	pos_ += word.size();
	return true;
}

bool Parser::hex4(unsigned &out)
{
	out = 0;
	if (pos_ + 4 > s_.size())
		return fail("short \\u escape");
	for (int i = 0; i < 4; i++) {
		char c = s_[pos_++];

		out <<= 4;
		if (c >= '0' && c <= '9')
			out |= c - '0';
		else if (c >= 'a' && c <= 'f')
			out |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			out |= c - 'A' + 10;
		else
			return fail("bad \\u escape");
	}
	return true;
}

static void put_utf8(std::string &out, unsigned cp)
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

bool Parser::string(std::string &out)
{
	pos_++; // opening quote
	while (pos_ < s_.size()) {
		char c = s_[pos_++];
		unsigned cp;

		if (c == '"')
			return true;
		if (static_cast<unsigned char>(c) < 0x20)
			return fail("control character in string");
		if (c != '\\') {
			out += c;
			continue;
		}
		if (pos_ >= s_.size())
			break;
		switch (s_[pos_++]) {
		case '"': out += '"'; break;
		case '\\': out += '\\'; break;
		case '/': out += '/'; break;
		case 'b': out += '\b'; break;
		case 'f': out += '\f'; break;
		case 'n': out += '\n'; break;
		case 'r': out += '\r'; break;
		case 't': out += '\t'; break;
		case 'u':
			if (!hex4(cp))
				return false;
			if (cp >= 0xd800 && cp < 0xdc00 && s_.substr(pos_, 2) == "\\u") {
				unsigned lo;

				pos_ += 2;
				if (!hex4(lo))
					return false;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			put_utf8(out, cp);
			break;
		default:
			return fail("bad escape");
		}
	}
	return fail("unterminated string");
}

bool Parser::number(Json &out)
{
	size_t start = pos_;

	while (pos_ < s_.size() && std::string_view("+-0123456789.eE").find(s_[pos_]) !=
					   std::string_view::npos)
		pos_++;
	std::string digits(s_.substr(start, pos_ - start));
	char *end = nullptr;

	out.type = Json::Type::Number;
	out.number = std::strtod(digits.c_str(), &end);
	if (digits.empty() || *end)
		return fail("bad number");
	return true;
}

bool Parser::array(Json &out, int depth)
{
	out.type = Json::Type::Array;
	pos_++;
	skip_ws();
	if (pos_ < s_.size() && s_[pos_] == ']') {
		pos_++;
		return true;
	}
	for (;;) {
		out.items.emplace_back();
		if (!value(out.items.back(), depth + 1))
			return false;
		skip_ws();
		if (pos_ >= s_.size())
			return fail("unterminated array");
		if (s_[pos_] == ']') {
			pos_++;
			return true;
		}
		if (s_[pos_++] != ',')
			return fail("expected , in array");
	}
}

bool Parser::object(Json &out, int depth)
{
	out.type = Json::Type::Object;
	pos_++;
	skip_ws();
	if (pos_ < s_.size() && s_[pos_] == '}') {
		pos_++;
		return true;
	}
	for (;;) {
		skip_ws();
		if (pos_ >= s_.size() || s_[pos_] != '"')
			return fail("expected key");
		out.keys.emplace_back();
		if (!string(out.keys.back()))
			return false;
		skip_ws();
		if (pos_ >= s_.size() || s_[pos_++] != ':')
			return fail("expected :");
		out.items.emplace_back();
		if (!value(out.items.back(), depth + 1))
			return false;
		skip_ws();
		if (pos_ >= s_.size())
			return fail("unterminated object");
		if (s_[pos_] == '}') {
			pos_++;
			return true;
		}
		if (s_[pos_++] != ',')
			return fail("expected , in object");
	}
}

bool Parser::value(Json &out, int depth)
{
	if (depth > 64)
		return fail("nesting too deep");
	skip_ws();
	if (pos_ >= s_.size())
		return fail("unexpected end");
	switch (s_[pos_]) {
	case '{': return object(out, depth);
	case '[': return array(out, depth);
	case '"':
		out.type = Json::Type::String;
		return string(out.text);
	case 't':
		out.type = Json::Type::Bool;
		out.boolean = true;
		return literal("true");
	case 'f':
		out.type = Json::Type::Bool;
		return literal("false");
	case 'n': return literal("null");
	default: return number(out);
	}
}

std::optional<Json> Parser::document(std::string *err)
{
	Json v;

	if (value(v, 0)) {
		skip_ws();
		if (pos_ == s_.size())
			return v;
		fail("trailing characters");
	}
	if (err)
		*err = err_;
	return std::nullopt;
}

} // namespace

std::optional<Json> parse_json(std::string_view text, std::string *err)
{
	return Parser(text).document(err);
}

} // namespace mct::qmp
