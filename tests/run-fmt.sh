#!/bin/sh
# run-fmt.sh — `veto fmt` end to end, over every *.veto file of the
# repository (policies-examples/, stdlib/, tests/):
#   - a file that formats formats again to itself (idempotence through the
#     CLI: `veto fmt -` of the output) and then passes `veto fmt --check`;
#   - a file that does not format is one `veto check` rejects too, and fmt
#     said where (file:line:col) with exit status 2;
#   - `veto fmt -w` over a copy of policies-examples/ and stdlib/ leaves
#     files that pass --check, still compile to as many policies, leaves no
#     temporary file behind and keeps each file's permissions;
#   - -w leaves a file with a syntax error untouched.
# That the AST never changes is checked in C (tests/unit/test_fmt.c); the
# output layout by the golden cases in tests/golden/fmt/.
# Ends with "N passed, N failed"; exits non-zero on failure.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
VETO=${VETO:-$root/build/veto}
passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }

if [ ! -x "$VETO" ]; then
    echo "run-fmt: no veto binary at $VETO (run make first, or set VETO)" >&2
    echo "0 passed, 1 failed"
    exit 1
fi

find policies-examples stdlib tests -name '*.veto' -type f | LC_ALL=C sort >"$tmp/files"
n=$(wc -l <"$tmp/files")
if [ "$n" -ge 10 ]; then ok; else fail "only $n *.veto files found"; fi

while IFS= read -r f; do
    rc=0
    "$VETO" fmt "$f" >"$tmp/out" 2>"$tmp/err" || rc=$?
    if [ "$rc" -eq 0 ]; then
        rc2=0
        "$VETO" fmt - <"$tmp/out" >"$tmp/out2" 2>"$tmp/err" || rc2=$?
        if [ "$rc2" -ne 0 ] || ! cmp -s "$tmp/out" "$tmp/out2"; then
            fail "$f: formatting is not idempotent"
            diff -u "$tmp/out" "$tmp/out2" | head -40
            continue
        fi
        cp "$tmp/out" "$tmp/formatted.veto"
        if "$VETO" fmt --check "$tmp/formatted.veto" >"$tmp/err" 2>&1; then ok; else
            fail "$f: its formatted text fails --check: $(cat "$tmp/err")"
        fi
    elif [ "$rc" -eq 2 ] && grep -q "^$f:[0-9]*:[0-9]*: error:" "$tmp/err"; then
        if "$VETO" check "$f" >/dev/null 2>&1; then
            fail "$f: fmt rejects a file that compiles"
        else
            ok
        fi
    else
        fail "$f: fmt exited $rc: $(head -3 "$tmp/err")"
    fi
done <"$tmp/files"

# -w over copies of the examples and the standard library.
mkdir -p "$tmp/w"
cp -r policies-examples stdlib "$tmp/w/"
chmod 600 "$tmp/w/policies-examples/aws/s3_public_acl.veto"
before=$("$VETO" check "$tmp/w/policies-examples" 2>&1)
if "$VETO" fmt -w "$tmp/w" >"$tmp/wout" 2>&1; then ok; else fail "fmt -w: $(cat "$tmp/wout")"; fi
if "$VETO" fmt --check "$tmp/w" >"$tmp/cout" 2>&1; then ok; else
    fail "after fmt -w, --check still lists: $(cat "$tmp/cout")"
fi
after=$("$VETO" check "$tmp/w/policies-examples" 2>&1)
if [ "$before" = "$after" ]; then ok; else fail "after fmt -w: check said '$after', before '$before'"; fi
left=$(find "$tmp/w" -name '*.fmt-*' | wc -l)
if [ "$left" -eq 0 ]; then ok; else fail "fmt -w left $left temporary files"; fi
mode=$(stat -c %a "$tmp/w/policies-examples/aws/s3_public_acl.veto")
if [ "$mode" = 600 ]; then ok; else fail "fmt -w changed a file's mode to $mode"; fi
# Nothing to do: -w rewrites nothing and says nothing.
if [ -z "$("$VETO" fmt -w "$tmp/w" 2>&1)" ]; then ok; else fail "a second fmt -w rewrote files"; fi

# A syntax error: reported, exit 2, the file untouched, the others still written.
mkdir -p "$tmp/bad"
printf 'deny when (a\n' >"$tmp/bad/broken.veto"
printf 'let  x=1\n' >"$tmp/bad/messy.veto"
cp "$tmp/bad/broken.veto" "$tmp/broken.orig"
rc=0
"$VETO" fmt -w "$tmp/bad" >"$tmp/out" 2>&1 || rc=$?
if [ "$rc" -eq 2 ] && cmp -s "$tmp/bad/broken.veto" "$tmp/broken.orig" &&
    [ "$(cat "$tmp/bad/messy.veto")" = "let x = 1" ]; then ok; else
    fail "fmt -w with a syntax error: exit $rc, $(cat "$tmp/out")"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
