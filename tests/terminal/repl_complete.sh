#!/bin/sh
# repl_complete.sh: Tab completes globals, table fields, methods (through
# __index metatables) and : commands, without running user code.
. "${srcdir:-.}/tests/terminal/harness.sh"

plan 7
start_nnstep

# Type TEXT, press Tab, and wait until the input line reads WANT.
completes() {
    clear_screen
    type_text "$1"
    press Tab
    wait_for "^nn> $2\$"
    ok=$?
    press C-c  # throw the line away
    return $ok
}

check 'a global: stri -> string' completes 'stri' 'string'
check 'a table field: string.for -> string.format(' completes 'string.for' 'string\.format\('
check 'nn.Conv2 -> nn.Conv2D(' completes 'nn.Conv2' 'nn\.Conv2D\('
clear_screen
type_line 't = nn.zeros(2, 3)'
check "a tensor's method: t:resh -> t:reshape(" completes 't:resh' 't:reshape\('
check 'a command: :he -> :help' completes ':he' ':help'
check 'a topic: :help nn.Conv2 -> :help nn.Conv2D (no "(")' completes ':help nn.Conv2' ':help nn\.Conv2D'

clear_screen
type_text 'string.g'
press Tab Tab
expect 'Tab Tab lists the choices' 'string\.gmatch +string\.gsub'
press C-c
finish
