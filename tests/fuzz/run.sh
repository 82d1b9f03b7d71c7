#!/bin/sh
# tests/fuzz/run.sh SECONDS [TARGET...] — build the libFuzzer targets and run
# each for a share of SECONDS. `make fuzz` (FUZZ_SECONDS, default 60) calls it.
#
# Targets are tests/fuzz/fuzz_*.c, each defining LLVMFuzzerTestOneInput; they
# may use the engine's internal headers. They are built with clang and
# -fsanitize=fuzzer,address,undefined against the engine and stdlib sources,
# also compiled with clang (objects in build-fuzz/obj/, rebuilt when a source
# or header changes). The generated parser is taken from build/gen (this
# script runs `make` for it first).
#
# Corpus: build-fuzz/corpus/<target>/ keeps what earlier runs found, seeded
# each run with the project's own files. A target whose name has json, yaml,
# doc, input or load in it gets data seeds (*.json, *.yaml from examples/,
# tests/golden/ and $VETO_FIXTURES/json-test-suite when present, the fixtures
# root defaulting to ../shared/fixtures); every
# other target gets policy seeds (*.veto from policies-examples/, stdlib/,
# tests/golden/). tests/fuzz/<target>.dict is passed as a dictionary if it
# exists.
#
# Prints the executions of each target (libFuzzer's
# stat::number_of_executed_units) and fails when any target finds a crash,
# leak, timeout or sanitizer report; the reproducer is in build-fuzz/artifacts/.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
fixtures=${VETO_FIXTURES:-$root/../shared/fixtures}
if [ $# -lt 1 ]; then
    echo "usage: sh tests/fuzz/run.sh SECONDS [TARGET...]" >&2
    exit 2
fi
seconds=$1
shift
case $seconds in '' | *[!0-9]*)
    echo "fuzz: SECONDS must be a whole number, not '$seconds'" >&2
    exit 2
    ;;
esac

out=build-fuzz
cc=${FUZZ_CC:-clang}
ldlibs=${FUZZ_LDLIBS:--lpcre2-8 -lyaml -lsqlite3 -lm -lpthread}
cflags="-std=c11 -g -O1 -D_GNU_SOURCE -DVETO_ARENA_DEBUG -fno-omit-frame-pointer
 -fsanitize=address,undefined -fno-sanitize-recover=undefined -Ibuild/gen -Iengine -I."

if [ $# -gt 0 ]; then
    targets=""
    for t in "$@"; do targets="$targets tests/fuzz/${t%.c}.c"; done
else
    targets=$(find tests/fuzz -maxdepth 1 -name 'fuzz_*.c' | LC_ALL=C sort)
fi
if [ -z "$targets" ]; then
    echo "fuzz: no targets (tests/fuzz/fuzz_*.c)"
    exit 0
fi
if ! command -v "$cc" >/dev/null 2>&1; then
    echo "fuzz: $cc not found (sh scripts/install-deps.sh installs clang)" >&2
    exit 1
fi

# --- build -----------------------------------------------------------------
make -s SAN= build/gen/policy_grammar.c build/gen/policy_tokens.h build/gen/stdlib_modules.c
mkdir -p "$out/obj" "$out/corpus" "$out/artifacts" "$out/logs"

# Objects built with other flags are stale.
if [ "$(cat "$out/obj/flags" 2>/dev/null || true)" != "$cc $cflags" ]; then
    rm -f "$out"/obj/*.o
    echo "$cc $cflags" >"$out/obj/flags"
fi
stale() { # stale SRC OBJ — the object is missing or older than its source or any header
    [ ! -f "$2" ] || [ -n "$(find "$1" -newer "$2")" ] ||
        [ -n "$(find engine stdlib build/gen -name '*.h' -newer "$2" | head -n 1)" ]
}

objs=""
for src in engine/*/*.c stdlib/*.c build/gen/policy_grammar.c build/gen/stdlib_modules.c; do
    [ -f "$src" ] || continue
    obj="$out/obj/$(echo "$src" | tr '/' '_' | sed 's/\.c$//').o"
    objs="$objs $obj"
    stale "$src" "$obj" || continue
    extra=""
    [ "$src" != build/gen/policy_grammar.c ] || extra="-w" # lemon's template is not ours
    echo "fuzz: cc $src"
    # shellcheck disable=SC2086 # flags are words
    "$cc" $cflags $extra -fsanitize=fuzzer-no-link -c "$src" -o "$obj"
done

for src in $targets; do
    name=$(basename "$src" .c)
    bin="$out/$name"
    # shellcheck disable=SC2086
    if [ ! -f "$bin" ] || [ -n "$(find "$src" $objs -newer "$bin")" ]; then
        echo "fuzz: link $name"
        # shellcheck disable=SC2086
        "$cc" $cflags -fsanitize=fuzzer "$src" $objs -o "$bin" $ldlibs
    fi
done

# --- run -------------------------------------------------------------------
seed() { # seed CORPUS_DIR FILE... — copies the files under unique names
    dir=$1
    shift
    for f in "$@"; do
        [ -f "$f" ] || continue
        cp "$f" "$dir/seed-$(echo "$f" | tr '/.' '__')"
    done
}

ntargets=$(echo "$targets" | wc -w)
per=$((seconds / ntargets))
[ "$per" -ge 1 ] || per=1
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

failed=0
total=0
for src in $targets; do
    name=$(basename "$src" .c)
    corpus="$out/corpus/$name"
    mkdir -p "$corpus"
    case $name in
    *json* | *yaml* | *doc* | *input* | *load*)
        # shellcheck disable=SC2046 # file lists
        seed "$corpus" $(find examples tests/golden -size -1024k \( -name '*.json' -o -name '*.yaml' \
            -o -name '*.yml' \) 2>/dev/null | LC_ALL=C sort)
        if [ -d "$fixtures/json-test-suite" ]; then
            # shellcheck disable=SC2046
            seed "$corpus" $(find "$fixtures/json-test-suite" -size -1024k -type f \
                -name '*.json' | LC_ALL=C sort)
        fi
        ;;
    *)
        # shellcheck disable=SC2046
        seed "$corpus" $(find policies-examples stdlib tests/golden -size -1024k -name '*.veto' \
            2>/dev/null | LC_ALL=C sort)
        ;;
    esac
    dict=""
    [ ! -f "tests/fuzz/$name.dict" ] || dict="-dict=tests/fuzz/$name.dict"
    log="$out/logs/$name.log"
    echo "fuzz: run $name for ${per}s ($(find "$corpus" -type f | wc -l) corpus files)"
    rc=0
    # shellcheck disable=SC2086
    "./$out/$name" -max_total_time="$per" -print_final_stats=1 -timeout=25 -rss_limit_mb=2560 \
        -artifact_prefix="$out/artifacts/$name-" $dict "$corpus" >"$log" 2>&1 || rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
    execs=${execs:-0}
    total=$((total + execs))
    if [ "$rc" -ne 0 ]; then
        failed=$((failed + 1))
        echo "fuzz: $name FAILED (exit $rc) after $execs executions; the end of $log:"
        tail -n 60 "$log" | sed 's/^/    /'
        artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
        [ -z "$artifact" ] || echo "fuzz: reproduce with ./$out/$name $artifact"
    else
        echo "fuzz: $name: $execs executions in ${per}s"
    fi
done
echo "fuzz: $total executions in all, $ntargets targets, $failed failed"
[ "$failed" -eq 0 ]
