// SPDX-License-Identifier: GPL-2.0
// Small string helpers shared by the verdict sources.
#pragma once

#include <cctype>
#include <string>
#include <string_view>
#include <vector>

namespace mct::verdict {

inline bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f'; }

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

inline bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

inline std::string_view trim_left(std::string_view s)
{
	while (!s.empty() && is_blank(s.front()))
		s.remove_prefix(1);
	return s;
}

inline std::string_view trim_right(std::string_view s)
{
	while (!s.empty() && (is_blank(s.back()) || s.back() == '\n' || s.back() == '\r'))
		s.remove_suffix(1);
	return s;
}

inline std::string_view trim(std::string_view s) { return trim_left(trim_right(s)); }

inline bool contains(std::string_view s, std::string_view needle)
{
	return s.find(needle) != std::string_view::npos;
}

inline bool iequals_prefix(std::string_view s, std::string_view prefix)
{
	if (s.size() < prefix.size())
		return false;
	for (std::size_t i = 0; i < prefix.size(); i++) {
		if (std::tolower(static_cast<unsigned char>(s[i])) !=
		    std::tolower(static_cast<unsigned char>(prefix[i])))
			return false;
	}
	return true;
}

inline bool icontains(std::string_view s, std::string_view needle)
{
	for (std::size_t i = 0; i + needle.size() <= s.size(); i++) {
		if (iequals_prefix(s.substr(i), needle))
			return true;
	}
	return false;
}

// Splits on runs of blanks.
inline std::vector<std::string_view> split_words(std::string_view s)
{
	std::vector<std::string_view> words;
	s = trim(s);
	while (!s.empty()) {
		std::size_t n = 0;
		while (n < s.size() && !is_blank(s[n]))
			n++;
		words.push_back(s.substr(0, n));
		s = trim_left(s.substr(n));
	}
	return words;
}

// Cuts s to at most max characters, marking the cut with the given tail.
inline std::string truncate(std::string_view s, std::size_t max, std::string_view tail = "...")
{
	if (s.size() <= max)
		return std::string(s);
	if (max <= tail.size())
		return std::string(s.substr(0, max));
	return std::string(s.substr(0, max - tail.size())) + std::string(tail);
}

} // namespace mct::verdict
