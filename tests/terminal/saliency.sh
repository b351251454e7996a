#!/bin/sh
# saliency.sh: "why this prediction" with keys, in a real terminal: after an
# evaluate, the predictions view; ] selects the next example, w shows its
# saliency, w again its feature maps (the same example), and the model view
# shows each layer's statistics.
. "${srcdir:-.}/tests/terminal/harness.sh"

plan 7
check 'the REPL starts' start_nnstep

type_line "nn.seed(1); m = nn.Sequential{nn.Conv2D(2, 3, {activation = 'relu', input_shape = {6, 6, 1}}), nn.Flatten(), nn.Dense(3, {activation = 'softmax'})}"
type_line "m:compile{optimizer = 'sgd', loss = 'categorical_crossentropy'}"
type_line "x = nn.rand(4, 6, 6, 1); y = nn.utils.to_categorical(nn.tensor{0, 1, 2, 0}, 3); m:evaluate(x, y)"
clear_screen
type_line "nn.viz.open(m, {view = 'predictions'})"
expect 'the predictions view of the evaluate' 'examples 1-4 of the last evaluate: [0-4] of 4 right'
press ']'
press w
expect 'w: the saliency of the selected example, #2' '^why example #2 was called [0-2] \(p\([0-2]\) '
expect '... with what it draws' '^saliency = \|dL/dx\|, L = -log p\([0-2]\): cross-entropy'
press w
expect 'w again: the feature maps of that example' '^conv2d_1 \(Conv2D\) .* example 2 of 4'
press 1
expect 'the model view: each layer output statistics' '^ +1  conv2d_1 .*dead ReLU|^conv2d_1: output mean [-0-9.e]+ std [-0-9.e]+, dead [0-2]/2'
press q
expect 'q returns to the REPL' '^nn> ?$'
finish
