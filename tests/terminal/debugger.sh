#!/bin/sh
# debugger.sh: the debugger's ':' commands, typed at the REPL: :debug,
# :step, :where, :break, :continue, :info, :explain, :back, :watch, :print,
# and a NaN stopping the run where it starts; fit stopping on an infinity
# offers the debugger on the batch that made it, stopped at that step.
. "${srcdir:-.}/tests/terminal/harness.sh"

plan 24
check 'the REPL starts' start_nnstep

type_line "nn.seed(1); m = nn.Sequential{nn.Dense(4, {activation = 'relu', input_shape = {3}}), nn.Dense(2, {activation = 'softmax'})}"
type_line "m:compile{optimizer = 'adam', loss = 'categorical_crossentropy'}"
type_line "x = nn.randn(5, 3); y = nn.utils.to_categorical(nn.tensor{0, 1, 1, 0, 1}, 2)"
clear_screen
type_line ':debug m, x, y'
expect ':debug shows the first step' '^=>   1  forward dense_1$'

clear_screen
type_line ':step 2'
expect ':step 2 moves the cursor two steps' '^=>   3  loss$'

clear_screen
type_line ':break dense_1 backward'
wait_for '^breakpoint 1: dense_1 backward$'
type_line ':continue'
expect ':continue stops at the breakpoint' '^=>   5  backward dense_1$'

clear_screen
type_line ':info breakpoints'
expect ':info breakpoints counts hits' 'dense_1 backward +hit 1 time$'

clear_screen
type_line ':explain dense_2.weights[3][2]'
expect ':explain shows the engine gradient' "the engine's gradient:"

clear_screen
type_line ':back 2'
expect ':back 2 goes two steps back' '^=>   3  loss$'

clear_screen
type_line ':print dense_1.output:size(2)'
expect ':print sees layer names' '^4$'

clear_screen
type_line ':print x.shape'
expect ':print of a shape shows the table, as the REPL does' '^\{5, 3\}$'

clear_screen
type_line 'm.layers[2].kernel[3][2] = 0.25'
type_line ':print dense_2.weights[3][2]'
expect ':print reads the paths :explain reads' '^0\.25$'

clear_screen
type_line 'm.layers[2].kernel[1][1] = 0/0'
type_line ':debug m, x, y'
type_line ':continue'
expect 'a NaN stops the run where it starts' 'NaN appeared in the output of dense_2 during forward dense_2'

clear_screen
type_line ':step'
expect 'stepping on after a NaN reports the next problem, and the REPL lives' 'stopped:'

# fit on a terminal: an infinity in batch 2 stops it, and the debugger
# replays that batch up to the step that made it
clear_screen
type_line "nn.seed(2); dm = nn.Sequential{nn.Dense(1, {input_shape = {2}})}; dm:compile{optimizer = 'sgd', loss = 'mse'}"
type_line "dm.layers[1].kernel[1][1] = 10; dx = nn.randn(8, 2); dx[6][1] = 3e38"
clear_screen
type_line "dh = dm:fit(dx, nn.ones(8, 1), {batch_size = 4, shuffle = false, verbose = 0})"
expect 'fit says where the infinity appeared' '^fit: stopped at epoch 1, batch 2: \+Inf appeared in the output of dense_1 during forward dense_1'
expect 'and offers the debugger' 'Open the debugger on the batch that made it\? \[Y/n\]'
type_line 'y'
expect 'the debugger replays the batch to that step' '^stopped: .*\+Inf appeared in the output of dense_1 during forward dense_1'
expect 'its hint :prints the element the message names' '^The step above made it: :print dense_1\.output\[2\]\[1\] shows it'
clear_screen
type_line ':print dense_1.output[2][1]'
expect 'and that :print shows the infinity itself' '^inf$'
clear_screen
type_line ':print dense_1.output'
expect ':print shows the infinity in the layer' '^ *inf *$'
clear_screen
type_line 'dh.epochs, dh.stopped ~= nil, dm.history == dh'
expect 'fit returned the history so far' '^1 +true +true$'

# A mistake in a debugger command's argument is the learner's: one line
# saying what was wrong, no traceback through debugger.lua
clear_screen
type_line ':break nowhere'
expect "a debugger command's error is one line" "^nnstep: break: no layer named 'nowhere'"
type_line ':explain dense_1.kernel[7][1]'
expect '... a weight out of range too' '^nnstep: explain: index 7 is out of range 1\.\.2'
type_line ':print dense_1.kernel[9]'
expect '... and a bad :print argument' '^nnstep: dense_1\.kernel\[9\]:1: t\[9\]: index 9 is out of range'
type_line ':debug nil, dx, dy'
expect "... and :debug without a model says so, not where in debugger.lua" \
    '^nnstep: debug: the first argument should be a model \(nn\.Sequential\), got nil'
type_line '6 * 7'
wait_for '^42$'
check '... with no traceback after any of them' sh -c "! tmux -L '$socket' capture-pane -p -t '$session' | grep -q -e 'stack traceback' -e 'debugger.lua'"

finish
