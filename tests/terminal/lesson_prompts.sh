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
cat >"$lessons/02_pause.lua" <<'LESSON'
return {
  title = 'Pauses and tips test', minutes = 1,
  run = function(L)
    L:run('w = 0.5')
    L:page [[A page to read.]]
    L:exercise{
      prompt = 'Set w3 to 0.561.',
      check = function(env)
        if env.w3 == 0 then return false, 'w3 is 0' end
        return env.w3 == 0.561
      end,
      wrong = 'w3 = 0,561', answer = 'w3 = 0.561',
    }
  end,
}
LESSON
NNSTEP_LESSONS_DIR=$lessons
export NNSTEP_LESSONS_DIR

# Text typed at an [Enter] pause is not dropped: code runs there (its value
# shown, then the pause again); a word the lesson does not know, or text
# that is not Lua, runs nothing and says so. At the exercise, a decimal
# comma and a Python habit get a tip after the reply.
pauses_and_tips() {
    printf '%s\n' 'w * 2' 'ok' 'yes please' 'len(w)' '' 'w3 = 0,561' 'opt = SGD(learning_rate = 0.01)' \
        'w3 = 0.561' | "$nnstep" --lesson 2 >"$work_dir/pauses" 2>&1
    out=$work_dir/pauses
    grep -q '^   \[Enter\] 1\.0$' "$out" &&
        grep -q '^(that ran; press Enter to go on)$' "$out" &&
        grep -q '^   \[Enter\] (ok is not a name the lesson knows, so nothing ran\. Press Enter to go on\.)$' "$out" &&
        grep -q '^   \[Enter\] (that is not Lua, so nothing ran\. Press Enter to go on;$' "$out" &&
        grep -q '^ code typed here, or at the lesson> and exercise> prompts, runs\.)$' "$out" &&
        grep -q "^   \[Enter\] error: lesson:1: attempt to call a nil value (global 'len')$" "$out" &&
        grep -A3 "global 'len'" "$out" | grep -q '^(press Enter to go on)$' &&
        ! grep -A3 "global 'len'" "$out" | grep -q 'that ran' &&
        ! awk 'length($0) > 100 { bad = 1 } END { exit !bad }' "$out" &&
        grep -q '^exercise> Not yet: w3 is 0 (type hint' "$out" &&
        grep -q '^tip: Lua writes decimals with a point: w3 = 0\.561 (with a comma, w3 got 0' "$out" &&
        grep -q "^exercise> error: lesson:1: ')' expected near '='$" "$out" &&
        grep -q '^tip: in Lua, write nn\.optimizers\.SGD{learning_rate = 0\.01}: named arguments go$' "$out" &&
        grep -q '^     in a table, in braces$' "$out" &&
        grep -q '^exercise> Right\.$' "$out"
}

no_eof_error() { ! screen | grep -q 'near <eof>'; }

# An empty Enter (or spaces) at an exercise is not an attempt: no "Not
# yet", the prompt again (piped: the two tries' Enters, two blank lines,
# then the answer).
blank_lines_are_no_attempt() {
    out=$(printf '\n\n\n   \nseven = 7\n' | "$nnstep" --lesson 1 2>&1)
    printf '%s\n' "$out" | grep -q 'exercise> Right\.$' && ! printf '%s\n' "$out" | grep -q 'Not yet'
}

# The REPL's ':' commands at a lesson prompt: the debugger's see the
# variables the learner made in the lesson (:debug m, x, y); a mistake in
# one is one line, "error: ...", never a traceback through debugger.lua;
# :help works; :lesson says a lesson is running.
commands_at_a_lesson_prompt() {
    printf '%s\n' \
        "m = nn.Sequential{nn.Dense(1, {input_shape = {2}})}; m:compile{optimizer = 'sgd', loss = 'mse'}" \
        'x, y = nn.ones(3, 2), nn.ones(3, 1)' ':debug m, x, y' ':break nowhere' \
        ':explain dense_1.kernel[7][1]' ':print dense_1.kernel[9]' ':help nn.Flatten' ':lesson 2' \
        '' '' '' 'seven = 7' | "$nnstep" --lesson 1 >"$work_dir/commands" 2>&1
    out=$work_dir/commands
    grep -q '^exercise> debugging nn.Sequential (1 layer, 3 parameters)$' "$out" &&
        grep -q "^exercise> error: break: no layer named 'nowhere' (see :info layers)$" "$out" &&
        grep -q '^exercise> error: explain: index 7 is out of range 1\.\.2' "$out" &&
        grep -q '^exercise> error: dense_1\.kernel\[9\]:1: t\[9\]: index 9 is out of range' "$out" &&
        grep -q '^exercise> nn\.Flatten(' "$out" &&
        grep -q '^exercise> (you are in a lesson already: :quit leaves it' "$out" &&
        grep -q 'exercise> Right\.$' "$out" &&
        ! grep -q -e 'traceback' -e 'debugger\.lua' -e 'lessons\.lua' "$out"
}

plan 15
check 'an empty Enter at an exercise is not an attempt' blank_lines_are_no_attempt
check 'text at an [Enter] pause runs or says why not; a decimal comma and SGD(...) get tips' pauses_and_tips
check "':' commands at a lesson prompt: the lesson's variables, one-line errors" commands_at_a_lesson_prompt
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
wait_for '^Lesson 1 is done\.$'
type_line 'w3 = 0,561'
expect 'at the REPL too: a decimal comma gets a tip' '^tip: Lua writes decimals with a point: w3 = 0\.561'
type_line 'n = len({1, 2})'
expect '... and a Python habit' '^tip: in Lua, write #t for the length of a table'
finish
