#!/bin/sh
# viz_strip.sh: the key strip offers only keys that work (issue 18, item 5):
# a view opened on a model with no debugger (nn.viz.open(m), as the
# lessons' views are) has nothing to step, so it offers no s, n, b or c;
# with :debug first it does.
. "${srcdir:-.}/tests/terminal/harness.sh"

plan 3
check 'the REPL starts' start_nnstep

type_line "m = nn.Sequential{nn.Dense(2, {input_shape = {3}})}; m:compile{optimizer = 'sgd', loss = 'mse'}"
clear_screen
type_line 'nn.viz.open(m)'
expect 'no debugger: the strip offers lr, views, command, help, quit' \
    '^\+/- lr  Tab view  : command  \? help  q quit'
press q
type_line ':debug m, nn.ones(2, 3), nn.ones(2, 2)'
clear_screen
type_line ':viz'
expect 'with a debugger: s, n and c are offered (b once there is a step to go back to)' \
    '^s step  n next  c continue'
press q
finish
