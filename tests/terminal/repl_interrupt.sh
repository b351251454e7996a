#!/bin/sh
# repl_interrupt.sh: Ctrl-C at the prompt clears the line; Ctrl-C while a
# chunk runs (a Lua loop, a training run) returns to the prompt with
# "interrupted!" and everything defined so far intact.
. "${srcdir:-.}/tests/terminal/harness.sh"

plan 5
start_nnstep

clear_screen
type_text 'this line is thrown away'
press C-c
wait_for '^nn>$'
type_line '1 + 1'
expect 'Ctrl-C at the prompt clears the line' '^2$'

clear_screen
type_line 'for i = 1, 2 do'
wait_for '^\.\.>'
press C-c
wait_for '^nn>$'
type_line '2 + 2'
expect 'Ctrl-C at the ..> prompt drops the unfinished chunk' '^4$'

clear_screen
type_line "kept = 'still here'; print('looping'); while true do end"
wait_for '^looping$'
press C-c
expect 'Ctrl-C stops a running loop: interrupted!' 'interrupted!'
type_line 'kept'
expect 'the REPL goes on after the interrupt' '^still here$'

# A training run long enough to be interrupted: 10000 epochs of a small
# model on random data.
clear_screen
type_line 'x = nn.randn(256, 8); y = nn.utils.to_categorical(nn.zeros(256), 4)'
type_line 'm = nn.Sequential{nn.Dense(16, {activation = "relu", input_shape = {8}}), nn.Dense(4, {activation = "softmax"})}'
type_line 'm:compile{optimizer = "adam", loss = "categorical_crossentropy"}'
type_line "print('training'); m:fit(x, y, {epochs = 10000, verbose = 0})"
wait_for '^training$'
press C-c
wait_for 'interrupted'
clear_screen
type_line "print('predictions', m:predict(x).shape[1])"
expect 'Ctrl-C during fit returns to the prompt and the model still predicts' '^predictions[[:space:]]+256$'
finish
