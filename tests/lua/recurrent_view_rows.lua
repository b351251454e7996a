-- recurrent_view_rows.lua: the LSTM view draws each unit on whole text rows
-- (issue 18 item 9, lesson 10: 3 units came out as 2+2+1 rows when a unit
-- got an odd number of half-block pixels), and a SimpleRNN's key names only
-- what it has: h, no gates. Known values: every weight 0, so each unit's
-- gate is the sigmoid of its bias alone.
local t = require 'tap'

local function lines(text)
  local out = {}
  for line in text:gmatch('([^\n]*)\n') do out[#out + 1] = line end
  return out
end
-- the glyphs of a map's row: the 16 columns after the 11-column label
local function cells(line) return (line or ''):sub(12):match('^(%S+)') or '' end
local function uniform(s)
  if s == '' then return true end
  local first = s:match('^[%z\1-\127\194-\244][\128-\191]*')
  return s == first:rep(#s // #first)
end

t.plan(7)

-- An LSTM of 3 units over 4 timesteps; its input gates are sigmoid(-3),
-- sigmoid(0), sigmoid(3): 0.047, 0.5, 0.953, three shades.
local m = nn.Sequential{nn.LSTM(3, {input_shape = {4, 1}}), nn.Dense(1, {activation = 'sigmoid'})}
m:compile{optimizer = 'sgd', loss = 'binary_crossentropy'}
local l = m.layers[1]
l.kernel:fill(0); l.recurrent_kernel:fill(0); l.bias:fill(0)
l.bias[1], l.bias[2], l.bias[3] = -3, 0, 3
m:predict(nn.ones(2, 4, 1))
-- at 80 x 24 each map has 5 text rows: 10 half-block pixels, 3 a unit
-- before the fix (units straddling rows), 2 a unit now
local snap = lines(nn.viz.snapshot('lstm', {model = m, width = 80, height = 24, frame = false}))
local at
for k, line in ipairs(snap) do if line:find('^i input') then at = k end end
t.ok(at, 'the input gate map is drawn')
local rows = {cells(snap[at]), cells(snap[at + 1]), cells(snap[at + 2]), cells(snap[at + 3])}
t.ok(uniform(rows[1]) and uniform(rows[2]) and uniform(rows[3]),
     'units 1, 2, 3 each fill a text row of one shade (no row mixes two units)')
t.ok(rows[1] ~= rows[2] and rows[2] ~= rows[3] and rows[1] ~= rows[3],
     'the three units (gates 0.047, 0.5, 0.953) have three shades')
t.is(rows[4], '', 'nothing below the third unit: 3 units are 3 rows, not 2+2+1')
t.ok(snap[at + 1]:find('lo 0.0474', 1, true) and snap[at + 2]:find('hi 0.953', 1, true),
     string.format('lo and hi are sigmoid(-3) = %.4f and sigmoid(3) = %.3f',
                   1 / (1 + math.exp(3)), 1 / (1 + math.exp(-3))))

-- A SimpleRNN: its key names h only (no gates i f o, no candidate g).
local r = nn.Sequential{nn.SimpleRNN(3, {input_shape = {10, 1}}), nn.Dense(1, {activation = 'sigmoid'})}
r:compile{optimizer = 'sgd', loss = 'binary_crossentropy'}
r:predict(nn.ones(2, 10, 1))
local key
for _, line in ipairs(lines(nn.viz.snapshot('lstm', {model = r, width = 80, height = 24, frame = false}))) do
  if line:find('^key:') then key = line end
end
t.ok(key and key:find('-1..1 h', 1, true), 'the SimpleRNN key: h on -1..1')
t.ok(key and not key:find('i f o', 1, true) and not key:find(' g ', 1, true),
     'the SimpleRNN key names no gates it lacks')
