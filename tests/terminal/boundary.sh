#!/bin/sh
# boundary.sh: the decision-boundary view during a live fit of a small MLP
# on nn.datasets.toy('circles'): key 8 shows it, it is drawn at 100x30,
# 80x24 and 160x50 (the plane, both axes, the legend, the count of points on
# their side), and Ctrl-C still stops the run. Paused (p), so every check
# waits for a state that stays on the screen.
. "${srcdir:-.}/tests/terminal/harness.sh"

plan 9
check 'the REPL starts' start_nnstep

type_line "x, y = nn.datasets.toy('circles', 200, {noise = 0.05, seed = 1})"
type_line "m = nn.Sequential{nn.Dense(8, {input_shape = {2}, activation = 'tanh'}), nn.Dense(2, {activation = 'softmax'})}"
type_line "m:compile{loss = 'sparse_categorical_crossentropy', optimizer = 'adam', metrics = {'accuracy'}}"
type_line "h = m:fit(x, y, {epochs = 100000, batch_size = 32, viz = true})"
wait_for '^p pause'
# epochs of 7 batches end many times a second: every frame, epoch end or
# not, is followed by a batch measured, so the gradient histograms fill
press 5
check 'short epochs: the gradients view records batch after batch, not one' \
    wait_for '^\|dL/dW\| of dense_[12], last ([2-9]|[1-9][0-9]) batches recorded'
press 8
press p
expect 'key 8 during a live fit: the boundary view, paused' 'paused: c resumes training$'
check 'the plane with both axes, the legend and the points on their side' \
    on_screen '^decision boundary: the class the model predicts' ' x1$' '^ +x2 ' \
    '^predicted class .* 0 .* 1 +true class ● 0  ▲ 1' \
    '^200 training points, [0-9]+ \([0-9.]+%\) on their class.s side'
tmux_ resize-window -t "$session" -x 80 -y 24
check 'at 80x24: the same picture, 34 columns wide (x1 in column 44), and the tabs fit' \
    on_screen '^1 2 3 4 5 6 7 8 boundary ?$' '^decision boundary' '^.{43}x1$' \
    '^200 training points'
tmux_ resize-window -t "$session" -x 160 -y 50
check 'at 160x50: the same picture, larger' \
    on_screen '^decision boundary' ' x1$' '^200 training points' 'paused: c resumes training$'
check 'at 160x50 the plane is 86 columns wide (2 x 43 rows of pixels): x1 in column 96' \
    on_screen '^.{95}x1$'
press p
press C-c
expect 'Ctrl-C stops the run' 'fit: interrupted \(the model keeps what it learned so far'
type_line "print(#nn.viz.views(), nn.viz.views()[8])"
expect 'nn.viz.views() lists the eight views' '^8 +boundary$'
finish
