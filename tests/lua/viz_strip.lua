-- viz_strip.lua: the visualizer's key strip (and its help) shows only the
-- keys whose action is available in that view at that moment (issue 18
-- item 5): a view opened on a model with no data to step through (as a
-- lesson's L:view opens one) offers no s, n, b, c; b appears once there is
-- a step to go back to; +/- only for a compiled model. The frames are read
-- from a scripted terminal that types the keys (as viz_fit.lua does).
local t = require 'tap'

local real_terminal = nn.viz.terminal

-- A terminal that types `script`'s keys, one per blocking read, and keeps
-- each frame's key strip, status line and overlay.
local function scripted(script)
  local term = {frames = {}, at = 1}
  function term:key()
    local key = script[self.at]
    if key == nil then error('scripted terminal: out of keys', 0) end
    self.at = self.at + 1
    return key
  end
  function term:draw(_, opts)
    self.frames[#self.frames + 1] = {keys = opts.keys, message = opts.message, overlay = opts.overlay}
    return nil, 0
  end
  function term:close() end
  function term:size() return 100, 30 end
  nn.viz.terminal = function() return term end
  return term
end

local function has(text, word) return (text or ''):find(word, 1, true) ~= nil end

nn.seed(5)
local m = nn.Sequential{nn.Dense(3, {activation = 'relu', input_shape = {4}}), nn.Dense(2)}
m:compile{optimizer = 'sgd', loss = 'mse'}
local x, y = nn.randn(6, 4), nn.randn(6, 2)

-- No data to step through: the view a lesson opens (nn.viz.open(m, {view = ...}))
do
  local term = scripted({'s', '?', 'x', 'q'})
  nn.viz.open(m, {view = 'model'})
  local first = term.frames[1].keys
  t.is(first, '+/- lr  Tab view  : command  ? help  q quit',
       'no data: the strip offers only the keys that work (no s, n, b, c)')
  t.ok(has(term.frames[2].message, 'no data to step through'),
       's pressed anyway: the status line says why it does nothing', term.frames[2].message)
  local help = term.frames[3].overlay or ''
  t.ok(has(help, 'Tab ') and not help:find('\ns ') and not help:find('\nb ') and not help:find('\nc '),
       'the help lists no s, b or c either', help)
end

-- A model not compiled: no learning rate to change
do
  local bare = nn.Sequential{nn.Dense(2, {input_shape = {3}})}
  local term = scripted({'q'})
  nn.viz.open(bare, {view = 'model'})
  t.is(term.frames[1].keys, 'Tab view  : command  ? help  q quit',
       'not compiled: no +/- lr')
end

-- With data to step through: s, n, c at once; b after the first step
do
  local term = scripted({'s', 'b', 'q'})
  nn.viz.open(m, x, y, {view = 'model'})
  t.is(term.frames[1].keys, 's step  n next  c continue  +/- lr  Tab view  : command  ? help  q quit',
       'at the first step: s, n, c; no b (nothing to go back to)')
  t.is(term.frames[2].keys,
       's step  n next  b back  c continue  +/- lr  Tab view  : command  ? help  q quit',
       'after a step: b back too (the full strip)')
  t.is(term.frames[3].keys, term.frames[1].keys, 'back at the first step: b gone again')
end

-- At the end of the run (the last batch done): s, n, c do nothing, so the
-- strip drops them; b still goes back (lesson 9 showed them after 'batch done')
do
  local steps = #nn.debug(m, x, y).stepper:program()
  local script = {}
  for i = 1, steps do script[i] = 's' end
  script[#script + 1] = 'b'
  script[#script + 1] = 'q'
  local term = scripted(script)
  nn.viz.open(m, x, y, {view = 'model', batch_size = 6})
  t.is(term.frames[steps + 1].keys, 'b back  +/- lr  Tab view  : command  ? help  q quit',
       'at the end of the run: no s, n, c; b back still')
  t.is(term.frames[steps + 2].keys,
       's step  n next  b back  c continue  +/- lr  Tab view  : command  ? help  q quit',
       'one step back: all of them again')
end

nn.viz.terminal = real_terminal
t.done_testing()
