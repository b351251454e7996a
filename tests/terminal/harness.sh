# harness.sh: helpers for the REPL's end-to-end tests, which drive the real
# ./nnstep inside tmux the way a learner does: typing keys, reading the
# screen. Sourced by tests/terminal/*.sh; not a test itself.
#
# A test script looks like:
#
#   . "${srcdir:-.}/tests/terminal/harness.sh"
#   plan 2
#   start_nnstep
#   type_line '1+2'
#   expect 'an expression prints' '^3$'
#
# Each script gets a private tmux server (tmux -L nnstep-test-PID), a fixed
# 100x30 window, and a temporary HOME and XDG_STATE_HOME, so it touches
# nothing of the user's and can run in parallel with the others. Waiting is
# polling the screen until the expected text appears (or a timeout), never
# a fixed sleep. Output is TAP.
#
# POSIX sh: make runs these with $(SHELL), which may be dash.

# The binary under test: ./nnstep in the build directory, where make check
# runs the tests.
nnstep=${NNSTEP:-$PWD/nnstep}
timeout_seconds=${NNSTEP_TEST_TIMEOUT:-10}
socket=nnstep-test-$$
test_number=0
failures=0

if ! command -v tmux >/dev/null 2>&1; then
    echo '1..0 # SKIP tmux not installed'
    exit 0
fi
if [ ! -x "$nnstep" ]; then
    echo "Bail out! $nnstep not found; build it first (make nnstep)"
    exit 1
fi

unset TMUX  # we may be running inside the developer's own tmux
: "${TERM:=xterm}"
export TERM

work_dir=$(mktemp -d "${TMPDIR:-/tmp}/nnstep-test.XXXXXX") || exit 1

tmux_() {
    tmux -L "$socket" -f /dev/null "$@"
}

# The server leaves its socket file behind when killed: remove it too.
cleanup() {
    socket_path=$(tmux_ display-message -p '#{socket_path}' 2>/dev/null)
    tmux_ kill-server >/dev/null 2>&1
    if [ -n "$socket_path" ]; then
        rm -f "$socket_path"
    fi
    rm -rf "$work_dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

plan() {
    echo "1..$1"
}

# Start nnstep (with any arguments) in a new tmux session. When nnstep
# exits, the window says "[nnstep exited with status N]" and stays open to be
# read. The shell around nnstep traps SIGINT (Ctrl-C goes to the whole
# foreground process group) so that it outlives a Ctrl-C that nnstep
# survives; nnstep itself starts with SIGINT at its default, as from a
# terminal. A previous session is closed only after the new one exists, so
# the server never runs out of sessions (and exits) in between.
runs=0
session=
start_nnstep() {
    previous=$session
    runs=$((runs + 1))
    session=run$runs
    tmux_ new-session -d -s "$session" -x 100 -y 30 -c "$PWD" \
        env HOME="$work_dir" XDG_STATE_HOME="$work_dir/state" sh -c \
        'trap : INT; "$0" "$@"; echo "[nnstep exited with status $?]"; exec sleep 600' \
        "$nnstep" "$@"
    if [ -n "$previous" ]; then
        tmux_ kill-session -t "$previous"
    fi
    wait_for 'Type :help for help' && wait_for '^nn>'
}

screen() {
    tmux_ capture-pane -p -t "$session"
}

# Wait until nnstep has exited with the given status.
exited_with() {
    wait_for "^\\[nnstep exited with status $1\\]\$"
}

# Type text literally (no key names), without pressing Enter.
type_text() {
    tmux_ send-keys -t "$session" -l "$1"
}

# Press keys by their tmux names: Enter, Tab, C-c, C-d, Up.
press() {
    tmux_ send-keys -t "$session" "$@"
}

type_line() {
    type_text "$1"
    press Enter
}

# Wait until a line of the screen matches the extended regular expression.
wait_for() {
    tries=$((timeout_seconds * 10))
    while [ "$tries" -gt 0 ]; do
        if screen | grep -Eq -- "$1"; then
            return 0
        fi
        sleep 0.1
        tries=$((tries - 1))
    done
    return 1
}

# Wait until one screen matches every pattern, each on some line (a state
# drawn in one frame: after a resize, a screen with only some of them may
# still be the old one).
on_screen() {
    tries=$((timeout_seconds * 10))
    while [ "$tries" -gt 0 ]; do
        shot=$(screen)
        matched=yes
        for pattern; do
            printf '%s\n' "$shot" | grep -Eq -- "$pattern" || { matched=no; break; }
        done
        [ "$matched" = yes ] && return 0
        sleep 0.1
        tries=$((tries - 1))
    done
    return 1
}

# Clear the screen (readline's Ctrl-L) so that a check sees only what comes
# next, and wait for the prompt at the top of the window.
clear_screen() {
    press C-l
    tries=$((timeout_seconds * 10))
    while [ "$tries" -gt 0 ]; do
        if [ "$(screen | grep -v '^ *$')" = 'nn>' ]; then
            return 0
        fi
        sleep 0.1
        tries=$((tries - 1))
    done
    return 1
}

# Report one TAP result: ok if the command succeeds, else not ok with the
# screen as # comments.
check() {
    name=$1
    shift
    test_number=$((test_number + 1))
    if "$@"; then
        echo "ok $test_number - $name"
    else
        failures=$((failures + 1))
        echo "not ok $test_number - $name"
        echo "# waited for: $*"
        screen | sed 's/^/#   | /'
    fi
}

# check NAME REGEX: wait for REGEX on the screen.
expect() {
    check "$1" wait_for "$2"
}

finish() {
    exit $((failures > 0))
}
