# codemaild — plain Makefile. Targets: all deps demo check unit asan lint bench fuzz data eval
# install uninstall clean. Objects and dependency files (-MMD) go to $(BUILD).
PREFIX     ?= /usr/local
SYSCONFDIR ?= /etc
DESTDIR    ?=
BUILD      ?= build
CC         ?= cc
PKG_CONFIG ?= pkg-config
VERSION    := 0.1.0

PKGS      := libcurl sqlite3 libpcre2-8 inih json-c libxml-2.0 gnutls
HAVE_SYSTEMD := $(shell $(PKG_CONFIG) --exists libsystemd && echo 1)
ifeq ($(HAVE_SYSTEMD),1)
PKGS      += libsystemd
SDDEF     := -DHAVE_SYSTEMD=1
endif

WARN      := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes
CFLAGS    ?= -O2 -g
XCFLAGS   := -std=c11 -D_GNU_SOURCE -DPCRE2_CODE_UNIT_WIDTH=8 $(WARN) $(SDDEF) -DCODEMAILD_VERSION=\"$(VERSION)\" \
             -DSYSCONFDIR=\"$(SYSCONFDIR)\" -DDATADIR=\"$(PREFIX)/share\" \
             $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null) $(EXTRA_CFLAGS)
LIBS      := -letpan $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lcsv -lm -pthread $(EXTRA_LIBS)
ifeq ($(CI),true)
WERROR    ?= 1
endif
ifeq ($(WERROR),1)
XCFLAGS   += -Werror
endif

SRCS      := $(wildcard src/*.c)
LIBOBJS   := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(filter-out src/main.c,$(SRCS)))
UNITSRCS  := $(wildcard tests/unit/test_*.c)
UNITBINS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNITSRCS))
TOOLSRCS  := $(wildcard tests/tools/*.c)
TOOLBINS  := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(TOOLSRCS))
BIN       := $(BUILD)/codemaild

.PHONY: all deps demo check unit asan lint bench fuzz data eval install uninstall clean sampledb tests screenshots

all: $(BIN) sampledb

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(XCFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libcodemaild.a: $(LIBOBJS)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(BUILD)/obj/main.o $(BUILD)/libcodemaild.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

# Unit tests link the archive: only the modules a test uses are pulled in.
$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libcodemaild.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(XCFLAGS) -Isrc -MMD -MP -o $@ $< $(BUILD)/libcodemaild.a $(LIBS) -lcmocka

$(BUILD)/tools/%: tests/tools/%.c $(BUILD)/libcodemaild.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(XCFLAGS) -Isrc -MMD -MP -o $@ $< $(BUILD)/libcodemaild.a $(LIBS)

tests: $(BIN) $(UNITBINS) $(TOOLBINS)

# The sample reference DB, built from the readable text in data/sample.
SAMPLEDB  := data/sample/codes.db
sampledb: $(SAMPLEDB)
$(SAMPLEDB): $(BIN) $(wildcard data/sample/*.tsv) $(wildcard knowledge/*/*.topic) $(wildcard knowledge/*.tsv)
	$(BIN) import --quiet --db $@ lay data/sample
	$(BIN) -c /dev/null import --quiet --db $@ knowledge knowledge

deps:
	@sh scripts/deps.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh $(BIN)

check: deps
	@$(MAKE) --no-print-directory all tests
	@sh tests/run.sh $(BUILD)

# The cmocka unit tests alone: no root, no Dovecot/Postfix, no installed service; ends
# with the suite's "N passed, N failed" line.
unit:
	@$(MAKE) --no-print-directory $(UNITBINS)
	@sh tests/run.sh $(BUILD) '^unit/'

asan: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory BUILD=build-asan CC=clang \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  LDFLAGS="-fsanitize=address,undefined" build-asan/codemaild tests-asan
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  CODEMAILD_SANITIZED=1 sh tests/run.sh build-asan

tests-asan: $(UNITBINS) $(TOOLBINS)

lint:
	@sh scripts/lint.sh

bench: deps
	@$(MAKE) --no-print-directory all tests
	@sh bench/run.sh $(BUILD)

fuzz: deps
	@sh fuzz/run.sh $${FUZZ_SECONDS:-60}

data: $(BIN)
	@sh scripts/make-data.sh $(BIN) $${DATA_DIR:-../shared/data} $${DB:-spool/codes.db}

# The consultant benchmark: eval/cases/*.case answered from a DB built from ../shared/data.
eval: all
	@python3 eval/run.py --bin $(BIN)

screenshots: demo
	@sh scripts/screenshots.sh $(BIN)

install: all
	@sh scripts/install.sh "$(DESTDIR)" "$(PREFIX)" "$(SYSCONFDIR)" "$(BIN)"

uninstall:
	@sh scripts/install.sh --uninstall "$(DESTDIR)" "$(PREFIX)" "$(SYSCONFDIR)"

clean:
	rm -rf build build-asan build-fuzz $(SAMPLEDB)

-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/tests/*.d $(BUILD)/tools/*.d)
