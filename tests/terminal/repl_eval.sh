#!/bin/sh
# repl_eval.sh: the REPL evaluates Lua as lua.c does: expressions print,
# multi-line blocks continue with "..>", _ holds the last result, errors
# print and the REPL goes on; a local lasts to the next line; `:` commands;
# Ctrl-D leaves with status 0.
. "${srcdir:-.}/tests/terminal/harness.sh"

plan 13
check 'the REPL starts with a banner and a prompt' start_nnstep

clear_screen
type_line '1+2'
expect 'an expression prints its value' '^3$'

clear_screen
type_line 'for i = 1, 3 do'
type_line "  print('line ' .. i)"
type_line 'end'
expect 'a multi-line for block runs' '^line 3$'
check 'the block continued with the ..> prompt' wait_for '^\.\.> end$'

clear_screen
type_line '6 * 7'
wait_for '^42$'
type_line '_ + 1'
expect '_ holds the last result' '^43$'

clear_screen
type_line 'local kept_local = 5'
type_line 'kept_local + 1'
expect 'a local typed at the prompt lasts to the next line' '^6$'

clear_screen
type_line 'error("boom")'
wait_for 'boom'
type_line '1 + 1'
expect 'a Lua error prints and the REPL goes on' '^2$'

clear_screen
type_line ':help'
expect ':help lists the commands' '^ +:quit '

clear_screen
type_line ':help Dense'
expect ':help TOPIC calls help()' 'nn\.Dense\(units'

clear_screen
type_line ':foo'
expect 'an unknown command says so' "^unknown command ':foo' \(type :help for the list\)$"

# several results, one of them a tensor: each starts a line of its own
clear_screen
type_line 'nn.ones(2), 5'
expect 'a tensor among several results ends its own line' '^\[nn\.Tensor of size 2\]$'
expect '... and the next result has a line too' '^5$'

press C-d
check 'Ctrl-D exits with status 0' exited_with 0
finish
