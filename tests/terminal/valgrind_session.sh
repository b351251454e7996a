#!/bin/sh
# valgrind_session.sh: a REPL session under valgrind loses no memory.
#
# Two sessions, kept small (valgrind runs code some 20-50 times slower):
#   - lines piped into the REPL (nnstep -i empty.lua < session): train a
#     tiny CNN, step it with the debugger (:debug, :step, :break, :back,
#     :watch), an LSTM stepped by timestep, the visualizer's views drawn as
#     text (nn.viz.snapshot), a layer class written in Lua (nn.Layer: fit,
#     stepped, saved, loaded, gradchecked, and one that fails at build),
#     save and load, and a handful of errors, whose
#     longjmps are where C code most easily drops memory;
#   - the readline prompt in tmux: Tab completion, Ctrl-C, a chunk over
#     two lines, the visualizer opened, stepped and closed (curses), Ctrl-D.
# Each must end with "definitely lost" and "indirectly lost" at 0 bytes and
# no memory errors. Not counted, and so needing no suppression file:
# "still reachable" blocks (readline's keymaps and history, ncurses's
# terminfo, kept until exit on purpose), and the few hundred bytes that
# valgrind calls "possibly lost" in libtinfo's cache of formatted
# capability strings (a tsearch tree that ncurses keeps for the process).
. "${srcdir:-.}/tests/terminal/harness.sh"

if ! command -v valgrind >/dev/null 2>&1; then
    echo '1..1'
    echo 'ok 1 # SKIP valgrind not installed'
    exit 0
fi
# The sanitizer build (CI's second run) is already checked for leaks by
# LeakSanitizer; and valgrind cannot run a binary built with
# AddressSanitizer (both want to own the memory map).
if grep -q '__asan_init' "$nnstep"; then
    echo '1..1'
    echo 'ok 1 # SKIP built with AddressSanitizer: LeakSanitizer checks this build'
    exit 0
fi

plan 5
timeout_seconds=${NNSTEP_TEST_TIMEOUT:-60}  # everything is slower under valgrind
OMP_NUM_THREADS=1  # one thread: no OpenMP worker pool to account for
export OMP_NUM_THREADS
SESSION_DIR=$work_dir
export SESSION_DIR
valgrind_log=$work_dir/valgrind.log

# Leaks count as errors (exit status 99), memory errors too.
run_valgrind() {
    valgrind --log-file="$valgrind_log" --leak-check=full \
        --show-leak-kinds=definite,indirect,possible \
        --errors-for-leak-kinds=definite,indirect --error-exitcode=99 "$@"
}

# Ok when the last run lost nothing and made no memory error; else the
# log's summary becomes # comments.
valgrind_clean() {
    if grep -q 'ERROR SUMMARY: 0 errors' "$valgrind_log"; then
        return 0
    fi
    sed -n '/LEAK SUMMARY\|ERROR SUMMARY\|Invalid\|uninitialised\|definitely lost in\|indirectly lost in/p' \
        "$valgrind_log" | sed 's/^/# /'
    return 1
}

# ---- lines piped into the REPL ----

cat > "$work_dir/session" <<'EOF'
nn.seed(1)
m = nn.Sequential{nn.Conv2D(2, 3, {activation = 'relu', input_shape = {6, 6, 1}}), nn.MaxPooling2D(2), nn.Flatten(), nn.Dense(3, {activation = 'softmax'})}
m:compile{optimizer = 'adam', loss = 'categorical_crossentropy', metrics = {'accuracy'}}
x = nn.randn(8, 6, 6, 1); y = nn.utils.to_categorical(nn.tensor{0, 1, 2, 0, 1, 2, 0, 1}, 3)
m:fit(x, y, {epochs = 2, batch_size = 4, verbose = 0})
:debug m, x, y
:step 3
:break dense_1 backward
:continue
:back 2
:where
:watch dense_1.output:sum()
:finish
:explain dense_1.weights[1][1]
print('views', #nn.viz.snapshot('model', {model = m}) > 0, #nn.viz.snapshot('featuremaps', {model = m}) > 0, #nn.viz.snapshot('gradients', {model = m}) > 0, #nn.viz.snapshot('loss', {model = m}) > 0, #nn.viz.snapshot('predictions', {model = m}) > 0)
r = nn.Sequential{nn.LSTM(4, {input_shape = {5, 3}}), nn.Dense(2, {activation = 'softmax'})}
r:compile{optimizer = 'sgd', loss = 'categorical_crossentropy'}
rx = nn.randn(4, 5, 3); ry = nn.utils.to_categorical(nn.tensor{0, 1, 1, 0}, 2)
:debug r, rx, ry
:step 4
:next
print('lstm view', #nn.viz.snapshot('lstm', {model = r}) > 0)
print('gradcheck', nn.gradcheck(r, rx, ry).ok, #tostring(nn.gradcheck(nn.Dense(2), nn.randn(2, 3))) > 0)
nn.gradcheck(nn.Conv2D(2, 3), nn.randn(2, 2, 2, 1))
b = nn.Sequential{nn.Conv2D(2, 3, {input_shape = {5, 5, 1}, use_bias = false}), nn.BatchNormalization{center = false}, nn.Flatten(), nn.Dense(2)}
b:compile{optimizer = 'adam', loss = 'mse'}; b:fit(nn.rand(3, 5, 5, 1), nn.randn(3, 2), {epochs = 2, batch_size = 2, verbose = 0}); print('batchnorm', b:predict(nn.rand(2, 5, 5, 1)).shape[1])
MyD = nn.Layer{name = 'my_d', build = function(self, s) self.k = self:add_weight('k', {s[1], 2}) end, call = function(self, x) return x:matmul(self.k) end, backward = function(self, x, g) self.k.grad:copy(x:transpose():matmul(g)) return g:matmul(self.k:transpose()) end}
c = nn.Sequential{MyD{input_shape = {3}}, nn.Dense(2)}; c:compile{optimizer = 'sgd', loss = 'mse'}; cx = nn.randn(4, 3); cy = nn.randn(4, 2)
c:fit(cx, cy, {epochs = 1, verbose = 0})
:debug c, cx, cy
:step 5
:back 2
:explain my_d_1.k[1][1]
Bad = nn.Layer{name = 'bad', call = function(self, x) return x:matmul(x) end}
nn.Sequential{Bad{input_shape = {3}}}
c:save(os.getenv('SESSION_DIR') .. '/c.nnstep'); c2 = nn.load(os.getenv('SESSION_DIR') .. '/c.nnstep')
print('custom', nn.gradcheck(MyD(), nn.randn(2, 3)).ok, (c2:predict(cx) - c:predict(cx)):abs():max())
m:save(os.getenv('SESSION_DIR') .. '/m.nnstep')
m2 = nn.load(os.getenv('SESSION_DIR') .. '/m.nnstep')
print('loaded model differs by', (m2:predict(x) - m:predict(x)):abs():max())
h = m:fit(x, y, {epochs = 3, batch_size = 4, verbose = 0, validation_split = 0.5, callbacks = {nn.callbacks.EarlyStopping{patience = 0, restore_best_weights = true}, nn.callbacks.CSVLogger(os.getenv('SESSION_DIR') .. '/log.csv'), nn.callbacks.ModelCheckpoint(os.getenv('SESSION_DIR') .. '/ck-{epoch}.nnstep'), nn.callbacks.LearningRateScheduler(function(e, lr) return lr / 2 end), nn.callbacks.ReduceLROnPlateau{patience = 1}}})
print('callbacks ran', #h.learning_rate >= 1)
m:fit(x, y, {epochs = 1, verbose = 0, callbacks = {nn.callbacks.LearningRateScheduler(function() error('schedule broke') end)}})
nn.zeros{1000000, 1000000}
big = nn.Sequential{nn.Dense(1000000000, {input_shape = {1000}})}
nn.load('/nonexistent/m.nnstep')
nn.load(os.getenv('SESSION_DIR') .. '/session')
m:fit(x, nn.zeros(8, 5), {epochs = 1, verbose = 0})
m:predict(nn.zeros(2, 3))
nn.tensor{{1, 2}, {3}}
:debug nil, x, y
:viz
for i = 1, 2 do
  print('loop', i)
end
:quit
EOF
: > "$work_dir/empty.lua"

run_valgrind "$nnstep" -i "$work_dir/empty.lua" < "$work_dir/session" \
    > "$work_dir/stdout" 2> "$work_dir/stderr"
status=$?
# (Piped, the REPL still prints its prompts: lines begin with "nn> ".)
session_ran() {
    grep -q 'loaded model differs by	0\.0$' "$work_dir/stdout" &&
        grep -q 'gradcheck	true	true$' "$work_dir/stdout" &&
        grep -q 'callbacks ran	true$' "$work_dir/stdout" &&
        grep -q 'LearningRateScheduler, in on_epoch_begin: .*schedule broke' "$work_dir/stderr" &&
        grep -q 'custom	true	0\.0$' "$work_dir/stdout" &&
        grep -q 'bad_1 (bad): call (its dry call' "$work_dir/stderr" &&
        grep -q 'gradcheck: Conv2D: window (3, 3) is larger' "$work_dir/stderr" &&
        grep -q 'loop	2$' "$work_dir/stdout" &&
        grep -q 'batchnorm	2$' "$work_dir/stdout" &&
        grep -q 'zeros: 1000000000000 elements is too many' "$work_dir/stderr"
}
check 'the piped session ran to its end' session_ran
check "the piped session under valgrind exits 0, not 99 (status $status)" [ "$status" -eq 0 ]
check 'the piped session loses no memory and makes no memory error' valgrind_clean

# ---- the readline prompt ----

cat > "$work_dir/nnstep-under-valgrind" <<EOF
#!/bin/sh
exec valgrind --log-file="$valgrind_log" --leak-check=full \
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 "$nnstep" "\$@"
EOF
chmod +x "$work_dir/nnstep-under-valgrind"
nnstep=$work_dir/nnstep-under-valgrind

# The keys, stopping at the first screen that does not come (a session
# that died would otherwise cost a full timeout at every step).
drive_session() {
    start_nnstep || return 1
    type_line "t = nn.zeros(2, 3)"
    # (under valgrind a line takes a while: keys typed before the next prompt
    # are echoed by the terminal, not readline, so Tab waits for the prompt,
    # and the patterns do not insist on where a line starts)
    wait_for 'nn>$' || return 1
    type_text 'nn.zer'
    press Tab
    wait_for 'nn> nn\.zeros\($' || return 1
    press C-c
    wait_for 'nn>$' || return 1
    type_line 'for i = 1, 2 do'
    wait_for '\.\.>' || return 1
    type_line "print('line', i) end"
    wait_for '^line[[:space:]]+2$' || return 1
    type_line "nn.seed(1); m = nn.Sequential{nn.Conv2D(2, 3, {activation = 'relu', input_shape = {6, 6, 1}}), nn.Flatten(), nn.Dense(3, {activation = 'softmax'})}"
    type_line "m:compile{optimizer = 'adam', loss = 'categorical_crossentropy'}"
    type_line "x = nn.randn(4, 6, 6, 1); y = nn.utils.to_categorical(nn.tensor{0, 1, 2, 0}, 3)"
    type_line ':debug m, x, y'
    clear_screen || return 1
    type_line ':viz'
    wait_for '^s step  n next  c continue' || return 1
    press s
    wait_for '^next: forward flatten_1' || return 1
    press 2
    wait_for 'conv2d_1 \(Conv2D\)' || return 1
    press q
    wait_for '^nn>' || return 1
    type_line ':help'
    wait_for ':quit' || return 1
    press C-d
}
# What is checked is memory; the screens are the way there. If one did not
# come (valgrind is slow, and a busy machine slower), say so and leave the
# session cleanly anyway: q closes the visualizer if it is open, Ctrl-C
# empties the line, :quit leaves (keys after an exit go to the idle shell).
if ! drive_session; then
    echo "# a screen of the readline session did not come; leaving it"
    screen | sed 's/^/#   | /'
    press q
    press C-c
    type_line ':quit'
fi
check 'the readline session under valgrind exits 0, not 99' exited_with 0
check 'the readline session loses no memory and makes no memory error' valgrind_clean
finish
