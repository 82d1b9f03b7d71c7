#!/bin/sh
# tests/run-fixtures.sh — evaluate simple policies on every shared fixture plan.
#
# For every *.json under the fixture plans folder (../shared/fixtures/plans
# from the repository root; VETO_FIXTURES=DIR overrides the fixtures root,
# DIR/plans or DIR itself) it runs
#
#   $VETO eval --format json tests/fixtures-policies/*.veto --input PLAN
#   $VETO expr --input PLAN 'count(input.resource_changes ?? [])'
#
# and checks, for a readable plan:
#   eval    exit 0 or 1 (never 2/3, never a signal), a JSON decision on stdout
#   counts  the tf module's counts (total, managed, data, and per normalised
#           action) equal what jq computes from the same file
#   missing a path into missing attributes is undefined: no FIX-MISSING deny
#           fires and the warn message reads "missing=undefined"
#   quant   "all-actions-known" always holds; "has-destroy" holds exactly
#           when jq finds a "delete" among the actions; no FIX-QUANT deny
#   expr    `veto expr` counts the same number of resource changes as jq
# and, for a file listed in tests/fixtures-policies/input-errors.list
# (truncated or malformed JSON): exit 2 with an error on stderr naming the
# file, for both eval and expr. UTF-16 plans (what PowerShell's `>` writes)
# are read by veto, which transcodes them; jq sees them through iconv, so
# their counts are checked like any other plan's.
#
# Prints one line per failure, then "N passed, N failed" ("0 passed, 0 failed,
# 1 skipped" when there are no fixture plans); exits 1 on any failure. $VETO defaults to ./build/veto (tests/run-all.sh exports it).
set -u

here=$(pwd)
cd "$(dirname "$0")/.." || exit 2
root=$(pwd)

VETO=${VETO:-./build/veto}
case $VETO in
/*) ;;
*/*) if [ -x "$here/$VETO" ]; then VETO="$here/$VETO"; else VETO="$root/$VETO"; fi ;;
esac

fixtures=${VETO_FIXTURES:-$root/../shared/fixtures}
if [ -d "$fixtures/plans" ]; then plans="$fixtures/plans"; else plans="$fixtures"; fi
if [ ! -d "$plans" ]; then
    echo "skipped: run-fixtures: no fixture plans at $plans (set VETO_FIXTURES)"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
if [ ! -x "$VETO" ]; then
    echo "run-fixtures: $VETO is not an executable; build first (make)"
    echo "0 passed, 1 failed"
    exit 1
fi
have_jq=1
command -v jq >/dev/null 2>&1 || { have_jq=0; echo "run-fixtures: jq not found: count checks skipped"; }
if command -v timeout >/dev/null 2>&1; then limit="timeout 120"; else limit=""; fi

policies="$root/tests/fixtures-policies"
errlist="$policies/input-errors.list"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/veto-fixtures.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL $rel: $*"; }

# The listed reason when the file is an expected input error, else nothing.
expected_error() {
    grep -v '^#' "$errlist" | awk -v f="$1" '$1 == f { $1 = ""; sub(/^ +/, ""); print; found = 1 } END { exit !found }'
}

# jq's view of a plan: counts by mode and normalised action, and whether any
# change destroys something. Keys match the FIX-COUNTS message.
jq_counts='
  [.resource_changes // [] | .[] | select(type == "object")] as $rc
  | ($rc | map(select((.mode // "managed") == "managed"))) as $m
  | ($m | map(.change.actions // [] |
        if length == 2 and index("create") != null and index("delete") != null then "replace"
        elif length == 1 then .[0] else "unknown" end)) as $acts
  | "counts: total=\(.resource_changes // [] | length) managed=\($m | length)"
    + " data=\($rc | map(select(.mode == "data")) | length)"
    + " create=\($acts | map(select(. == "create")) | length)"
    + " update=\($acts | map(select(. == "update")) | length)"
    + " delete=\($acts | map(select(. == "delete")) | length)"
    + " replace=\($acts | map(select(. == "replace")) | length)"
    + " no-op=\($acts | map(select(. == "no-op")) | length)"'
jq_destroy='[.resource_changes // [] | .[] | .change.actions // [] | index("delete")] | any(. != null)'

find "$plans" -type f -name '*.json' | LC_ALL=C sort > "$tmp/list"
nplans=0
while IFS= read -r plan; do
    rel=${plan#"$plans"/}
    nplans=$((nplans + 1))
    out="$tmp/out" err="$tmp/err"
    $limit "$VETO" eval --format json "$policies"/*.veto --input "$plan" >"$out" 2>"$err"
    rc=$?

    if reason=$(expected_error "$rel"); then
        name=$(basename "$plan")
        if [ "$rc" -ne 2 ]; then
            bad "expected an input error ($reason): eval exit $rc, want 2"
        elif ! grep -q . "$err"; then
            bad "eval exit 2 without a message on stderr"
        elif ! grep -qF "$name" "$err"; then
            bad "eval error does not name the file: $(head -n 1 "$err")"
        else
            ok
        fi
        $limit "$VETO" expr --input "$plan" 'count(input.resource_changes ?? [])' >"$out" 2>"$err"
        rc=$?
        if [ "$rc" -eq 2 ] && grep -q . "$err"; then ok; else bad "expr on an unreadable input: exit $rc, want 2 with a message"; fi
        continue
    fi

    # eval: no crash, exit 0/1, a JSON decision.
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
        bad "eval exit $rc (want 0 or 1): $(head -n 3 "$err" | tr '\n' ' ')"
        continue
    fi
    if [ "$have_jq" -eq 0 ]; then ok; continue; fi
    if ! jq -e '.outcome and (.results | type == "array")' "$out" >/dev/null 2>&1; then
        bad "eval did not print a JSON decision with outcome and results"
        continue
    fi
    ok

    # jq reads UTF-8 only: give it a transcoded copy of a UTF-16 plan.
    jqplan=$plan
    case $(head -c 2 "$plan" | od -An -tx1 | tr -d ' ') in
    fffe | feff)
        if iconv -f UTF-16 -t UTF-8 "$plan" >"$tmp/utf8.json" 2>/dev/null; then
            jqplan="$tmp/utf8.json"
        else
            bad "UTF-16 plan that iconv cannot convert"
            continue
        fi ;;
    esac

    # counts: the tf module against jq.
    want=$(jq -r "$jq_counts" "$jqplan")
    got=$(jq -r '[.results[] | select(.policy_id == "FIX-COUNTS") | .message] | .[0] // "(no FIX-COUNTS result)"' "$out")
    if [ "$got" = "$want" ]; then ok; else bad "counts: veto '$got', jq '$want'"; fi

    # missing paths: undefined, no deny, the fallback message.
    got=$(jq -r '[.results[] | select(.policy_id == "FIX-MISSING") | "\(.rule): \(.message)"] | join(" | ")' "$out")
    if [ "$got" = "warn: missing=undefined" ]; then ok; else bad "missing paths: got '$got'"; fi

    # quantifiers.
    destroy=$(jq -r "$jq_destroy" "$jqplan")
    if [ "$destroy" = true ]; then want="warn: all-actions-known | warn: has-destroy"; else want="warn: all-actions-known"; fi
    got=$(jq -r '[.results[] | select(.policy_id == "FIX-QUANT") | "\(.rule): \(.message)"] | sort | join(" | ")' "$out")
    if [ "$got" = "$want" ]; then ok; else bad "quantifiers: veto '$got', want '$want'"; fi

    # expr: the same count through `veto expr`.
    want=$(jq -r '.resource_changes // [] | length' "$jqplan")
    got=$($limit "$VETO" expr --input "$plan" 'count(input.resource_changes ?? [])' 2>"$err")
    rc=$?
    if [ "$rc" -eq 0 ] && [ "$got" = "$want" ]; then ok; else bad "expr count: exit $rc, got '$got', jq '$want' $(head -n 1 "$err")"; fi
done < "$tmp/list"

# Every listed input error must exist, so the list cannot rot silently.
grep -v '^#' "$errlist" | awk 'NF { print $1 }' | while IFS= read -r f; do
    [ -f "$plans/$f" ] || echo "note: $f is listed in input-errors.list but absent from $plans"
done

echo "run-fixtures: $nplans fixture files under $plans"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
