#!/bin/sh
# files.sh: the files nnstep keeps between runs, and paths that are not what
# they seem: no path ever reaches a shell ($(...) in a directory
# name stays a name), the state directory is private (0700) and never the
# current directory, and a FIFO or a directory where a file should be is
# refused instead of hanging or crashing. The REPL's history part runs in
# tmux (history is kept only on a terminal).
. "${srcdir:-.}/tests/terminal/harness.sh"
plan 9
src=${srcdir:-.}
t=$work_dir/files
mkdir -p "$t"

no_shell_in_own_lua() {
    ! grep -nE 'os\.execute|io\.popen' "$src"/repl/lua/*.lua "$src"/lessons/*.lua \
        "$src"/scripts/*.lua
}
check "no os.execute or io.popen in nnstep's own Lua" no_shell_in_own_lua

# A lessons directory and a state directory whose names hold $(...)
evil_lessons="$t/lessons\$(touch $t/ran1)"
evil_state="$t/state\$(touch $t/ran2)"
mkdir -p "$evil_lessons"
cp "$src"/lessons/*.lua "$evil_lessons"/
list_evil() {
    NNSTEP_LESSONS_DIR="$evil_lessons" XDG_STATE_HOME="$evil_state" "$nnstep" --lessons \
        >"$t/list" 2>&1 &&
        grep -q '14\. Overfitting' "$t/list" && [ ! -e "$t/ran1" ] && [ ! -e "$t/ran2" ]
}
check 'a $(...) in a directory name runs nothing; the lessons are listed' list_evil
check 'the state directory is made private (0700)' \
    sh -c "[ \"\$(stat -c %a '$evil_state/nnstep')\" = 700 ]"

mkdir -p "$t/open/nnstep"
chmod 755 "$t/open/nnstep"
check "an older nnstep's 0755 state directory is made 0700" \
    sh -c "XDG_STATE_HOME='$t/open' '$nnstep' --lessons >/dev/null &&
           [ \"\$(stat -c %a '$t/open/nnstep')\" = 700 ]"

mkdir -p "$t/cwd"
no_home() {
    lessons=$(cd "$src/lessons" && pwd)
    (cd "$t/cwd" && env -u HOME -u XDG_STATE_HOME NNSTEP_LESSONS_DIR="$lessons" \
        "$nnstep" --lessons >"$t/list" 2>&1) &&
        grep -q '14\. Overfitting' "$t/list" && [ -z "$(ls -A "$t/cwd")" ]
}
check 'without HOME nothing is written in the current directory' no_home

# Where the progress file should be: a directory, then a FIFO
mkdir -p "$t/dir/nnstep/lessons" "$t/fifo/nnstep"
mkfifo "$t/fifo/nnstep/lessons"
progress_is_a_directory() {
    XDG_STATE_HOME="$t/dir" "$nnstep" --lessons >"$t/list" 2>&1 &&
        grep -q '14\. Overfitting' "$t/list" &&
        XDG_STATE_HOME="$t/dir" "$nnstep" -e "
          print(nn.lessons.files.append_line(nn.lessons.files.state_dir() .. '/lessons', '1'))" \
            >"$t/out" 2>&1 &&
        grep -q "^nil	$t/dir/nnstep/lessons: cannot open: Is a directory" "$t/out"
}
check 'a progress file that is a directory: listed, and saying why not kept' \
    progress_is_a_directory
check 'a progress file that is a FIFO does not block the listing' \
    sh -c "XDG_STATE_HOME='$t/fifo' timeout 20 '$nnstep' --lessons >'$t/list' 2>&1 &&
           grep -q '14\. Overfitting' '$t/list'"

# The REPL's history file is a FIFO: the REPL starts, says so, and works
mkdir -p "$work_dir/state/nnstep"
mkfifo "$work_dir/state/nnstep/history"
check 'a history file that is a FIFO: the REPL starts' start_nnstep
type_line '6 * 7'
expect 'and says the history is not kept' 'history is not kept'
finish
