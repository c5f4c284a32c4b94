# SPDX-License-Identifier: GPL-2.0
# The front door of the media lifetime series. `make help` lists the targets.

WORK     ?= $(CURDIR)/work
CACHE    ?= $(HOME)/.cache/mc-lifetime
TREE     := $(WORK)/tree/linux
BASETREE := $(WORK)/base/linux
FRAGS    := $(sort $(wildcard $(CURDIR)/config-fragments/*.config))
# Production-like kernels for bench-prod: the VM and media fragments only
# (no KASAN, lockdep, kmemleak, DEBUG_OBJECTS, ...).
PRODFRAGS := $(CURDIR)/config-fragments/vm-base.config $(CURDIR)/config-fragments/media.config
WB       := $(CURDIR)/selftests/wb
HOSTBLD  := $(WORK)/selftests/build
HOSTINST := $(WORK)/selftests/inst
RUNS     ?= 1
BENCH_ROUNDS ?= 3
SCENARIOS ?=
FORCE    ?=

export WORK CACHE TREE BASETREE WB HOSTBLD HOSTINST RUNS SCENARIOS
export MCT_CACHE := $(CACHE)

.DEFAULT_GOAL := all
.PHONY: help all tree export kernel base-tree kernel-base selftests unit \
	checkpatch mail suite baseline faultinject faultinject-base table check bisect bench kernel-prod bench-prod \
	clean distclean

help: ## this list
	@echo "Targets (variables: WORK=$(WORK) CACHE=$(CACHE) RUNS=N SCENARIOS='a b' FORCE=1):"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16 | sed 's/^/  /'

all: ## the full demonstration: base and patched kernels, every scenario, the comparison table
	$(WB)/demo.sh

tree: ## fetch and check the pinned base, import it, apply series -> $(TREE)
	$(WB)/tree.sh $(CURDIR) $(WORK) $(CACHE) $(if $(FORCE),--force)

export: ## write patches/, series and cover-letter.txt from $(TREE)
	$(WB)/export.sh $(TREE) $(CURDIR)

kernel: ## build the patched kernel (KASAN, lockdep, kmemleak, ...) out of tree
	$(WB)/build-kernel.sh $(TREE) $(WORK)/tree/build $(FRAGS)

base-tree: ## a worktree of the unpatched base -> $(BASETREE)
	$(WB)/base-tree.sh $(TREE) $(BASETREE)

# The series' kselftest goes into the base guest too, for the scenario that
# runs it to show what it catches on base (make kernel builds it).
SERIES_KSELFTEST := $(WORK)/tree/build/modroot/kselftest/media_tests/media_unbind_test

kernel-base: base-tree ## build the unpatched base kernel with the same fragments (and the series' kselftest)
	$(WB)/build-kernel.sh $(BASETREE) $(WORK)/base/build $(FRAGS)
	@if [ -x $(SERIES_KSELFTEST) ]; then \
		cp $(SERIES_KSELFTEST) $(WORK)/base/build/modroot/kselftest/media_tests/ && \
		echo "kernel-base: added the series' media_unbind_test to the base guest"; \
	else \
		echo "kernel-base: no $(SERIES_KSELFTEST) (make kernel first): kselftest-media-unbind fails on base on its absence"; \
	fi

selftests: ## build our test programs (host tools and static guest programs)
	$(WB)/build-selftests.sh $(CURDIR)/selftests $(HOSTBLD) $(HOSTINST)

unit: selftests ## host-side unit tests (GoogleTest via ctest)
	ctest --test-dir $(HOSTBLD) --output-on-failure

checkpatch: ## checkpatch --strict on every patch of the series
	$(WB)/checkpatch.sh $(TREE) $(CURDIR)/patches $(CURDIR)/series

suite: selftests ## run the scenarios on the patched kernel (expected-failures applies)
	$(WB)/run-suite.sh patched $(WORK)/tree/build

baseline: selftests ## run the scenarios on the unpatched base kernel (RUNS=5 for the 5-of-5 proof)
	$(WB)/run-suite.sh base $(WORK)/base/build

FI_SCENARIOS := fi-vimc-probe fi-vim2m-probe fi-vivid-probe fi-em28xx-probe fi-em28xx-dual-ts-probe fi-em28xx-v4l-init
faultinject: selftests ## fault-injection sweeps of the probe error paths (slow; the patched kernel)
	SCENARIOS="$(FI_SCENARIOS)" $(WB)/run-suite.sh faultinject $(WORK)/tree/build

faultinject-base: selftests ## the same sweeps on the unpatched base kernel
	SCENARIOS="$(FI_SCENARIOS)" $(WB)/run-suite.sh faultinject-base $(WORK)/base/build

table: ## the scenario x {base, patched} table of the last runs
	$(HOSTINST)/bin/mct-verdict table --label base $(WORK)/results/base.json \
		--label patched $(WORK)/results/patched.json

mail: ## the series as mails (b4 send -o) and an mbox in $(WORK)/mail, signed off by you (MAIL_FROM='Name <addr>' or git's user.*)
	$(WB)/mail.sh $(TREE) $(WORK)/mail $(CACHE)

check: ## tree, checkpatch, mails, unit tests, patched kernel, scenario suite; ends with "N passed, N failed"
	$(WB)/check.sh

# The benchmark and the structure sizes: $(1) base build, $(2) patched build,
# $(3) output folder.
define run_bench
	MCT_GUEST_DIR=$(HOSTINST)/guest MCT_BENCH_OUT=$(3) MCT_HOST_BIN=$(HOSTINST)/bin \
		$(CURDIR)/selftests/bench/run-bench.sh $(1) $(2) $(BENCH_ROUNDS)
	$(CURDIR)/selftests/bench/sizes.sh $(1) $(2) | tee $(3)/sizes.txt
endef

bench: selftests ## cost of the guards, base vs patched under QEMU -icount (needs kernel, kernel-base; BENCH_ROUNDS=3)
	$(call run_bench,$(WORK)/base/build,$(WORK)/tree/build,$(WORK)/bench)

kernel-prod: base-tree ## base and patched kernels without debugging options (for bench-prod)
	$(WB)/build-kernel.sh $(BASETREE) $(WORK)/prod/base/build $(PRODFRAGS)
	$(WB)/build-kernel.sh $(TREE) $(WORK)/prod/tree/build $(PRODFRAGS)

bench-prod: selftests kernel-prod ## the same benchmark on production-like kernels (BENCH_ROUNDS=3)
	$(call run_bench,$(WORK)/prod/base/build,$(WORK)/prod/tree/build,$(WORK)/bench-prod)

# The configurations that make bisect builds: the test kernel's (bzImage
# and modules), and the overlays of config-fragments/bisect/ on top of it
# (the folders the series touches: BISECT_DIRS).
BISECT_CONFIGS ?= default $(basename $(notdir $(wildcard $(CURDIR)/config-fragments/bisect/*.config)))
BISECT_DIRS ?= drivers/media/ sound/usb/

bisect: ## build every patch in order, in each of BISECT_CONFIGS (default mc-off dvb; W=1 on what it touches; BISECT_FROM=N, BISECT_TO=M)
	@for c in $(BISECT_CONFIGS); do \
		if [ $$c = default ]; then extra=; wdir=$(WORK)/bisect; targets=; \
		else extra=$(CURDIR)/config-fragments/bisect/$$c.config; wdir=$(WORK)/bisect-$$c; \
			targets="$(BISECT_DIRS)"; fi; \
		echo "bisect: configuration $$c"; \
		MCT_BUILD_TARGETS="$$targets" $(WB)/bisect.sh $(TREE) $$wdir $(FRAGS) $$extra || exit 1; \
	done

clean: ## remove builds and logs, keep the trees and the download cache
	rm -rf $(WORK)/tree/build $(WORK)/base/build $(WORK)/prod $(WORK)/selftests $(WORK)/logs $(WORK)/results

distclean: ## remove everything the Makefile made, including the trees (not the cache)
	rm -rf $(WORK)
