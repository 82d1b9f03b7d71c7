#!/bin/sh
# run-secrets.sh — no sensitive value reaches any output of `veto eval`.
#
# For every output format (text, json, junit, sarif, github, tap,
# markdown), on every plan below, with a policy that interpolates
# sensitive attributes into its messages (tests/golden/gate/data/leaky.veto,
# plus the example policies and the core's leaky policy on the example
# plan), checks that the output (stdout, stderr and every --format FILE)
# contains none of the plan's secret values, and that it does contain the
# redaction marker — so the check cannot pass by printing nothing. Also
# runs all plans as many inputs in one process.
#
# Plans: examples/plan.json (secret "hunter2-SECRET-do-not-leak"), and the
# shared fixture plans with sensitive values, when ../shared/fixtures is
# there (VETO_FIXTURES overrides): opentofu/show-json-sensitive.json
# (password "secret", ami "bar") and
# terraform-compliance/test_non_created_module_resource_parameter.json
# (an SSM parameter value and a log destination ARN).
set -u

root=${VETO_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 2
veto=${VETO:-$root/build/veto}
fixtures=${VETO_FIXTURES:-$root/../shared/fixtures}
data=tests/golden/gate/data
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
skipped=0
formats="text json junit sarif github tap markdown"

fail() {
    echo "FAIL: $*"
    failed=$((failed + 1))
}

# check NAME NEEDLES -- VETO-ARGS...: runs eval with every format at once
# (text on stdout, the others to files) and greps all output.
check() {
    name=$1
    needles=$2
    shift 2
    out="$tmp/$name"
    mkdir -p "$out"
    set -- "$@" --format text
    for f in $formats; do
        [ "$f" = text ] || set -- "$@" --format "$f=$out/out.$f"
    done
    "$veto" eval "$@" >"$out/out.text" 2>"$out/stderr"
    rc=$?
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
        fail "$name: veto eval exited $rc"
        cat "$out/stderr"
        return
    fi
    for f in $formats; do
        file="$out/out.$f"
        if [ ! -s "$file" ]; then
            fail "$name/$f: no output"
            continue
        fi
        leaked=""
        old_ifs=$IFS
        IFS='|'
        for needle in $needles; do
            if grep -qF -- "$needle" "$file" "$out/stderr"; then
                leaked="$leaked '$needle'"
            fi
        done
        IFS=$old_ifs
        if [ -n "$leaked" ]; then
            fail "$name/$f: leaked$leaked"
        elif ! grep -qF '(sensitive)' "$file"; then
            fail "$name/$f: no redaction marker, so the check proves nothing"
        else
            passed=$((passed + 1))
        fi
    done
}

example_secret='hunter2-SECRET-do-not-leak|hunter2|HUNTER2'
check example-leaky "$example_secret" \
    --policy "$data/leaky.veto" --policy tests/golden/examples/sensitive-redacted/leaky.veto \
    --policy policies-examples --input examples/plan.json \
    --source-dir "$data/tf" --waivers "$data/waivers.yaml" --context "$data/context.json"

tofu="$fixtures/plans/opentofu/show-json-sensitive.json"
tfc="$fixtures/plans/terraform-compliance/test_non_created_module_resource_parameter.json"
tofu_secret='password=secret|ami=bar|=SECRET|pw:secret|"secret"'
tfc_secret='740863752284:deliverystream|value=cc-testapi'
if [ -f "$tofu" ] && [ -f "$tfc" ]; then
    check fixture-opentofu "$tofu_secret" --policy "$data/leaky.veto" --input "$tofu"
    check fixture-tfcompliance "$tfc_secret" --policy "$data/leaky.veto" --input "$tfc"
    check many-inputs "$example_secret|$tofu_secret|$tfc_secret" --policy "$data/leaky.veto" \
        --input examples/plan.json --input "$tofu" --input "$tfc" --jobs 2
else
    echo "skipped: the shared fixture plans ($fixtures/plans) are not here"
    skipped=$((skipped + 3 * 7))
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
