#!/bin/sh
# lessons.sh: every lesson runs unattended (nnstep --lesson N --auto): its
# code runs, every exercise rejects its wrong answer and accepts its model
# answer, and its own checks hold. Also: --lessons lists all of them.
nnstep=${NNSTEP:-$PWD/nnstep}
dir=${NNSTEP_LESSONS_DIR:-${srcdir:-.}/lessons}
export NNSTEP_LESSONS_DIR="$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_STATE_HOME="$tmp"  # leave the learner's progress alone
lessons=$(ls "$dir" | grep -E '^[0-9][0-9]_[a-z0-9_]+\.lua$' | sort)
count=$(printf '%s\n' "$lessons" | grep -c .)
echo "1..$((count + 2))"
n=1
if [ "$count" -ge 14 ]; then echo "ok $n - there are $count lessons"; else echo "not ok $n - only $count lessons (14 wanted)"; fi
n=$((n + 1))
# Every lesson file's number is on exactly one line of the listing (a
# lesson line: two spaces, the done mark or a space, the number, a dot),
# and there are as many lesson lines as files; the groups come in the
# course's order. (lessons_list.sh tests the grouping on lessons of its own.)
listed_once() {
    for file in $lessons; do
        number=$(echo "$file" | sed 's/^0*\([0-9]*\)_.*/\1/')
        [ "$(grep -cE "^  (✓| ) +$number\. " "$tmp/list")" -eq 1 ] || return 1
    done
    [ "$(grep -cE '^  (✓| ) +[0-9]+\. ' "$tmp/list")" -eq "$count" ] &&
        [ "$(grep -E '^[A-Z]' "$tmp/list" | sed 's/:.*//' | head -4 | tr '\n' '/')" = \
          'Basics/Convolutional networks (CNN)/Recurrent networks (RNN)/In practice/' ]
}
if "$nnstep" --lessons >"$tmp/list" 2>&1 && listed_once; then
    echo "ok $n - nnstep --lessons lists them all, once each, in their groups"
else
    echo "not ok $n - nnstep --lessons lists them all, once each, in their groups"
    sed 's/^/# /' "$tmp/list"
fi
for file in $lessons; do
    n=$((n + 1))
    number=$(echo "$file" | sed 's/^0*\([0-9]*\)_.*/\1/')
    if "$nnstep" --lesson "$number" --auto </dev/null >"$tmp/out" 2>&1 &&
       grep -q "^Lesson $number is done\.$" "$tmp/out"; then
        echo "ok $n - lesson $number ($file) runs unattended"
    else
        echo "not ok $n - lesson $number ($file) runs unattended"
        tail -20 "$tmp/out" | sed 's/^/# /'
    fi
done
