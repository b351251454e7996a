#!/bin/sh
# lesson_positions.sh: lessons 9 and 11 go on wherever the learner left
# the debugger (issue 18 item 4). Typed input, piped: the learner runs the
# batch to its end (:finish, as s until "batch done" in a view does) at the
# prompt where the lesson asks for conv2d_2's backward step, and steps the
# update (:step) before copying the weights. Each time the lesson moves the
# debugger where it needs it and says so; its checks hold, its closing page
# comes and it is marked done. Blank lines before an answer are taken by
# the pages and tries before the exercise; the rest are no attempt there.
# Training is cut to 500 images at the p2 exercise, as a learner may do.
# Lesson 11: the learner runs the batch to its end after the lstm view
# (as s in the view does); the lesson moves the debugger back for
# backpropagation through time.
nnstep=${NNSTEP:-$PWD/nnstep}
export NNSTEP_LESSONS_DIR="${NNSTEP_LESSONS_DIR:-${srcdir:-.}/lessons}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_STATE_HOME="$tmp" HOME="$tmp"  # leave the learner's progress alone

blanks() { i=0; while [ "$i" -lt "$1" ]; do echo; i=$((i + 1)); done; }
typed() {
    blanks 40
    echo 'name3 = train.class_names[train.y[3] + 1]'
    blanks 40
    echo 'x, y, x_test, y_test = x:slice(1, 500), y:slice(1, 500), x_test:slice(1, 500), y_test:slice(1, 500)'
    echo 'p2 = 3 * 3 * 32 * 64 + 64'
    blanks 40
    echo 'loss2 = -math.log(p[2][train.y[2] + 1])'
    blanks 40
    echo "d:break_at('conv2d_2 backward'); d:continue()"
    blanks 2          # the page, the featuremaps view
    echo ':finish'    # at the try "d:step()": the batch runs to its end
    blanks 6          # d:step(), explain, e.sum, update, the page, the gradients view
    echo ':step'      # at the try "w = ...": the update runs before the copy
    blanks 40
}

echo 1..8
typed | "$nnstep" --lesson 9 >"$tmp/out" 2>&1
n=0
result() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; tail -30 "$tmp/out" | sed 's/^/# /'; fi
}
grep -q '^(the debugger was at the end of the batch (all 16 steps done); the lesson moves it back to backward max_pooling2d_1 (step 14 of 16); stepping back undoes the update)$' "$tmp/out"
result $? 'after :finish the lesson moves the debugger back to where it needs it, and says so'
grep -q '^(w does not hold the weights before the update; the lesson copies it again, here)$' "$tmp/out"
result $? 'w copied after the update: the lesson copies it again, and says so'
! grep -q 'lesson check failed\|stopped:.*lesson' "$tmp/out"
result $? 'no lesson check fails'
grep -q '^Next, lesson 10: networks that read sequences' "$tmp/out"
result $? 'the closing page comes'
grep -q "^Lesson 9 is done\.$" "$tmp/out" && grep -qx 9 "$tmp/nnstep/lessons"
result $? 'the lesson is marked done'

typed11() {
    blanks 40
    echo 'c2 = s.f[1][2] * s.c[1][1] + s.i[1][2] * s.g[1][2]'
    blanks 3          # d:next(), the page, the lstm view
    echo ':finish'    # at the try "s.f:mean()": the batch runs to its end
    blanks 40
    echo 'hT = s.o[1][20] * s.c[1][20]:tanh()'
    blanks 40
    echo "gate = 'o'"
    blanks 10
}
typed11 | "$nnstep" --lesson 11 >"$tmp/out" 2>&1
grep -q '(the debugger was at the end of the batch (all 44 steps done); the lesson moves it back to forward dense_1 (step 21 of 44); stepping back undoes the update)$' "$tmp/out"
result $? 'lesson 11: after :finish the lesson moves the debugger back before the Dense layer, and says so'
! grep -q 'lesson check failed\|stopped:.*lesson' "$tmp/out"
result $? 'lesson 11: no lesson check fails'
grep -q "^Lesson 11 is done\.$" "$tmp/out" && grep -qx 11 "$tmp/nnstep/lessons"
result $? 'lesson 11: the lesson is done and marked done'
