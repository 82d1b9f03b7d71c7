#!/bin/sh
# run-policy-tests.sh — the example policies' own tests, and fixture cuts
# of real plans.
#
#   1. `veto test policies-examples --coverage --fail-under 90`: every test
#      of every example policy passes and the tests run at least 90 % of
#      the policies' lines. Counted as one test per `veto test` case.
#   2. `veto fixture cut` on each plan under $VETO_FIXTURES/plans (the
#      fixtures root, default ../shared/fixtures) that marks a value
#      sensitive (one skipped test when that directory is absent): the cut
#      must succeed and no sensitive string of the plan may appear in it.
#      Counted as one test per plan.
#
# Ends with "N passed, N failed, N skipped"; exits non-zero on a failure.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
VETO=${VETO:-$root/build/veto}
cd "$root"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
skipped=0

rc=0
"$VETO" test --coverage --fail-under 90 policies-examples >"$tmp/out" 2>&1 || rc=$?
grep -v "^[0-9]* passed, [0-9]* failed$" "$tmp/out" || true
# The count line of `veto test` is re-counted here, not passed through.
set -- $(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$tmp/out" | tail -n 1)
if [ $# -eq 2 ]; then
    passed=$((passed + $1))
    failed=$((failed + $2))
fi
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    echo "FAIL: veto test exited $rc (coverage below 90 %?)"
    failed=$((failed + 1))
fi

fixtures=${VETO_FIXTURES:-$root/../shared/fixtures}
plans="$fixtures/plans"
if [ -d "$plans" ]; then
    # Plans with a sensitive mask, and the first resource address of each.
    find "$plans" -name '*.json' -type f | LC_ALL=C sort >"$tmp/plans"
    while IFS= read -r plan; do
        python3 - "$plan" >"$tmp/secrets" 2>/dev/null <<'PY' || continue
import json, sys
d = json.load(open(sys.argv[1]))
rcs = d.get("resource_changes") or []
out = []
def walk(v, m):
    if m is True:
        if isinstance(v, str) and len(v) >= 4:
            out.append(v)
        elif isinstance(v, (list, dict)):
            for x in (v.values() if isinstance(v, dict) else v):
                walk(x, True)
    elif isinstance(m, dict) and isinstance(v, dict):
        for k, mm in m.items():
            walk(v.get(k), mm)
    elif isinstance(m, list) and isinstance(v, list):
        for x, mm in zip(v, m):
            walk(x, mm)
addrs = []
for rc in rcs:
    c = rc.get("change") or {}
    n = len(out)
    walk(c.get("after"), c.get("after_sensitive"))
    walk(c.get("before"), c.get("before_sensitive"))
    if len(out) > n and rc.get("address"):
        addrs.append(rc["address"])
if not addrs:
    sys.exit(1)
print("ADDR " + addrs[0])
for s in sorted(set(out)):
    print("SECRET " + s)
PY
        addr=$(sed -n 's/^ADDR //p' "$tmp/secrets")
        name=${plan#"$plans"/}
        if ! "$VETO" fixture cut "$plan" --address "$addr" >"$tmp/cut" 2>"$tmp/err"; then
            echo "FAIL: fixture cut $name --address $addr: $(cat "$tmp/err")"
            failed=$((failed + 1))
            continue
        fi
        leak=""
        while IFS= read -r secret; do
            if grep -qF -- "$secret" "$tmp/cut"; then leak=$secret; fi
        done <<EOS
$(sed -n 's/^SECRET //p' "$tmp/secrets")
EOS
        if [ -n "$leak" ]; then
            echo "FAIL: fixture cut $name --address $addr leaks a sensitive value"
            failed=$((failed + 1))
        elif ! grep -q '"(sensitive)"' "$tmp/cut"; then
            echo "FAIL: fixture cut $name --address $addr shows no placeholder"
            failed=$((failed + 1))
        else
            passed=$((passed + 1))
        fi
    done <"$tmp/plans"
else
    echo "skipped: fixture cuts of shared plans ($plans is absent)"
    skipped=$((skipped + 1))
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
