# wg-xdp: one non-recursive Makefile; every output goes under build/.
#
#   make            build build/wg-xdp (daemon + command line), the tests
#                   and their tools (build/tools/)
#   make deps       install the Debian packages the build and tests need
#   make check      every test tier, in order
#   make check-peer wireguard-go's own tests/netns.sh against build/wg-xdp
#   make soak       traffic, churn, roaming and faults for SOAK_MIN minutes
#   make fuzz       every libFuzzer harness for FUZZ_SECONDS (default 30)
#   make demo       the wg(4) EXAMPLES section in two network namespaces
#   make install    build/wg-xdp, the man pages, the systemd units and the
#                   docs under $(DESTDIR)$(PREFIX)
#   make deb        build/wg-xdp_VERSION_ARCH.deb (dpkg-buildpackage, in a
#                   copy of the tree under build/deb: this tree is untouched)
#   make bench      wg-xdp against wireguard-go and boringtun (bench/run.sh)
#   V=1             show full command lines

.DELETE_ON_ERROR:
.SUFFIXES:

BUILD    ?= build
PREFIX   ?= /usr/local
SYSTEMD_UNITDIR ?= $(PREFIX)/lib/systemd/system
DOCDIR   ?= $(PREFIX)/share/doc/wg-xdp
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
PKGS     := libsodium libb2 libbpf libxdp libmnl libcrypto liburcu-qsbr

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' $(1) $(2)
endif

ARCH_INC := /usr/include/$(shell $(CC) -dumpmachine 2>/dev/null)
WARN     := -Wall -Wextra -Werror
CPPFLAGS := -D_GNU_SOURCE -Idaemon -Ibpf -Itools -I$(BUILD)
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 $(WARN) -MMD -MP -pthread
LIBS      = $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lsodium -lb2 -lbpf -lxdp -lmnl -lcrypto -lurcu-qsbr -lurcu-common) -lpthread
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

BPF_SRC  := bpf/wg_xdp.bpf.c
BPF_OBJ  := $(BUILD)/wg_xdp.bpf.o
BPF_SKEL := $(BUILD)/wg_xdp.skel.h
# -fno-builtin-index: the receiver-index map is named `index`, which clang
# otherwise takes for the strings.h builtin in gnu modes. -mcpu=v3 (Linux
# 5.1+): 32-bit ALU and jumps, a fifth fewer instructions in BLAKE2s.
BPF_CFLAGS := -target bpf -mcpu=v3 -O2 -g -Wall -Werror -Ibpf -I$(ARCH_INC) \
	      -D__TARGET_ARCH_x86 -fno-builtin-index

# The daemon is everything in daemon/ but main.c; the command line is tools/.
LIB_SRC  := $(filter-out daemon/main.c,$(wildcard daemon/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
ASAN_OBJ := $(LIB_SRC:%.c=$(BUILD)/asan/%.o)
BIN_SRC  := daemon/main.c $(wildcard tools/*.c)
BIN_OBJ  := $(BIN_SRC:%.c=$(BUILD)/%.o)

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
ASAN_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/asan/%)
BPFT_SRC := $(wildcard tests/bpf/test_*.c)
BPFT_BIN := $(BPFT_SRC:tests/bpf/%.c=$(BUILD)/tests/%)
TEST_HELPERS := $(wildcard tests/unit/helper_*.c)

# The tests' own tools (tests/tools/, one job each, sharing tool.h): run
# from build/tools/ by the e2e and VM tiers and the bench.
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)

# libFuzzer harnesses: clang only, over their own instrumented copy of the
# daemon (and of the command line's parsers), never the gcc objects.
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_HELPERS := $(wildcard tests/fuzz/helper_*.c)
FUZZ_LIB_SRC := $(LIB_SRC) $(filter-out tools/wg-xdp.c,$(wildcard tools/*.c))
FUZZ_OBJ := $(FUZZ_LIB_SRC:%.c=$(BUILD)/fuzz/obj/%.o)
FUZZ_CFLAGS := -std=gnu11 $(WARN) -MMD -MP -pthread -g -O1 \
	       -fno-omit-frame-pointer -fno-sanitize-recover=all

all: $(BUILD)/wg-xdp $(UNIT_BIN) $(BPFT_BIN) $(BUILD)/bench/flood $(TOOL_BIN)

$(BUILD)/libwg.a: $(LIB_OBJ)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/asan/libwg.a: $(ASAN_OBJ)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/wg-xdp: $(BIN_OBJ) $(BUILD)/libwg.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $(BIN_OBJ) $(BUILD)/libwg.a $(LIBS)

$(BUILD)/%.o: %.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/asan/%.o: %.c
	$(call msg,CC-ASAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(TEST_HELPERS) $(BUILD)/libwg.a
	$(call msg,TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) -o $@ $< $(TEST_HELPERS) $(BUILD)/libwg.a $(LIBS) -lcmocka

$(BUILD)/tests/asan/%: tests/unit/%.c $(TEST_HELPERS) $(BUILD)/asan/libwg.a
	$(call msg,TEST-ASAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) $(SANFLAGS) -o $@ $< $(TEST_HELPERS) $(BUILD)/asan/libwg.a $(LIBS) -lcmocka

$(TOOL_BIN): $(BUILD)/tools/%: tests/tools/%.c
	$(call msg,TOOL,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $<

$(BUILD)/tests/test_bpf_%: tests/bpf/test_bpf_%.c $(BUILD)/libwg.a $(BPF_SKEL)
	$(call msg,TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) -o $@ $< $(BUILD)/libwg.a $(LIBS) -lcmocka

$(BUILD)/fuzz/obj/%.o: %.c
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(CPPFLAGS) $(FUZZ_CFLAGS) \
		-fsanitize=fuzzer-no-link,address,undefined -c -o $@ $<

$(BUILD)/fuzz/libwg.a: $(FUZZ_OBJ)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_HELPERS) tests/fuzz/fuzz.h \
		      $(BUILD)/fuzz/libwg.a
	$(call msg,FUZZER,$@)
	$(Q)$(CLANG) $(CPPFLAGS) -Itests/fuzz $(FUZZ_CFLAGS) \
		-fsanitize=fuzzer,address,undefined -o $@ $< $(FUZZ_HELPERS) \
		$(BUILD)/fuzz/libwg.a $(LIBS) -ldl

# Only daemon/xdp.c includes the skeleton (the loader); it must exist first.
$(BUILD)/daemon/xdp.o $(BUILD)/asan/daemon/xdp.o $(BUILD)/fuzz/obj/daemon/xdp.o: $(BPF_SKEL)

$(BPF_OBJ): $(BPF_SRC) $(wildcard bpf/*.h)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BPF_SKEL): $(BPF_OBJ)
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name wg_xdp > $@

deps:
	$(Q)sh scripts/deps.sh check

deps-demo:
	$(Q)sh scripts/deps.sh demo

check: deps
	$(Q)$(MAKE) --no-print-directory check-unit check-bpf check-e2e check-peer \
		check-deb check-vm fuzz bench-smoke

check-unit: $(UNIT_BIN) $(ASAN_BIN)
	$(Q)sh tests/lint/modules.sh daemon
	$(Q)sh tests/run-unit.sh $(BUILD)/tests $(BUILD)/tests/asan

check-bpf: $(BPFT_BIN)
	$(Q)TIER=bpf sh tests/run-unit.sh $(BUILD)/tests/test_bpf_*

check-e2e: $(BUILD)/wg-xdp $(BUILD)/bench/flood $(TOOL_BIN)
	$(Q)sh tests/e2e/run.sh

# The package tier: make deb, apt-get install it, wg-xdp up from the
# installed paths in a namespace, apt-get purge; the host as it was after.
check-deb:
	$(Q)BUILD=$(abspath $(BUILD)) sh tests/deb/test_deb.sh

# wireguard-go's netns.sh, fetched from the Go module proxy into build/peer.
check-peer: $(BUILD)/wg-xdp
	$(Q)sh tests/peer/run.sh $(BUILD)/wg-xdp

check-vm: $(BUILD)/wg-xdp $(BUILD)/bench/flood $(TOOL_BIN)
	$(Q)sh tests/vm/run.sh

# Not part of check: SOAK_MIN minutes (default 10) of a loaded tunnel.
soak: $(BUILD)/wg-xdp
	$(Q)sh tests/soak/soak.sh

fuzz-build: $(FUZZ_BIN)

fuzz: $(FUZZ_BIN)
	$(Q)sh tests/fuzz/run.sh $(BUILD)/fuzz

demo: deps-demo $(BUILD)/wg-xdp
	$(Q)sh tests/e2e/demo.sh

# Benchmarks are not part of check: they install their own anchors.
$(BUILD)/bench/aead: bench/aead.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(LIBS)

# hsload speaks the protocol with the daemon's own noise and cookie code.
$(BUILD)/bench/hsload: bench/hsload.c $(BUILD)/libwg.a
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(BUILD)/libwg.a $(LIBS)

# flood: junk and valid-mac1 handshake floods (the e2e tier uses it too).
$(BUILD)/bench/flood: bench/flood.c $(BUILD)/libwg.a
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(BUILD)/libwg.a $(LIBS)

# probe takes the daemon's Internet checksum.
$(BUILD)/bench/probe: bench/probe.c $(BUILD)/libwg.a
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(BUILD)/libwg.a $(LIBS)

bench: $(BUILD)/wg-xdp $(BUILD)/bench/aead $(BUILD)/bench/hsload $(BUILD)/bench/flood \
	$(BUILD)/bench/probe $(TOOL_BIN)
	$(Q)BUILD=$(BUILD) sh bench/run.sh

bench-smoke: $(BUILD)/wg-xdp $(BUILD)/bench/probe $(TOOL_BIN)
	$(Q)BUILD=$(BUILD) BENCH_SMOKE=1 sh bench/run.sh

# The units name /usr/bin/wg-xdp; installed, they name $(PREFIX)/bin's.
install: $(BUILD)/wg-xdp
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -D -m 0755 $(BUILD)/wg-xdp $(DESTDIR)$(PREFIX)/bin/wg-xdp
	$(Q)for f in $(wildcard doc/*.8); do install -D -m 0644 $$f $(DESTDIR)$(PREFIX)/share/man/man8/$${f##*/} || exit 1; done
	$(Q)for f in $(wildcard doc/*.5); do install -D -m 0644 $$f $(DESTDIR)$(PREFIX)/share/man/man5/$${f##*/} || exit 1; done
	$(Q)install -d $(DESTDIR)$(SYSTEMD_UNITDIR)
	$(Q)for f in systemd/*; do sed 's|/usr/bin/wg-xdp|$(PREFIX)/bin/wg-xdp|g' "$$f" >$(DESTDIR)$(SYSTEMD_UNITDIR)/$${f##*/} && chmod 0644 $(DESTDIR)$(SYSTEMD_UNITDIR)/$${f##*/} || exit 1; done
	$(Q)install -D -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	$(Q)install -D -m 0644 bench/RESULTS.md $(DESTDIR)$(DOCDIR)/RESULTS.md

# The Debian package, built from a copy of the sources (the tracked and
# untracked-but-not-ignored files), so that dpkg-buildpackage's debian/
# droppings and its output in .. never touch this tree.
DEB_VERSION = $(shell dpkg-parsechangelog -l debian/changelog -S Version 2>/dev/null)
DEB_ARCH    = $(shell dpkg --print-architecture 2>/dev/null)
DEB_DIR     = $(abspath $(BUILD))/deb
deb:
	$(call msg,DEB,$(BUILD)/wg-xdp_$(DEB_VERSION)_$(DEB_ARCH).deb)
	$(Q)rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/wg-xdp-$(DEB_VERSION)
	$(Q)if git rev-parse --git-dir >/dev/null 2>&1; then \
		git ls-files -z -co --exclude-standard | \
			tar --null -T - -cf - | tar -C $(DEB_DIR)/wg-xdp-$(DEB_VERSION) -xf -; \
	else \
		tar --exclude=./$(BUILD) --exclude=./.git -cf - . | \
			tar -C $(DEB_DIR)/wg-xdp-$(DEB_VERSION) -xf -; \
	fi
	$(Q)cd $(DEB_DIR)/wg-xdp-$(DEB_VERSION) && \
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u BUILD \
		DEB_BUILD_OPTIONS="nocheck noddebs parallel=2" \
		dpkg-buildpackage -b -us -uc $(if $(filter 1,$(V)),,>$(DEB_DIR)/build.log 2>&1) || \
		{ tail -30 $(DEB_DIR)/build.log; exit 1; }
	$(Q)mv $(DEB_DIR)/wg-xdp_$(DEB_VERSION)_$(DEB_ARCH).deb $(BUILD)/

format:
	$(Q)clang-format -i $(wildcard daemon/*.[ch] tools/*.[ch] bpf/*.[ch] tests/*/*.[ch])

clean:
	$(Q)rm -rf $(BUILD)

.PHONY: all install deps deps-demo check check-unit check-bpf check-e2e \
	check-peer check-deb check-vm fuzz fuzz-build demo deb format clean bench \
	bench-smoke soak

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
