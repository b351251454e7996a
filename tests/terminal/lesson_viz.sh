#!/bin/sh
# lesson_viz.sh: the visualizer opened by a lesson (L:view). A line typed
# at its ':' sees the lesson's variables (m is the lesson's model, not nil;
# :debug m, x, y too), and a learner's error there, in Lua or in a command,
# is one line, no traceback. With no batch for
# the view's model while the debugger debugs another one, :where says so
# above its answer; once the learner debugs the view's model, the view and
# :where speak of the same batch. A small lesson written here, set up as
# lesson 8 was (a debugger on q, the view on m).
. "${srcdir:-.}/tests/terminal/harness.sh"

lessons=$work_dir/lessons
mkdir -p "$lessons"
cat >"$lessons/01_view.lua" <<'LESSON'
return {
  title = 'Lesson view test', minutes = 1,
  run = function(L)
    L:run([[
q = nn.Sequential{nn.Dense(1, {input_shape = {3}})}
q:compile{optimizer = 'sgd', loss = 'mse'}
d = nn.debug(q, nn.ones(2, 3), nn.ones(2, 1))
d:finish()
m = nn.Sequential{nn.Dense(4, {input_shape = {3}}), nn.Dense(2)}
m:compile{optimizer = 'sgd', loss = 'mse'}
]])
    L:view('model', {model = L.env.m})
    L:page 'The view is closed.'
  end,
}
LESSON
NNSTEP_LESSONS_DIR=$lessons
export NNSTEP_LESSONS_DIR

no_traceback() { ! screen | grep -q 'traceback'; }

# wait until the box of a command's output is gone (any key closes it)
box_closed() {
    tries=$((timeout_seconds * 10))
    while [ "$tries" -gt 0 ]; do
        screen | grep -q '(any key closes this)' || return 0
        sleep 0.1
        tries=$((tries - 1))
    done
    return 1
}

plan 13
check 'the REPL starts' start_nnstep
type_line ':lesson 1'
wait_for '\[Enter\]'
press Enter
expect 'the lesson opens the view on m, which has no batch' '^no batch loaded'
press :
type_line 'm:count_params() * 1000 + 7'
expect "a Lua line at ':' sees the lesson's m (26 parameters)" '  26007$'
press :
type_line 'nosuch(1)'
expect "a learner's error there is one line" "error: lesson:1: attempt to call a nil value \\(global 'nosuch'\\)"
check '... with no traceback' no_traceback
press x
box_closed
press :
type_line 'where'
expect ':where in a view with no batch says the debugger debugs another model' \
    'This view has no batch\. The debugger that :where drives debugs another model,'
press x
box_closed
press :
type_line 'break nosuch'
expect "a command's error there is one line too" "nnstep: break: no layer named 'nosuch'"
check '... with no traceback' no_traceback
press x
box_closed
press :
type_line ':debug m, nn.ones(2, 3), nn.ones(2, 2)'
wait_for '(any key closes this)'
press x
expect ":debug reads the lesson's m; that debugger becomes the view's: a batch to step" \
    '^next: forward dense_1 \(step 1 of 6\)'
press s
expect '... and s steps it' '^next: forward dense_2 \(step 2 of 6\)'
press :
type_line 'where'
check ':where now answers about the same model and step, with no note' \
    on_screen '│ =>   2  forward dense_2 ' '│ batch 1/1, epoch 1/1, loss \(not yet\) '
check '... and no note' sh -c "! tmux -L '$socket' capture-pane -p -t '$session' | grep -q 'This view has no batch'"
press x
box_closed
press q
expect 'q closes the view and the lesson goes on' '^The view is closed\.$'
finish
