#!/bin/sh
# lessons_list.sh: nnstep --lessons groups the lessons (basics, CNN, RNN,
# practice; a lesson without a known group last, under "More"), with each
# group's count and minutes, each lesson's minutes and the lessons it builds
# on, and a mark on those finished. Starting a lesson before the ones it
# builds on says which to take first, in one line, and goes on. Lessons of
# its own, written here; no terminal needed (output piped).
nnstep=${NNSTEP:-$PWD/nnstep}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_STATE_HOME="$tmp/state" NNSTEP_LESSONS_DIR="$tmp/lessons"
mkdir -p "$tmp/lessons" "$tmp/state/nnstep"

# lesson FILE TITLE MINUTES EXTRA: a lesson of one page whose table has EXTRA
lesson() {
    cat >"$tmp/lessons/$1" <<LESSON
return {
  title = '$2',
  minutes = $3,$4
  run = function(L) L:page('The only page.') end,
}
LESSON
}
lesson 01_first.lua 'First steps' 10 "
  group = 'basics', requires = {},"
lesson 02_second.lua 'Second steps' 12 "
  group = 'basics', requires = {1},"
lesson 03_kernels.lua 'Kernels' 15 "
  group = 'CNN', requires = {1, 2},"
lesson 04_practice.lua 'In practice' 5 "
  group = 'practice', requires = {3},"
lesson 05_loops.lua 'Loops' 7 "
  group = 'RNN', requires = {2, 3, 4},"
lesson 06_bare.lua 'No group, no requires' 9 ''
printf '1\n2\n' >"$tmp/state/nnstep/lessons"  # lessons 1 and 2 are done

n=0
ok() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

echo "1..6"
"$nnstep" --lessons >"$tmp/list" 2>&1
cat >"$tmp/expected" <<'LIST'
Basics: 2 lessons, 22 min
  ✓  1. First steps                                              10 min
  ✓  2. Second steps                                             12 min  after 1

Convolutional networks (CNN): 1 lesson, 15 min
     3. Kernels                                                  15 min  after 1 and 2

Recurrent networks (RNN): 1 lesson, 7 min
     5. Loops                                                     7 min  after 2, 3 and 4

In practice: 1 lesson, 5 min
     4. In practice                                               5 min  after 3

More: 1 lesson, 9 min
     6. No group, no requires                                     9 min

Start one with nnstep --lesson N (or :lesson N at the REPL). ✓: finished.
LIST
diff "$tmp/expected" "$tmp/list" >"$tmp/diff"
ok $? 'the lessons in their groups (course order; no group: More), minutes, prerequisites, done marks'
sed 's/^/# /' "$tmp/diff"

# Started before its prerequisites: one line names those not finished
# (2 is done, 3 and 4 are not), then the lesson goes on.
printf '\n' | "$nnstep" --lesson 5 >"$tmp/out" 2>&1
grep -qx '(Lesson 5 builds on lessons 3 and 4, which you have not finished:' "$tmp/out" &&
  grep -qx ' you may want to take them first. Going on.)' "$tmp/out"
ok $? 'a lesson started before its prerequisites says which to take first'
! grep -q 'builds on' "$tmp/out" || [ "$(grep -A1 'builds on' "$tmp/out" | awk '{ if (length($0) > 80) n++ } END { print n + 0 }')" = 0 ]
ok $? '... in lines that fit 80 columns'
grep -q '^Lesson 5 is done\.$' "$tmp/out"
ok $? '... and goes on (not a refusal)'
printf '\n' | "$nnstep" --lesson 2 >"$tmp/out2" 2>&1
! grep -q 'builds on' "$tmp/out2" && grep -q '^Lesson 2 is done\.$' "$tmp/out2"
ok $? 'no such line when the prerequisites are done (or there are none)'
printf '\n' | "$nnstep" --lesson 6 >"$tmp/out3" 2>&1
! grep -q 'builds on' "$tmp/out3" && grep -q '^Lesson 6 is done\.$' "$tmp/out3"
ok $? 'a lesson without requires needs none'
