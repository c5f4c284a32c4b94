// SPDX-License-Identifier: GPL-2.0
#include "bench_report.hpp"

#include <algorithm>
#include <cstdio>
#include <istream>
#include <ostream>
#include <set>

namespace mct::bench {

static std::string strip_cr(std::string s)
{
	while (!s.empty() && (s.back() == '\r' || s.back() == '\n'))
		s.pop_back();
	return s;
}

// "MCT: END name rc=N time_ms=T" anywhere in the line.
static bool parse_end(const std::string &line, int *rc)
{
	std::size_t p = line.find("MCT: END ");
	if (p == std::string::npos)
		return false;
	std::size_t r = line.find(" rc=", p);
	if (r == std::string::npos)
		return false;
	return std::sscanf(line.c_str() + r, " rc=%d", rc) == 1;
}

BootLog parse_log(std::istream &in, const std::string &label, const std::string &path)
{
	BootLog log;
	std::string raw;
	int lineno = 0;

	log.label = label;
	log.path = path;
	while (std::getline(in, raw)) {
		std::string line = strip_cr(raw);
		std::string err;

		lineno++;
		if (line.rfind("not ok ", 0) == 0) {
			log.not_ok.push_back(line);
			continue;
		}
		int rc;
		if (parse_end(line, &rc)) {
			log.ended = true;
			log.rc = rc;
			continue;
		}
		auto b = parse_line(line, &err);
		if (!b) {
			if (!err.empty())
				log.problems.push_back("line " + std::to_string(lineno) + ": " + err);
			continue;
		}
		if (log.metrics.count(b->metric)) {
			log.problems.push_back("line " + std::to_string(lineno) +
					       ": duplicate metric " + b->metric);
			continue;
		}
		log.order.push_back(b->metric);
		log.metrics.emplace(b->metric, std::move(*b));
	}
	return log;
}

static std::string fixed(double v, int prec)
{
	char buf[64];

	std::snprintf(buf, sizeof(buf), "%.*f", prec, v);
	return buf;
}

static void add_problems(Comparison &c, const BootLog &l)
{
	std::string who = l.label + " " + l.path + ": ";

	if (!l.ended)
		c.problems.push_back(who + "no 'MCT: END' line (guest hung, crashed or timed out)");
	else if (l.rc != 0)
		c.problems.push_back(who + "scenario ended with rc=" + std::to_string(l.rc));
	for (const auto &n : l.not_ok)
		c.problems.push_back(who + n);
	for (const auto &p : l.problems)
		c.problems.push_back(who + p);
	if (l.metrics.empty())
		c.problems.push_back(who + "no MCT-BENCH lines");
}

static Row make_row(const std::string &metric, const std::vector<const BootLog *> &base,
		    const std::vector<const BootLog *> &patched, double threshold)
{
	Row r;
	r.metric = metric;
	// The figure of each boot that has the metric; nan-free pairing by
	// boot index for the ratios.
	std::vector<double> ratios;
	std::size_t pairs = std::max(base.size(), patched.size());
	for (std::size_t i = 0; i < pairs; i++) {
		const BenchLine *b = nullptr, *p = nullptr;
		if (i < base.size() && base[i]->metrics.count(metric))
			b = &base[i]->metrics.at(metric);
		if (i < patched.size() && patched[i]->metrics.count(metric))
			p = &patched[i]->metrics.at(metric);
		for (const BenchLine *x : {b, p})
			if (x && r.unit.empty())
				r.unit = x->unit;
		if (b)
			r.base.push_back(b->value);
		if (p)
			r.patched.push_back(p->value);
		if (b && p && b->value > 0)
			ratios.push_back(p->value / b->value);
	}
	r.base_sum = summarize(r.base);
	r.patched_sum = summarize(r.patched);
	r.ratio = summarize(ratios);
	if (r.base.size() < base.size())
		r.note = "missing in " + std::to_string(base.size() - r.base.size()) + " base boot(s)";
	if (r.patched.size() < patched.size())
		r.note += std::string(r.note.empty() ? "" : "; ") + "missing in " +
			  std::to_string(patched.size() - r.patched.size()) + " patched boot(s)";
	r.flagged = !r.note.empty() || (r.ratio.n && r.ratio.median > threshold);
	if (r.ratio.n && r.ratio.median > threshold)
		r.note = "ratio > " + fixed(threshold, 2) + (r.note.empty() ? "" : "; " + r.note);
	return r;
}

Comparison compare(const std::vector<BootLog> &logs, double threshold)
{
	Comparison c;
	std::vector<const BootLog *> base, patched;
	std::vector<std::string> order;
	std::set<std::string> seen;

	c.threshold = threshold;
	for (const auto &l : logs) {
		(l.label == "patched" ? patched : base).push_back(&l);
		add_problems(c, l);
		for (const auto &m : l.order)
			if (seen.insert(m).second)
				order.push_back(m);
	}
	for (const auto &m : order)
		c.rows.push_back(make_row(m, base, patched, threshold));
	return c;
}

static int precision(const Row &r)
{
	return r.unit == "ms" ? 3 : 1;
}

static std::string spread(const Summary &s)
{
	if (s.n < 2 || s.median <= 0)
		return "-";
	return fixed(100.0 * (s.max - s.min) / s.median, 2) + "%";
}

void print_table(std::ostream &out, const Comparison &c)
{
	char line[400];
	std::snprintf(line, sizeof(line), "%-26s %-9s %11s %11s %7s %-13s %8s %8s %5s  %s\n",
		      "metric", "unit", "base", "patched", "ratio", "ratio range", "b.spread",
		      "p.spread", "boots", "flag");
	out << line;
	for (const auto &r : c.rows) {
		int prec = precision(r);
		std::string b = r.base_sum.n ? fixed(r.base_sum.median, prec) : "n/a";
		std::string p = r.patched_sum.n ? fixed(r.patched_sum.median, prec) : "n/a";
		std::string ratio = r.ratio.n ? fixed(r.ratio.median, 3) : "n/a";
		std::string range = r.ratio.n ? fixed(r.ratio.min, 3) + "-" + fixed(r.ratio.max, 3)
					      : "-";
		std::string boots = std::to_string(r.base_sum.n) + "/" +
				    std::to_string(r.patched_sum.n);
		std::string flag = r.flagged ? "<-- " + r.note : "";
		std::string unit = r.unit == "ns_per_op" ? "ns/op" : r.unit;
		std::snprintf(line, sizeof(line),
			      "%-26s %-9s %11s %11s %7s %-13s %8s %8s %5s  %s\n", r.metric.c_str(),
			      unit.c_str(), b.c_str(), p.c_str(), ratio.c_str(), range.c_str(),
			      spread(r.base_sum).c_str(), spread(r.patched_sum).c_str(),
			      boots.c_str(), flag.c_str());
		out << line;
	}
	if (!c.problems.empty()) {
		out << "\nproblems:\n";
		for (const auto &p : c.problems)
			out << "  " << p << "\n";
	}
}

void write_csv(std::ostream &out, const Comparison &c)
{
	out << "metric,unit,base_median,base_min,base_max,base_boots,"
	       "patched_median,patched_min,patched_max,patched_boots,"
	       "ratio_median,ratio_min,ratio_max,flagged,note\n";
	for (const auto &r : c.rows) {
		int prec = precision(r);
		auto val = [&](const Summary &s, double v, int p) {
			return s.n ? fixed(v, p) : std::string();
		};
		out << r.metric << "," << r.unit << ","
		    << val(r.base_sum, r.base_sum.median, prec) << ","
		    << val(r.base_sum, r.base_sum.min, prec) << ","
		    << val(r.base_sum, r.base_sum.max, prec) << "," << r.base_sum.n << ","
		    << val(r.patched_sum, r.patched_sum.median, prec) << ","
		    << val(r.patched_sum, r.patched_sum.min, prec) << ","
		    << val(r.patched_sum, r.patched_sum.max, prec) << "," << r.patched_sum.n << ","
		    << val(r.ratio, r.ratio.median, 4) << "," << val(r.ratio, r.ratio.min, 4) << ","
		    << val(r.ratio, r.ratio.max, 4) << "," << (r.flagged ? 1 : 0) << ","
		    << r.note << "\n";
	}
}

} // namespace mct::bench
