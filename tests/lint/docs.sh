#!/usr/bin/env bash
# The rules that keep the docs and the tree honest, checked over the checkout
# (label lint; make check):
#   snippets   every fenced block in README.md, CONTRIBUTING.md and docs/ is marked,
#              on the line before it, either <!-- snippet: NAME --> (a test runs it
#              verbatim, or uses it as a file) or <!-- not run: WHY -->. Each snippet
#              NAME is unique in its file and named literally by a test: a file under
#              tests/ or bench/ that names both the doc and NAME (a snippet a test picks
#              through a variable is listed there literally all the same).
#   platforms  a list of every platform (Dockerfile, docs: --platform lists of more than
#              two, and the text after <!-- platforms: every arch -->) is the arch table's,
#              in its order.
#   pointers   a path of the tree named in a tracked text file (src/…, tests/…, docs/…,
#              scripts/…, cmake/…, bench/…, seccomp/…) exists.
#   lines      no shell line is longer than PAUSE_SHELL_LINE_LIMIT (120) characters.
# Usage: docs.sh [checkout]   (default: this one). Prints every finding; exit 1 if any.
. "$(dirname "$0")/../lib/harness.sh"
needs git awk deadline=120
root=$(realpath "${1:-$top}")
cd "$root"
findings=()
finding() { findings+=("$1"); echo "FINDING: $1" >&2; }
docs=(README.md CONTRIBUTING.md docs/*.md)

# --- snippets ---
# Each block: "<file>:<line>:<marker or nothing>". A fence is ``` or longer; it
# closes with at least as many backticks (a block may show a fenced block).
blocks() {
  awk '
    match($0, /^ *```+/) {
      fence = substr($0, RSTART, RLENGTH); sub(/^ */, "", fence)
      if (open == "") { open = fence; print FILENAME ":" FNR ":" marker; next }
      if (length(fence) >= length(open) && $0 ~ /^ *`+ *$/) { open = ""; next }
    }
    open != "" { next }
    NF { line = $0; sub(/^ +/, "", line); marker = line ~ /^<!-- (snippet: [^ ]+|not run: .+) -->$/ ? line : "" }
  ' "$@"
}
declare -A named=()
while IFS= read -r block; do
  file=${block%%:*} rest=${block#*:}
  line=${rest%%:*} marker=${rest#*:}
  case $marker in
    "<!-- not run: "*) ;;
    "<!-- snippet: "*)
      name=${marker#<!-- snippet: } name=${name% -->}
      [ -z "${named[$file:$name]:-}" ] || finding \
        "$file:$line: snippet $name is marked twice (also line ${named[$file:$name]})"
      named[$file:$name]=$line
      readers=$(git grep --untracked -l -F -e "$file" -- tests bench ':!tests/lint' \
        | xargs -r grep -l -w -F -e "$name" || true)
      [ -n "$readers" ] || finding "$file:$line: snippet $name: no test names it (with $file)" ;;
    *) finding "$file:$line: a fenced block with neither <!-- snippet: NAME --> nor <!-- not run: WHY --> before it" ;;
  esac
done < <(blocks "${docs[@]}")

# --- platforms ---
every=$("$top/cmake/arches.sh" list | while read -r arch; do
  variant=$("$top/cmake/arches.sh" get "$arch" oci-variant)
  echo "linux/$arch$([ "$variant" = - ] || echo "/$variant")"
done | paste -sd,)
while IFS=: read -r file line list; do
  [ "$(tr ',' '\n' <<<"$list" | wc -l)" -le 2 ] || [ "$list" = "$every" ] \
    || finding "$file:$line: --platform $list is not every arch of cmake/arches.tsv ($every)"
done < <(grep -n -o -- '--platform linux/[^ ]*' Dockerfile "${docs[@]}" | sed 's/--platform //' |
  awk -F: '{ print $1 ":" $2 ":" $3 }')
for file in "${docs[@]}"; do
  while IFS=: read -r line text; do
    listed=$(grep -o 'linux/[a-z0-9/]*[a-z0-9]' <<<"$text" | paste -sd,)
    [ "$listed" = "$every" ] || finding \
      "$file:$line: the platforms after the marker ($listed) are not every arch ($every)"
  done < <(awk '/<!-- platforms: every arch -->/ { on = 1; start = FNR; text = ""; next }
                on && !NF { print start ":" text; on = 0; next } on { text = text " " $0 }
                END { if (on) print start ":" text }' "$file")
done

# --- pointers ---
pointer='(^|[^A-Za-z0-9_./-])(src|tests|docs|scripts|cmake|bench|seccomp)/[A-Za-z0-9_./-]*[A-Za-z0-9_]'
pointer+='\.(sh|md|tsv|cpp|h|cmake|json|txt|proto|cjs)'
while IFS=: read -r file line path; do
  path=${path%.}
  [[ ! $path =~ [A-Z]{3,} ]] || continue  # a placeholder: tests/lib/NAME.sh
  # From the top, or (CMake's and scripts' own arguments) from the file's directory.
  [ -e "$path" ] || [ -e "$(dirname "$file")/$path" ] || finding "$file:$line: names $path, which is not in the tree"
done < <(git grep --untracked -n -o -E "$pointer" \
  -- ':!*.json' ':!tests/lint/docs.sh' | sed -E 's/^([^:]*:[0-9]+:)[^A-Za-z]*/\1/')

# --- lines ---
limit=${PAUSE_SHELL_LINE_LIMIT:-120}
while IFS= read -r long; do
  finding "$long: over $limit characters"
done < <(git ls-files -z --cached --others --exclude-standard '*.sh' .ci/run \
  | xargs -0 awk -v n="$limit" 'length > n { print FILENAME ":" FNR }')

[ ${#findings[@]} = 0 ] || fail "${#findings[@]} finding(s) in $root"
pass "docs and tree: every block marked and every snippet read, platform lists whole, pointers live," \
  "shell lines within $limit"
