#!/bin/sh
# run-golden.sh — golden tests: run each case's command, compare its whole
# output with the case's `expected` file. The format is in tests/golden/README.md.
#
#   sh tests/run-golden.sh [FILTER...]     run every case (or those whose path
#                                          contains one of the FILTERs)
#   UPDATE_GOLDEN=1 sh tests/run-golden.sh rewrite `expected` from what runs now
#
# VETO names the binary (default: build/veto); it is exported as an absolute
# path, with VETO_ROOT (the repository root), to every case. VETO_FIXTURES
# names the shared fixtures folder (default: ../shared/fixtures beside the
# repository), exported as an absolute path; a case with a file
# `needs-fixtures` is skipped when that folder is not here, and otherwise
# runs with VETO_ROOT_VIEW, a view of the repository root whose
# ../shared/fixtures is VETO_FIXTURES. Ends with the line "N passed,
# N failed" (", N skipped" when a case was skipped); exits non-zero when any
# case failed.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
golden="$root/tests/golden"
VETO=${VETO:-$root/build/veto}
case $VETO in /*) ;; *) VETO="$(pwd)/$VETO" ;; esac
if [ ! -x "$VETO" ]; then
    echo "run-golden: no veto binary at $VETO (run make first, or set VETO)" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
VETO_ROOT=$root
export VETO VETO_ROOT
# fixtures_name: the folder as the skip notes name it.
fixtures_name=${VETO_FIXTURES:-../shared/fixtures}
[ "$fixtures_name" != "$root/../shared/fixtures" ] || fixtures_name=../shared/fixtures
VETO_FIXTURES=${VETO_FIXTURES:-$root/../shared/fixtures}
case $VETO_FIXTURES in /*) ;; *) VETO_FIXTURES="$(pwd)/$VETO_FIXTURES" ;; esac
export VETO_FIXTURES
# Cases must not depend on the caller's locale, time zone or colours.
LC_ALL=C TZ=UTC
export LC_ALL TZ
unset NO_COLOR
timeout_s=${GOLDEN_TIMEOUT:-60}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# The expected output of a case that reads the fixtures names them as the
# command does: ../shared/fixtures/..., from the repository root. So that the
# name means VETO_FIXTURES wherever that folder is, such a case runs from
# VETO_ROOT_VIEW: a directory of links to every entry of the repository
# root, beside shared/fixtures, a link to VETO_FIXTURES.
unset VETO_ROOT_VIEW
have_fixtures=0
if [ -d "$VETO_FIXTURES" ]; then
    have_fixtures=1
    mkdir "$tmp/view" "$tmp/view/repo" "$tmp/view/shared"
    ln -s "$VETO_FIXTURES" "$tmp/view/shared/fixtures"
    for entry in "$root"/* "$root"/.[!.]*; do
        if [ -e "$entry" ]; then ln -s "$entry" "$tmp/view/repo/"; fi
    done
    VETO_ROOT_VIEW=$tmp/view/repo
    export VETO_ROOT_VIEW
fi

# Writes the output and exit line of the case in directory $1 to file $2.
run_case() {
    rc=0
    (cd "$1" && exec timeout "$timeout_s" sh ./cmd) </dev/null >"$2" 2>&1 || rc=$?
    # The exit line goes on a line of its own even when the output lacks a
    # final newline.
    if [ -s "$2" ] && [ "$(tail -c 1 "$2" | wc -l)" -eq 0 ]; then
        echo >>"$2"
    fi
    echo "exit: $rc" >>"$2"
    # The policy-set hash changes with every edit of a policy or of the
    # standard library, so JSON records show it masked; cases that check the
    # hash itself (bundle/, gate/policy-hash-*) compare hashes in their cmd,
    # and a case with a file `keep-hashes` sees it whole.
    if [ ! -f "$1/keep-hashes" ]; then
        sed -E 's/("policy_set": ?")[0-9a-f]{64}"/\1POLICY-SET-SHA256"/' "$2" >"$2.masked" &&
            mv "$2.masked" "$2"
    fi
}

passed=0
failed=0
skipped=0
updated=0
find "$golden" -name cmd -type f | LC_ALL=C sort >"$tmp/cases"
while IFS= read -r cmdfile; do
    dir=$(dirname "$cmdfile")
    name=${dir#"$golden"/}
    if [ $# -gt 0 ]; then
        match=0
        for f in "$@"; do
            case $name in *"$f"*) match=1 ;; esac
        done
        [ $match -eq 1 ] || continue
    fi
    if [ -f "$dir/needs-fixtures" ] && [ $have_fixtures -eq 0 ]; then
        echo "skipped: $name: $fixtures_name not present"
        skipped=$((skipped + 1))
        continue
    fi
    run_case "$dir" "$tmp/actual"
    if [ -f "$dir/expected" ] && cmp -s "$dir/expected" "$tmp/actual"; then
        passed=$((passed + 1))
    elif [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
        cp "$tmp/actual" "$dir/expected"
        echo "updated: $name"
        updated=$((updated + 1))
        passed=$((passed + 1))
    elif [ ! -f "$dir/expected" ]; then
        echo "FAIL: $name: no expected file (run with UPDATE_GOLDEN=1 to create it)"
        sed 's/^/    /' "$tmp/actual"
        failed=$((failed + 1))
    else
        echo "FAIL: $name"
        diff -u --label "$name/expected" --label "$name/actual" "$dir/expected" "$tmp/actual" || true
        failed=$((failed + 1))
    fi
done <"$tmp/cases"

if [ $((passed + failed + skipped)) -eq 0 ]; then
    echo "run-golden: no case matched" >&2
fi
[ $updated -eq 0 ] || echo "golden: $updated expected files updated"
if [ $skipped -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ $failed -eq 0 ]
