// SPDX-License-Identifier: GPL-2.0
#include "bench_line.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace mct::bench {

Summary summarize(std::vector<double> v)
{
	Summary s;

	s.n = v.size();
	if (v.empty())
		return s;
	std::sort(v.begin(), v.end());
	s.min = v.front();
	s.max = v.back();
	std::size_t mid = v.size() / 2;
	s.median = v.size() % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
	return s;
}

std::optional<std::string> BenchLine::get(std::string_view key) const
{
	for (const auto &[k, v] : extra)
		if (k == key)
			return v;
	return std::nullopt;
}

static std::string fixed(double v, int prec)
{
	char buf[64];

	std::snprintf(buf, sizeof(buf), "%.*f", prec, v);
	return buf;
}

std::string format_line(const std::string &metric, const std::string &unit,
			const Summary &s,
			const std::vector<std::pair<std::string, std::string>> &extra)
{
	int prec = unit == "ms" ? 3 : 1;
	std::string out(kLineTag);

	out += metric + " " + unit + "=" + fixed(s.median, prec);
	out += " min=" + fixed(s.min, prec) + " max=" + fixed(s.max, prec);
	out += " rounds=" + std::to_string(s.n);
	for (const auto &[k, v] : extra)
		out += " " + k + "=" + v;
	return out;
}

bool valid_metric_name(std::string_view name)
{
	if (name.empty() || name[0] < 'a' || name[0] > 'z')
		return false;
	return std::all_of(name.begin(), name.end(), [](char c) {
		return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		       c == '_' || c == '.' || c == '-';
	});
}

static std::vector<std::string_view> split_ws(std::string_view s)
{
	std::vector<std::string_view> out;
	std::size_t i = 0;

	while (i < s.size()) {
		while (i < s.size() && (s[i] == ' ' || s[i] == '\t'))
			i++;
		std::size_t j = i;
		while (j < s.size() && s[j] != ' ' && s[j] != '\t')
			j++;
		if (j > i)
			out.push_back(s.substr(i, j - i));
		i = j;
	}
	return out;
}

static bool parse_double(std::string_view s, double *out)
{
	std::string str(s);
	char *end = nullptr;

	if (str.empty())
		return false;
	errno = 0;
	double v = std::strtod(str.c_str(), &end);
	if (errno || *end || !std::isfinite(v))
		return false;
	*out = v;
	return true;
}

std::optional<BenchLine> parse_line(std::string_view line, std::string *err)
{
	err->clear();
	std::size_t pos = line.find(kLineTag);
	if (pos == std::string_view::npos)
		return std::nullopt;
	line.remove_prefix(pos + kLineTag.size());
	while (!line.empty() && (line.back() == '\r' || line.back() == '\n'))
		line.remove_suffix(1);

	auto tok = split_ws(line);
	if (tok.size() < 2) {
		*err = "expected a metric name and a value";
		return std::nullopt;
	}
	BenchLine b;
	b.metric = tok[0];
	if (!valid_metric_name(b.metric)) {
		*err = "bad metric name '" + b.metric + "'";
		return std::nullopt;
	}
	for (std::size_t i = 1; i < tok.size(); i++) {
		std::size_t eq = tok[i].find('=');
		if (eq == 0 || eq == std::string_view::npos || eq + 1 == tok[i].size()) {
			*err = "expected key=value, got '" + std::string(tok[i]) + "'";
			return std::nullopt;
		}
		std::string key(tok[i].substr(0, eq));
		std::string_view val = tok[i].substr(eq + 1);
		if (i == 1) {
			b.unit = key;
			if (!parse_double(val, &b.value) || b.value < 0) {
				*err = "bad value for " + key + ": '" + std::string(val) + "'";
				return std::nullopt;
			}
			continue;
		}
		if (b.get(key)) {
			*err = "duplicate key " + key;
			return std::nullopt;
		}
		b.extra.emplace_back(std::move(key), std::string(val));
	}
	return b;
}

} // namespace mct::bench
