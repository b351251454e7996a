#!/bin/sh
# viz.sh: the visualizer, driven with keys in a real terminal: :viz opens it
# on the debugger's model; s steps, b goes back, number keys and Tab switch
# views, a resized window is redrawn (or told it is too small), ':' edits
# and runs a line of Lua or a command inside the screen, c continues to the
# end, q returns to the REPL with the terminal as it was; fit{viz = true} draws a training run live; TERM=dumb
# gets a message instead of a broken screen; --snapshot prints a view.
. "${srcdir:-.}/tests/terminal/harness.sh"

plan 41
check 'the REPL starts' start_nnstep

type_line "nn.seed(1); m = nn.Sequential{nn.Conv2D(2, 3, {activation = 'relu', input_shape = {6, 6, 1}}), nn.MaxPooling2D(2), nn.Flatten(), nn.Dense(3, {activation = 'softmax'})}"
type_line "m:compile{optimizer = 'adam', loss = 'categorical_crossentropy', metrics = {'accuracy'}}"
type_line "x = nn.randn(6, 6, 6, 1); y = nn.utils.to_categorical(nn.tensor{0, 1, 2, 0, 1, 2}, 3)"
type_line ':debug m, x, y, {batch_size = 3}'
clear_screen
type_line ':viz'
expect ':viz opens on the model view, cursor at the first step' '^▶ 1  conv2d_1 .*forward$'
expect 'the key strip says what the keys do (no b at the first step: nothing to go back to)' '^s step  n next  c continue'

press s
expect 's steps: forward conv2d_1 ran' '^next: forward max_pooling2d_1 \(step 2 of 10\)'
press s s
expect 'two more steps' '^next: forward dense_1 \(step 4 of 10\)'
press b
expect 'b goes one step back' '^next: forward flatten_1 \(step 3 of 10\)'

press 2
expect '2 shows the feature maps of the last image layer' '^max_pooling2d_1 \(MaxPooling2D\)  output \(2, 2, 2\)'
press Tab
expect 'Tab moves to the next view (LSTM: none here)' 'this model has no recurrent layer'
press Up
press 5
expect 'view 5: the gradients, backward not run yet' '^conv2d_1 +\(its backward step has not run'

tmux_ resize-window -t "$session" -x 40 -y 12
expect 'a window too small says what it needs' '^ *need 50 x 11$'
tmux_ resize-window -t "$session" -x 100 -y 30
expect 'a bigger window is drawn again' '^ 1 model   2 featuremaps'

# the command line, inside the screen: the key strip becomes a prompt
press :
expect "':' turns the key strip into a command line" '^: +Enter runs it  Esc cancels'
type_line 'print(6 * 7)'
expect 'Enter runs the Lua; what it printed is on the status line' '^next: .*  42$'
check '... and the visualizer is still on the screen, key strip and all' \
    on_screen '^ 1 model   2 featuremaps' '^s step  n next  b back' '  42$'
press :
type_line 'break dense_1'
expect 'a debugger command, without its colon' '  breakpoint 1: dense_1$'
press c
expect '... has its effect: c stops at the breakpoint' 'breakpoint 1 \(dense_1\), hit 1 time'
press :
type_text 'print("not run")'
press Escape
expect 'Esc cancels the line: the key strip is back' '^s step  n next  b back'
check '... and the line did not run' sh -c "! tmux -L '$socket' capture-pane -p -t '$session' | grep -q 'not run\$'"
press :
press Up
expect 'Up brings back the last line (the history)' '^:break dense_1 '
press C-c
expect 'Ctrl-C cancels the line' '^s step  n next  b back'
press :
type_line "for i = 1, 3 do print('line ' .. i) end"
expect 'output of more than a line goes in a box over the views' '│ line 3 +│'
press x
# (the box goes at the next redraw: poll for it, as wait_for does, not once)
check '... which any key closes' sh -c "for try in \$(seq $((timeout_seconds * 10))); do
  tmux -L '$socket' capture-pane -p -t '$session' | grep -q '│ line 3' || exit 0; sleep 0.1; done; exit 1"
press :
type_line 'while true do end'
wait_for 'running +while true do end'  # a Ctrl-C typed before it runs is only a key
press C-c
expect 'Ctrl-C interrupts a running line, as at the REPL' '│ nnstep: interrupted! +│'
press x
press :
type_line 'delete 1'
wait_for '^s step  n next  b back'

press c
expect 'c continues to the end of the run' 'stopped: the end of the run'

press q
type_line '1 + 1'
expect 'q returns to the REPL, which echoes and evaluates again' '^2$'

# a training run slowed down (5 ms a batch, 3 s in all) to be watched
type_line "slow = {on_batch_end = function() local t = os.clock() + 0.005 while os.clock() < t do end end}"
clear_screen
type_line "h = m:fit(x, y, {epochs = 200, batch_size = 2, viz = true, callbacks = {slow}})"
expect 'fit{viz = true} draws the loss live' '^loss per batch: [0-9]+ batch'
press p
expect 'p pauses training, at the first step of a batch' '^next: forward conv2d_1 \(step 1 of 10\) .*paused: c resumes training'
press p
wait_for '^finished: 200 epochs'
press q
wait_for '^nn> $'
type_line "print(#h.loss)"
expect 'training ends, the REPL is back with the history' '^200$'

clear_screen
type_line "h = m:fit(x, y, {epochs = 200, batch_size = 2, viz = true, callbacks = {slow}})"
wait_for '^loss per batch: [0-9]+ batch'
press C-c
expect 'Ctrl-C stops training, and the REPL says so' 'fit: interrupted \(the model keeps what it learned so far'

# TERM=dumb: a message, not a screen of garbage
session=dumb
tmux_ new-session -d -s dumb -x 100 -y 30 env TERM=dumb sh -c \
    '"$0" -e "nn.viz.open(nn.Sequential{nn.Dense(2, {input_shape = {2}})})"; echo "[exit $?]"; exec sleep 600' \
    "$nnstep"
expect 'TERM=dumb: a clear message instead of the screen' "unset or 'dumb'; set TERM"

# LC_ALL=C and NO_COLOR: ASCII symbols and no colour codes
tiny="m = nn.Sequential{nn.Dense(2, {input_shape = {2}})}; m:compile{optimizer = 'sgd', loss = 'mse'}
nn.viz.open(m, nn.ones(2, 2), nn.ones(2, 2))"
session=plain
tmux_ new-session -d -s plain -x 100 -y 30 env LC_ALL=C NO_COLOR=1 sh -c \
    '"$0" -e "$1"; echo "[exit $?]"; exec sleep 600' "$nnstep" "$tiny"
expect 'a locale without UTF-8: ASCII (> for the cursor)' '^> 1  dense_1 '
# (tmux writes its own resets to the default colours, 39 and 49: not colours)
check 'NO_COLOR: no colour codes on the screen' sh -c \
    "! tmux -L '$socket' capture-pane -e -p -t plain | grep -Eq '\[([0-9]+;)*(3[0-8]|4[0-8]|9[0-7]|10[0-7])[;m]'"

# a fatal signal gives the terminal back (the alternate screen is left)
tmux_ send-keys -t plain s
nnstep_pid=$(ps -o pid= --ppid "$(tmux_ display -p -t plain '#{pane_pid}')" | tr -d ' ')
kill -TERM "$nnstep_pid"
expect 'killed by SIGTERM while drawing' '^\[exit 143\]$'
check '... and the screen is restored' sh -c \
    "[ \"\$(tmux -L '$socket' display -p -t plain '#{alternate_on}')\" = 0 ]"

# nn.viz.open on a layer named by the caller (lessons do this)
layered="m = nn.Sequential{nn.Dense(3, {input_shape = {2}}), nn.Dense(2)}
m:compile{optimizer = 'sgd', loss = 'mse'}
nn.viz.open(m, nn.ones(2, 2), nn.ones(2, 2), {view = 'featuremaps', layer = 'dense_2'})"
session=layered
tmux_ new-session -d -s layered -x 100 -y 30 sh -c '"$0" -e "$1"; exec sleep 600' \
    "$nnstep" "$layered"
expect 'open on a layer chosen by name' '^dense_2 \(Dense\)'
press q

# Ctrl-Z stops nnstep with the terminal given back, as any program; `fg`
# brings the screen back and the keys work again (a shell with job control)
printf '%s\n' "$tiny" > "$work_dir/ctrl_z.lua"
session=jobs
tmux_ new-session -d -s jobs -x 100 -y 30 env HOME="$work_dir" PS1='$ ' \
    bash --norc --noprofile -i
type_line "'$nnstep' '$work_dir/ctrl_z.lua'"
wait_for 'dense_1'
press C-z
expect 'Ctrl-Z: the shell says nnstep stopped' 'Stopped'
check '... with the screen given back' sh -c \
    "[ \"\$(tmux -L '$socket' display -p -t jobs '#{alternate_on}')\" = 0 ]"
type_line fg
expect 'fg: the visualizer again' 'dense_1 '
press 2
expect '... and its keys work' 'input 0..1|dense_1 \(Dense\)'
press q
type_line 'echo "[done $?]"'
expect '... q leaves as before' '^\[done 0\]$'

# --snapshot VIEW: the model the code trained, as text
snapshot_code="m = nn.Sequential{nn.Dense(3, {activation = 'softmax', input_shape = {4}})}
m:compile{optimizer = 'adam', loss = 'categorical_crossentropy'}
m:fit(nn.randn(8, 4), nn.utils.to_categorical(nn.tensor{0, 1, 2, 0, 1, 2, 0, 1}, 3), {batch_size = 4, verbose = 0})"
check '--snapshot prints the view of the trained model' sh -c \
    "'$nnstep' --snapshot model -e \"\$0\" | grep -q '^  1  dense_1 ' " "$snapshot_code"

finish
