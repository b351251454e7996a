#!/bin/sh
# reshape_torch.sh: t:reshape and t:view checked against PyTorch's own on
# 300 random cases (TAP). Each case permutes a tensor of 0, 1, 2, ..., may
# narrow one axis, and asks for a random shape with the same element count.
# PyTorch says whether view works and with which strides, and what reshape
# holds; nnstep must agree on all four:
#   the values of reshape (the tensor read in row-major order),
#   whether view succeeds (strides exist that read it without a copy),
#   the strides of the view (those of size-1 axes are arbitrary, as in torch),
#   whether reshape shares memory (a write through it reaches the original)
#   exactly when view succeeds.
# Skipped when /usr/bin/python3 cannot import torch. Run from the build
# directory (make check does), where ./nnstep is. POSIX sh.

python=${NNSTEP_PYTHON:-/usr/bin/python3}
nnstep=${NNSTEP:-$PWD/nnstep}

if ! "$python" -c 'import torch' >/dev/null 2>&1; then
    echo '1..0 # SKIP torch not available to /usr/bin/python3'
    exit 0
fi
if [ ! -x "$nnstep" ]; then
    echo "Bail out! $nnstep not found; build it first (make nnstep)"
    exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/nnstep-reshape.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

# PyTorch's answers, written as a Lua table (axes from 1, as nnstep counts)
"$python" - "$work/cases.lua" <<'PY' || { echo 'Bail out! the PyTorch side failed'; exit 1; }
import random, sys
import torch
random.seed(3)
def lua(values):
    return '{' + ', '.join(str(int(v)) for v in values) + '}'
out = ['return {']
for _ in range(300):
    shape = [random.randint(1, 4) for _ in range(random.randint(1, 4))]
    t = torch.arange(float(torch.tensor(shape).prod())).reshape(shape)
    perm = list(range(len(shape)))
    random.shuffle(perm)
    p = t.permute(perm)
    narrow = 'nil'
    d = random.randrange(len(shape))
    if p.shape[d] > 1 and random.random() < 0.5:
        start = random.randrange(p.shape[d])
        length = random.randint(1, p.shape[d] - start)
        p = p.narrow(d, start, length)
        narrow = lua([d + 1, start + 1, length])
    new, left = [], p.numel()
    while left > 1 and len(new) < 4:
        f = random.choice([x for x in range(1, left + 1) if left % x == 0])
        new.append(f)
        left //= f
    new.append(left)
    random.shuffle(new)
    try:
        strides = lua(p.view(new).stride())
    except RuntimeError:
        strides = 'nil'
    out.append('{shape = %s, perm = %s, narrow = %s, new = %s, strides = %s, values = %s},' % (
        lua(shape), lua(x + 1 for x in perm), narrow, lua(new), strides,
        lua(p.reshape(new).flatten().tolist())))
out.append('}')
open(sys.argv[1], 'w').write('\n'.join(out) + '\n')
PY

cat >"$work/check.lua" <<'EOF_LUA'
local cases = dofile(arg[1])
local wrong = {values = 0, viewable = 0, strides = 0, shared = 0}
local views = 0
for _, c in ipairs(cases) do
  local n = 1
  for _, size in ipairs(c.shape) do n = n * size end
  local p = nn.arange(n):reshape(c.shape):permute(c.perm)
  if c.narrow then p = p:narrow(c.narrow[1], c.narrow[2], c.narrow[3]) end
  local r = p:reshape(c.new)
  local flat = r:clone():reshape(-1):totable()
  for k = 1, #c.values do
    if flat[k] ~= c.values[k] then wrong.values = wrong.values + 1 break end
  end
  local viewed, v = pcall(p.view, p, c.new)
  if viewed ~= (c.strides ~= nil) then wrong.viewable = wrong.viewable + 1 end
  if viewed and c.strides then
    views = views + 1
    local strides = {v:stride()}
    for d = 1, #strides do
      if c.new[d] ~= 1 and strides[d] ~= c.strides[d] then wrong.strides = wrong.strides + 1 break end
    end
  end
  r:fill(-7)  -- through a view this reaches p; into a copy it does not
  local shared = p:clone():reshape(-1):totable()[1] == -7
  if shared ~= (c.strides ~= nil) then wrong.shared = wrong.shared + 1 end
end
local function line(n, ok, what)
  print(string.format('%s %d - %s', ok and 'ok' or 'not ok', n, what))
end
print('1..4')
line(1, wrong.values == 0, string.format('reshape holds what torch reshape holds (%d cases, %d differ)', #cases, wrong.values))
line(2, wrong.viewable == 0, string.format('view works exactly where torch view works (%d of %d; %d differ)', views, #cases, wrong.viewable))
line(3, wrong.strides == 0, string.format('the view has torch strides (%d differ)', wrong.strides))
line(4, wrong.shared == 0, string.format('reshape shares memory exactly when view works (%d differ)', wrong.shared))
EOF_LUA
"$nnstep" "$work/check.lua" "$work/cases.lua"
