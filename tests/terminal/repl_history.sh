#!/bin/sh
# repl_history.sh: lines are kept in $XDG_STATE_HOME/nnstep/history, and
# Up brings them back in the next session; no blank lines, no repeats.
. "${srcdir:-.}/tests/terminal/harness.sh"

plan 6
history_file=$work_dir/state/nnstep/history

start_nnstep
type_line 'first_line = 1'
type_line 'first_line = 1'
type_line ''
type_line 'second_line = 2'
wait_for '^nn> second_line = 2$'
press C-d
exited_with 0

history_is_kept() {
    printf 'first_line = 1\nsecond_line = 2\n' | cmp -s - "$history_file"
}
check 'the history file holds the lines, without blanks or repeats' history_is_kept
check 'the history directory is private (0700)' \
    sh -c 'ls -ld "$1" | grep -q "^drwx------"' sh "$work_dir/state/nnstep"

start_nnstep
press Up
expect 'Up recalls the last line of the previous run' '^nn> second_line = 2$'
press Up
expect 'Up again recalls the line before' '^nn> first_line = 1$'
press C-c

type_line ':quit'
check ':quit exits with status 0' exited_with 0
check ':quit went into the history too' grep -qx ':quit' "$history_file"
finish
