# Veto — build, test, bench.
#
#   make                 build build/libveto.a and build/veto
#   make test            build and run every test; ends with "N passed, N failed, N skipped"
#   make test SAN=1      the same under AddressSanitizer + UndefinedBehaviorSanitizer
#                        (objects go to build-san/, arenas allocate per object)
#   make fuzz            build the libFuzzer targets (clang) and run each briefly
#   make bench           benchmarks (see bench/ and docs/PERFORMANCE.md)
#   make deps            install missing Debian packages (scripts/install-deps.sh)
#   B=DIR                build (and test) in DIR instead of build/ or build-san/

CC      ?= cc
LEMON   ?= lemon
LEMPAR  ?= /usr/share/lemon/lempar.c

ifeq ($(SAN),1)
B        ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
            -DVETO_ARENA_DEBUG
OPT      := -O1 -g
else
B        ?= build
SANFLAGS :=
OPT      ?= -O2 -g
endif

WARN    := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
           -Wformat=2 -Wno-format-nonliteral
ifeq ($(CI),true)
WARN    += -Werror
endif
WERROR  ?= -Werror
CFLAGS  := $(OPT) $(WARN) $(WERROR) -D_GNU_SOURCE -I$(B)/gen -Iengine -I. $(SANFLAGS) $(EXTRA_CFLAGS)
# pcre2, yaml and sqlite link statically (Debian's -dev packages ship the .a):
# loading and relocating them was a third of `veto version`'s start-up.
LDLIBS  := -Wl,-Bstatic -lpcre2-8 -lyaml -lsqlite3 -Wl,-Bdynamic -lm -lpthread
LDFLAGS := $(SANFLAGS) $(EXTRA_LDFLAGS)

ENGINE_SRC := $(sort $(wildcard engine/*/*.c))
STDLIB_SRC := $(sort $(wildcard stdlib/*.c))
STDLIB_VETO := $(sort $(wildcard stdlib/*.veto))
ORCH_SRC   := $(sort $(wildcard orchestrator/*.c))
CLI_SRC    := $(sort $(wildcard cli/*.c))
UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))

GRAMMAR    := grammar/policy_grammar.y
GEN_C      := $(B)/gen/policy_grammar.c
GEN_H      := $(B)/gen/policy_grammar.h
# The token numbers alone, for the lexer and the passes that name tokens:
# they depend on the numbering, not on the parser lemon makes beside it.
GEN_TOK    := $(B)/gen/policy_tokens.h
GEN_MODS   := $(B)/gen/stdlib_modules.c

LIB_OBJ := $(ENGINE_SRC:%.c=$(B)/obj/%.o) $(STDLIB_SRC:%.c=$(B)/obj/%.o) \
           $(B)/obj/gen/policy_grammar.o $(B)/obj/gen/stdlib_modules.o
ORCH_OBJ := $(ORCH_SRC:%.c=$(B)/obj/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(B)/obj/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

.PHONY: all test unit golden fuzz bench deps clean format format-check
all: $(B)/libveto.a $(B)/veto

$(GEN_C) $(GEN_H) &: $(GRAMMAR)
	@mkdir -p $(B)/gen
	cp $(GRAMMAR) $(B)/gen/policy_grammar.y
	$(LEMON) -s -T$(LEMPAR) -d$(B)/gen $(B)/gen/policy_grammar.y > $(B)/gen/lemon.log || (cat $(B)/gen/lemon.log; exit 1)
	@if grep -q 'parsing conflict' $(B)/gen/lemon.log $(B)/gen/policy_grammar.out 2>/dev/null; then \
	  echo "error: grammar has conflicts (see $(B)/gen/policy_grammar.out)"; rm -f $(GEN_C); exit 1; fi

$(GEN_TOK): $(GEN_H)
	{ echo '/* policy_tokens.h — the token numbers of grammar/policy_grammar.y (generated). */'; \
	  echo '#ifndef VETO_POLICY_TOKENS_H'; echo '#define VETO_POLICY_TOKENS_H'; \
	  cat $(GEN_H); echo '#endif'; } > $@

$(GEN_MODS): $(STDLIB_VETO) scripts/embed-modules.sh
	@mkdir -p $(B)/gen
	sh scripts/embed-modules.sh $(STDLIB_VETO) > $@

# The generated parser gets relaxed warnings: lemon's template is not ours.
$(B)/obj/gen/policy_grammar.o: $(GEN_C)
	@mkdir -p $(dir $@)
	$(CC) $(OPT) -std=c11 -w -D_GNU_SOURCE -I$(B)/gen -Iengine -I. $(SANFLAGS) -c $< -o $@

$(B)/obj/gen/stdlib_modules.o: $(GEN_MODS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(B)/obj/%.o: %.c $(GEN_H) $(GEN_TOK)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(B)/libveto.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

# The orchestrator library exists once orchestrator/ has sources.
ORCH_LIB := $(if $(ORCH_SRC),$(B)/liborchestrator.a,)

$(B)/liborchestrator.a: $(ORCH_OBJ)
	rm -f $@
	ar rcs $@ $^

$(B)/veto: $(CLI_OBJ) $(ORCH_LIB) $(B)/libveto.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(ORCH_LIB) $(B)/libveto.a $(LDLIBS)

$(B)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(ORCH_LIB) $(B)/libveto.a
	@mkdir -p $(B)/tests
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(ORCH_LIB) $(B)/libveto.a $(LDFLAGS) $(LDLIBS)

unit: $(UNIT_BIN)

test: all $(UNIT_BIN)
	@sh tests/run-all.sh $(B)

fuzz:
	@sh tests/fuzz/run.sh $(or $(FUZZ_SECONDS),60)

bench: all
	@sh bench/run.sh $(B)

deps:
	@sh scripts/install-deps.sh

FORMAT_SRC := $(ENGINE_SRC) $(STDLIB_SRC) $(ORCH_SRC) $(CLI_SRC) \
              $(wildcard engine/*.h engine/*/*.h engine/*/*.inc stdlib/*.h orchestrator/*.h cli/*.h tests/unit/*.[ch] tests/fuzz/*.c bench/*.c)
format:
	clang-format -i $(FORMAT_SRC)

format-check:
	@clang-format --dry-run --Werror $(FORMAT_SRC)

golden: all
	@VETO=$(B)/veto sh tests/run-golden.sh

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
