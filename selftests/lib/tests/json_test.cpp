// SPDX-License-Identifier: GPL-2.0
// Unit tests of mct/json: the reader, json_quote and dump(). The QMP
// messages come from mct-qmp-relay, the others from mct-verdict's files.
#include <gtest/gtest.h>

#include <string>

#include "mct/json.hpp"

using namespace mct;

TEST(Json, ParsesQmpGreeting)
{
	auto j = parse_json(R"({"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7},)"
			    R"( "package": "Debian 1:7.2"}, "capabilities": ["oob"]}})");

	ASSERT_TRUE(j);
	const JsonValue *qmp = j->get("QMP");
	ASSERT_TRUE(qmp);
	EXPECT_EQ(qmp->get("version")->get("qemu")->get("major")->number, 7);
	EXPECT_EQ(qmp->get("capabilities")->array.at(0).string, "oob");
}

TEST(Json, StringEscapes)
{
	auto j = parse_json(R"(["a\"b\\c\/\n\t", "\u00e9\ud83d\ude00"])");

	ASSERT_TRUE(j);
	EXPECT_EQ(j->array[0].string, "a\"b\\c/\n\t");
	EXPECT_EQ(j->array[1].string, "\xc3\xa9\xf0\x9f\x98\x80");
}

TEST(Json, UnpairedSurrogatesBecomeQuestionMarks)
{
	auto j = parse_json(R"(["\ud83d", "\ude00x", "\ud83d\u0041", "\ud83d\ud83d\ude00", "\b\f"])");

	ASSERT_TRUE(j);
	EXPECT_EQ(j->array[0].string, "?");
	EXPECT_EQ(j->array[1].string, "?x");
	// The escape after a lone high surrogate is read on its own.
	EXPECT_EQ(j->array[2].string, "?A");
	EXPECT_EQ(j->array[3].string, "?\xf0\x9f\x98\x80");
	EXPECT_EQ(j->array[4].string, "\b\f");
}

TEST(Json, LiteralsAndNumbers)
{
	auto j = parse_json(R"({"t": true, "f": false, "n": null, "x": -1.5e2, "i": 42})");

	ASSERT_TRUE(j);
	EXPECT_TRUE(j->get("t")->boolean);
	EXPECT_FALSE(j->get("f")->boolean);
	EXPECT_TRUE(j->get("n")->is(JsonValue::Type::Null));
	EXPECT_EQ(j->get("x")->number, -150);
	EXPECT_EQ(j->dump(), R"({"t":true,"f":false,"n":null,"x":-150,"i":42})");
}

TEST(Json, DumpQuotesStringsAndKeepsOrder)
{
	auto j = parse_json(R"({"z": [0.5, "a\"\u0001", {}], "a": [], "k\n": 1e20})");

	ASSERT_TRUE(j);
	EXPECT_EQ(j->dump(), R"({"z":[0.5,"a\"\u0001",{}],"a":[],"k\n":1e+20})");
	EXPECT_EQ(JsonValue().dump(), "null");
}

TEST(Json, Lookups)
{
	auto j = parse_json(R"({"s": "x", "n": 3.9, "neg": -2, "big": 1e300, "l": ["a", 1, "b"]})");

	ASSERT_TRUE(j);
	EXPECT_EQ(j->get_string("s"), "x");
	EXPECT_EQ(j->get_string("n", "none"), "none");
	EXPECT_EQ(j->get_string("missing"), "");
	EXPECT_EQ(j->get_int("n"), 3);
	EXPECT_EQ(j->get_int("neg"), -2);
	EXPECT_EQ(j->get_int("big", -1), -1);
	EXPECT_EQ(j->get_int("s", 5), 5);
	EXPECT_EQ(j->get_strings("l"), (std::vector<std::string>{"a", "b"}));
	EXPECT_TRUE(j->get_strings("s").empty());
	EXPECT_FALSE(j->get("missing"));
	EXPECT_FALSE(j->get("l")->get("a"));
}

TEST(Json, ParserAcceptsValidDocuments)
{
	std::string error;
	const auto v = parse_json(R"({"a": [1, -2.5e3, true, false, null], "s": "x\u00e9\ud83d\ude00\n", "o": {}})",
				  &error);
	ASSERT_TRUE(v) << error;
	ASSERT_TRUE(v->get("a"));
	EXPECT_EQ(v->get("a")->array.size(), 5u);
	EXPECT_EQ(v->get("a")->array[1].number, -2500);
	EXPECT_EQ(v->get_string("s"), "x\xc3\xa9\xf0\x9f\x98\x80\n");
	EXPECT_EQ(v->get_int("missing", 7), 7);
}

TEST(Json, RejectsBrokenInput)
{
	std::string err;

	for (const char *bad : {"", "{", "{\"a\" 1}", "[1,]", "\"abc", "{\"a\":1} x", "tru",
				"[1 2]", "\"\x01\""}) {
		EXPECT_FALSE(parse_json(bad, &err)) << bad;
		EXPECT_FALSE(err.empty()) << bad;
	}
}

TEST(Json, ParserRejectsBrokenDocuments)
{
	for (const char *text : {"", "{", "{\"a\": }", "[1, 2", "{\"a\": 1} x", "\"unterminated", "{\"a\" 1}",
				 "[\"bad \\q escape\"]", "nul", "[1,]"}) {
		std::string error;
		EXPECT_FALSE(parse_json(text, &error)) << text;
		EXPECT_FALSE(error.empty()) << text;
	}
	std::string deep(200, '['), error;
	EXPECT_FALSE(parse_json(deep, &error));
}

TEST(Json, ErrorsSayWhatAndWhere)
{
	const std::pair<const char *, const char *> cases[] = {
		{"", "unexpected end of input at offset 0"},
		{"[1, x]", "unexpected character at offset 4"},
		{"[1.2.3]", "invalid number at offset 6"},
		{"[\"a\tb\"]", "control character in string at offset 3"},
		{"\"\\u12g4\"", "invalid \\u escape at offset 6"},
		{"{\"a\": 1} x", "trailing data at offset 9"},
		{"{\"a\": 1,}", "expected a member name at offset 8"},
	};

	for (const auto &[text, want] : cases) {
		std::string error;

		EXPECT_FALSE(parse_json(text, &error)) << text;
		EXPECT_EQ(error, want) << text;
	}
	EXPECT_FALSE(parse_json("[", nullptr));
}

TEST(Json, RejectsDeepNesting)
{
	EXPECT_FALSE(parse_json(std::string(100, '[') + std::string(100, ']')));
	EXPECT_TRUE(parse_json(std::string(60, '[') + std::string(60, ']')));
}

TEST(Json, QuoteEscapes)
{
	EXPECT_EQ(json_quote("a\"b\\\n\x01"), "\"a\\\"b\\\\\\n\\u0001\"");
}

TEST(Json, QuotingIsValidJson)
{
	EXPECT_EQ(json_quote("a\"b\\c\nd\te\x01"), "\"a\\\"b\\\\c\\nd\\te\\u0001\"");
	EXPECT_EQ(json_quote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
	EXPECT_EQ(json_quote("bad\xff\xfe"), "\"bad??\"");
}

TEST(Json, QuoteKeepsOnlyValidUtf8)
{
	EXPECT_EQ(json_quote("\r\x7f"), "\"\\r\\u007f\"");
	EXPECT_EQ(json_quote("\xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf"),
		  "\"\xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"");
	// Truncated, overlong, a UTF-16 surrogate, above U+10FFFF: every byte
	// that starts no valid sequence becomes one '?'.
	EXPECT_EQ(json_quote("\xe2\x82"), "\"??\"");
	EXPECT_EQ(json_quote("\xc0\xaf"), "\"??\"");
	EXPECT_EQ(json_quote("\xe0\x80\xaf"), "\"???\"");
	EXPECT_EQ(json_quote("\xed\xa0\x80"), "\"???\"");
	EXPECT_EQ(json_quote("\xf4\x90\x80\x80"), "\"????\"");
}

TEST(Json, QuoteRoundTrips)
{
	const std::string text = "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f \xc3\xa9\xf0\x9f\x98\x80";
	auto j = parse_json(json_quote(text));

	ASSERT_TRUE(j);
	EXPECT_EQ(j->string, text);
}
