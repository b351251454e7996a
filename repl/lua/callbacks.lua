-- callbacks.lua: Keras 3's callbacks for fit, written in Lua so that a
-- learner can read how each one decides (help('callbacks')):
--
--   m:fit(x, y, {epochs = 50, validation_split = 0.2, callbacks = {
--     nn.callbacks.EarlyStopping{patience = 3, restore_best_weights = true},
--     nn.callbacks.CSVLogger('training.csv')}})
--
-- Each follows keras/src/callbacks/*.py (Keras 3): the same options,
-- defaults, counters and comparisons. fit calls a callback's methods, as
-- Keras does (l_fit.c): set_model(model) and on_train_begin(logs) before the
-- first epoch, on_epoch_begin(epoch, logs), on_batch_end(batch, logs),
-- on_epoch_end(epoch, logs), and on_train_end(logs) after the last epoch,
-- or after a callback set model.stop_training. The methods are closures
-- over the callback's table (es.on_epoch_end(3, logs), no colon), and the
-- epoch they get counts from 1, as the progress lines do; Keras counts from
-- 0, and the comparisons with epoch numbers below are shifted to match.
--
-- What is different from Keras: an unknown mode or option is an error
-- (Keras warns and falls back to 'auto'); learning rates are doubles
-- (Keras keeps them in float32); the learning rate is in every epoch's
-- logs (fit puts it there; Keras only with ReduceLROnPlateau or
-- LearningRateScheduler); ModelCheckpoint takes any file name (Keras wants
-- .keras) and does not make missing folders.
--
-- This file is compiled into nnstep (lua2c.awk) and receives the nn table.
local nn = ...
local M = {}

local function say(text) print(text) end

-- The optimizer's learning rate, read or set (the visualizer's + and - keys
-- use the same function).
local function get_learning_rate(model) return nn.viz.learning_rate(model) end
local function set_learning_rate(model, rate) nn.viz.learning_rate(model, rate) end

-- A new callback: a table whose metatable names its class (fit's errors
-- and tostring show it).
local function new_callback(class)
  return setmetatable({}, {__name = class})
end

-- ---- options, checked where the callback is made ----

local function sorted_keys(t)
  local keys = {}
  for key in pairs(t) do keys[#keys + 1] = tostring(key) end
  table.sort(keys)
  return keys
end

-- spec: option = {default, type, check}; check(v) returns a complaint or nil.
-- Errors name the callback and the option, at the caller's line.
local function check_options(class, given, spec)
  if given ~= nil and type(given) ~= 'table' then
    error(string.format('%s: the options should be a table such as {monitor = %q}, got a %s',
                        class, 'val_loss', type(given)), 3)
  end
  given = given or {}
  for key in pairs(given) do
    if spec[key] == nil then
      error(string.format('%s: unknown option %s; it takes %s', class, tostring(key),
                          table.concat(sorted_keys(spec), ', ')), 3)
    end
  end
  local options = {}
  for key, rule in pairs(spec) do
    local value = given[key]
    if value == nil then value = rule[1] end
    if value ~= nil and type(value) ~= rule[2] then
      error(string.format('%s: %s should be a %s, got %s', class, key, rule[2],
                          type(value) == 'string' and string.format('%q', value) or type(value)), 3)
    end
    local complaint = value ~= nil and rule[3] and rule[3](value)
    if complaint then
      error(string.format('%s: %s %s, got %s', class, key, complaint, tostring(value)), 3)
    end
    options[key] = value
  end
  return options
end

local function whole_at_least_0(v)
  if v ~= math.floor(v) then return 'should be a whole number' end
  if v < 0 then return 'should be 0 or more' end
end
local function at_least_0(v) if not (v >= 0) then return 'should be 0 or more' end end
local function a_mode(v)
  if v ~= 'auto' and v ~= 'min' and v ~= 'max' then
    return 'should be ' .. "'auto', 'min' or 'max'"
  end
end

-- ---- which way is better (Keras 3's MonitorCallback) ----

-- mode 'auto': a loss should go down; Keras's accuracy metric says it should
-- go up; for anything else Keras cannot tell, and neither can we.
local function direction(class, monitor, mode)
  if mode ~= 'auto' then return mode end
  local metric = monitor:gsub('^val_', '')
  if metric == 'loss' then return 'min' end
  if metric == 'accuracy' then return 'max' end
  error(string.format("%s: cannot tell whether monitor = %q should go down or up; "
                      .. "pass mode = 'min' (lower is better) or mode = 'max'", class, monitor), 3)
end

-- Keras's _is_improvement: better than the reference by more than
-- min_delta (in the direction that is better); anything beats nothing.
local function is_improvement(self, value, reference)
  if reference == nil then return true end
  if self.direction == 'min' then
    return value + self.min_delta < reference
  end
  return value - self.min_delta > reference
end

-- The monitored value in the logs, or nil after saying once per fit what
-- is there instead (Keras warns each epoch, and skips it, or saves anyway).
local function monitored(self, logs, otherwise)
  local value = logs[self.monitor]
  if value == nil and not self.warned then
    self.warned = true
    say(string.format('%s: monitor %q is not in the logs (%s), so it %s; %s', self.class,
                      self.monitor, table.concat(sorted_keys(logs), ', '),
                      otherwise or 'does nothing',
                      self.monitor:match('^val_') and 'give fit validation_split or validation_data'
                        or 'check the name'))
  end
  return value
end

-- ---- EarlyStopping ----

-- Stop when the monitored value has not improved for `patience` epochs.
-- As Keras 3: wait counts the epochs since the best; an epoch that improves
-- on the best but not on baseline keeps counting; training never stops at
-- the first epoch; restore_best_weights puts back the best epoch's weights
-- at the end of training, whether it stopped early or not.
function M.EarlyStopping(options)
  local o = check_options('EarlyStopping', options, {
    monitor = {'val_loss', 'string'}, min_delta = {0, 'number'},
    patience = {0, 'number', whole_at_least_0}, verbose = {0, 'number'},
    mode = {'auto', 'string', a_mode}, baseline = {nil, 'number'},
    restore_best_weights = {false, 'boolean'},
    start_from_epoch = {0, 'number', whole_at_least_0},
  })
  local self = new_callback('EarlyStopping')
  for key, value in pairs(o) do self[key] = value end
  self.class = 'EarlyStopping'
  self.min_delta = math.abs(o.min_delta)
  self.direction = direction('EarlyStopping', o.monitor, o.mode)
  self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0

  function self.set_model(model) self.model = model end

  function self.on_train_begin()  -- so that one callback serves several fits
    self.wait, self.stopped_epoch, self.best, self.best_weights = 0, 0, nil, nil
    self.best_epoch, self.warned = 0, false
  end

  function self.on_epoch_end(epoch, logs)
    local current = monitored(self, logs)
    -- Keras skips its epochs 0 .. start_from_epoch - 1: ours 1 .. start_from_epoch
    if current == nil or epoch <= self.start_from_epoch then return end
    if self.restore_best_weights and self.best_weights == nil then
      self.best_weights, self.best_epoch = self.model:get_weights(), epoch
    end
    self.wait = self.wait + 1
    if is_improvement(self, current, self.best) then
      self.best, self.best_epoch = current, epoch
      if self.restore_best_weights then self.best_weights = self.model:get_weights() end
      -- only a value that beats both the best and the baseline restarts the wait
      if self.baseline == nil or is_improvement(self, current, self.baseline) then
        self.wait = 0
      end
      return
    end
    if self.wait >= self.patience and epoch > 1 then  -- Keras: epoch > 0
      self.stopped_epoch = epoch
      self.model.stop_training = true
    end
  end

  function self.on_train_end()
    if self.stopped_epoch > 0 and self.verbose > 0 then
      say(string.format('Epoch %d: early stopping', self.stopped_epoch))
    end
    if self.restore_best_weights and self.best_weights ~= nil then
      if self.verbose > 0 then
        say(string.format('Restoring model weights from the end of the best epoch: %d.',
                          self.best_epoch))
      end
      self.model:set_weights(self.best_weights)
    end
  end
  return self
end

-- ---- ReduceLROnPlateau ----

-- Keras compares the rate (a float32) with min_lr rounded to float32.
local function float32(x) return (string.unpack('f', string.pack('f', x))) end

-- Multiply the learning rate by factor when the monitored value has not
-- improved (by more than min_delta) for `patience` epochs; then wait
-- `cooldown` epochs, counting nothing, before watching again.
function M.ReduceLROnPlateau(options)
  local o = check_options('ReduceLROnPlateau', options, {
    monitor = {'val_loss', 'string'},
    factor = {0.1, 'number', function(v)
      if not (v > 0 and v < 1) then return 'should be between 0 and 1 (Keras refuses >= 1)' end
    end},
    patience = {10, 'number', whole_at_least_0}, verbose = {0, 'number'},
    mode = {'auto', 'string', a_mode}, min_delta = {1e-4, 'number'},
    cooldown = {0, 'number', whole_at_least_0}, min_lr = {0, 'number', at_least_0},
  })
  local self = new_callback('ReduceLROnPlateau')
  for key, value in pairs(o) do self[key] = value end
  self.class = 'ReduceLROnPlateau'
  self.min_delta = math.abs(o.min_delta)
  self.direction = direction('ReduceLROnPlateau', o.monitor, o.mode)
  self.wait, self.cooldown_counter = 0, 0

  function self.set_model(model) self.model = model end

  function self.on_train_begin()
    self.best, self.cooldown_counter, self.wait, self.warned = nil, 0, 0, false
  end

  local function reduce(epoch)
    local old = get_learning_rate(self.model)
    if not (old > float32(self.min_lr)) then return false end
    local new = math.max(old * self.factor, self.min_lr)
    set_learning_rate(self.model, new)
    if self.verbose > 0 then
      say(string.format('Epoch %d: ReduceLROnPlateau reducing learning rate to %s.', epoch,
                        M.python_float(new)))
    end
    return true
  end

  -- (fit has put the rate used this epoch in logs.learning_rate, as Keras does here)
  function self.on_epoch_end(epoch, logs)
    local current = monitored(self, logs)
    if current == nil then return end
    if self.cooldown_counter > 0 then  -- in cooldown: count it down, wait for nothing
      self.cooldown_counter = self.cooldown_counter - 1
      self.wait = 0
    end
    if is_improvement(self, current, self.best) then
      self.best, self.wait = current, 0
    elseif self.cooldown_counter == 0 then
      self.wait = self.wait + 1
      if self.wait >= self.patience and reduce(epoch) then
        self.cooldown_counter, self.wait = self.cooldown, 0
      end
    end
  end
  return self
end

-- ---- LearningRateScheduler ----

-- At each epoch's beginning, the learning rate becomes schedule(epoch, lr).
-- As in Keras the epoch given to schedule counts from 0, so that a schedule
-- copied from Keras works unchanged.
function M.LearningRateScheduler(schedule, options)
  if type(schedule) ~= 'function' then
    error('LearningRateScheduler: schedule should be a function(epoch, lr) returning the '
          .. 'epoch' .. "'" .. 's learning rate, got a ' .. type(schedule), 2)
  end
  local o = check_options('LearningRateScheduler', options, {verbose = {0, 'number'}})
  local self = new_callback('LearningRateScheduler')
  self.schedule, self.verbose = schedule, o.verbose

  function self.set_model(model) self.model = model end

  function self.on_epoch_begin(epoch)
    local keras_epoch = epoch - 1
    local rate = self.schedule(keras_epoch, get_learning_rate(self.model))
    if type(rate) ~= 'number' or not (rate > 0 and rate < math.huge) then
      error(string.format('LearningRateScheduler: schedule(%d, %s) returned %s; it should '
                          .. 'return a positive number, the learning rate', keras_epoch,
                          M.python_float(get_learning_rate(self.model)), tostring(rate)), 0)
    end
    set_learning_rate(self.model, rate)
    if self.verbose > 0 then
      say(string.format('Epoch %d: LearningRateScheduler setting learning rate to %s.', epoch,
                        M.python_float(rate)))
    end
  end
  return self
end

-- ---- numbers and names as Python writes them ----

-- A float as Python's repr (and str) writes it, as CSVLogger's file and
-- ModelCheckpoint's file names show them: the fewest digits that read back
-- as the same double, in fixed notation from 1e-4 up to 1e16, with ".0" on
-- whole numbers (1.0, 0.001, 1e-05, 1.5e+16).
function M.python_float(x)
  if math.type(x) == 'integer' then return string.format('%d', x) end
  if x ~= x then return 'nan' end
  if x == math.huge then return 'inf' elseif x == -math.huge then return '-inf' end
  if x == 0 then return 1 / x < 0 and '-0.0' or '0.0' end
  local text
  for precision = 0, 16 do  -- the shortest d.ddde+XX that reads back as x
    text = string.format('%.' .. precision .. 'e', x)
    if tonumber(text) == x then break end
  end
  local sign, first, rest, exponent = text:match('^(-?)(%d)%.?(%d*)e([-+]%d+)$')
  local digits, e = first .. rest, tonumber(exponent)
  if e < -4 or e >= 16 then
    return string.format('%s%s%se%s%02d', sign, first, rest ~= '' and '.' .. rest or '',
                         e < 0 and '-' or '+', math.abs(e))
  elseif e < 0 then
    return sign .. '0.' .. string.rep('0', -e - 1) .. digits
  end
  local whole = digits:sub(1, e + 1)
  whole = whole .. string.rep('0', e + 1 - #whole)
  local fraction = digits:sub(e + 2)
  return sign .. whole .. '.' .. (fraction ~= '' and fraction or '0')
end

-- Python's str.format for a file name: {epoch}, {epoch:02d}, {val_loss:.2f};
-- the format specs d, f, e and g, with a width and a precision.
local function format_path(class, pattern, fields)
  return (pattern:gsub('%b{}', function(field)
    local name, spec = field:match('^{([%a_][%w_]*):?([^}]*)}$')
    if name == nil then
      error(string.format('%s: cannot read %s in the file name %q; write {epoch:02d} or '
                          .. '{val_loss:.2f}', class, field, pattern), 0)
    end
    local value = fields[name]
    if value == nil then
      error(string.format('%s: the file name %q names {%s}, which is not in the logs (%s)',
                          class, pattern, name, table.concat(sorted_keys(fields), ', ')), 0)
    end
    if spec == '' then
      return type(value) == 'number' and M.python_float(value) or tostring(value)
    end
    if not spec:match('^%d*%.?%d*[dfeg]$') then
      error(string.format('%s: the format {%s:%s} in %q is not one nnstep knows; use d, f, e '
                          .. 'or g, as in {epoch:02d} or {val_loss:.2f}', class, name, spec,
                          pattern), 0)
    end
    if spec:sub(-1) == 'd' and math.type(value) ~= 'integer' then
      error(string.format('%s: {%s:%s} wants a whole number, and %s is %s', class, name, spec,
                          name, tostring(value)), 0)
    end
    return string.format('%' .. spec, value)
  end))
end

-- ---- ModelCheckpoint ----

-- Save the model (m:save: whole or not at all) at each epoch's end, or with
-- save_best_only only when the monitored value is the best so far. Names
-- such as {epoch:02d} in filepath are filled in, epoch counting from 1.
function M.ModelCheckpoint(filepath, options)
  if type(filepath) ~= 'string' or filepath == '' then
    error('ModelCheckpoint: filepath should be a file name such as '
          .. "'best.nnm' or 'model-{epoch:02d}.nnm', got " .. type(filepath), 2)
  end
  local o = check_options('ModelCheckpoint', options, {
    monitor = {'val_loss', 'string'}, verbose = {0, 'number'},
    save_best_only = {false, 'boolean'}, mode = {'auto', 'string', a_mode},
    initial_value_threshold = {nil, 'number'},
  })
  local self = new_callback('ModelCheckpoint')
  for key, value in pairs(o) do self[key] = value end
  self.class, self.filepath = 'ModelCheckpoint', filepath
  self.min_delta = 0
  self.direction = direction('ModelCheckpoint', o.monitor, o.mode)
  self.best = o.initial_value_threshold  -- kept from one fit to the next, as in Keras

  function self.set_model(model) self.model = model end
  function self.on_train_begin() self.warned = false end

  function self.on_epoch_end(epoch, logs)
    local fields = {epoch = epoch}
    for key, value in pairs(logs) do fields[key] = value end
    local path = format_path('ModelCheckpoint', self.filepath, fields)
    if self.save_best_only then
      local current = logs[self.monitor]
      if current ~= nil and not is_improvement(self, current, self.best) then
        if self.verbose > 0 then
          say(string.format('Epoch %d: %s did not improve from %.5f', epoch, self.monitor,
                            self.best))
        end
        return
      end
      if current == nil then  -- Keras warns and saves
        monitored(self, logs, 'saves every epoch')
      else
        if self.verbose > 0 then
          say(string.format('Epoch %d: %s improved from %s to %.5f, saving model to %s', epoch,
                            self.monitor, self.best and string.format('%.5f', self.best)
                              or 'None', current, path))
        end
        self.best = current
      end
    elseif self.verbose > 0 then
      say(string.format('Epoch %d: saving model to %s', epoch, path))
    end
    self.model:save(path)
  end
  return self
end

-- ---- CSVLogger ----

-- One row per epoch: the epoch (from 0, as Keras writes it) and the logs'
-- values, under a header of their names sorted (when no val_ name is there,
-- Keras adds one for each, with NA in every row). Written as Python's csv
-- module writes: lines end in CR LF, floats as Python's repr.
function M.CSVLogger(filename, options)
  if type(filename) ~= 'string' or filename == '' then
    error("CSVLogger: filename should be a file name such as 'training.csv', got "
          .. type(filename), 2)
  end
  local o = check_options('CSVLogger', options, {
    separator = {',', 'string', function(v) if #v ~= 1 then return 'should be one character' end end},
    append = {false, 'boolean'},
  })
  local self = new_callback('CSVLogger')
  self.filename, self.separator, self.append = filename, o.separator, o.append
  local line_end = string.char(13, 10)
  -- Python's csv quotes a field holding the separator, a quote or a line
  -- break, doubling its quotes
  local function field(text)
    if text:find(self.separator, 1, true) or text:find('[' .. '"' .. line_end .. ']') then
      return '"' .. text:gsub('"', '""') .. '"'
    end
    return text
  end

  function self.on_train_begin()
    local header = true
    if self.append then  -- a header only at the top of an empty file
      local old = io.open(self.filename, 'r')
      if old then
        header = old:read('L') == nil  -- Python's readline(): '' only at the end
        old:close()
      end
    end
    if self.file then self.file:close() end
    local file, why = io.open(self.filename, self.append and 'a' or 'w')
    if not file then
      error(string.format('CSVLogger: cannot write %s: %s', self.filename, why), 0)
    end
    self.file, self.header, self.keys = file, header, nil
  end

  function self.on_epoch_end(epoch, logs)
    if self.keys == nil then
      self.keys = sorted_keys(logs)
      local has_val = false
      for _, key in ipairs(self.keys) do has_val = has_val or key:match('^val_') ~= nil end
      if not has_val then
        for i = 1, #self.keys do self.keys[#self.keys + 1] = 'val_' .. self.keys[i] end
      end
      if self.header then
        local names = {'epoch'}
        for _, key in ipairs(self.keys) do names[#names + 1] = field(key) end
        self.file:write(table.concat(names, self.separator), line_end)
      end
    end
    local row = {string.format('%d', epoch - 1)}
    for _, key in ipairs(self.keys) do
      local value = logs[key]
      row[#row + 1] = value == nil and 'NA' or type(value) == 'number' and M.python_float(value)
                      or field(tostring(value))
    end
    self.file:write(table.concat(row, self.separator), line_end)
    self.file:flush()
  end

  function self.on_train_end()
    if self.file then self.file:close() end
    self.file = nil
  end
  return self
end

-- ---- history:to_csv ----

-- fit's history into a CSV file, written as CSVLogger writes it: a header
-- "epoch" and the history's columns sorted by name (accuracy,
-- learning_rate, loss, penalty, val_accuracy, val_loss: those it has), one
-- row per epoch counted from 0 as Keras counts, Python's float repr, lines
-- ending in CR LF. Unlike CSVLogger it adds no val_ columns of NA when
-- there was no validation. Written through the safe save (nn.utils.save_text).
function M.history_to_csv(history, path)
  if type(history) ~= 'table' or math.type(history.epochs) ~= 'integer' then
    error('to_csv: call it on the history fit returns: h = m:fit(...); h:to_csv(path)', 2)
  end
  if type(path) ~= 'string' or path == '' then
    error("to_csv: path should be a file name such as 'history.csv', got " .. type(path), 2)
  end
  -- the per-epoch series: a number per epoch (not learning_rate_changes,
  -- a list of the changes made during the run)
  local columns = {}
  for key, value in pairs(history) do
    if type(key) == 'string' and type(value) == 'table' and #value == history.epochs
       and type(value[1]) == 'number' then
      columns[#columns + 1] = key
    end
  end
  table.sort(columns)
  local line_end = string.char(13, 10)
  local lines = {'epoch,' .. table.concat(columns, ',')}
  for e = 1, history.epochs or 0 do
    local row = {string.format('%d', e - 1)}
    for _, key in ipairs(columns) do
      local value = history[key][e]
      row[#row + 1] = type(value) == 'number' and M.python_float(value) or 'NA'
    end
    lines[#lines + 1] = table.concat(row, ',')
  end
  local ok, why = pcall(nn.utils.save_text, path, table.concat(lines, line_end) .. line_end)
  if not ok then error('to_csv: ' .. tostring(why):gsub('^save_text: ', ''), 2) end
end

return M
