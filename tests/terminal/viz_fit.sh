#!/bin/sh
# viz_fit.sh: stepping inside a live fit{viz = true}, in a real terminal.
# p stops the run at the next batch, with the stepper at its first step; s
# and b step in it; ':' runs a line there; c resumes; ':' pressed while it
# trains pauses it too, and what is typed after it goes to the command
# line, never to the keys; at the end the screen stays with a summary of
# the history until q (or Ctrl-C), and the REPL has the history; with
# viz = {stay = false} it closes at once. Every wait is for a state that
# stays on the screen.
. "${srcdir:-.}/tests/terminal/harness.sh"

# The screen does not match the pattern.
not_on_screen() {
    ! screen | grep -Eq -- "$1"
}

plan 23
check 'the REPL starts' start_nnstep

type_line "nn.seed(1); m = nn.Sequential{nn.Conv2D(2, 3, {activation = 'relu', input_shape = {6, 6, 1}}), nn.MaxPooling2D(2), nn.Flatten(), nn.Dense(3, {activation = 'softmax'})}"
type_line "m:compile{optimizer = 'adam', loss = 'categorical_crossentropy', metrics = {'accuracy'}}"
type_line "x = nn.randn(6, 6, 6, 1); y = nn.utils.to_categorical(nn.tensor{0, 1, 2, 0, 1, 2}, 3)"
# a run slowed down (10 ms of CPU a batch, 3 s in all) to be paused in
type_line "slow = {on_batch_end = function() local t = os.clock() + 0.01 while os.clock() < t do end end}"
clear_screen
type_line "h = m:fit(x, y, {epochs = 100, batch_size = 2, viz = true, validation_data = {x, y}, callbacks = {slow}})"
expect 'fit{viz = true} draws the run live' '^loss per batch: [0-9]+ batch'
check 'while it trains, the key strip offers p and s, not b or c' \
    on_screen '^p pause  s step in  : command' '^loss per batch'

press p
expect 'p stops at the next batch: the stepper at its first step' \
    '^next: forward conv2d_1 \(step 1 of 10\)  batch [1-3]  epoch [0-9]+  loss -  paused: c resumes training'
expect 'paused: the key strip offers s, n and c (b once there is a step to go back to)' '^s step  n next  c resume  : command'
press s
expect 's runs the first layer forward' '^next: forward max_pooling2d_1 \(step 2 of 10\) .*paused'
press s s s s
expect 'four more steps: the loss has run' '^next: backward dense_1 \(step 6 of 10\)  batch [1-3]  epoch [0-9]+  loss [0-9.]+ '
press b
expect 'b goes one step back' '^next: loss \(step 5 of 10\) .*paused'
press '?'
check '? lists the keys that work now: s, b, c resume' \
    on_screen '│ b +one step back' '│ c +resume training: the rest of this batch' '│ s +one step'
press x
press :
type_line 'print(#m.layers, dense_1 == nil)'
expect "':' runs a line while paused, the learner's globals in scope" 'paused: c resumes training  4  true$'

press c
expect 'c resumes training' '^p pause  s step in  : command'
# ':' while it trains: the line opens at the next batch; what is typed
# meanwhile goes to it, not to the keys (6 would switch to view 6)
press :
type_line 'print(6 * 7)'
expect "':' while training: the line typed runs at the next batch" 'paused: c resumes training  42$'
check '... and no key of it was taken as a key: still the loss view' \
    on_screen '^loss per batch: [0-9]+ batch' 'paused: c resumes training  42$'
press c
expect 'the end: a summary from the history, and q to return' \
    '^finished: 100 epochs, loss [0-9.]+, val_loss [0-9.]+, val_accuracy [0-9.]+ - q returns$'
check '... with the key strip of the end' on_screen '^q return  Tab view' '^finished: 100 epochs'
summary=$(screen | grep '^finished: ')
press 2
expect 'at the end the views can still be looked at' '^conv2d_1 \(Conv2D\)  output \(4, 4, 2\)'
check '... and the screen stays' on_screen '^finished: 100 epochs' '^q return'
press q
wait_for '^nn> $'
clear_screen
type_line 'print(string.format("finished: %d epochs, loss %s, val_loss %s, val_accuracy %s - q returns", h.epochs, nn.format(h.loss[h.epochs]), nn.format(h.val_loss[h.epochs]), nn.format(h.val_accuracy[h.epochs])))'
check 'q returns to the REPL, the history whole, the same numbers as the summary' \
    wait_for "^$(printf '%s' "$summary" | sed 's/[.]/[.]/g')\$"

# the end screen, left with Ctrl-C: the REPL is back, the terminal as it was
clear_screen
type_line "h = m:fit(x, y, {epochs = 2, batch_size = 2, viz = true})"
expect 'a short run ends on its summary (no validation: the accuracy)' \
    '^finished: 2 epochs, loss [0-9.]+, accuracy [0-9.]+ - q returns$'
press C-c
wait_for '^nn> $'
type_line 'print(h.epochs + 40)'
expect 'Ctrl-C at the end returns too, with the history, the terminal echoing' '^42$'
check '... and no error was raised' not_on_screen 'interrupted'

# viz = {stay = false}: no end screen
clear_screen
type_line "h = m:fit(x, y, {epochs = 2, batch_size = 2, viz = {stay = false}}); print('back', h.epochs)"
expect 'viz = {stay = false}: the REPL is back at the end, no key needed' '^back +2$'
type_line "m:fit(x, y, {viz = {stya = false}})"
expect 'an unknown key in viz = {...} is an error that names it' "stya"

finish
