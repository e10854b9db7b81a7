# nsprobe - plain make. `make` builds everything into build/; `make run` probes this
# host; `make test` runs every test. Both install missing Debian packages first
# (scripts/deps.sh). DEVELOPER=1 turns warnings into errors; SANITIZE=address,undefined
# builds with sanitizers (into a separate BUILD directory, see `make check`).
# CPPFLAGS, CFLAGS and LDFLAGS from the environment or the command line are added
# (dpkg-buildflags' hardening flags for the Debian package; CPPFLAGS not for musl,
# whose headers have no _FORTIFY_SOURCE).

VERSION   := 0.1.0
BUILD     ?= build
# Installation directories: the GNU names (prefix, bindir, libexecdir, datadir,
# mandir); the upper-case spellings are accepted for the same directories (the
# lower-case one wins when both are given).  nsprobe's own files go to
# $(libexecdir)/nsprobe and $(datadir)/nsprobe; the installed nsprobe finds them
# relative to itself (report/paths.c), so DESTDIR or a moved tree just works.
PREFIX      ?= /usr/local
prefix      ?= $(PREFIX)
exec_prefix ?= $(prefix)
BINDIR      ?= $(exec_prefix)/bin
bindir      ?= $(BINDIR)
LIBEXECDIR  ?= $(exec_prefix)/libexec
libexecdir  ?= $(LIBEXECDIR)
datarootdir ?= $(prefix)/share
DATADIR     ?= $(datarootdir)
datadir     ?= $(DATADIR)
MANDIR      ?= $(datarootdir)/man
mandir      ?= $(MANDIR)
man1dir     ?= $(mandir)/man1
bashcompdir ?= $(datadir)/bash-completion/completions
pkglibexecdir := $(libexecdir)/nsprobe
pkgdatadir    := $(datadir)/nsprobe

CC        ?= gcc
MUSL_CC   ?= musl-gcc
PKG_CONFIG ?= pkg-config

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
        -Wvla -Wwrite-strings -fno-common -Wno-unused-parameter -Wno-format-truncation
ifeq ($(DEVELOPER),1)
WARN += -Werror
endif
SAN_FLAGS :=
ifneq ($(SANITIZE),)
SAN_FLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

BASE_CFLAGS := -std=gnu11 -O2 -g -D_GNU_SOURCE -MMD -MP $(WARN) $(SAN_FLAGS)
LIB_CFLAGS  := $(shell $(PKG_CONFIG) --cflags jansson libelf zlib 2>/dev/null)
LIB_LIBS    := $(shell $(PKG_CONFIG) --libs jansson libelf zlib 2>/dev/null)
CMOCKA_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

# The eight probes of DESIGN.md. Each is probe/<name>.c plus the shared probe/probe.c.
PROBES := unshare_single unshare_multi unshare_transient thread_after_unshare \
          thread_after_setns nest_depth reaper_death getpid_cache

PROBE_BINS := $(addprefix $(BUILD)/probe/,$(PROBES))
MUSL_BINS  := $(addprefix $(BUILD)/musl/probe/,$(PROBES)) $(BUILD)/musl/nsprobe-init
HAVE_MUSL  := $(shell command -v $(MUSL_CC) >/dev/null 2>&1 && echo yes)

CHECKS_SRC := $(sort $(wildcard checks/*.c))
REPORT_SRC := $(sort $(wildcard report/*.c))
CHECKS_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(CHECKS_SRC))
REPORT_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(REPORT_SRC))
REPORT_LIB_OBJ := $(filter-out $(BUILD)/obj/report/main.o,$(REPORT_OBJ))

UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
UNIT_SUPPORT := $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out $(UNIT_SRC),$(wildcard tests/unit/*.c)))
HELPER_SRC := $(sort $(wildcard tests/helpers/*.c))
HELPER_BINS := $(patsubst tests/helpers/%.c,$(BUILD)/tests/helpers/%,$(HELPER_SRC))

NSPROBE := $(BUILD)/nsprobe

.PHONY: all probes musl run test test-build unit integration check fuzz bench install uninstall deb clean FORCE deps-build deps-test help
.DEFAULT_GOAL := all

all: probes $(NSPROBE) $(if $(HAVE_MUSL),musl)

probes: $(PROBE_BINS)
musl: $(MUSL_BINS)

help:
	@echo "make            build the probes, the musl guest payload and build/nsprobe"
	@echo "make run        install missing packages, build, probe this host (ARGS='...' for options)"
	@echo "make test       install missing packages, build, run unit + integration + qemu tests"
	@echo "make check      the test suite under ASan/UBSan, valgrind over the driver, short fuzz runs"
	@echo "make fuzz       libFuzzer targets, FUZZ_SECONDS=N each (600), FUZZ_RUNS=N, FUZZ_TARGETS=..."
	@echo "make bench      speed and memory figures (not a test)"
	@echo "make install    install to prefix=$(prefix) (DESTDIR, bindir, libexecdir, datadir, mandir)"
	@echo "make uninstall  remove what make install put there (same variables)"
	@echo "make deb        the Debian package, built in a temporary copy of the tree (DEB_OUT=$(DEB_OUT))"

# --- the probes: standalone, only libc + pthread --------------------------------
$(BUILD)/probe/%: probe/%.c probe/probe.c probe/probe.h | $(BUILD)/probe
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< probe/probe.c -lpthread

$(BUILD)/musl/probe/%: probe/%.c probe/probe.c probe/probe.h | $(BUILD)/musl/probe
	$(MUSL_CC) -std=gnu11 -O2 -D_GNU_SOURCE -static $(WARN) $(CFLAGS) $(LDFLAGS) -o $@ $< probe/probe.c -lpthread

$(BUILD)/musl/nsprobe-init: probe/init/nsprobe-init.c | $(BUILD)/musl/probe
	$(MUSL_CC) -std=gnu11 -O2 -D_GNU_SOURCE -static $(WARN) $(CFLAGS) $(LDFLAGS) -o $@ $<

# --- checks/ + report/ -> build/nsprobe ----------------------------------------
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LIB_CFLAGS) $(CMOCKA_CFLAGS) -I. \
	  -DNSPROBE_VERSION='"$(VERSION)"' $(LAYOUT_FLAGS) -c -o $@ $<

# The installed layout as paths relative to bindir (report/paths.c).  They only
# change when libexecdir or datadir is moved relative to bindir; the stamp file
# rebuilds paths.o then, and only then (a new prefix alone rebuilds nothing).
relpath = $(shell realpath -m -s --relative-to='$(1)' '$(2)')
REL_LIBEXEC := $(call relpath,$(bindir),$(pkglibexecdir))
REL_DATA    := $(call relpath,$(bindir),$(pkgdatadir))
LAYOUT_STAMP := $(BUILD)/layout.stamp
$(BUILD)/obj/report/paths.o: LAYOUT_FLAGS = -DNSPROBE_REL_LIBEXEC='"$(REL_LIBEXEC)"' -DNSPROBE_REL_DATA='"$(REL_DATA)"'
$(BUILD)/obj/report/paths.o: $(LAYOUT_STAMP)
$(LAYOUT_STAMP): FORCE
	@mkdir -p $(dir $@)
	@echo '$(REL_LIBEXEC) $(REL_DATA)' | cmp -s - $@ || echo '$(REL_LIBEXEC) $(REL_DATA)' > $@
FORCE:

$(BUILD)/libchecks.a: $(CHECKS_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# The driver links jansson, libelf and zlib statically (their .a files come with
# the Debian -dev packages): loading three shared libraries was a fifth of
# `nsprobe lookup`'s time (make bench).  STATIC_LIBS=0 links them dynamically.
STATIC_LIBS ?= 1
comma := ,
NSPROBE_LIBS := $(if $(filter 1,$(STATIC_LIBS)),-Wl$(comma)-Bstatic $(LIB_LIBS) -Wl$(comma)-Bdynamic,$(LIB_LIBS))
$(NSPROBE): $(REPORT_OBJ) $(BUILD)/libchecks.a
	$(CC) $(SAN_FLAGS) $(CFLAGS) $(LDFLAGS) -Wl,-O1 -o $@ $(REPORT_OBJ) $(BUILD)/libchecks.a $(NSPROBE_LIBS) -lpthread

# --- tests ----------------------------------------------------------------------
# A unit test may fake system calls: a line `// WRAP: -Wl,--wrap=unshare ...` in its
# source adds those linker flags (the wrappers themselves live in the test).
$(BUILD)/tests/test_%: $(BUILD)/obj/tests/unit/test_%.o $(UNIT_SUPPORT) $(REPORT_LIB_OBJ) $(BUILD)/libchecks.a
	@mkdir -p $(dir $@)
	$(CC) $(SAN_FLAGS) -o $@ $< $(UNIT_SUPPORT) $(REPORT_LIB_OBJ) $(BUILD)/libchecks.a \
	  $$(sed -n 's|^// WRAP: ||p' tests/unit/test_$*.c) $(CMOCKA_LIBS) $(LIB_LIBS) -lpthread

# A unit test of a probe, tests/unit/test_probe_<name>.c, links probe/<name>.c
# compiled with its main renamed probe_main (the test calls it) and probe/probe.c,
# with the same `// WRAP:` flags: --wrap redirects every call that an object file
# makes to a libc function (unshare, clone, fork, ...) to the test's __wrap_ one.
$(BUILD)/tests/test_probe_%: tests/unit/test_probe_%.c probe/%.c probe/probe.c probe/probe.h
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -Wno-missing-prototypes -Dmain=probe_main -c -o $@.probe.o probe/$*.c
	$(CC) $(BASE_CFLAGS) $(CMOCKA_CFLAGS) -I. -o $@ $< $@.probe.o probe/probe.c \
	  $$(sed -n 's|^// WRAP: ||p' $<) $(CMOCKA_LIBS) -lpthread

$(BUILD)/tests/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -o $@ $< -lpthread

test-build: all $(UNIT_BINS) $(HELPER_BINS)

deps-build:
	@scripts/deps.sh build
deps-test:
	@scripts/deps.sh test

run: deps-build
	@$(MAKE) --no-print-directory all >/dev/null
	$(NSPROBE) run $(ARGS)

test: deps-test
	@$(MAKE) --no-print-directory DEVELOPER=1 test-build
	@BUILD=$(BUILD) tests/run.sh

unit: test-build
	@BUILD=$(BUILD) tests/run.sh unit
integration: test-build
	@BUILD=$(BUILD) tests/run.sh integration

check:
	@scripts/deps.sh check
	@BUILD=$(BUILD) tests/check.sh

fuzz:
	@scripts/deps.sh check
	@BUILD=$(BUILD) tests/fuzz/run.sh

bench: all
	@BUILD=$(BUILD) tests/bench/run.sh

# `make install` copies what `make` built (run `make` first as yourself; install
# rebuilds nothing unless the layout changed).  It records each directory it had
# to create in $(pkgdatadir)/installed-dirs; `make uninstall` removes exactly the
# installed files, then nsprobe's own directories, then those recorded ones when
# empty -- never a directory that was there before.
INSTALL     ?= install
INST_MUSL   := $(addprefix $(DESTDIR)$(pkglibexecdir)/musl/probe/,$(PROBES)) \
               $(DESTDIR)$(pkglibexecdir)/musl/nsprobe-init
INST_FILES  := $(DESTDIR)$(bindir)/nsprobe $(addprefix $(DESTDIR)$(pkglibexecdir)/probe/,$(PROBES)) \
               $(INST_MUSL) $(DESTDIR)$(pkgdatadir)/kernels.json $(DESTDIR)$(man1dir)/nsprobe.1 \
               $(DESTDIR)$(bashcompdir)/nsprobe
INST_DIRS   := $(DESTDIR)$(bindir) $(DESTDIR)$(pkglibexecdir)/probe $(DESTDIR)$(pkgdatadir) \
               $(DESTDIR)$(man1dir) $(DESTDIR)$(bashcompdir) $(if $(HAVE_MUSL),$(DESTDIR)$(pkglibexecdir)/musl/probe)
DIR_RECORD  := $(DESTDIR)$(pkgdatadir)/installed-dirs

install: all
	@new=; for d in $(INST_DIRS); do \
	  while [ ! -e "$$d" ]; do new="$$new $$d"; [ "$${d%/*}" != "$$d" ] || break; d=$${d%/*}; done; \
	done; \
	echo "$(INSTALL) -d $(INST_DIRS)"; $(INSTALL) -d $(INST_DIRS) && \
	{ cat '$(DIR_RECORD)' 2>/dev/null; for d in $$new; do echo "$$d"; done; } | sort -u > '$(DIR_RECORD).tmp' && \
	mv '$(DIR_RECORD).tmp' '$(DIR_RECORD)'
	$(INSTALL) -m 755 $(NSPROBE) $(DESTDIR)$(bindir)/nsprobe
	$(INSTALL) -m 755 $(PROBE_BINS) $(DESTDIR)$(pkglibexecdir)/probe
	$(INSTALL) -m 644 kernels.json $(DESTDIR)$(pkgdatadir)/kernels.json
	$(INSTALL) -m 644 man/nsprobe.1 $(DESTDIR)$(man1dir)/nsprobe.1
	$(INSTALL) -m 644 contrib/bash-completion/nsprobe $(DESTDIR)$(bashcompdir)/nsprobe
ifeq ($(HAVE_MUSL),yes)
	$(INSTALL) -m 755 $(addprefix $(BUILD)/musl/probe/,$(PROBES)) $(DESTDIR)$(pkglibexecdir)/musl/probe
	$(INSTALL) -m 755 $(BUILD)/musl/nsprobe-init $(DESTDIR)$(pkglibexecdir)/musl/nsprobe-init
else
	@echo "make install: $(MUSL_CC) not found: the qemu guest payload is not installed (Debian: musl-tools)" >&2
endif

uninstall:
	@made=$$(sort -r '$(DIR_RECORD)' 2>/dev/null); \
	echo "rm -f $(INST_FILES) $(DIR_RECORD)"; rm -f $(INST_FILES) '$(DIR_RECORD)' && \
	for d in $(addprefix $(DESTDIR)$(pkglibexecdir)/,musl/probe musl probe) $(DESTDIR)$(pkglibexecdir) \
	         $(DESTDIR)$(pkgdatadir) $$made; do \
	  [ ! -d "$$d" ] || rmdir "$$d" 2>/dev/null || echo "make uninstall: kept $$d (not empty)"; \
	done

# The Debian package, built by dpkg-buildpackage in a copy of the tree under a
# temporary directory (README: Installing); the .deb lands in DEB_OUT.
DEB_OUT ?= $(BUILD)/deb
deb:
	@scripts/make-deb.sh $(DEB_OUT)

$(BUILD)/probe $(BUILD)/musl/probe:
	@mkdir -p $@

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
