#!/bin/sh
# lesson_interrupt.sh: Ctrl-C inside a lesson. During a fit the learner
# typed, training stops between batches and the lesson goes on (its later
# checks only warn); during a fit the lesson runs itself, the same; at a
# prompt, the lesson ends with one line. Never a traceback; the REPL lives.
# A small lesson written here, so that the test does not depend on the
# text of the real ones. Each fit's first epoch has 2,000,000 batches (many
# seconds even on an idle machine), so "Epoch 1/N" stays on the screen until
# Ctrl-C: the test waits for a state that stays, not for a line that a fast
# run of short epochs would scroll away.
. "${srcdir:-.}/tests/terminal/harness.sh"

lessons=$work_dir/lessons
mkdir -p "$lessons"
cat >"$lessons/01_interrupt.lua" <<'LESSON'
return {
  title = 'Ctrl-C test', minutes = 1,
  run = function(L)
    L:run([[
nn.seed(1)
m = nn.Sequential{nn.Dense(8, {activation = 'relu', input_shape = {20}}), nn.Dense(1)}
m:compile{optimizer = 'sgd', loss = 'mse'}
x, y = nn.randn(2000000, 20), nn.randn(2000000, 1)
]])
    L:try('h = m:fit(x, y, {epochs = 1, batch_size = 1, shuffle = false})', 'A long run: press Ctrl-C.')
    L:try('1 + 1', 'Compare with a model trained on as many batches.')
    L:check(false, 'a check that a finished run would pass')
    L:page [[After the first run.]]
    L:run('m:fit(x, y, {epochs = 2, batch_size = 1})')
    L:page [[After the second run.]]
    L:exercise{prompt = 'Train, then set trained.', check = function(env) return env.trained end,
               wrong = 'trained = false', answer = 'trained = true'}
    L:try('1 + 1', 'The last prompt.')
  end,
}
LESSON
NNSTEP_LESSONS_DIR=$lessons
export NNSTEP_LESSONS_DIR

# the note after Ctrl-C, in lines of at most 80 columns (it was one line of 165)
stop_note_fits() {
    screen | grep -A2 '^(stopped by Ctrl-C' | grep -q . &&
        ! screen | grep -A2 '^(stopped by Ctrl-C' | grep -q '.\{81\}'
}

no_traceback() {
    ! screen | grep -qi 'traceback'
}

plan 15
check 'the REPL starts' start_nnstep
type_line ':lesson 1'
wait_for '^lesson> '
press Enter
expect 'the fit the learner runs starts' '^Epoch 1/1$'
press C-c
expect 'Ctrl-C stops it and the lesson says where and what was kept' \
    '^\(stopped by Ctrl-C in epoch 1 of 1, after [0-9]+ of 2000000 batches; the'
# "after B batches" is checked: the same model from the same start, trained
# on the first B examples alone (batch size 1, no shuffling), has the same
# weights, to the last bit.
batches=$(screen | sed -n 's/^(stopped by Ctrl-C in epoch 1 of 1, after \([0-9]*\) of .*/\1/p' | head -1)
type_line "nn.seed(1); m2 = nn.Sequential{nn.Dense(8, {activation = 'relu', input_shape = {20}}), nn.Dense(1)}; m2:compile{optimizer = 'sgd', loss = 'mse'}; m2:fit(x:narrow(1, 1, ${batches:-1}), y:narrow(1, 1, ${batches:-1}), {batch_size = 1, shuffle = false, verbose = 0}); return 'differ by ' .. (m.layers[1].kernel - m2.layers[1].kernel):abs():max() + (m.layers[2].kernel - m2.layers[2].kernel):abs():max()"
expect "... and its weights are those after that many batches (a fresh model trained on $batches)" '^differ by 0\.0$'
check '... in lines that fit 80 columns' stop_note_fits
# the progress bar redraws at most 10 times a second; after Ctrl-C it shows
# the batch the note names (it said 321/1875 above "after 322 of 1875")
check "... and the progress bar above it stops at that batch too ($batches)" \
    sh -c "screen_text=\$1; printf '%s\n' \"\$screen_text\" | grep -q \"^\$2/2000000 \\[\"" _ "$(screen)" "$batches"
expect 'a check after it only warns' '^\(the lesson expected: a check that a finished run would pass'
expect 'the next page comes' '^After the first run\.'
press Enter
expect 'the fit the lesson runs starts' '^Epoch 1/2$'
press C-c
expect 'Ctrl-C there too: where it stopped' '^\(stopped by Ctrl-C in epoch 1 of 2, after [0-9]+ of 2000000 batches'
expect '... and the lesson goes on' '^After the second run\.'
press Enter
wait_for '^exercise> '
type_line 'm:fit(x, y, {epochs = 3, batch_size = 1})'
wait_for '^Epoch 1/3$'
press C-c
expect 'Ctrl-C in a fit typed at an exercise: where it stopped, and try again' \
    '^\(stopped by Ctrl-C in epoch 1 of 3, after [0-9]+ of 2000000 batches; the'
type_line 'skip'
wait_for '^lesson> '
press C-c
expect 'Ctrl-C at a prompt leaves the lesson in one line' '^Left lesson 1'
check 'no traceback anywhere' no_traceback
type_line '1 + 41'
expect 'the REPL lives on' '^42$'

finish
