-- viz_fit.lua: stepping inside a live fit{viz = true}, without a terminal.
--
-- nn.viz.terminal is replaced by a scripted one: it hands the visualizer the
-- keys of a script, as a learner would type them, and keeps what each frame
-- would show (the status line, the key strip, the help). The keys go
-- through the very path the real ones do (viz.lua's press, fit's
-- batch_begin hook, the stepper), so that these tests check that a fit
-- paused and stepped through (forward, back, the loss, the update), then
-- resumed, ends with the same weights, bit for bit, and the same history
-- as a fit never paused; that the help lists only the keys that work at
-- that moment; that the end screen's summary is the history's; and that
-- the model cannot be fitted again while its training is paused.
local t = require 'tap'

local real_terminal = nn.viz.terminal

-- The scripted keys are read when a frame is drawn; a live fit draws at
-- most 5 frames a second (an epoch's end included), so these runs ask for
-- a frame after every batch: what they check does not hang on the clock.
local EVERY_BATCH = {fps = math.huge}

-- A terminal that types the script's keys. A key written 'q!' waits for a
-- read that blocks (the visualizer waiting for the learner: paused, or at
-- the end), as a key typed at that moment would; a line after ':' is given
-- as {line = '...'}; false is a moment with no key (a read that does not
-- wait gets none), so that the visualizer draws before the next key.
local function scripted(script)
  local term = {frames = {}, positions = {}, script = script, at = 1, lines_run = {}}
  function term:key(timeout)
    local key = self.script[self.at]
    if key == false and timeout ~= -1 then self.at = self.at + 1 return nil end
    if key == nil then
      if timeout == -1 then error('scripted terminal: out of keys while waiting', 0) end
      return nil
    end
    if type(key) == 'string' and key:sub(-1) == '!' and #key > 1 then
      if timeout ~= -1 then return nil end
      key = key:sub(1, -2)
    end
    self.at = self.at + 1
    return key
  end
  function term:draw(view, opts)
    local d = opts.position and nn.debugger.current()
    if d and d.fit then  -- where the stepper is in fit's batch: {step, batch, epoch}
      self.positions[#self.positions + 1] = {d.stepper.position, d.batch, d.epoch}
    end
    self.frames[#self.frames + 1] = {view = view, message = opts.message, keys = opts.keys,
                                     overlay = opts.overlay, position = opts.position}
    return nil, 0
  end
  function term:close() self.closed = true end
  function term:size() return 100, 30 end
  function term:edit_begin() end
  function term:edit_end() end
  function term:edit_key()
    local entry = self.script[self.at]
    self.at = self.at + 1
    if type(entry) ~= 'table' then error('scripted terminal: expected a {line = ...}', 0) end
    return 'entered', entry.line
  end
  function term:run_line(line)
    self.lines_run[#self.lines_run + 1] = line
    local chunk, err = load(line, '=line')
    if not chunk then return false, err end
    local ok, result = pcall(chunk)
    return false, ok and tostring(result) or tostring(result)
  end
  nn.viz.terminal = function() return term end
  return term
end

-- A small CNN and data, the same for every run (seeded).
local function setup()
  nn.seed(7)
  local m = nn.Sequential{
    nn.Conv2D(2, 3, {activation = 'relu', input_shape = {6, 6, 1}}), nn.MaxPooling2D(2),
    nn.Flatten(), nn.Dropout(0.25), nn.Dense(3, {activation = 'softmax'})}
  m:compile{optimizer = 'adam', loss = 'categorical_crossentropy', metrics = {'accuracy'}}
  local x = nn.randn(10, 6, 6, 1)
  local y = nn.utils.to_categorical(nn.tensor{0, 1, 2, 0, 1, 2, 0, 1, 2, 0}, 3)
  return m, x, y
end

local function weights_of(m)
  local all = {}
  for _, layer in ipairs(m.layers) do
    for _, w in ipairs(layer.weights) do
      for _, v in ipairs(w:reshape(w:numel()):totable()) do all[#all + 1] = v end
    end
  end
  return all
end

-- Bitwise: the same doubles, not just close ones.
local function same_bits(a, b)
  if #a ~= #b then return false, 'lengths ' .. #a .. ' and ' .. #b end
  for i = 1, #a do
    if string.pack('<d', a[i]) ~= string.pack('<d', b[i]) then
      return false, string.format('element %d: %.17g vs %.17g', i, a[i], b[i])
    end
  end
  return true
end

local function history_of(h)
  return {loss = h.loss, accuracy = h.accuracy, val_loss = h.val_loss,
          val_accuracy = h.val_accuracy, epochs = h.epochs}
end

local options = {epochs = 2, batch_size = 4, verbose = 0}

-- the reference: the same fit, never paused, no screen
local m0, x0, y0 = setup()
local h0 = m0:fit(x0, y0, {epochs = 2, batch_size = 4, verbose = 0, validation_data = {x0, y0}})
local reference, reference_history = weights_of(m0), history_of(h0)

-- paused after the first batch (p), then: 4 steps forward (Dropout's
-- forward draws its mask), 1 back, the same step again (the same mask, from
-- the snapshot's generator), to the next layer, the loss, a line through
-- the command line, then c; the end screen, q
do
  local m, x, y = setup()
  local term = scripted{'p', 's!', 's!', 's!', 's!', 'b!', 's!', 'n!', 's!', '?!', 'x!',
                        ':!', {line = 'return tostring(m2 == nil) .. " " .. #model_seen.layers'},
                        'x!', 'c!', 'q!'}
  _G.model_seen = m
  local h = m:fit(x, y, {epochs = 2, batch_size = 4, verbose = 0, validation_data = {x, y},
                         viz = EVERY_BATCH})
  nn.viz.terminal = real_terminal
  t.is(term.at, #term.script + 1, 'every key of the script was read')
  local ok, why = same_bits(weights_of(m), reference)
  t.ok(ok, 'paused, stepped (forward, back, loss) and resumed: the weights are those of ' ..
           'the fit never paused, bit for bit' .. (why and (' (' .. why .. ')') or ''))
  t.is(history_of(h), reference_history, '... and the history too (the paused batch counted once)')
  -- the steps seen (one frame per key, steps done before the cursor)
  local seen, last_step = {}, nil
  for _, p in ipairs(term.positions) do
    if p[1] ~= last_step then seen[#seen + 1] = p[1] last_step = p[1] end
  end
  t.is(seen, {0, 1, 2, 3, 4, 3, 4, 5, 6},
       's s s s b s n s: 4 steps (Dropout drew its mask), 1 back, again, the next layer, the loss')
  t.is({term.positions[1][2], term.positions[1][3]}, {2, 1},
       'p after the first batch paused at the next one: batch 2 of epoch 1')
  -- the frames: where the pause was, what the help said
  local paused_frame, help_paused, fit_strip
  for _, f in ipairs(term.frames) do
    if f.message == 'paused: c resumes training' and not paused_frame then paused_frame = f end
    if f.overlay and f.overlay:find('resume training: the rest') then help_paused = f.overlay end
    if f.keys and f.keys:find('^p pause') then fit_strip = f.keys end
  end
  t.ok(paused_frame and paused_frame.position, 'paused: the position of the stepper is drawn')
  t.ok(help_paused and help_paused:find('\nb +one step back') and help_paused:find('\nn +to the next'),
       'paused: the help lists s, n, b')
  t.like(fit_strip or '', 's step in', 'training: the key strip offers p and s')
  t.is(term.lines_run[1], 'return tostring(m2 == nil) .. " " .. #model_seen.layers',
       'the command line ran while paused')
  local last = term.frames[#term.frames]
  local expected = string.format('finished: 2 epochs, loss %s, val_loss %s, val_accuracy %s - q returns',
    nn.format(h.loss[2]), nn.format(h.val_loss[2]), nn.format(h.val_accuracy[2]))
  t.is(last.message, expected, 'the end screen sums up the history: ' .. expected)
  t.ok(term.closed, 'q closed the screen')
end

-- p at the first tick, then every step of the batch one by one (s past its
-- end goes on to the next batch, paused again there), then c; stay = false
do
  local m, x, y = setup()
  local script = {'p'}
  for _ = 1, 13 do script[#script + 1] = 's!' end  -- the 12 steps of this model's batch, and one past
  script[#script + 1] = 's!'  -- the next batch's first step
  script[#script + 1] = 'c!'
  local term = scripted(script)
  local h = m:fit(x, y, {epochs = 2, batch_size = 4, verbose = 0, validation_data = {x, y},
                         viz = {stay = false, fps = math.huge}})
  nn.viz.terminal = real_terminal
  t.is(term.at, #term.script + 1, 'every key of the second script was read')
  local ok, why = same_bits(weights_of(m), reference)
  t.ok(ok, 'a batch stepped to its end by hand, then one step into the next: the same weights' ..
           (why and (' (' .. why .. ')') or ''))
  t.is(history_of(h), reference_history, '... and the same history')
  t.ok(term.closed, 'viz = {stay = false}: the screen closes at the end, no key needed')
end

-- a breakpoint set on the command line stops a later batch
do
  local m, x, y = setup()
  local term = scripted{'p', ':!', {line = 'nn.debugger.command("break", "dense_1 backward")'},
                        'c!', 'c!', 'c!', 'q!'}
  local h = m:fit(x, y, {epochs = 2, batch_size = 4, verbose = 0, validation_data = {x, y},
                         viz = EVERY_BATCH})
  nn.viz.terminal = real_terminal
  local stops = 0
  for _, f in ipairs(term.frames) do
    if f.message and f.message:find('breakpoint 1 %(dense_1 backward%)') then stops = stops + 1 end
  end
  t.ok(stops >= 2, 'the breakpoint stopped the run (twice: c goes on to the next hit)')
  t.ok(same_bits(weights_of(m), reference), 'stopped at breakpoints: the same weights')
  t.is(history_of(h), reference_history, '... and the same history')
end

-- while paused, the model is not fitted again; the help in training and at
-- the end lists only what works then
do
  local m, x, y = setup()
  local term = scripted{'?', false, 'x', 'p', ':!', {line = 'return select(2, pcall(model_seen.fit, model_seen, nn.ones(1, 6, 6, 1), nn.ones(1, 3)))'},
                        'x!', 'c!', '?!', 'x!', 'q!'}
  _G.model_seen = m
  m:fit(x, y, {epochs = 2, batch_size = 4, verbose = 0, viz = EVERY_BATCH})
  nn.viz.terminal = real_terminal
  local help_fit, help_end, refused
  for _, f in ipairs(term.frames) do
    if f.overlay and f.overlay:find('^The keys') then
      if f.keys:find('^q return') then help_end = f.overlay elseif f.keys:find('^p pause') then help_fit = f.overlay end
    end
    if f.overlay and f.overlay:find('paused in the visualizer') then refused = f.overlay end
  end
  t.ok(help_fit and not help_fit:find('\nb ') and not help_fit:find('\nc ') and
       help_fit:find('\np +pause training at the next batch'), 'training: the help lists p, not b or c')
  t.ok(help_end and not help_end:find('\ns ') and not help_end:find('\np ') and
       help_end:find('\nq +back to the prompt %(the REPL, or the lesson%)'), 'at the end: no s, no p; q returns')
  t.like(refused or '', "fit: this model's training is paused in the visualizer",
         'fit on the paused model is refused, with what to do')
end

-- a watch set on the command line reports its changes on the status line
do
  local m, x, y = setup()
  local term = scripted{'p', ':!', {line = 'nn.debugger.command("watch", "dense_1.output[1][1]")'},
                        's!', 's!', 's!', 's!', 's!', 'c!', 'q!'}
  m:fit(x, y, {epochs = 1, batch_size = 4, verbose = 0, viz = EVERY_BATCH})
  nn.viz.terminal = real_terminal
  local changed
  for _, f in ipairs(term.frames) do
    if f.message and f.message:find('watch 1: dense_1.output%[1%]%[1%] = [%d.e-]+ %(was 0%)') then changed = f.message end
  end
  t.ok(changed, 'a watch: the forward step of dense_1 changes it, and the status line says so')
end

-- predict through the command line while paused uses the model's buffers;
-- the batch is put back at its step, and the run is still the same
do
  local m, x, y = setup()
  _G.model_seen = m
  local term = scripted{'p', 's!', 's!', 's!', 's!', ':!', {line = 'return model_seen:predict(nn.ones(3, 6, 6, 1)).shape[1]'},
                        's!', 's!', 'c!', 'q!'}
  local h = m:fit(x, y, {epochs = 2, batch_size = 4, verbose = 0, validation_data = {x, y}, viz = EVERY_BATCH})
  nn.viz.terminal = real_terminal
  t.is(term.at, #term.script + 1, 'every key of the predict script was read')
  t.ok(same_bits(weights_of(m), reference), 'predict while paused: the batch is put back, the same weights')
  t.is(history_of(h), reference_history, '... and the same history')
end

-- a NaN made by a step the learner ran stops fit as it stops the run never
-- paused: at that batch, before its update, with the history so far
do
  local function nan_data()
    local m, x, y = setup()
    local targets = y:totable()
    targets[6][1] = 0 / 0  -- in the second batch (no shuffling)
    return m, x, nn.tensor(targets)
  end
  local m0, x0, y0 = nan_data()
  local h0 = m0:fit(x0, y0, {epochs = 2, batch_size = 4, verbose = 0, shuffle = false})
  local m, x, y = nan_data()
  local script = {'p'}
  for _ = 1, 7 do script[#script + 1] = 's!' end  -- 5 layers forward, the loss (NaN), a backward step
  script[#script + 1] = 'c!'
  local term = scripted(script)
  local h = m:fit(x, y, {epochs = 2, batch_size = 4, verbose = 0, shuffle = false, viz = EVERY_BATCH})
  nn.viz.terminal = real_terminal
  t.is(term.at, #term.script + 1, 'every key of the NaN script was read')
  t.like(h0.stopped or '', 'batch 2', 'the run never paused stops at batch 2')
  t.is(h.stopped, h0.stopped, 'paused and stepped past the NaN: fit stops at the same step, same message')
  t.ok(same_bits(weights_of(m), weights_of(m0)), '... with the same weights (no update from that batch)')
  t.ok(term.closed, '... and the screen closed')
end

-- c then p at once: the second pause's screen says paused, not the
-- 'training resumes' that c said a moment before
do
  local m, x, y = setup()
  local term = scripted{'p', 's!', 'c!', 'p', 's!', 'c!', 'q!'}
  m:fit(x, y, {epochs = 2, batch_size = 4, verbose = 0, viz = EVERY_BATCH})
  nn.viz.terminal = real_terminal
  t.is(term.at, #term.script + 1, 'every key of the c-then-p script was read')
  local paused_frames, stale = 0, nil
  local seen_step = false
  for _, f in ipairs(term.frames) do
    local message = f.message or ''
    if message:find('paused: c resumes training', 1, true) then
      paused_frames = paused_frames + 1
      if message:find('training resumes', 1, true) then stale = message end
    end
  end
  t.ok(paused_frames >= 2, 'both pauses were drawn', paused_frames)
  t.is(stale, nil, 'no paused screen says training resumes')
end

-- Short epochs do not get a frame each: an epoch's end waits for its frame
-- like any batch (one frame a second here; 60 epochs take well under one on
-- any machine this runs on, and the check allows 30 seconds)
do
  local m, x, y = setup()
  local term = scripted({})
  m:fit(x, y, {epochs = 60, batch_size = 10, verbose = 0, viz = {stay = false, fps = 1}})
  t.ok(#term.frames < 32, 'fps = 1: ' .. #term.frames .. ' frames for 60 one-batch epochs, not one an epoch')
  nn.viz.terminal = real_terminal
end

-- viz = {...} takes stay and fps
t.raises(function() local m, x, y = setup() m:fit(x, y, {viz = {fps = 0}, verbose = 0}) end,
         'fps = ...} should be a number of frames a second above 0', 'viz = {fps = 0} is an error')
t.raises(function() local m, x, y = setup() m:fit(x, y, {viz = {stya = false}, verbose = 0}) end,
         'stya', 'viz = {stya = ...}: an unknown key is an error')
t.raises(function() local m, x, y = setup() m:fit(x, y, {viz = 'yes', verbose = 0}) end,
         'viz should be true, false or {stay = true | false, fps = 5}', "viz = 'yes' is an error")

t.done_testing()
