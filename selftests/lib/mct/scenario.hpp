// SPDX-License-Identifier: GPL-2.0
// A registry of named scenarios and the main() of a guest program:
//   prog list            names and one-line descriptions
//   prog run NAME...     runs the scenarios, TAP on stdout, exit 1 on failure
#pragma once

#include <string>
#include <vector>

#include "mct/tap.hpp"

namespace mct {

struct Scenario {
	std::string name;
	std::string description;
	void (*fn)(Tap &tap);
};

std::vector<Scenario> &scenarios();

struct ScenarioRegistrar {
	ScenarioRegistrar(const char *name, const char *desc, void (*fn)(Tap &))
	{
		scenarios().push_back({name, desc, fn});
	}
};

int scenario_main(int argc, char **argv);

} // namespace mct

// MCT_SCENARIO(vivid_unbind, "vivid-unbind-open", "unbind vivid with nodes open")
// { tap.check(...); }
#define MCT_SCENARIO(ident, name, desc)                                           \
	static void ident(mct::Tap &tap);                                          \
	static const mct::ScenarioRegistrar ident##_registrar{name, desc, ident}; \
	static void ident(mct::Tap &tap)
