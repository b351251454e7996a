#!/bin/sh
# viz_lr.sh: + and - during a live fit, paused: each change of the learning
# rate is said on the status line, marked on the loss view's x axis (▲ up,
# ▼ down), and listed in the history (history.learning_rate_changes, kept in
# m.history when Ctrl-C stops the run).
. "${srcdir:-.}/tests/terminal/harness.sh"

plan 8
check 'the REPL starts' start_nnstep

type_line "nn.seed(1); m = nn.Sequential{nn.Dense(3, {activation = 'softmax', input_shape = {4}})}"
type_line "m:compile{optimizer = nn.optimizers.SGD{learning_rate = 0.01}, loss = 'categorical_crossentropy'}"
type_line "x = nn.randn(6, 4); y = nn.utils.to_categorical(nn.tensor{0, 1, 2, 0, 1, 2}, 3)"
# slowed down (5 ms a batch) so that p finds it running; Ctrl-C ends it
type_line "slow = {on_batch_end = function() local t = os.clock() + 0.005 while os.clock() < t do end end}"
clear_screen
type_line "h = m:fit(x, y, {epochs = 5000, batch_size = 2, viz = true, callbacks = {slow}})"
wait_for '^loss per batch: [0-9]+ batch'
press p
expect 'p pauses the live fit (at the next batch, to step through it)' 'paused: c resumes training'
press +
expect '+ doubles the rate and says so' 'lr 0.01 -> 0.02$'
expect '... and marks it on the x axis' '└[─┴]*▲'
press -
expect '- halves it again' 'lr 0.02 -> 0.01$'
expect '... marked ▼ (on the same batch: the last mark drawn)' '└[─┴]*▼'
press C-c
expect 'Ctrl-C stops the run' 'fit: interrupted'
type_line "c = m.history.learning_rate_changes; print(string.format('changes %d %s %g %g %g %s', #c, c[1].by, c[1].from, c[1].to, c[2].to, tostring(c[1].step == c[2].step)))"
expect 'the history lists both, made by the keys, at one step' '^changes 2 key 0.01 0.02 0.01 true$'
