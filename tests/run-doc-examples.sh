#!/bin/sh
# Runs the examples of the documentation as tests: every line of a
# ```veto-examples block in docs/*.md has the form
#     EXPRESSION  ==> EXPECTED
# and `veto expr EXPRESSION` must print exactly EXPECTED (compact JSON, or
# `undefined`). EXPECTED may also be `error: TEXT`, meaning evaluation must
# fail with a message containing TEXT. Examples that need an input document
# use `--input FILE` blocks: a line `# input: PATH` applies to the lines
# after it in the same block.
set -u
VETO=${VETO:-./build/veto}
pass=0
fail=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for doc in docs/*.md; do
    awk -v doc="$doc" '
        /^```veto-examples/ { inblock = 1; input = ""; next }
        /^```/ && inblock { inblock = 0; next }
        inblock && /^# input: / { input = substr($0, 10); next }
        inblock && /==>/ { printf "%s\t%d\t%s\t%s\n", doc, NR, (input == "" ? "-" : input), $0 }
    ' "$doc"
done > "$tmp"
while IFS="$(printf '\t')" read -r doc line input example; do
    expr=$(printf '%s' "$example" | sed 's/[[:space:]]*==>.*$//')
    want=$(printf '%s' "$example" | sed 's/^.*==>[[:space:]]*//')
    if [ "$input" != "-" ]; then
        got=$("$VETO" expr --input "$input" -- "$expr" 2>&1)
    else
        got=$("$VETO" expr -- "$expr" 2>&1)
    fi
    status=$?
    case "$want" in
    error:*)
        sub=$(printf '%s' "$want" | sed 's/^error:[[:space:]]*//')
        if [ $status -ne 0 ] && printf '%s' "$got" | grep -qF -- "$sub"; then
            pass=$((pass + 1))
        else
            fail=$((fail + 1))
            printf '%s:%s: %s\n    expected an error containing: %s\n    got: %s\n' "$doc" "$line" "$expr" "$sub" "$got"
        fi
        ;;
    *)
        if [ $status -eq 0 ] && [ "$got" = "$want" ]; then
            pass=$((pass + 1))
        else
            fail=$((fail + 1))
            printf '%s:%s: %s\n    expected: %s\n    got:      %s\n' "$doc" "$line" "$expr" "$want" "$got"
        fi
        ;;
    esac
done < "$tmp"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
