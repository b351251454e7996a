#!/bin/sh
# signals.sh: what nnstep leaves behind when it is ended from outside.
#
# A signal that kills the REPL while readline holds the terminal in raw
# mode (SIGTERM, SIGHUP, a crash) must give the terminal back: the shell
# that started nnstep reads lines again and echoes what is typed. Here
# nnstep runs inside a real shell in tmux, is killed at its prompt, and
# the shell is asked what `stty -a` says.
#
# A reader that goes away (nnstep script.lua | head -1) ends nnstep at
# once and quietly, as it ends cat; a closed standard output is reported
# in one line, not a crash.
. "${srcdir:-.}/tests/terminal/harness.sh"

plan 13

# ---- killed at the prompt ----

# The shell runs this, so that nnstep's pid (the exec keeps it) is known.
launcher=$work_dir/launch
cat > "$launcher" <<EOF
echo \$\$ > "$work_dir/pid"
exec "$nnstep"
EOF

# A plain sh in a new tmux session (its prompt "sh$ "), in which nnstep is
# started as a user would start it, and waits at its prompt.
start_in_shell() {
    previous=$session
    runs=$((runs + 1))
    session=shell$runs
    rm -f "$work_dir/pid"
    tmux_ new-session -d -s "$session" -x 100 -y 30 -c "$PWD" \
        env -u ENV HOME="$work_dir" XDG_STATE_HOME="$work_dir/state" PS1='sh$ ' sh
    if [ -n "$previous" ]; then
        tmux_ kill-session -t "$previous"
    fi
    wait_for '^sh\$' &&
        type_line "sh '$launcher'; echo \"[nnstep exited with status \$?]\"" &&
        wait_for '^nn>' && [ -s "$work_dir/pid" ]
}

# The shell's terminal reads whole lines and echoes them: the command typed
# shows on the screen, runs when Enter is pressed, and stty agrees.
terminal_is_sane() {
    type_line "stty -a | tr ' ;' '\\n\\n' | grep -Ex 'icanon|echo' | tr '\\n' ' '; echo modes-$1"
    wait_for "^sh\\$ stty -a" && wait_for "^icanon echo modes-$1\$"
}

# kill_at_prompt SIGNAL STATUS: half a line typed, then the signal.
kill_at_prompt() {
    start_in_shell
    type_text 'half a line'
    wait_for '^nn> half a line'
    kill -s "$1" "$(cat "$work_dir/pid")"
    check "SIG$1 at the prompt ends nnstep as SIG$1 does (status $2)" exited_with "$2"
    check "after SIG$1 the terminal is sane (icanon and echo on)" terminal_is_sane "$1"
}

kill_at_prompt TERM 143
kill_at_prompt HUP 129
# Readline does not catch crashes; nnstep's own handler restores the terminal.
kill_at_prompt SEGV 139

# ---- SIGINT from outside (kill -INT, not the key) during fit{viz = true} ----
# Each batch is long (a 1024x1024 Dense on 512 examples), so the signal
# lands in the core's training, not in a frame's Lua: the fit stops at the
# next batch and the screen must be given back all the same (it stayed in
# the alternate screen, raw, cursor hidden, when closing ran into the hook
# the signal armed).
start_nnstep
type_line 'x = nn.randn(2048, 1024); y = nn.randn(2048, 1024)'
type_line 'm = nn.Sequential{nn.Dense(1024, {input_shape = {1024}})}; m:compile{optimizer = "sgd", loss = "mse"}'
type_line 'h = m:fit(x, y, {epochs = 100000, batch_size = 512, viz = true})'
wait_for '^loss per batch: [0-9]+ batch'
shell_pid=$(tmux_ display-message -p -t "$session" '#{pane_pid}')
kill -INT "$(pgrep -P "$shell_pid" | head -1)"
check 'kill -INT during fit{viz = true}: fit says it was interrupted' \
    wait_for 'fit: interrupted \(the model keeps what it learned so far'
pane_is() {  # a state that stays once reached: polled, as wait_for polls
    tries=$((timeout_seconds * 10))
    while [ "$tries" -gt 0 ]; do
        [ "$(tmux_ display-message -p -t "$session" "$1")" = "$2" ] && return 0
        sleep 0.1
        tries=$((tries - 1))
    done
    return 1
}
check 'and the alternate screen is left' pane_is '#{alternate_on}' 0
check 'and the cursor shows again' pane_is '#{cursor_flag}' 1

# ---- a closed pipe, a closed standard output ----

printer=$work_dir/printer.lua
echo 'local i = 0; while true do i = i + 1; print(i) end' > "$printer"
errors=$work_dir/stderr

# ends_quietly COMMAND: sh -c COMMAND prints "1", within 10 seconds, and
# nothing reaches stderr. (COMMAND's own stderr goes to $errors.)
ends_quietly() {
    first=$(timeout 10 sh -c "$1" 2>"$errors") &&
        [ "$first" = 1 ] && [ ! -s "$errors" ]
}

check 'nnstep script.lua | head -1 ends at once, quietly' \
    ends_quietly "'$nnstep' '$printer' | head -1"
check "nnstep -e 'for i=1,1e5 do print(i) end' | head -1 ends quietly" \
    ends_quietly "'$nnstep' -e 'for i = 1, 1e5 do print(i) end' | head -1"
check 'a closed pipe ends nnstep even when the parent ignores SIGPIPE' \
    ends_quietly "trap '' PIPE; '$nnstep' '$printer' | head -1"

closed_stdout_is_reported() {
    "$nnstep" -e 'print(1)' >&- 2>"$errors" &&
        grep -q '^nnstep: standard output is closed' "$errors" &&
        [ "$(wc -l < "$errors")" -eq 1 ]
}
check 'a closed standard output is one line on stderr, not a crash' closed_stdout_is_reported
finish
