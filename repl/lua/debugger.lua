-- debugger.lua: nnstep's training debugger, as gdb is a program's.
--
--   local d = nn.debug(model, x, y)   -- or, at the REPL, :debug model, x, y
--   d:step()        :step [n]      one step: a layer's forward (an LSTM timestep),
--                                  the loss, a layer's backward, the update
--   d:next()        :next          to the next layer, skipping timesteps
--   d:finish()      :finish        to the end of the batch
--   d:continue()    :continue      until a breakpoint or the end of the run
--   d:back(n)       :back [n]      n steps back, every number as it was
--   d:where()       :where         the position and the steps around it; returns
--                                  the position {phase, layer, timestep, step, ...}
--   d:print(expr)   :print EXPR    with layer names in scope: conv2d_1.output[1]
--   d:info(what)    :info layers|breakpoints|watches
--   d:break_at(s)   :break SPEC    'dense_1 backward', 'nan', 'loss > 2',
--                                  'gradnorm > 10', or a Lua function(event)
--   d:delete(n), d:disable(n), d:enable(n), d:watch(expr)
--   d:explain(w)    :explain dense_1.weights[3][7]   the chain rule, with numbers
--
-- It runs on nn.stepper: every step is the core's, and going back restores
-- the batch's snapshot and replays (stepper.c). This file is compiled into
-- nnstep (lua2c.awk) and receives the nn table and the core's checks
-- (l_nn.c) as its arguments.
local nn, core = ...

local Debugger = {}
Debugger.__index = Debugger
local current  -- the debugger that the ':' commands drive

local function say(fmt, ...) print(string.format(fmt, ...)) end

-- "1 example", "6 examples"
local function count_of(n, noun) return string.format('%d %s%s', n, noun, n == 1 and '' or 's') end

-- Argument checks, so that a wrong call says which method and argument.
local function need(kind, value, method, what)
  if type(value) ~= kind then
    error(string.format('%s: %s should be a %s, got %s', method, what, kind, type(value)), 3)
  end
end
local function need_count(value, method)
  if value == nil then return 1 end
  if math.type(value) ~= 'integer' or value < 1 then
    error(string.format('%s: the number of steps should be a positive integer, got %s',
                        method, tostring(value)), 3)
  end
  return value
end

-- ---- the run: x and y cut into batches, for some epochs ----

local function batch_count(d) return d.batches or (d.n + d.batch_size - 1) // d.batch_size end

local function load_batch(d)
  local first = (d.batch - 1) * d.batch_size + 1
  local last = math.min(d.batch * d.batch_size, d.n)
  local bx, by = d.x:slice(first, last), d.y:slice(first, last)
  d.bx, d.by = bx, by  -- kept, to put the batch back after predict or evaluate
  if d.stepper then
    d.stepper:load(bx, by, d.batch, d.epoch)
  else
    d.stepper = nn.stepper(d.model, bx, by)
  end
end

-- predict, evaluate and fit use the model's buffers, and so unload the batch
-- being stepped through. Put it back at the same step (the stepper replays
-- from the batch's snapshot), so that stepping goes on as if nothing happened.
local function ensure_loaded(d, method)
  if d.stepper.loaded then return end
  local at_start = d.stepper.position == 0  -- nothing to replay: reload begins it again
  local ok, replayed = pcall(d.stepper.reload, d.stepper, d.bx, d.by)
  if not ok then  -- the model changed (add, compile): name the method asked for
    error(string.format('%s: cannot put the batch back (%s); start again with nn.debug',
                        method, tostring(replayed):gsub('^.-reload: ', '')), 0)
  end
  if replayed or (at_start and d.stepper.position == 0) then
    say('-- the batch is back in place at step %d (predict, evaluate or fit used the model)',
        d.stepper.position + 1)
  else
    say('-- the batch starts again from its first step (the model was trained since)')
  end
end

-- Move to the next batch when this one is done; false and why at the end of
-- the run (or of the batch, for fit's: fit loads the next one).
local function advance(d)
  if not d.stepper.done then return true end
  if d.fit then return false, 'the end of this batch (c resumes training)' end
  if d.batch < batch_count(d) then
    d.batch = d.batch + 1
  elseif d.epoch < d.epochs then
    d.epoch, d.batch = d.epoch + 1, 1
  else
    return false, 'the end of the run'
  end
  load_batch(d)
  say('-- batch %d/%d, epoch %d/%d', d.batch, batch_count(d), d.epoch, d.epochs)
  return true
end

function nn.debug(model, x, y, opts)
  opts = opts or {}
  assert(type(opts) == 'table', 'debug: options should be a table {batch_size = ..., epochs = ...}')
  if not pcall(function() return model:count_params() end) then
    error('debug: the first argument should be a model (nn.Sequential), got ' .. type(model) ..
          ' (:debug m, x, y)', 2)
  end
  local ok, shape = pcall(function() return x.shape end)
  if not ok or type(shape) ~= 'table' then
    error('debug: x should be a tensor of examples, got ' .. type(x) .. ' (:debug m, x, y)', 2)
  end
  local n = x.shape[1]
  if y ~= nil then core.check_examples('debug', x, y) end  -- as fit does, in its words
  local d = setmetatable({
    model = model, x = x, y = y, n = n,
    batch_size = opts.batch_size or n, epochs = opts.epochs or 1,
    batch = 1, epoch = 1,
    breakpoints = {}, watches = {}, next_id = 1,
  }, Debugger)
  if d.batch_size < 1 or d.epochs < 1 then error('debug: batch_size and epochs must be positive', 2) end
  load_batch(d)
  current = d
  say('debugging %s', tostring(model))
  say('on %d example%s (%d batch%s of %d); snapshot for stepping back: %.1f KiB', n,
      n == 1 and '' or 's', batch_count(d), batch_count(d) == 1 and '' or 'es', d.batch_size,
      d.stepper:snapshot_bytes() / 1024)
  d:where()
  return d
end

-- A paused fit{viz = true} (viz.lua): a debugger over the batch fit has
-- put in place, at its first step. It loads no batch of its own (fit goes
-- on with the rest of the batch, then the next ones, when the learner
-- resumes); its breakpoints and watches last the whole run.
local function for_fit(model)
  return setmetatable({
    model = model, fit = true, batch = 1, batches = 1, epoch = 1, epochs = 1,
    breakpoints = {}, watches = {}, next_id = 1, stepper = nn.stepper(model),
  }, Debugger)
end

-- The next batch fit hands over: where it is in the run, and a copy of it
-- (x, y) to put back if predict or evaluate used the model meanwhile.
local function need_fit(d, method)
  if not d.fit then error(method .. ": this debugger is not a paused fit's (viz.lua makes those)", 3) end
end

function Debugger:fit_batch(info, x, y)
  need_fit(self, 'fit_batch')
  need('table', info, 'fit_batch', 'info')
  for _, key in ipairs({'batch', 'batches', 'epoch', 'epochs'}) do
    if math.type(info[key]) ~= 'integer' then
      error('fit_batch: info.' .. key .. ' should be an integer, got ' .. type(info[key]), 2)
    end
  end
  self.batch, self.batches, self.epoch, self.epochs = info.batch, info.batches, info.epoch, info.epochs
  self.bx, self.by = x, y
end

-- Before fit runs the rest of the batch: put it back if it was unloaded.
function Debugger:put_back()
  need_fit(self, 'put_back')
  ensure_loaded(self, 'put_back')
end

-- Whether a breakpoint is on (a paused fit then steps in Lua to watch for it).
function Debugger:breaking()
  for _, b in ipairs(self.breakpoints) do
    if b.enabled then return true end
  end
  return false
end

-- ---- expressions with layer names in scope ----

-- The learner's variables: during a lesson, the lesson's (nn.lessons.env,
-- lessons.lua), so that :debug m, x, y sees the m the learner made there.
local function learner_globals()
  return nn.lessons and nn.lessons.env or _G
end

local function scope(d)
  local env = {}
  for i, layer in ipairs(d.model.layers) do env[layer.name] = layer end
  env.model, env.stepper, env.loss = d.model, d.stepper, d.stepper.loss
  return setmetatable(env, {__index = learner_globals()})
end

-- The paths :explain reads, everywhere: layer.weights is the layer's kernel
-- (dense_1.weights[600][3] = dense_1.kernel[600][3]), for a layer that has
-- one. (Outside the debugger, layer.weights is Keras's list of the layer's
-- parameters.)
local function with_kernels(d, expr, method)
  local kernels = {}
  for _, layer in ipairs(d.model.layers) do
    kernels[layer.name] = layer.kernel ~= nil
    if not layer.kernel and expr:find('%f[%w_]' .. layer.name .. '%.weights%s*%[') then
      error(string.format('%s: %s has no kernel (no weights to index)', method, layer.name), 0)
    end
  end
  local text = (' ' .. expr):gsub('([^.%w_])([%a_][%w_]*)%.weights%f[^%w_]', function(before, name)
    if kernels[name] then return before .. name .. '.kernel' end
  end)
  return text:sub(2)
end

local function evaluate(d, expr, method)
  local code = with_kernels(d, expr, method or 'print')
  local chunk, err = load('return ' .. code, '=' .. expr, 't', scope(d))
  if not chunk then error('cannot read ' .. expr .. ': ' .. err, 0) end
  return chunk()
end

-- A value as the debugger shows it: a number with 6 significant digits (a
-- watch changes in its last digits, not in float noise), anything else as
-- the REPL shows it (nn.show: a shape as {64, 10}, a tensor as Torch prints).
local function shown(value)
  if math.type(value) == 'float' then return nn.format(value, 6) end
  return nn.show(value)
end

-- ---- breakpoints and watches ----

local function describe_break(b)
  if b.predicate then return 'a Lua predicate' end
  return b.spec
end

-- 'dense_1 backward', 'dense_1', 'loss', 'update', 'nan', 'loss > 2', 'gradnorm > 10'
local function parse_break(d, spec)
  local b = {spec = spec}
  local what, op, value = spec:match('^%s*(%a+)%s*([<>])%s*([%d%.eE+-]+)%s*$')
  if what == 'loss' or what == 'gradnorm' then
    b.measure, b.above, b.threshold = what, op == '>', tonumber(value)
    return b
  end
  if spec:match('^%s*nan%s*$') then b.nan = true return b end
  local name, phase = spec:match('^%s*([%w_]+)%s*(%a*)%s*$')
  if not name then error("break: cannot read '" .. spec .. "'; try 'dense_1 backward', 'nan', 'loss > 2'", 0) end
  if name == 'loss' or name == 'update' then b.phase = name return b end
  for _, layer in ipairs(d.model.layers) do
    if layer.name == name then b.layer = name end
  end
  if not b.layer then error("break: no layer named '" .. name .. "' (see :info layers)", 0) end
  if phase ~= '' and phase ~= 'forward' and phase ~= 'backward' then
    error("break: the phase is 'forward' or 'backward', not '" .. phase .. "'", 0)
  end
  b.phase = phase ~= '' and phase or nil
  return b
end

-- Location breakpoints stop before the step they name runs.
local function at_location(b, event)
  if not event or b.measure or b.nan or b.predicate then return false end
  if b.layer and event.layer ~= b.layer then return false end
  if b.phase and event.phase ~= b.phase then return false end
  -- a recurrent layer's steps stop once, at its first timestep in each direction
  if event.timesteps > 1 then
    local first = event.phase == 'forward' and 1 or event.timesteps
    if event.timestep ~= first then return false end
  end
  return true
end

-- Conditions are checked after each step.
local function condition_holds(d, b, event)
  if b.predicate then return b.predicate(event) end
  if b.measure == 'loss' and event.phase == 'loss' then
    return (b.above and d.stepper.loss > b.threshold) or (not b.above and d.stepper.loss < b.threshold)
  end
  if b.measure == 'gradnorm' and event.phase == 'backward' then
    local norm = d.stepper:grad_norm()
    return (b.above and norm > b.threshold) or (not b.above and norm < b.threshold)
  end
  return false
end

local function check_watches(d)
  for _, w in ipairs(d.watches) do
    local ok, value = pcall(evaluate, d, w.expr, 'watch')
    local text = ok and shown(value) or ('error: ' .. tostring(value))
    if text ~= w.last then
      say('watch %d: %s = %s%s', w.id, w.expr, text, w.last and (' (was ' .. w.last .. ')') or '')
      w.last = text
    end
  end
end

-- ---- running ----

-- One step, with the checks; returns the event, or nil and why it stopped.
local function one_step(d, method)
  ensure_loaded(d, method)
  local more, why = advance(d)
  if not more then return nil, why end
  local event = d.stepper:peek()
  local ok, err = pcall(d.stepper.step, d.stepper)
  check_watches(d)
  d.last = event  -- the step that ran (a NaN stops it after it ran)
  if not ok then return nil, tostring(err) end
  return event
end

local function stop_at_breakpoints(d, event)
  for _, b in ipairs(d.breakpoints) do
    if b.enabled and not b.location_only and condition_holds(d, b, event) then
      b.hits = b.hits + 1
      return b
    end
  end
  local next_event = d.stepper:peek()
  for _, b in ipairs(d.breakpoints) do
    if b.enabled and at_location(b, next_event) then
      b.hits = b.hits + 1
      return b
    end
  end
end

function Debugger:step(n)
  for _ = 1, need_count(n, 'step') do
    local _, why = one_step(self, 'step')
    if why then say('stopped: %s', why) break end
  end
  return self:where()
end

function Debugger:next()
  ensure_loaded(self, 'next')
  local more, why = advance(self)
  local start = more and self.stepper:peek()
  if not start then say('stopped: %s', why or 'the end of the run') return end
  repeat
    local _, why = one_step(self, 'next')
    if why then say('stopped: %s', why) break end
    local e = self.stepper:peek()
  until not e or e.layer ~= start.layer or e.phase ~= start.phase
  return self:where()
end

function Debugger:finish()
  repeat
    local _, why = one_step(self, 'finish')
    if why then say('stopped: %s', why) break end
  until self.stepper.done
  return self:where()
end

function Debugger:continue()
  self.stopped_by = nil
  while true do
    local event, why = one_step(self, 'continue')
    if not event then
      self.stopped_by = why
      say('stopped: %s', why)
      break
    end
    local b = stop_at_breakpoints(self, event)
    if b then
      say('breakpoint %d (%s), hit %d time%s', b.id, describe_break(b), b.hits, b.hits == 1 and '' or 's')
      break
    end
  end
  return self:where()
end

-- One step as :continue takes it, without printing where it is: for the
-- visualizer (viz.lua), which draws the position instead. Returns the event,
-- or nil and why it stopped; third, the breakpoint it stopped at, if any.
function Debugger:continue_step()
  local event, why = one_step(self, 'continue_step')
  if not event then return nil, why end
  return event, nil, stop_at_breakpoints(self, event)
end

function Debugger:back(n)
  ensure_loaded(self, 'back')
  self.stepper:back(need_count(n, 'back'))
  check_watches(self)
  return self:where()
end

-- The position as a value: the step about to run (phase, layer, layer_index,
-- timestep, timesteps; none once the batch is done), its number and how many
-- there are, the batch, the epoch and the loss so far. tostring gives a line.
local Position = {}
Position.__index = Position
Position.__tostring = function(p)
  local batch = string.format('batch %d/%d, epoch %d/%d', p.batch, p.batches, p.epoch, p.epochs)
  if p.done then return string.format('the batch is done (all %d steps, %s)', p.steps, batch) end
  local what = p.phase .. (p.layer and (' ' .. p.layer) or '')
  if p.timesteps and p.timesteps > 1 then what = what .. string.format(' t=%d/%d', p.timestep, p.timesteps) end
  return string.format('%s (step %d of %d, %s)', what, p.step, p.steps, batch)
end

-- True when no step is left: the last batch of the last epoch is done (in
-- a fit's debugger, c still resumes training, so never). The visualizer's
-- strip then offers no s, n, c.
function Debugger:at_end()
  return self.stepper.done and not self.fit and self.batch >= batch_count(self) and
         self.epoch >= self.epochs
end

function Debugger:position()
  ensure_loaded(self, 'position')
  local s = self.stepper
  local p = s:peek() or {done = true}
  p.step, p.steps = s.position + 1, s.length
  p.batch, p.batches, p.epoch, p.epochs = self.batch, batch_count(self), self.epoch, self.epochs
  p.loss, p.data_loss, p.penalty = s.loss, s.data_loss, s.penalty
  p.done = p.done or false
  return setmetatable(p, Position)
end

-- The position, and the steps around it; returns the position.
-- '0.5432', or with regularizers '0.5432 (data 0.5123 + penalty 0.0309)'.
local function loss_text(s)
  if s.loss ~= s.loss then return '(not yet)' end
  if s.penalty == 0 then return nn.format(s.loss) end
  return string.format('%s (data %s + penalty %s)', nn.format(s.loss), nn.format(s.data_loss),
                       nn.format(s.penalty))
end

function Debugger:where()
  ensure_loaded(self, 'where')
  local program, position = self.stepper:program(), self.stepper.position
  say('batch %d/%d, epoch %d/%d, loss %s', self.batch, batch_count(self), self.epoch,
      self.epochs, loss_text(self.stepper))
  for k = math.max(1, position - 1), math.min(#program, position + 3) do
    say('%s %3d  %s', k == position + 1 and '=>' or '  ', k, program[k])
  end
  if position == #program then say('=> the batch is done (:step loads the next one)') end
  return self:position()
end

-- :print reads the paths :explain reads and shows the values as the REPL
-- does (several side by side: :print x.shape, y.shape).
function Debugger:print(expr)
  need('string', expr, 'print', 'the expression')
  ensure_loaded(self, 'print')
  local values = table.pack(evaluate(self, expr))
  print(values.n == 0 and 'nil' or nn.show(table.unpack(values, 1, values.n)))
  return table.unpack(values, 1, values.n)
end

function Debugger:info(what)
  what = what or 'layers'
  need('string', what, 'info', 'what')
  if what == 'layers' then
    for i, layer in ipairs(self.model.layers) do
      local shape = table.concat(layer.output_shape, ', ')
      local count = layer:count_params()
      say('%2d  %-18s %-14s (None, %s)  %d parameter%s', i, layer.name, layer.class, shape, count,
          count == 1 and '' or 's')
    end
  elseif what == 'breakpoints' then
    if #self.breakpoints == 0 then say('no breakpoints') end
    for _, b in ipairs(self.breakpoints) do
      say('%d  %-8s %-30s hit %d time%s', b.id, b.enabled and 'enabled' or 'disabled',
          describe_break(b), b.hits, b.hits == 1 and '' or 's')
    end
  elseif what == 'watches' then
    if #self.watches == 0 then say('no watches') end
    for _, w in ipairs(self.watches) do say('%d  %s = %s', w.id, w.expr, w.last or '?') end
  else
    error("info: what? 'layers', 'breakpoints' or 'watches'", 0)
  end
end

local function new_id(d)
  local id = d.next_id
  d.next_id = id + 1
  return id
end

function Debugger:break_at(spec)
  local b
  if type(spec) == 'function' then
    b = {predicate = spec}
  elseif type(spec) == 'string' then
    b = parse_break(self, spec)
  else
    error("break: give a place ('dense_1 backward'), a condition ('loss > 2') or a function", 2)
  end
  b.id, b.enabled, b.hits = new_id(self), true, 0
  self.breakpoints[#self.breakpoints + 1] = b
  say('breakpoint %d: %s', b.id, describe_break(b))
  return b.id
end

local function find(list, id, what)
  for i, item in ipairs(list) do
    if item.id == tonumber(id) then return i, item end
  end
  error(string.format('%s: no breakpoint or watch %s (see :info breakpoints)', what, tostring(id)), 0)
end

function Debugger:delete(id)
  local ok, i = pcall(find, self.breakpoints, id, 'delete')
  if ok then table.remove(self.breakpoints, i) return end
  table.remove(self.watches, (find(self.watches, id, 'delete')))
end

function Debugger:disable(id) select(2, find(self.breakpoints, id, 'disable')).enabled = false end
function Debugger:enable(id) select(2, find(self.breakpoints, id, 'enable')).enabled = true end

function Debugger:watch(expr)
  need('string', expr, 'watch', 'the expression')
  local w = {id = new_id(self), expr = expr}
  self.watches[#self.watches + 1] = w
  check_watches(self)
  return w.id
end

-- ---- the chain rule for one weight ----

-- 'dense_1.weights[3][7]', 'dense_1.kernel[3][7]', 'conv2d_1.kernel[1][2][1][5]', 'dense_1.bias[4]'
local function parse_weight(d, text)
  local name, param, rest = text:match('^%s*([%w_]+)%.([%w_]+)(.*)$')
  if not name then error("explain: cannot read '" .. text .. "'; try dense_1.weights[3][7]", 0) end
  if param == 'weights' then param = 'kernel' end
  local index = {}
  for i in rest:gmatch('%[%s*(%d+)%s*%]') do index[#index + 1] = tonumber(i) end
  for i, layer in ipairs(d.model.layers) do
    if layer.name == name then
      local tensor = layer[param]
      if not tensor then error('explain: ' .. name .. ' has no ' .. param, 0) end
      local shape = tensor.shape
      if #index ~= #shape then
        error(string.format('explain: %s.%s has %d dimensions; give %d indices', name, param, #shape, #shape), 0)
      end
      local flat = 0
      for k = 1, #shape do
        if index[k] < 1 or index[k] > shape[k] then
          error(string.format('explain: index %d is out of range 1..%d', index[k], shape[k]), 0)
        end
        flat = flat * shape[k] + index[k] - 1
      end
      return i, layer, param, flat + 1
    end
  end
  error("explain: no layer named '" .. name .. "'", 0)
end

-- The gradient is complete once the layer's last backward step has run.
local function backward_done(d, layer)
  local program, last = d.stepper:program(), nil
  for k, text in ipairs(program) do
    if text == 'backward ' .. layer.name or text:find('^backward ' .. layer.name .. ' t=1/') then last = k end
  end
  return last and d.stepper.position >= last
end

function Debugger:explain(text)
  need('string', text, 'explain', 'the weight')
  ensure_loaded(self, 'explain')
  local i, layer, param, flat = parse_weight(self, text)
  if not backward_done(self, layer) then
    error(string.format('explain: the backward pass of %s has not run yet in this batch; ' ..
                        ':step past "backward %s" first', layer.name, layer.name), 0)
  end
  local e = self.stepper:explain(i, param, flat)
  local kind = nn.layer_kinds[layer.class]
  local recurrent = kind.recurrent
  local unit = kind.output_unit or (recurrent and 'gate unit' or 'unit')
  local per = e.rows_per_example
  local target = string.format('%s %d', unit, e.output)
  local gates = kind.gate_names
  if gates then  -- the kernels hold the gates side by side: name the gate
    local units = layer.output_shape[#layer.output_shape]
    local k = (e.output - 1) % (#gates * units)
    target = string.format('gate %s, unit %d', gates[k // units + 1], k % units + 1)
  end
  if e.bias then
    say('%s is the bias of %s of %s.', text, target, layer.name)
  elseif param == 'recurrent_kernel' then
    say('%s joins h_(t-1) unit %d to %s of %s.', text, e.input, target, layer.name)
  elseif layer.class == 'Conv2D' then  -- input = place in the window, channel fastest
    local shape = layer.kernel.shape  -- {KH, KW, C, F}
    local c, kx, ky = (e.input - 1) % shape[3], (e.input - 1) // shape[3] % shape[2],
                      (e.input - 1) // (shape[3] * shape[2])
    say('%s weighs row %d, column %d, channel %d', text, ky + 1, kx + 1, c + 1)  -- two lines:
    say('of each %dx%d window for %s of %s.', shape[1], shape[2], target, layer.name)  -- 80 columns
  else
    say('%s joins input %d to %s of %s.', text, e.input, target, layer.name)
  end
  local examples = count_of(e.examples, 'example')
  local over = per == 1 and 'the ' .. examples
    or recurrent and string.format('%s x %s', examples, count_of(per, 'timestep'))
    or string.format('%s x %s', examples, count_of(per, 'position'))
  say('dL/dw = sum over %s of dL/dz * dz/dw,', over)
  say('  where dz/dw = %s:', e.bias and '1' or (param == 'recurrent_kernel'
                                                 and 'h_(t-1), the state it multiplies'
                                                 or 'x, the input it multiplies'))
  if #e.terms < e.rows then say('(the %d largest of the %d products)', #e.terms, e.rows) end
  local where = per == 1 and 'example' or (recurrent and 'example, t' or 'example, pos')
  say('  %12s  %14s  %14s  %14s', where, 'dL/dz', 'dz/dw', 'product')
  table.sort(e.terms, function(a, b) return a.row < b.row end)
  for _, t in ipairs(e.terms) do
    local label = per == 1 and tostring(t.row)
      or string.format('%d, %d', (t.row - 1) // per + 1, (t.row - 1) % per + 1)
    say('  %12s  %14.6g  %14.6g  %14.6g', label, t.upstream, t['local'], t.upstream * t['local'])
  end
  -- %.7g: the engine computes in float (about 7 significant digits), so 9
  -- digits would show the product and the engine's gradient as different
  -- numbers (0.082167041 and 0.0821670443) where they agree
  say('  %s: %.7g', e.rows == 1 and 'the only product' or string.format('sum of all %d products', e.rows), e.sum)
  if e.l1 ~= 0 or e.l2 ~= 0 then  -- the regularizer's penalty has its own share
    local parts = {}
    if e.l2 ~= 0 then parts[#parts + 1] = string.format('2 * %g * w', e.l2) end
    if e.l1 ~= 0 then parts[#parts + 1] = string.format('%g * sign(w)', e.l1) end
    say('  + the penalty%s share, %s, at w = %.9g:  %.9g',
        "'s", table.concat(parts, ' + '), e.weight, e.penalty)
    say('  = %.9g', e.sum + e.penalty)
  end
  say("  the engine's gradient:  %.7g", e.engine)
  return e
end

-- ---- the ':' commands ----

-- The debugger that the ':' commands drive, or an error naming the command.
local function driven(name)
  if not current then error(':' .. name .. ': nothing to debug yet; start with :debug model, x, y', 0) end
  return current
end

-- :debug MODEL, X, Y: the arguments are Lua expressions.
local function start_debugging(args)
  local chunk, err = load('return ' .. args, '=:debug', 't', learner_globals())
  if not chunk then error('debug: ' .. err, 0) end
  local model, x, y, opts = chunk()
  return nn.debug(model, x, y, opts)
end

-- The debugger's rows of the REPL's command table (commands.lua says what
-- a row holds): the commands, in the order :help lists them.
local commands = {
  {name = 'debug', args = 'MODEL, X, Y', help = 'debug one training step of MODEL on the batch X, Y',
   run = start_debugging},
  {name = 'step', args = '[n]', help = "run n steps (a layer's forward or backward, the loss, the update)",
   aliases = {'s'}, run = function(a) return driven('step'):step(tonumber(a) or 1) end},
  {name = 'next', args = '', help = 'run to the next layer, skipping timesteps',
   aliases = {'n'}, run = function() return driven('next'):next() end},
  {name = 'finish', args = '', help = 'run to the end of the batch',
   run = function() return driven('finish'):finish() end},
  {name = 'continue', args = '', help = 'run until a breakpoint or the end of the run',
   aliases = {'c'}, run = function() return driven('continue'):continue() end},
  {name = 'back', args = '[n]', help = 'go n steps back, every number as it was',
   run = function(a) return driven('back'):back(tonumber(a) or 1) end},
  {name = 'where', args = '', help = 'the position and the steps around it',
   run = function() return driven('where'):where() end},
  {name = 'print', args = 'EXPR', help = 'a value, with layer names in scope: conv2d_1.output[1]',
   aliases = {'p'}, run = function(a) return driven('print'):print(a) end},
  {name = 'info', args = 'layers|breakpoints|watches', help = 'what the debugger knows',
   run = function(a) return driven('info'):info(a ~= '' and a or nil) end},
  {name = 'break', args = 'SPEC', help = "stop at 'dense_1 backward', on 'nan', 'loss > 2', 'gradnorm > 10'",
   run = function(a) return driven('break'):break_at(a) end},
  {name = 'delete', args = 'N', help = 'remove breakpoint or watch N',
   run = function(a) return driven('delete'):delete(a) end},
  {name = 'disable', args = 'N', help = 'switch breakpoint N off',
   run = function(a) return driven('disable'):disable(a) end},
  {name = 'enable', args = 'N', help = 'switch breakpoint N on',
   run = function(a) return driven('enable'):enable(a) end},
  {name = 'watch', args = 'EXPR', help = 'print EXPR whenever a step changes it',
   run = function(a) return driven('watch'):watch(a) end},
  {name = 'explain', args = 'WEIGHT', help = "one weight's gradient as the chain rule: dense_1.weights[3][7]",
   run = function(a) return driven('explain'):explain(a) end},
}

-- The row a name or an alias stands for.
local function find_command(name)
  for _, row in ipairs(commands) do
    if row.name == name then return row end
    for _, alias in ipairs(row.aliases or {}) do
      if alias == name then return row end
    end
  end
end

-- What to :print to see the bad number a step made, from the message that
-- names it: 'NaN appeared in the output of dense_1 during forward dense_1
-- (at [9][1]: ...)' gives dense_1.output[9][1]: the element itself, which
-- a :print of the whole tensor may hide behind '...'. Nil if it names none.
local function bad_element(why)
  local what, index = tostring(why):match('appeared in (.-) during .-%(at (%[[%d%]%[]+)')
  if not what then return nil end
  local name = what:match('^the output of ([%w_]+)$')
  if name then return name .. '.output' .. index, name .. '.output' end
  name = what:match('^the input gradient of ([%w_]+)$')
  if name then return name .. '.grad_input' .. index, name .. '.grad_input' end
  if what:match('^[%w_]+%.[%w_.]+$') then return what .. index, what end  -- dense_1.kernel, dense_1.grad.kernel
  return nil
end

-- fit stopped on a NaN or an infinity (l_fit.c): on a terminal, offer to
-- replay the batch that made it in the debugger, stopped just after the step
-- where it appeared. x and y are that batch; the model is as it was before it.
local function after_nan(model, x, y)
  io.write('Open the debugger on the batch that made it? [Y/n] ')
  io.flush()
  local answer = io.read('l')
  if answer == nil or answer:match('^%s*[nN]') then return nil end
  local d = nn.debug(model, x, y)
  d:continue()
  local element, whole = bad_element(d.stopped_by)
  if element then
    say('The step above made it: :print %s shows it (:print %s, all of it). Go back with :back, ' ..
        'on with :step.', element, whole)
    return d
  end
  local last = d.last and d.last.layer
  say('The step above made it. Look with %s, go back with :back, on with :step.',
      last and (':print ' .. last .. '.output') or ':print')
  return d
end

-- The lessons' prompt runs the debugger's commands (lessons.lua).
local function command(name, args) return find_command(name).run(args) end
local function is_command(name) return find_command(name) ~= nil end

-- The debugger the ':' commands drive while a fit is paused (viz.lua);
-- returns the one it replaces, to be put back on resuming.
local function use(d)
  local before = current
  current = d
  return before
end

return {command = command, is_command = is_command, commands = commands, after_nan = after_nan,
        bad_element = bad_element,
        current = function() return current end, for_fit = for_fit, use = use}
