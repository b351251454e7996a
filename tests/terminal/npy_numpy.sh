#!/bin/sh
# npy_numpy.sh: nnstep's .npy files checked against NumPy itself (TAP).
#
# Both directions: tensors saved by nnstep (t:save) are read with np.load
# and compared with the values NumPy expects; arrays written by np.save
# (every element type nnstep reads, Fortran order, 0-d, empty, versions 2.0
# and 3.0) are loaded by nnstep (nn.load_npy), saved back, and compared in
# NumPy with the original as float32. Then files nnstep must refuse.
#
# Debian's python3-numpy is installed for /usr/bin/python3, which need not be
# the python3 first on PATH; without numpy the test is skipped.
# Run from the build directory (make check does), where ./nnstep is.
# POSIX sh: make runs these with $(SHELL), which may be dash.

python=${NNSTEP_PYTHON:-/usr/bin/python3}
nnstep=${NNSTEP:-$PWD/nnstep}

if ! "$python" -c 'import numpy' >/dev/null 2>&1; then
    echo '1..0 # SKIP numpy not available'
    exit 0
fi
if [ ! -x "$nnstep" ]; then
    echo "Bail out! $nnstep not found; build it first (make nnstep)"
    exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/nnstep-npy.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

test_number=0
failures=0
ok() {  # ok DESCRIPTION COMMAND...: one TAP line for the command's status
    description=$1
    shift
    test_number=$((test_number + 1))
    if "$@" >"$work/out" 2>&1; then
        echo "ok $test_number - $description"
    else
        echo "not ok $test_number - $description"
        sed 's/^/# /' "$work/out"
        failures=$((failures + 1))
    fi
}

py() { "$python" -c "import numpy as np, sys
$1"; }
nn() { "$nnstep" -e "$1"; }

# nnstep -e CODE must fail, with `words` in its message.
refuses() {  # refuses WORDS CODE
    if "$nnstep" -e "$2" >"$work/refusal" 2>&1; then
        echo "nnstep accepted it"
        return 1
    fi
    grep -F -- "$1" "$work/refusal" || { cat "$work/refusal"; return 1; }
}

echo 1..7

# ---- nnstep writes, NumPy reads ----
saved_by_nnstep() {
    nn "local t = nn.tensor{{1, 2.5, -3}, {4, 5, 6e-8}}
        t:save('m.npy')
        t:transpose():save('mt.npy')
        t:narrow(2, 2, 2):save('narrow.npy')
        nn.tensor(7):save('scalar.npy')
        nn.zeros(0):save('empty.npy')
        nn.arange(0, 24):reshape(2, 3, 4):save('cube.npy')" || return 1
    py "
m = np.array([[1, 2.5, -3], [4, 5, 6e-8]], dtype=np.float32)
def same(name, want):
    got = np.load(name)
    assert got.dtype == np.float32, (name, got.dtype)
    assert got.shape == want.shape, (name, got.shape, want.shape)
    assert np.array_equal(got, want), (name, got, want)
same('m.npy', m)
same('mt.npy', m.T)
same('narrow.npy', m[:, 1:3])
same('scalar.npy', np.array(7, dtype=np.float32))
same('empty.npy', np.zeros(0, dtype=np.float32))
same('cube.npy', np.arange(24, dtype=np.float32).reshape(2, 3, 4))
"
}
ok 'np.load reads what t:save writes: matrix, transpose, slice, scalar, empty, 3-D' \
    saved_by_nnstep

# ---- NumPy writes, nnstep reads (and writes back) ----
# Each array goes through nnstep: nn.load_npy, then t:save; NumPy compares
# the copy with the original as float32.
write_numpy_files() {
    py "
from numpy.lib import format as npf
rng = np.random.default_rng(1)
arrays = {
    'f4': rng.standard_normal((3, 4)).astype('<f4'),
    'f8': rng.standard_normal((2, 5)),
    'u1': np.arange(256, dtype='|u1').reshape(16, 16),
    'u2': np.array([0, 1, 65535], dtype='<u2'),
    'u4': np.array([0, 7, 4294967295], dtype='<u4'),
    'u8': np.array([0, 2**40, 2**64 - 1], dtype='<u8'),
    'i1': np.array([[-128, -1], [0, 127]], dtype='|i1'),
    'i2': np.array([-32768, -5, 32767], dtype='<i2'),
    'i4': np.array([-2**31, -7, 2**31 - 1], dtype='<i4'),
    'i8': np.array([-2**63, -9, 2**40], dtype='<i8'),
    'b1': np.array([[True, False, True]]),
    'fortran': np.asfortranarray(np.arange(24, dtype='<f4').reshape(2, 3, 4)),
    'transposed': np.arange(6, dtype='<f8').reshape(2, 3).T,
    'scalar': np.array(3.5, dtype='<f4'),
    'empty': np.zeros((2, 0, 3), dtype='<f4'),
    'six_d': np.arange(48, dtype='<f4').reshape(1, 2, 2, 3, 2, 2),
}
for name, a in arrays.items():
    np.save(name + '.npy', a)
for version in [(2, 0), (3, 0)]:
    with open('v%d.npy' % version[0], 'wb') as f:
        npf.write_array(f, arrays['f4'], version=version)
    arrays['v%d' % version[0]] = arrays['f4']
with open('names.txt', 'w') as f:
    f.write(' '.join(sorted(arrays)))
import pickle
with open('arrays.pickle', 'wb') as f:
    pickle.dump(arrays, f)
"
}
ok 'np.save writes the fixtures' write_numpy_files

round_trip_through_nnstep() {
    for name in $(cat names.txt); do
        nn "nn.load_npy('$name.npy'):save('$name.back.npy')" || return 1
    done
    py "
import pickle
arrays = pickle.load(open('arrays.pickle', 'rb'))
for name, a in arrays.items():
    back = np.load(name + '.back.npy')
    want = a.astype(np.float32)
    assert back.shape == want.shape, (name, back.shape, want.shape)
    assert np.array_equal(back, want), (name, back, want)
print(len(arrays), 'arrays')
"
}
ok 'nnstep loads every np.save array (11 types, Fortran order, 0-d, empty, 6-D, v2, v3)' \
    round_trip_through_nnstep

# The values as nnstep sees them, indexed from Lua (1-based).
values_in_nnstep() {
    nn "local i = nn.load_npy('i4.npy')
        assert(i[1] == -2147483648 and i[2] == -7, 'int32')
        local f = nn.load_npy('fortran.npy')
        assert(f.shape[1] == 2 and f.shape[2] == 3 and f.shape[3] == 4, 'shape')
        assert(f[2][3][4] == 23 and f[1][2][3] == 6, 'fortran order')
        local b = nn.load_npy('b1.npy')
        assert(b[1][1] == 1 and b[1][2] == 0, 'bool')
        assert(nn.load_npy('scalar.npy'):item() == 3.5, 'scalar')"
}
ok 'the loaded values are the array NumPy holds (int32, Fortran order, bool, 0-d)' \
    values_in_nnstep

# ---- files nnstep refuses ----
big_endian() {
    py "np.save('be.npy', np.arange(3, dtype='>f4'))" &&
        refuses "big-endian ('>f4')" "nn.load_npy('be.npy')"
}
ok 'a big-endian array is refused with a message saying so' big_endian

objects() {
    py "np.save('obj.npy', np.array([None, 1], dtype=object), allow_pickle=True)" &&
        refuses "unsupported element type '|O'" "nn.load_npy('obj.npy')"
}
ok 'an object (pickled) array is refused, never unpickled' objects

archive() {
    py "np.savez('both.npz', a=np.zeros(3))" &&
        refuses 'not a .npy file' "nn.load_npy('both.npz')"
}
ok 'an .npz archive is refused as not a .npy file' archive

[ "$failures" -eq 0 ]
