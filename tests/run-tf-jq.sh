#!/bin/sh
# tests/run-tf-jq.sh — the `tf` module against jq, on every shared fixture plan.
#
# For every *.json under the fixture plans folder (../shared/fixtures/plans
# from the repository root; VETO_FIXTURES=DIR overrides the fixtures root,
# DIR/plans or DIR itself) that is a readable plan, one jq program computes
# from the raw JSON — independently of the tf module — and one
# `veto expr --input PLAN` asks the tf helpers for:
#
#   create update delete replace no-op forget   managed changes by normalised
#                           action (jq works on the raw `actions` lists)
#   read data total         changes with a "read" action, data-source changes, all
#   planned planned_addresses   resources of planned_values, child modules
#                           included (jq: recurse), and their sorted addresses
#   prior                   resources of prior_state, child modules included
#   outputs drift           output_changes and resource_drift entries
#   module_calls            module calls of the configuration, recursively
#   config_resources        resource blocks of the configuration, recursively
#   refs refs_to            for one configuration resource that references
#                           another (chosen by jq): tf.references(it) and
#                           tf.references_to(its first target), both sorted
#   versions                [format_version, terraform_version, errored]
#   by_type                 for each resource type of the managed changes, the
#                           addresses of tf.changes_of_type(type), in order
#   by_type_x4              the same selection (tf.of_type) over the managed
#                           changes repeated four times: a list long enough
#                           for the builtin's type index on every plan
#   changes_by_type         tf.changes(type, ["create", "update"]) per type
#                           (jq matches the raw actions as the module does)
#   of_types                tf.changes_of_types(every type, reversed): every
#                           managed change with a type, in plan order
#   planned_by_type         tf.planned_of_type(type) per planned type
#
# Besides the fixtures, a plan of 300 resources from bench/gen_plan.c (our
# generator: modules, every action, data sources, sensitive values) is
# checked, so the selections by type also run on a list long enough to be
# indexed without repetition.
# Each key is one check. Files listed in tests/fixtures-policies/input-errors.list
# are not plans (run-fixtures.sh checks that they are refused) and are skipped;
# so are JSON files that are not plans (no resource_changes, planned_values,
# prior_state or configuration). UTF-16 plans are given to jq through iconv.
# Prints one line per failure, then "N passed, N failed" ("0 passed, 0 failed,
# 1 skipped" without fixture plans or without jq).
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
    echo "skipped: run-tf-jq: no fixture plans at $plans (set VETO_FIXTURES)"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
if ! command -v jq >/dev/null 2>&1; then
    echo "skipped: run-tf-jq: jq not found"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
if [ ! -x "$VETO" ]; then
    echo "run-tf-jq: $VETO is not an executable; build first (make)"
    echo "0 passed, 1 failed"
    exit 1
fi
if command -v timeout >/dev/null 2>&1; then limit="timeout 120"; else limit=""; fi

errlist="$root/tests/fixtures-policies/input-errors.list"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/veto-tf-jq.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

passed=0
failed=0
skipped=0

# jq: every configuration module with its address prefix ("" for the root),
# every configuration resource with its full address and the resources its
# references name (var., local., module., count., each., path., self,
# terraform. are not resources; index keys are dropped).
jq_defs='
def walkmods($p): {p: $p, m: .},
  ((.module_calls // {}) | to_entries[] | .key as $k
   | (.value.module // {})
   | walkmods(if $p == "" then "module.\($k)" else "\($p).module.\($k)" end));
def full($p; $a): if $p == "" then $a else "\($p).\($a)" end;
def target($p):
  gsub("\\[(\"([^\"\\\\]|\\\\.)*\"|[0-9]+|\\*)\\]"; "") | split(".")
  | if .[0] == "data" then (if length >= 3 then full($p; "data.\(.[1]).\(.[2])") else empty end)
    elif (.[0] | IN("var", "local", "module", "count", "each", "path", "self", "terraform", "output")) then empty
    elif length >= 2 then full($p; "\(.[0]).\(.[1])")
    else empty end;
def config_resources:
  [(.configuration.root_module // {}) | walkmods("") | .p as $p | .m.resources // [] | .[]
   | select(type == "object")
   | {address: full($p; .address),
      targets: ([[.expressions, .count_expression, .for_each_expression]
                 | .. | objects | .references? // empty | .[] | strings]
                | unique | map(target($p)) | unique)}];
def norm: if length == 2 and index("create") != null and (index("delete") != null or index("forget") != null)
          then "replace" elif length == 1 then .[0] else "unknown" end;
def state_resources: [recurse(.child_modules // [] | .[]) | .resources // [] | .[] | select(type == "object")];
'

jq_view="$jq_defs"'
  [.resource_changes // [] | .[] | select(type == "object")] as $rc
  | ($rc | map(select((.mode // "managed") == "managed") | .change.actions // [] | norm)) as $acts
  | ($rc | map(select((.mode // "managed") == "managed"))) as $man
  | ([$man[] | .type | strings] | unique) as $types
  | (.planned_values.root_module // {} | state_resources) as $pl
  | config_resources as $cr
  | ([$cr[] | select(.targets | length > 0)] | .[0]) as $pick
  | {
      create: ($acts | map(select(. == "create")) | length),
      update: ($acts | map(select(. == "update")) | length),
      delete: ($acts | map(select(. == "delete")) | length),
      replace: ($acts | map(select(. == "replace")) | length),
      "no-op": ($acts | map(select(. == "no-op")) | length),
      forget: ($rc | map(select((.mode // "managed") == "managed" and ((.change.actions // []) | index("forget") != null))) | length),
      read: ($rc | map(select((.change.actions // []) | index("read") != null)) | length),
      data: ($rc | map(select(.mode == "data")) | length),
      total: ($rc | length),
      planned: (.planned_values.root_module // {} | state_resources | length),
      planned_addresses: (.planned_values.root_module // {} | state_resources | map(.address) | sort),
      prior: (.prior_state.values.root_module // {} | state_resources | length),
      outputs: (.output_changes // {} | length),
      drift: (.resource_drift // [] | length),
      module_calls: ([(.configuration.root_module // {}) | walkmods("") | .m.module_calls // {} | length] | add // 0),
      config_resources: ($cr | length),
      pick: ($pick.address // null),
      pick_target: ($pick.targets[0] // null),
      refs: ($pick.targets // []),
      refs_to: (if $pick then [$cr[] | select(.targets | index($pick.targets[0]) != null) | .address] | sort else [] end),
      versions: [.format_version // null, .terraform_version // null, .errored // false],
      by_type: ([$types[] as $t | {key: $t, value: [$man[] | select(.type == $t) | .address | strings]}] | from_entries),
      by_type_x4: ([$types[] as $t | {key: $t, value: ([$man[] | select(.type == $t) | .address | strings] | . + . + . + .)}] | from_entries),
      changes_by_type: ([$types[] as $t | {key: $t, value: [$man[] | select(.type == $t)
        | select((.change.actions // []) as $a | ["create", "update"] as $want
                 | ($want | index($a | norm)) != null or any($a[]; . as $x | $want | index($x) != null))
        | .address | strings]}] | from_entries),
      of_types: [$man[] | select(.type | type == "string") | .address | strings],
      planned_by_type: ([$pl[] | .type | strings] | unique | map(. as $t | {key: $t, value: [$pl[] | select(.type == $t) | .address | strings]}) | from_entries)
    }'

# The veto side; PICK and TARGET are JSON string literals (or null).
veto_expr() {
    cat <<EOF
{
  "create": count(tf.creates()),
  "update": count(tf.updates()),
  "delete": count(tf.deletes()),
  "replace": count(tf.replacements()),
  "no-op": count(tf.no_ops()),
  "forget": count(tf.forgets()),
  "read": count(tf.changes_where({"action": "read"})),
  "data": count(tf.changes_by_mode("data")),
  "total": count(tf.all_changes()),
  "planned": count(tf.planned_resources()),
  "planned_addresses": sort([r.address for r in tf.planned_resources()]),
  "prior": count(tf.prior_resources()),
  "outputs": count(tf.output_changes()),
  "drift": count(tf.drift()),
  "module_calls": count(tf.module_calls()),
  "config_resources": count(tf.config_resources()),
  "refs": if $1 == null then [] else sort(tf.references($1)),
  "refs_to": if $2 == null then [] else sort(tf.references_to($2)),
  "versions": [tf.format_version(), tf.terraform_version(), tf.errored()],
  "by_type": {
    t: [r.address for r in tf.changes_of_type(t) if is_string(r.address)]
    for t in unique([r.type for r in tf.resource_changes() if is_string(r.type)])
  },
  "by_type_x4": {
    t: [
      r.address
      for r in tf.of_type(tf.resource_changes() + tf.resource_changes() + tf.resource_changes()
        + tf.resource_changes(), t)
      if is_string(r.address)
    ]
    for t in unique([r.type for r in tf.resource_changes() if is_string(r.type)])
  },
  "changes_by_type": {
    t: [r.address for r in tf.changes(t, ["create", "update"]) if is_string(r.address)]
    for t in unique([r.type for r in tf.resource_changes() if is_string(r.type)])
  },
  "of_types": [
    r.address
    for r in tf.changes_of_types(reverse(unique([r.type for r in tf.resource_changes() if is_string(r.type)])))
    if is_string(r.address)
  ],
  "planned_by_type": {
    t: [r.address for r in tf.planned_of_type(t) if is_string(r.address)]
    for t in unique([r.type for r in tf.planned_resources() if is_string(r.type)])
  },
}
EOF
}

keys="create update delete replace no-op forget read data total planned planned_addresses prior outputs drift module_calls config_resources refs refs_to versions by_type by_type_x4 changes_by_type of_types planned_by_type"

find "$plans" -type f -name '*.json' | LC_ALL=C sort > "$tmp/list"
if ${CC:-cc} -O2 -std=c11 -o "$tmp/gen_plan" bench/gen_plan.c 2>"$tmp/err" &&
    "$tmp/gen_plan" 300 >"$tmp/gen-300.json"; then
    echo "$tmp/gen-300.json" >>"$tmp/list"
else
    failed=$((failed + 1))
    echo "FAIL bench/gen_plan.c: $(head -n 1 "$tmp/err")"
fi
nplans=0
while IFS= read -r plan; do
    rel=${plan#"$plans"/}
    if grep -v '^#' "$errlist" 2>/dev/null | awk -v f="$rel" '$1 == f { found = 1 } END { exit !found }'; then
        skipped=$((skipped + 1))
        continue
    fi
    jqplan=$plan
    case $(head -c 2 "$plan" | od -An -tx1 | tr -d ' ') in
    fffe | feff)
        if iconv -f UTF-16 -t UTF-8 "$plan" >"$tmp/utf8.json" 2>/dev/null; then
            jqplan="$tmp/utf8.json"
        else
            failed=$((failed + 1))
            echo "FAIL $rel: UTF-16 plan that iconv cannot convert"
            continue
        fi ;;
    esac
    if ! jq -e 'type == "object" and (has("resource_changes") or has("planned_values") or has("prior_state") or has("configuration"))' \
        "$jqplan" >/dev/null 2>&1; then
        skipped=$((skipped + 1))
        continue
    fi
    nplans=$((nplans + 1))
    if ! jq -c "$jq_view" "$jqplan" >"$tmp/want" 2>"$tmp/err"; then
        failed=$((failed + 1))
        echo "FAIL $rel: jq: $(head -n 1 "$tmp/err")"
        continue
    fi
    pick=$(jq -c '.pick' "$tmp/want")
    target=$(jq -c '.pick_target' "$tmp/want")
    veto_expr "$pick" "$target" >"$tmp/expr"
    if ! $limit "$VETO" expr --input "$plan" - <"$tmp/expr" >"$tmp/got.raw" 2>"$tmp/err" ||
        ! jq -c . "$tmp/got.raw" >"$tmp/got" 2>/dev/null; then
        failed=$((failed + 1))
        echo "FAIL $rel: veto expr failed: $(head -n 3 "$tmp/err" | tr '\n' ' ')"
        continue
    fi
    # One jq compares every key: "ok KEY" or "bad KEY: veto X, jq Y".
    jq -r -n --slurpfile w "$tmp/want" --slurpfile g "$tmp/got" --arg keys "$keys" '
        $w[0] as $w | $g[0] as $g | $keys | split(" ")[] as $k
        | if $g[$k] == $w[$k] then "ok \($k)"
          else "bad \($k): veto \($g[$k] | tojson), jq \($w[$k] | tojson)" end' >"$tmp/cmp"
    n_ok=$(grep -c '^ok ' "$tmp/cmp")
    n_keys=$(printf '%s\n' $keys | grep -c .)
    passed=$((passed + n_ok))
    failed=$((failed + n_keys - n_ok))
    grep '^bad ' "$tmp/cmp" | sed "s|^bad |FAIL $rel: |"
done < "$tmp/list"

echo "run-tf-jq: $nplans plans checked, $skipped files skipped (not plans) under $plans"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
