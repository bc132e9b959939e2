# SPDX-License-Identifier: MIT
# cordon: plain GNU make. `make help` lists the targets.

PREFIX ?= /usr
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
DESTDIR ?=

O ?= build
CC ?= cc
FUZZ_CC ?= clang
PYTHON ?= /usr/bin/python3
FUZZ_TIME ?= 60
FUZZ_SMOKE_TIME ?= 3
# One place for the version: enforcer/main.c's CORDON_VERSION.
VERSION := $(shell sed -n 's/^[#]define CORDON_VERSION "\(.*\)"$$/\1/p' enforcer/main.c)
CHECK_O ?= build/san

PKGS := libpcap libnftnl libmnl libcurl openssl libcjson expat inih libcap-ng libseccomp libsystemd
# Debian packages the build, the tests and the benchmarks need.
DEB_PKGS := build-essential pkg-config time clang libclang-rt-14-dev \
	libpcap-dev libnftnl-dev libmnl-dev libcurl4-openssl-dev libssl-dev \
	libcjson-dev libexpat1-dev libinih-dev libcmocka-dev \
	libcap-ng-dev libseccomp-dev libsystemd-dev \
	tcpdump nftables ipset iproute2 iputils-ping netcat-openbsd procps curl \
	python3 python3-scapy python3-botocore ca-certificates openssl \
	shellcheck systemd debootstrap rpm

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wcast-qual -Wformat=2 -Wno-missing-field-initializers
ifneq ($(CI),)
WARN += -Werror
endif

CPPFLAGS += -D_GNU_SOURCE
# Layers, bottom up: a folder's code sees only its own headers and those of
# the layers below it, so an include that climbs up does not compile
# (docs/internals/architecture.md).
INC_common := -Icommon
INC_aws := $(INC_common) -Icommon/aws
INC_feeds := $(INC_aws) -Ifeeds
INC_sensor := $(INC_feeds) -Isensor
INC_nft := $(INC_feeds) -Ienforcer/nft
INC_journal := $(INC_common) -Ienforcer/journal
INC_cloud := $(INC_sensor) -Ienforcer/journal -Ienforcer/cloud
INC_respond := $(INC_cloud) -Ienforcer/nft -Ienforcer/respond
INC_agent := $(INC_respond) -Ienforcer/agent
INC_all := $(INC_agent) -Ienforcer
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 $(WARN) -MMD -MP -fno-strict-aliasing
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libcurl is not linked: common/aws/curl_dl.c loads it when a command
# first talks to AWS (most commands never do; it is most of a start's cost).
PKG_LIBS := $(shell pkg-config --libs $(filter-out libcurl,$(PKGS)) 2>/dev/null)
CFLAGS += $(PKG_CFLAGS)
LDLIBS += $(PKG_LIBS) -lm

ifneq ($(SANITIZE),)
CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
endif

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-7s %s\n' $(1) $(2);
endif

LAYERS := common common/aws feeds sensor enforcer/nft enforcer/journal \
	enforcer/cloud enforcer/respond enforcer/agent enforcer
SRCS := $(foreach d,$(LAYERS),$(wildcard $(d)/*.c))
OBJS := $(patsubst %.c,$(O)/%.o,$(SRCS))

all: $(O)/cordon

$(O)/cordon: $(OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The include path of the layer a source file sits in.
layer_inc = $(INC_$(if $(filter enforcer/%,$(1)),$(if $(filter enforcer,$(patsubst %/,%,$(dir $(1)))),all,$(notdir $(patsubst %/,%,$(dir $(1))))),$(if $(filter common/aws/%,$(1)),aws,$(firstword $(subst /, ,$(1))))))

$(O)/%.o: %.c
	@mkdir -p $(@D)
	$(call msg,CC,$<)
	$(Q)$(CC) $(CPPFLAGS) $(call layer_inc,$<) $(CFLAGS) -c -o $@ $<

# Unit tests: each links only the module under test (tests/unit/NAME.mk
# says which sources), compiled with -DUNITTEST to reach its statics.
UNIT_TESTS :=
-include tests/unit/*.mk
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

$(O)/ut/%.o: %.c
	@mkdir -p $(@D)
	$(call msg,CC,$<)
	$(Q)$(CC) $(CPPFLAGS) $(INC_all) -DUNITTEST -Itests/unit $(CFLAGS) -c -o $@ $<

define UNIT_template
$(O)/tests/test_$(1): $(O)/ut/tests/unit/test_$(1).o $$(patsubst %.c,$(O)/ut/%.o,$$(test_$(1)_SRCS))
	@mkdir -p $$(@D)
	$$(call msg,LD,$$@)
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS) $$(CMOCKA_LIBS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call UNIT_template,$(t))))
UNIT_BINS := $(patsubst %,$(O)/tests/test_%,$(UNIT_TESTS))

unit-tests: $(UNIT_BINS)

# libFuzzer targets, one per parser (tests/fuzz/NAME.mk).
FUZZERS :=
-include tests/fuzz/*.mk
FUZZ_O ?= build/fuzz
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
$(FUZZ_O)/%.o: %.c
	@mkdir -p $(@D)
	$(call msg,FUZZCC,$<)
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(INC_all) -DFUZZING -std=gnu11 -MMD -MP $(PKG_CFLAGS) $(FUZZ_FLAGS:-fsanitize=fuzzer%=-fsanitize=fuzzer-no-link%) -c -o $@ $<
define FUZZ_template
$(FUZZ_O)/fuzz_$(1): $(FUZZ_O)/tests/fuzz/fuzz_$(1).o $$(patsubst %.c,$(FUZZ_O)/%.o,$$(fuzz_$(1)_SRCS))
	$$(call msg,LD,$$@)
	$$(Q)$$(FUZZ_CC) $$(FUZZ_FLAGS) -o $$@ $$^ $$(PKG_LIBS)
endef
$(foreach t,$(FUZZERS),$(eval $(call FUZZ_template,$(t))))
FUZZ_BINS := $(patsubst %,$(FUZZ_O)/fuzz_%,$(FUZZERS))

fuzzers: $(FUZZ_BINS)

fuzz: fuzzers
	@tests/fuzz/run.sh $(FUZZ_O) $(FUZZ_TIME) $(FUZZERS)

# `make check` works on a fresh Debian 12: it installs what is missing.
deps:
	@tests/deps.sh install $(DEB_PKGS)

deps-check:
	@tests/deps.sh check $(DEB_PKGS) || tests/deps.sh install $(DEB_PKGS)

# `make check` builds what its suites need side by side, on every CPU
# unless make was given -j: the sanitizer build, the fuzzers, the aws
# tests' drivers and the release build (build/) that the firmware tests
# package and test_respond runs as the Lambda zip. tests/run.sh then runs
# the aws and firmware suites beside the netns ones (LANES=1: one at a
# time), which then compete with no compiler.
CHECK_JOBS ?= $(shell nproc)
check: deps-check
	$(Q)$(MAKE) --no-print-directory $(if $(filter -j%,$(MAKEFLAGS)),,-j$(CHECK_JOBS)) check-build
	@O=$(CHECK_O) FUZZ_O=$(FUZZ_O) PYTHON=$(PYTHON) FUZZ_SMOKE_TIME=$(FUZZ_SMOKE_TIME) \
		FUZZERS="$(FUZZERS)" UNIT_TESTS="$(UNIT_TESTS)" tests/run.sh

check-build: check-build-san check-build-fuzz check-build-drivers check-build-release
check-build-san:
	$(Q)$(MAKE) --no-print-directory O=$(CHECK_O) SANITIZE=address,undefined all unit-tests
check-build-fuzz:
	$(Q)$(MAKE) --no-print-directory FUZZ_O=$(FUZZ_O) fuzzers
check-build-release:
	$(Q)$(MAKE) --no-print-directory O=build lambda
check-build-drivers:
	$(Q)tests/aws/build_driver.sh cloud $(CHECK_O)/tests/cloud_driver
	$(Q)tests/aws/build_driver.sh respond $(CHECK_O)/tests/respond_driver

# The fast suite: unit, golden and include-graph tests (well under a minute once built).
check-fast: deps-check
	$(Q)$(MAKE) --no-print-directory O=$(CHECK_O) SANITIZE=address,undefined all unit-tests
	@O=$(CHECK_O) PYTHON=$(PYTHON) ONLY=unit,golden,tree UNIT_TESTS="$(UNIT_TESTS)" tests/run.sh

# One test by name: make test T=journal, T=daemon_run, T=test_s3_sync, T=golden.
test: deps-check
	@if [ -z "$(T)" ]; then echo 'make test: say which: make test T=NAME (make test-list)' >&2; exit 2; fi
	$(Q)$(MAKE) --no-print-directory O=$(CHECK_O) SANITIZE=address,undefined all unit-tests
	$(Q)if [ "$(T)" = fuzz-smoke ]; then $(MAKE) --no-print-directory FUZZ_O=$(FUZZ_O) fuzzers; fi
	@O=$(CHECK_O) FUZZ_O=$(FUZZ_O) PYTHON=$(PYTHON) FUZZ_SMOKE_TIME=$(FUZZ_SMOKE_TIME) \
		FUZZERS="$(FUZZERS)" UNIT_TESTS="$(UNIT_TESTS)" T="$(T)" tests/run.sh

test-list:
	@O=$(CHECK_O) FUZZ_O=$(FUZZ_O) FUZZERS="$(FUZZERS)" UNIT_TESTS="$(UNIT_TESTS)" LIST=1 tests/run.sh

bench: deps-check
	$(Q)$(MAKE) --no-print-directory O=build all
	@O=build PYTHON=$(PYTHON) tests/bench/run.sh

demo: deps-check
	$(Q)$(MAKE) --no-print-directory O=build all
	@CORDON_BUILD=build/cordon PYTHON=$(PYTHON) firmware/lab/demo.sh

UNITDIR ?= /lib/systemd/system

install: $(O)/cordon
	install -D -m 0755 $(O)/cordon $(DESTDIR)$(SBINDIR)/cordon
	install -D -m 0644 firmware/man/cordon.8 $(DESTDIR)$(MANDIR)/man8/cordon.8
	install -D -m 0644 firmware/man/cordon.conf.5 $(DESTDIR)$(MANDIR)/man5/cordon.conf.5
	@if [ ! -e $(DESTDIR)$(SYSCONFDIR)/cordon/cordon.conf ]; then \
		install -D -m 0640 firmware/cordon.conf $(DESTDIR)$(SYSCONFDIR)/cordon/cordon.conf; \
	else echo "keeping $(DESTDIR)$(SYSCONFDIR)/cordon/cordon.conf"; fi
	@for u in firmware/systemd/*.service; do \
		[ -e "$$u" ] && install -D -m 0644 "$$u" $(DESTDIR)$(UNITDIR)/$$(basename "$$u"); \
	done; true

# Packages of $(O)/cordon: firmware/debian, firmware/rpm, docs/internals/packaging.md.
deb: $(O)/cordon
	@O=$(O) VERSION=$(VERSION) firmware/debian/mkdeb.sh

rpm: $(O)/cordon
	@O=$(O) VERSION=$(VERSION) firmware/rpm/mkrpm.sh

# Self-contained builds (firmware/bundle, docs/internals/packaging.md): the
# agent relinked with its program interpreter under PREFIX/lib and a
# DT_RPATH of $ORIGIN/../lib, every library beside it. One recipe, two
# prefixes: /opt/cordon for any systemd distribution, /var/task for Lambda.
BUNDLE_PREFIX := /opt/cordon
LAMBDA_PREFIX := /var/task
define relink
	@mkdir -p $(@D)
	$(call msg,LD,$@)
	$(Q)interp=$$(readelf -lW $(O)/cordon | sed -n 's/.*program interpreter: \(.*\)\]$$/\1/p'); \
	test -n "$$interp" || { echo "no program interpreter in $(O)/cordon" >&2; exit 1; }; \
	$(CC) $(LDFLAGS) -Wl,--dynamic-linker=$(1)/lib/$$(basename "$$interp") \
		-Wl,-rpath,'$$ORIGIN/../lib' -Wl,--disable-new-dtags -o $@ $(OBJS) $(LDLIBS)
endef

$(O)/relink-bundle/cordon: $(O)/cordon
	$(call relink,$(BUNDLE_PREFIX))

$(O)/relink-lambda/cordon: $(O)/cordon
	$(call relink,$(LAMBDA_PREFIX))

# Lambda execs bootstrap directly: a static launcher, no shell needed.
$(O)/relink-lambda/bootstrap: firmware/bundle/launcher.c
	@mkdir -p $(@D)
	$(call msg,LD,$@)
	$(Q)$(CC) -static -Os -s -std=gnu11 $(WARN) -DCORDON_EXEC='"$(LAMBDA_PREFIX)/bin/cordon"' -o $@ $<

bundle: $(O)/relink-bundle/cordon
	@O=$(O) VERSION=$(VERSION) PREFIX=$(BUNDLE_PREFIX) PYTHON=$(PYTHON) \
		firmware/bundle/mkbundle.sh bundle $<

lambda: $(O)/relink-lambda/cordon $(O)/relink-lambda/bootstrap
	@O=$(O) VERSION=$(VERSION) PREFIX=$(LAMBDA_PREFIX) PYTHON=$(PYTHON) \
		firmware/bundle/mkbundle.sh lambda $^

clean:
	rm -rf build

# The include path of the whole tree, for scripts that build a tool of
# their own from the sources (tests/aws/build_driver.sh, benchmarks).
print-inc:
	@echo $(INC_all)

help:
	@echo 'cordon make targets:'
	@echo '  all        build $(O)/cordon (default)'
	@echo '  check      install missing Debian packages, build with ASan+UBSan,'
	@echo '             run unit, golden, netns tests and a short fuzz smoke run'
	@echo '  check-fast unit, golden and include-graph tests (ASan+UBSan build)'
	@echo '  test       one test by name: make test T=NAME (unit, golden, netns,'
	@echo '             aws or firmware script, fuzz-smoke); test-list lists them'
	@echo '  demo       install what is missing, build, and play the lab scenario'
	@echo '  bench      generate captures and lists, print figures against peers'
	@echo '  fuzz       run every libFuzzer target for FUZZ_TIME seconds ($(FUZZ_TIME))'
	@echo '  deps       install the Debian packages the build and tests need'
	@echo '  install    install cordon into $$(DESTDIR)$$(PREFIX)'
	@echo '  deb        build $(O)/cordon_$(VERSION)-1_ARCH.deb (dpkg-deb)'
	@echo '  rpm        binary RPM of $(O)/cordon with firmware/rpm/cordon.spec'
	@echo '  bundle     build $(O)/cordon-$(VERSION)-ARCH.tar.gz: the agent with its libraries'
	@echo '             and loader under /opt/cordon, for any systemd distribution'
	@echo '  lambda     build $(O)/cordon-lambda.zip: bootstrap + cordon + libraries for'
	@echo '             the provided.al2023 Lambda runtime (cordon respond)'
	@echo '  clean      remove build/'
	@echo 'Variables: V=1 (verbose), SANITIZE=address,undefined, O=DIR, PREFIX, DESTDIR'

.PHONY: print-inc all demo check check-fast test test-list bench fuzz fuzzers unit-tests deps \
	check-build check-build-san check-build-fuzz check-build-drivers check-build-release \
	deps-check install clean help deb rpm bundle lambda

-include $(OBJS:.o=.d)
-include $(shell find $(O)/ut $(FUZZ_O) -name '*.d' 2>/dev/null)
