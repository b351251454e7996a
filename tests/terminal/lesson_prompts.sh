#!/bin/sh
# lesson_prompts.sh: what the learner types at a lesson's prompts. At an
# exercise, an expression shows its value before "Not yet." (the learner is
# looking at something); a syntax error names the learner's line, not the
# lesson runner's; a right answer passes; an empty Enter is no attempt. A small lesson written here.
. "${srcdir:-.}/tests/terminal/harness.sh"

lessons=$work_dir/lessons
mkdir -p "$lessons"
cat >"$lessons/01_prompts.lua" <<'LESSON'
return {
  title = 'Prompts test', minutes = 1,
  run = function(L)
    L:try('nn.ones(2), 5', 'Two results, one a tensor.')
    L:try('f = function(a)' .. string.char(10) .. '  return a + 1' .. string.char(10) .. 'end',
          'A function over three lines.')
    L:exercise{
      prompt = 'Set seven to 7.',
      check = function(env)
        if type(env.seven) == 'number' and env.seven ~= 7 then
          return false, 'seven is ' .. env.seven .. ', not 7'
        end
        return env.seven == 7
      end,
      wrong = 'seven = 6', answer = 'seven = 7',
      hints = {'seven = 3 + 4 would do.'},
    }
  end,
}
LESSON
NNSTEP_LESSONS_DIR=$lessons
export NNSTEP_LESSONS_DIR

no_eof_error() { ! screen | grep -q 'near <eof>'; }

# An empty Enter (or spaces) at an exercise is not an attempt: no "Not
# yet", the prompt again (piped: the two tries' Enters, two blank lines,
# then the answer).
blank_lines_are_no_attempt() {
    out=$(printf '\n\n\n   \nseven = 7\n' | "$nnstep" --lesson 1 2>&1)
    printf '%s\n' "$out" | grep -q 'exercise> Right\.$' && ! printf '%s\n' "$out" | grep -q 'Not yet'
}

plan 11
check 'an empty Enter at an exercise is not an attempt' blank_lines_are_no_attempt
check 'the REPL starts' start_nnstep
type_line ':lesson 1'
wait_for '^lesson>'
type_line ''
expect 'a try with a tensor among its results: the tensor ends its own line' \
    '^\[nn\.Tensor of size 2\]$'
expect '... and the next result is on a line of its own' '^5$'
type_line 'f = function(a)'
type_line '  return a + 41'
type_line 'end'
type_line 'f(1)'
expect 'a try typed over several lines: the lines join until the chunk is complete' '^42$'
check '... and an unfinished line is not an error' no_eof_error
type_line '2 + 3'
expect 'at an exercise, an expression shows its value' '^5$'
expect '... then says not yet' '^Not yet\.'
type_line 'def f(z):'
expect 'a syntax error names the learner line, not the runner' '^error: lesson:1: '
type_line 'seven = 6'
expect 'a check can say what is wrong' '^Not yet: seven is 6, not 7 \(type hint'
type_line 'seven = 3 + 4'
expect 'a right answer passes' '^Right\.$'
finish
