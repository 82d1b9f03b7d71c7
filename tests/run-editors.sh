#!/bin/sh
# run-editors.sh — the editor syntax files (editors/) against the lexer.
#
# Checks that editors/vim/syntax/veto.vim and
# editors/vscode/syntaxes/veto.tmLanguage.json are what
# scripts/gen-editor-keywords.sh generates from engine/lang/lexer.c now (so a
# keyword added to the lexer fails here until the files are regenerated),
# that each file highlights exactly the lexer's keywords (read back from the
# files, not from the generator), that --check notices a new keyword, that
# the JSON files parse, and, when vim is installed, that Vim loads the
# syntax and reads a keyword after `.` as a field name.
# Ends with "N passed, N failed[, N skipped]"; exits non-zero on failure.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
gen=scripts/gen-editor-keywords.sh
vim_syn=editors/vim/syntax/veto.vim
tm=editors/vscode/syntaxes/veto.tmLanguage.json
passed=0
failed=0
skipped=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }

sh "$gen" list 2>/dev/null | sort >"$tmp/lexer"
if [ "$(wc -l <"$tmp/lexer")" -ge 20 ]; then ok; else fail "too few keywords read from engine/lang/lexer.c"; fi

if sh "$gen" --check; then ok; else fail "editor files are stale: run sh $gen --write"; fi

# The keywords each file highlights, read back from the file itself.
sed -n 's/^syn keyword veto[A-Za-z]* //p' "$vim_syn" | grep -v '^contained' | tr ' ' '\n' |
    grep -v '^$' | sort >"$tmp/vim"
if cmp -s "$tmp/lexer" "$tmp/vim"; then ok; else
    fail "$vim_syn keywords differ from the lexer's (< lexer, > vim)"
    diff "$tmp/lexer" "$tmp/vim"
fi
grep -o '"match": "\\\\b([a-z|]*)\\\\b"' "$tm" | sed 's/.*b(\([a-z|]*\)).*/\1/' | tr '|' '\n' |
    sort >"$tmp/tm"
if cmp -s "$tmp/lexer" "$tmp/tm"; then ok; else
    fail "$tm keywords differ from the lexer's (< lexer, > tm)"
    diff "$tmp/lexer" "$tmp/tm"
fi

# A keyword added to the lexer makes --check fail.
sed 's/{"like", TK_LIKE},/{"like", TK_LIKE}, {"unless", TK_UNLESS},/' engine/lang/lexer.c >"$tmp/lexer.c"
if ! grep -q '"unless"' "$tmp/lexer.c"; then
    fail "could not add a keyword to a copy of engine/lang/lexer.c (table format changed?)"
elif LEXER="$tmp/lexer.c" sh "$gen" --check >/dev/null 2>&1; then
    fail "--check did not notice a new keyword"
elif ! LEXER="$tmp/lexer.c" sh "$gen" vim | grep -q '^syn keyword vetoKeyword unless$'; then
    fail "a keyword without a highlight class is not highlighted"
else
    ok
fi

# The JSON files parse.
for f in editors/vscode/package.json editors/vscode/language-configuration.json "$tm"; do
    if command -v jq >/dev/null 2>&1; then
        if jq empty "$f" 2>"$tmp/err"; then ok; else fail "$f: $(cat "$tmp/err")"; fi
    elif command -v python3 >/dev/null 2>&1; then
        if python3 -m json.tool "$f" >/dev/null 2>"$tmp/err"; then ok; else fail "$f: $(cat "$tmp/err")"; fi
    else
        skipped=$((skipped + 1))
    fi
done

# Vim loads the syntax: a rule keyword, a keyword after `.`, a comment.
if command -v vim >/dev/null 2>&1; then
    printf 'deny when r.after.when # note\n' >"$tmp/t.veto"
    cat >"$tmp/probe.vim" <<VIM
set rtp^=$root/editors/vim
filetype plugin on
syntax on
edit $tmp/t.veto
redir! > $tmp/vimout
echo &filetype synIDattr(synID(1,1,1),"name") synIDattr(synID(1,20,1),"name") synIDattr(synID(1,25,1),"name")
redir END
qa!
VIM
    vim -Nu NONE -es -S "$tmp/probe.vim" </dev/null >/dev/null 2>&1
    got=$(tr -d '\n' <"$tmp/vimout" 2>/dev/null)
    if [ "$got" = "veto vetoRule vetoMember vetoComment" ]; then ok; else
        fail "vim: expected 'veto vetoRule vetoMember vetoComment', got '$got'"
    fi
else
    skipped=$((skipped + 1))
fi

if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
