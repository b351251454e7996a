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
echo "1..$((count + 2 + 4))"  # + the 4 width checks
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
# Lessons 1, 5, 9 and 11 (the issue's walk-through): no text line wider than
# a 100-column terminal (views are drawn 100 wide; the auto-only replies to
# wrong answers are left out). Wider lines are reported as TAP comments for
# the other lessons, not failed. Not yet held to it: the note "(the
# debugger was at ...; the lesson moves it to ...)", which the lessons'
# debugger_to prints (that helper is moving into the runner; up to 119
# columns in lesson 9).
wide_lines() {
    # (a UTF-8 character counts as one column: sed makes each one byte)
    LC_ALL=C sed 's/[\xC0-\xFF][\x80-\xBF]*/x/g' "$tmp/out" |
        awk '!/^   \((wrong|its hint): / && !/^\(the debugger was at / && length($0) > 100' >"$tmp/wide"
    case " 1 5 9 11 " in
    *" $1 "*)
        n=$((n + 1))
        if [ -s "$tmp/wide" ]; then
            echo "not ok $n - lesson $1: no line wider than 100 columns"
        else
            echo "ok $n - lesson $1: no line wider than 100 columns"
        fi ;;
    esac
    sed 's/^/# wider than 100 columns: /' "$tmp/wide"
}
for file in $lessons; do
    n=$((n + 1))
    number=$(echo "$file" | sed 's/^0*\([0-9]*\)_.*/\1/')
    if "$nnstep" --lesson "$number" --auto </dev/null >"$tmp/out" 2>&1 &&
       grep -q "^Lesson $number is done\.$" "$tmp/out"; then
        echo "ok $n - lesson $number ($file) runs unattended"
        wide_lines "$number"
    else
        echo "not ok $n - lesson $number ($file) runs unattended"
        tail -20 "$tmp/out" | sed 's/^/# /'
    fi
done
