-- viz.lua: the visualizer's keys, its interactive loop, and live training.
--
--   nn.viz.open(model)                 the views of a model
--   nn.viz.open(model, x, y, opts)     the same, stepping through training on
--                                      x, y with a debugger (as nn.debug)
--   nn.viz.open(model, {view = 'lstm', unit = 13})  open at a given view (unit: the first unit or channel shown)
--   nn.viz.open(model, {view = 'saliency', x = images, example = 3})
--                                      why the model calls images[3] what it does
--   nn.viz.open(model, {env = L.env})  a lesson's view (L:view): lines of Lua
--                                      typed at ':' run in the lesson's environment
--   :viz                               at the REPL: on the debugger's model
--   m:fit(x, y, {viz = true})          watch training live
--
-- Drawing is C (the views in viz_*.c, through nn.viz.terminal()); this file
-- decides what each key does. The keys are the rows of one table, so the
-- help screen and the dispatcher cannot disagree.
--
-- While the screen is up, print() writes to the status line: the debugger
-- talks with print ("-- batch 2/3, epoch 1/1"), and its words belong there.
-- The ':' key turns the key strip into a command line for one line of Lua
-- or a ':' command, edited with readline's keys and history; what it prints
-- shows on the screen too. Compiled into nnstep (lua2c.awk: no backslashes
-- in this file), it receives the nn table, whose nn.viz already holds the
-- C half.
local nn = ...
local viz = nn.viz

local FRAME_SECONDS = 1 / 15   -- redraw at most 15 times a second while running
local NEWLINE = string.char(10)

local App = {}
App.__index = App
local open_app  -- the visualizer on the screen, if any: curses has one screen

-- ---- what the keys do ----

local function view_index(name)
  for i, v in ipairs(viz.views) do
    if v == name then return i end
  end
end

-- Layers a view can select with the arrows (any, if not listed).
local selectable = {
  lstm = function(layer)
    return nn.layer_kinds[layer.class].recurrent
  end,
  gradients = function(layer) return layer:count_params() > 0 end,
}

-- Each row: the key, how the help lists it (nil: listed with the row
-- above), what it does, the action, and the moments it works in (the
-- help lists it then only): 'step' and 'run' in the debugger (stepping, or
-- running a continue), 'fit' while fit{viz = true} trains, 'paused' when
-- the learner has stopped it inside a batch, 'end' when it has ended. A
-- table of texts gives the text for each moment ([1] for the others).
local ALL = 'step run fit paused end'
local keys = {
  {'s', 's', {'one step: a layer forward or backward, the loss, the update',
              fit = 'stop at the next batch, to step through it'},
   function(app) app:step() end, 'step run fit paused'},
  {'n', 'n', 'to the next layer, skipping timesteps', function(app) app:next() end, 'step run paused'},
  {'b', 'b', 'one step back, every number as it was', function(app) app:back() end, 'step run paused'},
  {'c', 'c', {'continue to a breakpoint or the end of the run; c again stops',
              paused = 'resume training: the rest of this batch, then the next ones'},
   function(app) app:continue() end, 'step run paused'},
  {'p', 'p', {'pause a continue', fit = 'pause training at the next batch, to step through it',
              paused = 'resume training'},
   function(app) app:pause() end, 'run fit paused'},
  {'+', '+ -', 'double or halve the learning rate (marked on the loss curve)', function(app) app:scale_learning_rate(2) end,
   'step run fit paused'},
  {'-', nil, nil, function(app) app:scale_learning_rate(0.5) end, 'step run fit paused'},
  {'tab', 'Tab', 'the next view (Shift-Tab the previous; 1-' .. #viz.views .. ' by number)',
   function(app) app:next_view(1) end, ALL},
  {'backtab', nil, nil, function(app) app:next_view(-1) end, ALL},
  {'up', 'Up Down', 'select a layer', function(app) app:select_layer(-1) end, ALL},
  {'down', nil, nil, function(app) app:select_layer(1) end, ALL},
  {'left', 'Left Right', 'select a channel (feature maps) or unit (LSTM)',
   function(app) app:select_channel(-1) end, ALL},
  {'right', nil, nil, function(app) app:select_channel(1) end, ALL},
  {'[', '[ ]', 'the previous or next example (the one predictions marks)',
   function(app) app:select_example(-1) end, ALL},
  {']', nil, nil, function(app) app:select_example(1) end, ALL},
  {'w', 'w', 'why this prediction (saliency); from there, its feature maps',
   function(app) app:why() end, ALL},
  {'f', 'f', 'follow the stepper again (forget the selected layer)', function(app) app.layer = nil end, ALL},
  {'l', 'l', 'logarithmic loss axis (labelled 1e-1, 1e0, ...), on or off',
   function(app) app.log = not app.log end, ALL},
  {'g', 'g', 'one scale for all feature maps (and LSTM c), or each its own',
   function(app) app.shared = not app.shared end, ALL},
  {':', ':', {'a line of Lua, or a command without its colon (break dense_1)',
              fit = 'pause at the next batch and open a command line (Lua, or break dense_1)'},
   function(app) app:command_line() end, ALL},
  {'?', '?', 'this help', function(app) app.help = true end, ALL},
  {'q', 'q', {'back to the prompt (the REPL, or the lesson)', fit = 'stop watching (training goes on)',
              paused = 'stop watching (training goes on)'},
   function(app) app.quit = true end, ALL},
  {'ctrl-c', 'Ctrl-C', {'stop a continue', fit = 'stop training at the end of this batch',
                        paused = 'stop training at the end of this batch', ['end'] = 'back to the REPL'},
   function(app) app:interrupt() end, 'run fit paused end'},
}
local key_rows = {}
for _, row in ipairs(keys) do key_rows[row[1]] = row end

local function works_in(row, mode)
  return (' ' .. row[5] .. ' '):find(' ' .. mode .. ' ', 1, true) ~= nil
end

local function key_text(row, mode)
  if type(row[3]) ~= 'table' then return row[3] end
  return row[3][mode] or row[3][1]
end

-- The keys that work now, and what they do now.
local function help_text(app)
  local mode = app:mode()
  local lines = {'The keys (any key closes this)', ''}
  for _, row in ipairs(keys) do
    if row[2] and works_in(row, mode) and app:can(row[1]) then
      lines[#lines + 1] = string.format('%-11s %s', row[2], key_text(row, mode))
    end
  end
  -- the views by number, on as many lines as an 80-column box needs
  local line = string.format('%-11s', '1-' .. #viz.views)
  for i, name in ipairs(viz.views) do
    local item = ' ' .. name .. (i < #viz.views and ',' or '')
    if #line + #item > 76 then
      lines[#lines + 1] = line
      line = string.rep(' ', 11)
    end
    line = line .. item
  end
  lines[#lines + 1] = line
  return table.concat(lines, NEWLINE)
end

-- A key that does nothing now: why, and what works instead.
local refusals = {
  fit = 'training is running: p or s stops it at the next batch, then s, n, b step',
  ['end'] = 'training is over: q returns to the REPL',
  step = 'nothing is running: that key stops a continue (c)',
}

-- The key strip at the bottom: what the keys do now. A key is shown only
-- when its action is available in this view at this moment (App:can): a
-- view opened on a model without data to step through shows no s, n, b, c.
local STRIPS = {
  step = {{'s', 's step'}, {'n', 'n next'}, {'b', 'b back'}, {'c', 'c continue'}, {'+', '+/- lr'},
          {'tab', 'Tab view'}, {':', ': command'}, {'?', '? help'}, {'q', 'q quit'}},
  run = {{'c', 'c stop'}, {'p', 'p pause'}, {'tab', 'Tab view'}, {'+', '+/- lr'}, {'?', '? help'},
         {'q', 'q quit'}},
  fit = {{'p', 'p pause'}, {'s', 's step in'}, {':', ': command'}, {'+', '+/- lr'},
         {'tab', 'Tab view'}, {'?', '? help'}, {'q', 'q stop watching'}, {'ctrl-c', '^C stop'}},
  paused = {{'s', 's step'}, {'n', 'n next'}, {'b', 'b back'}, {'c', 'c resume'}, {':', ': command'},
            {'+', '+/- lr'}, {'tab', 'Tab view'}, {'?', '? help'}, {'q', 'q stop watching'}},
  ['end'] = {{'q', 'q return'}, {'tab', 'Tab view'}, {'up', 'arrows select'}, {':', ': command'},
             {'?', '? help'}},
}

-- ---- the screen ----

local function capture_print(app)
  app.real_print = print
  print = function(...)
    local parts = {}
    for i = 1, select('#', ...) do parts[i] = tostring((select(i, ...))) end
    app:say(table.concat(parts, '  '))
  end
end

local function release_print(app)
  if app.real_print then print, app.real_print = app.real_print, nil end
end

-- opts.layer as the app keeps it: a layer number (1 up), or nil to follow
-- the stepper; a name is looked up.
local function layer_number(model, layer)
  if layer == nil or math.type(layer) == 'integer' then return layer end
  for i, l in ipairs(model.layers) do
    if l.name == layer then return i end
  end
  error("viz: the model has no layer named '" .. tostring(layer) .. "'", 0)
end

local function new_app(model, debugger, opts)
  if open_app then error('viz: the visualizer is already open', 0) end
  if opts.unit ~= nil and (math.type(opts.unit) ~= 'integer' or opts.unit < 1) then
    error('viz: unit should be a whole number from 1 (the first unit or channel shown), not ' ..
          tostring(opts.unit), 0)
  end
  local app = setmetatable({
    model = model, debugger = debugger, view = opts.view or 'model',
    layer = layer_number(model, opts.layer), channel = opts.unit or 1, example = opts.example or 1, log = false,
    shared = false, class_names = opts.class_names,
    x = opts.x, class = opts.class,  -- the saliency view's examples and class, if given
    env = opts.env,  -- a lesson's environment: its ':' lines of Lua run there
  }, App)
  if not view_index(app.view) then
    error("viz: no view '" .. tostring(app.view) .. "' (" .. table.concat(viz.views, ', ') .. ')', 0)
  end
  app.term = viz.terminal()  -- raises the reason when there is no terminal
  open_app = app
  capture_print(app)
  return app
end

-- The moment, for the keys: see the keys table.
function App:mode()
  if self.finished then return 'end' end
  if self.fitting then return self.stepping and 'paused' or 'fit' end
  return self.running and 'run' or 'step'
end

-- Does the key's action do something here and now (beyond working in this
-- moment, works_in)? Stepping needs data to step through (a debugger, or a
-- paused fit), b a step to go back to, +/- a compiled optimizer.
function App:can(key)
  local mode = self:mode()
  if key == 's' or key == 'n' or key == 'c' then  -- not at the end of the run: nothing left
    return mode == 'fit' or (self.debugger ~= nil and not (mode == 'step' and self.debugger.at_end
                                                          and self.debugger:at_end()))
  elseif key == 'b' then
    return self.debugger ~= nil and self.debugger.stepper.position > 0
  elseif key == '+' or key == '-' then
    return (pcall(viz.learning_rate, self.model))
  end
  return true
end

function App:strip()
  local words = {}
  for _, entry in ipairs(STRIPS[self:mode()]) do
    if self:can(entry[1]) then words[#words + 1] = entry[2] end
  end
  return table.concat(words, '  ')
end

function App:draw()
  local mode = self:mode()
  local shown, count = self.term:draw(self.view, {
    model = self.model, layer = self.layer, channel = self.channel, example = self.example,
    x = self.x, class = self.class, log = self.log, shared = self.shared,
    class_names = self.class_names, message = self:status(),
    position = mode ~= 'fit' and mode ~= 'end',
    keys = self:strip(), overlay = self.help and help_text(self) or self.output,
  })
  self.shown_layer, self.shown_count = shown, count
end

function App:close()
  release_print(self)
  if self.term then self.term:close() end
  self.term = nil
  if open_app == self then open_app = nil end
end

-- A word for the status line: until the next key (stepping), or for a
-- few seconds beside the training figures (fit).
function App:say(text)
  self.notice, self.notice_time = text, viz.clock()
end

function App:status()
  local mode = self:mode()
  if mode == 'step' or mode == 'run' then return self.notice end
  local notice = self.notice
  if mode == 'fit' and notice and viz.clock() - self.notice_time > 4 then notice = nil end
  local base = self.fit_message or 'training'
  if mode == 'paused' then
    base = 'paused: c resumes training'
  elseif mode == 'end' then
    base = self.end_message
  elseif self.paused then
    base = 'pausing at the next batch; ' .. base
  end
  return notice and (base .. '  ' .. notice) or base
end

function App:press(key)
  if self.help then self.help = false return end  -- any key closes the help
  if self.output then  -- and a command's output; ':' opens the next line at once
    self.output = nil
    if key ~= ':' then return end
  end
  local mode = self:mode()
  if mode ~= 'fit' then self.notice = nil end
  local row = key_rows[key]
  if key:match('^[1-9]$') and viz.views[tonumber(key)] then
    self.view = viz.views[tonumber(key)]
  elseif row and works_in(row, mode) then
    row[4](self)
  elseif row then
    self:say(refusals[mode] or 'not now')
  end
end

-- ---- selecting what to see ----

function App:next_view(delta)
  local n = #viz.views
  self.view = viz.views[(view_index(self.view) - 1 + delta) % n + 1]
end

function App:select_layer(delta)
  local layers, ok = self.model.layers, selectable[self.view] or function() return true end
  local i = self.layer or self.shown_layer or 1
  repeat i = i + delta until i < 1 or i > #layers or ok(layers[i])
  if i >= 1 and i <= #layers then self.layer, self.channel = i, 1 end
end

function App:select_channel(delta)
  local count = self.shown_count or 0
  self.channel = math.max(1, math.min(self.channel + delta, math.max(count, 1)))
end

-- w: from any view, the saliency of the selected example ("why this
-- prediction"); from the saliency view, that example's feature maps.
function App:why()
  self.view = self.view == 'saliency' and 'featuremaps' or 'saliency'
end

function App:select_example(delta)
  self.example = math.max(1, self.example + delta)
  local examples = (self.view == 'predictions' or self.view == 'saliency') and self.shown_count
  if examples and examples > 0 then self.example = math.min(self.example, examples) end
end

function App:scale_learning_rate(factor)
  local ok, rate = pcall(viz.learning_rate, self.model)
  if not ok then self:say(rate) return end
  local old = rate
  rate = viz.learning_rate(self.model, rate * factor, 'key')  -- recorded: marked on the loss curve
  self:say(string.format('lr %g -> %g', old, rate))  -- the loss view shows where
end

-- ---- stepping, through the debugger ----

function App:can_step()
  if self.fitting and not self.stepping then
    self:say(refusals[self:mode()])
    return false
  end
  if not self.debugger then
    self:say('no data to step through: q, then :debug m, x, y and :viz')
    return false
  end
  return true
end

-- After every step: a finished loss step goes into the loss history, once
-- per batch (stepping back and forth does not count it twice).
function App:after_step(event, why, breakpoint)
  if event and event.phase == 'loss' and not self.fitting then  -- fit records its own
    local key = event.epoch .. '/' .. event.batch
    if key ~= self.recorded then
      viz.record(self.model)
      self.recorded = key
    end
  end
  if event and event.phase == 'update' then  -- the batch's gradients, for their histograms
    local key = event.epoch .. '/' .. event.batch
    if key ~= self.recorded_gradients then
      viz.record_gradients(self.model)
      self.recorded_gradients = key
    end
  end
  if why then self:say('stopped: ' .. why) end
  if breakpoint then
    self:say(string.format('breakpoint %d (%s), hit %d time%s', breakpoint.id,
      breakpoint.spec or 'a Lua predicate', breakpoint.hits, breakpoint.hits == 1 and '' or 's'))
  end
  return event ~= nil and breakpoint == nil
end

-- At the end of a paused fit's batch, s and n go on to the next batch and
-- stop at its first step.
function App:leave_done_batch()
  if self.stepping and self.debugger.stepper.done then
    self.leave_batch = true
    return true
  end
end

function App:step()
  if self:mode() == 'fit' then self:pause() return end
  if not self:can_step() or self:leave_done_batch() then return end
  local event, why = self.debugger:continue_step()
  self:after_step(event, why)
end

function App:next()
  if not self:can_step() or self:leave_done_batch() then return end
  local stepper = self.debugger.stepper
  local start = stepper:peek()
  repeat
    local event, why = self.debugger:continue_step()
    self:after_step(event, why)
    if not event then return end
    start = start or event
    local e = stepper:peek()
  until not e or e.layer ~= start.layer or e.phase ~= start.phase
end

function App:back()
  if not self:can_step() then return end
  local ok, err = pcall(self.debugger.stepper.back, self.debugger.stepper, 1)
  if not ok then self:say(tostring(err)) end
end

function App:continue()
  if self.stepping then self:resume() return end
  if self.running then self.running = false self:say('stopped') return end
  if not self:can_step() then return end
  self.running = true
end

function App:pause()
  if self.stepping then
    self:resume()
  elseif self.fitting then
    self.paused = true
    self.notice = nil  -- a 'training resumes' of a moment ago is no longer true
    self:update_wants()
  elseif self.running then
    self.running = false
    self:say('paused (c continues)')
  end
end

function App:interrupt()
  if self.finished then
    self.quit = true
  elseif self.fitting then
    viz.interrupt()
    self.paused = false
    self:say('stopping the training run at the end of this batch')
  elseif self.running then
    self.running = false
    self:say('stopped')
  end
end

-- Steps of a continue, for about one frame's time.
function App:run_for(seconds)
  local deadline = viz.clock() + seconds
  repeat
    local event, why, breakpoint = self.debugger:continue_step()
    if not self:after_step(event, why, breakpoint) then self.running = false end
  until not self.running or viz.clock() > deadline
end

-- Is the line a command (':where', or a command's name first, 'step 3'),
-- as the REPL reads it? Then its first word, without the colon.
local function command_word(line)
  local word = line:match('^%s*:([%a_]+)') or line:match('^%s*([%a_]+)')
  if line:match('^%s*:') and not line:match('^%s*::') then return word end
  local first = line:match('^%s*(%S*)')
  if nn.commands and nn.commands.by_name[first] then return first end
end

-- A command typed in a lesson's view: run as at the REPL, but an error is
-- one line, and :debug reads its model and data in the lesson's environment.
local function lesson_command(env, word, line)
  local args = line:match('^%s*:?[%a_]+%s*(.-)%s*$') or ''
  local row = nn.commands.by_name[word]
  if not row then
    print("unknown command ':" .. word .. "' (type :help for the list)")
    return false
  end
  local ok, quit = pcall(function()
    if row.name ~= 'debug' then return nn.commands.run(word, args) end
    local chunk, err = load('return ' .. args, '=:debug', 't', env)
    if not chunk then error('debug: ' .. err, 0) end
    nn.debug(chunk())
    return false
  end)
  if not ok then print('error: ' .. tostring(quit)) return false end
  return quit
end

-- A line typed in a lesson's view (env: the lesson's environment), as the
-- lesson's prompt runs it: Lua in the lesson's environment (an expression
-- shows its value), or a command (word); an error is one line, no traceback.
local function lesson_runner(env, word)
  return function(line)
    if word then return lesson_command(env, word, line) end
    local chunk = load('return ' .. line, '=lesson', 't', env)
    if not chunk then
      local err
      chunk, err = load(line, '=lesson', 't', env)
      if not chunk then print('error: ' .. err) return false end
    end
    local results = table.pack(pcall(chunk))
    if not results[1] then
      print('error: ' .. tostring(results[2]))
    elseif results.n > 1 then
      print(nn.show(table.unpack(results, 2, results.n)))
    end
    return false
  end
end

-- A debugger command typed in a view with no batch, while the debugger
-- debugs another model: say so above what it answers, so that the view
-- ("no batch loaded") and :where do not seem to contradict each other.
function App:other_debugger_note(word)
  local current = nn.debugger.current()
  if self.debugger or not current or current.model == self.model or word == 'debug'
     or not nn.debugger.is_command(word) then
    return nil
  end
  local names = {}
  for i, layer in ipairs(current.model.layers) do names[i] = layer.name end
  return '(This view has no batch. The debugger that :' .. word .. ' drives debugs another model,' ..
         NEWLINE .. 'with layers ' .. table.concat(names, ', ') .. '.' .. NEWLINE ..
         ':debug MODEL, X, Y steps the model of this view here.)' .. NEWLINE
end

-- ':' edits a line on the bottom row of the screen (readline: the REPL's
-- editing keys, its history, Tab completion) and runs it as the REPL would
-- (a line of Lua opened from a lesson: in the lesson's environment).
-- Esc, Ctrl-G, Ctrl-C or an empty line cancel it.
function App:command_line()
  if self:mode() == 'fit' then  -- at the next batch: what is typed meanwhile stays unread
    self.paused, self.pending_command = true, true
    self:update_wants()
    return
  end
  local line = self:edit_line()
  if not line then return end
  local before = nn.debugger.current()
  self:say('running  ' .. line .. '  (Ctrl-C interrupts it)')
  self:draw()
  self.notice = nil
  release_print(self)  -- print() goes to the output run_line catches
  local word = command_word(line)
  local runner = self.env and lesson_runner(self.env, word) or nil
  local ok, quit, output = pcall(self.term.run_line, self.term, line, runner)
  capture_print(self)
  if not ok then quit, output = false, tostring(quit) end
  local note = word and self:other_debugger_note(word)
  if note then output = note .. NEWLINE .. output end
  self:show_output(line, output)
  if quit == true then self.quit = true end
  local now = nn.debugger.current()
  if now ~= before and now and not self.fitting then  -- a new :debug: show what it debugs
    self.debugger, self.model, self.running = now, now.model, false
  end
end

-- The line, or nil when it was cancelled. The frame stays drawn above it.
function App:edit_line()
  self.term:edit_begin(':')
  local ok, status, line = pcall(function()
    local status, line
    repeat
      self:draw()
      status, line = self.term:edit_key()
    until status ~= 'editing'
    return status, line
  end)
  self.term:edit_end()
  if not ok then error(status, 0) end
  return line
end

-- What a command printed: a short line on the status line; more in a box
-- over the views (its last lines, if they do not all fit), until a key.
function App:show_output(line, output)
  output = output:gsub('%s+$', '')
  if output == '' then return end
  local lines = {}
  for text in (output .. NEWLINE):gmatch('(.-)' .. NEWLINE) do lines[#lines + 1] = text end
  local width, height = self.term:size()
  if #lines == 1 and #lines[1] <= width // 3 then self:say(lines[1]) return end
  local room = math.max(height - 7, 1)  -- the box: its edges, a heading, a footer
  if #lines > room then
    local hidden = #lines - room
    lines = {table.unpack(lines, hidden + 1)}
    table.insert(lines, 1, string.format('(%d line%s above not shown)', hidden, hidden == 1 and '' or 's'))
  end
  self.output = ':' .. line .. NEWLINE .. NEWLINE .. table.concat(lines, NEWLINE) ..
    NEWLINE .. NEWLINE .. '(any key closes this)'
end

-- ---- the loops ----

-- Until q: draw, wait for a key (or just look, while running), act.
function App:loop()
  while not self.quit do
    self:draw()
    local key = self.term:key(self.running and 0 or -1)
    if key then self:press(key) end
    if self.running and not self.quit then self:run_for(FRAME_SECONDS) end
  end
end

-- Run the loop, and give the terminal back whatever happens.
local function run(app)
  local ok, err = pcall(App.loop, app)
  app:close()
  if not ok then error(err, 0) end
end

local function is_tensor(v)
  local ok, shape = pcall(function() return v.shape end)
  return ok and type(shape) == 'table'
end

function viz.open(model, x, y, opts)
  if type(x) == 'table' and y == nil and opts == nil then x, opts = nil, x end
  opts = opts or {}
  if type(opts) ~= 'table' then error('open: options should be a table {view = ...}', 2) end
  local ok = pcall(function() return model:count_params() end)
  if not ok then error('open: expected a model (nn.Sequential), got ' .. type(model), 2) end
  if x ~= nil and not (is_tensor(x) and is_tensor(y)) then
    error('open: x and y should be tensors (the data to step through), or leave both out', 2)
  end
  local debugger
  if x ~= nil then
    local started, d = pcall(nn.debug, model, x, y, opts)
    if not started then error('open: ' .. tostring(d), 2) end
    debugger = d
  else
    local current = nn.debugger.current()
    if current and current.model == model then debugger = current end
  end
  local opened, app = pcall(new_app, model, debugger, opts)
  if not opened then error((tostring(app):gsub('^viz:', 'open:')), 2) end
  run(app)
end

-- The model the visualizer shows when none is named: the debugger's, else
-- the one fit trained last.
function viz.current_model()
  local d = nn.debugger.current()
  if d then return d.model end
  return viz.last_model()
end

-- :viz, :viz m, :viz m, x, y
function viz.command(args)
  if type(args) ~= 'string' then error('viz: expected the text after :viz, got ' .. type(args), 2) end
  if args:match('%S') then
    local chunk, err = load('return ' .. args, '=:viz', 't', nn.lessons.env or _G)  -- a lesson's m too
    if not chunk then error('viz: ' .. err, 0) end
    local ok, opened = pcall(viz.open, chunk())
    if not ok then error((tostring(opened):gsub('^open:', 'viz:')), 0) end
    return opened
  end
  local d = nn.debugger.current()
  if d then return viz.open(d.model) end
  local model = viz.last_model()
  if not model then
    error('viz: nothing to show yet; :viz m for a model, or :debug m, x, y to step', 0)
  end
  return viz.open(model)
end

-- ---- fit{viz = true}: l_fit.c calls these ----
--
-- After a batch (at most 5 times a second, l_viz.c) fit_tick reads the keys and
-- draws. p, s or ':' ask for a pause; it comes at the next batch boundary,
-- where fit calls fit_batch (whenever wants_batch is true: paused, or a
-- breakpoint to watch for) with that batch in place, its stepper at the
-- first step. fit_batch steps through it as the debugger does, on a
-- debugger made for fit's batches (debugger.lua's for_fit); on resuming,
-- fit runs the steps left and goes on. At the end, fit_finished keeps the
-- screen, with a summary, until q.

-- The live screen for a training run, or nil and why not.
function viz.fit_open(model)
  local ok, app = pcall(new_app, model, nil, {view = 'loss'})
  if not ok then return nil, app end
  app.fitting, app.wants_batch = true, false
  return app
end

-- Whether fit should hand over its next batch.
function App:update_wants()
  local d = self.fit_debugger
  self.wants_batch = self.paused or (d ~= nil and d:breaking())
end

-- Run a function with the screen up; on an error, close it and raise.
-- Returns false once the learner closed the screen (q).
function App:guarded(fn)
  local ok, err = pcall(fn)
  if not ok then self:close() error(err, 0) end
  if self.quit then self:close() return false end
  return true
end

function App:fit_tick(info)
  return self:guarded(function()
    self.fit_message = string.format('epoch %d/%d, batch %d/%d, loss %s, accuracy %s',
      info.epoch, info.epochs, info.batch, info.batches, nn.format(info.loss), nn.format(info.accuracy))
    self.fit_epochs = info.epochs
    -- once a pause is asked for, keys wait for it: what is typed after ':'
    -- or s belongs to the command line or the stepping, never to this loop
    local key = not self.paused and self.term:key(0)
    while key do
      self:press(key)
      key = not self.quit and not self.paused and self.term:key(0)
    end
    if not self.quit then self:draw() end
    self:update_wants()
  end)
end

-- Until the learner resumes (c, p), quits (q, Ctrl-C) or steps past the
-- end of the batch (then true).
function App:stepping_loop()
  self.stepping = true
  if self.pending_command then
    self.pending_command = false
    self:command_line()
  end
  while self.paused and not self.quit and not self.leave_batch do
    self:draw()
    local key = self.term:key(-1)
    if key then self:press(key) end
  end
  local left = self.leave_batch
  self.stepping, self.leave_batch = false, false
  return left
end

-- Resumed with a breakpoint on: the rest of the batch step by step, to stop
-- where it says (or at a NaN).
function App:run_to_breakpoint()
  local d = self.debugger
  while not d.stepper.done and not self.quit do
    local event, why, breakpoint = d:continue_step()
    self:after_step(event, why, breakpoint)
    if breakpoint or not event then self.paused = true return end
  end
end

function App:resume()
  self.paused = false
  self:say('training resumes')
end

function App:fit_batch(info, x, y)
  return self:guarded(function()
    self.fit_debugger = self.fit_debugger or nn.debugger.for_fit(self.model)
    local d = self.fit_debugger
    d:fit_batch(info, x, y)
    local before = nn.debugger.use(d)
    self.debugger = d
    local ok, err = pcall(function()
      while not self.quit do
        if self.paused then
          if self:stepping_loop() then break end  -- s past the end: still paused
        elseif d:breaking() and not d.stepper.done then
          self:run_to_breakpoint()
        else
          break
        end
      end
      d:put_back()
    end)
    nn.debugger.use(before)
    self.debugger = nil
    if not ok then error(err, 0) end
    self:update_wants()
  end)
end

-- "finished: 2 epochs, loss 0.4321, val_loss 0.5012, val_accuracy 0.8700 - q returns"
local function summary(history, epochs)
  local run = history.epochs or 0
  local parts = {string.format('finished: %d epoch%s', run, run == 1 and '' or 's')}
  if epochs and run < epochs then parts[1] = parts[1] .. string.format(' of %d (stopped early)', epochs) end
  local function last(name)
    local values = history[name]
    if type(values) == 'table' and #values > 0 then
      parts[#parts + 1] = name .. ' ' .. nn.format(values[#values])
      return true
    end
  end
  last('loss')
  last('val_loss')
  if not last('val_accuracy') then last('accuracy') end
  return table.concat(parts, ', ') .. ' - q returns'
end

-- The end of the run: the screen stays, with the summary, until q (or
-- Ctrl-C); the views can still be looked at, the command line used.
function App:fit_finished(history)
  self.finished, self.paused = true, false
  self.end_message = summary(history, self.fit_epochs)
  self.notice = nil
  self:guarded(function()
    if self.pending_command then
      self.pending_command = false
      self:command_line()
    end
    while not self.quit do
      self:draw()
      local key = self.term:key(-1)
      if key then self:press(key) end
    end
  end)
  self:close()
end

return viz
