#!/bin/sh
# bench_run.sh: bench/run's table, with stand-ins for bench/reference, the
# PyTorch peer and python3 (no timing, no torch, no OpenBLAS needed): the peer
# runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for its command alone,
# the table names the BLAS the peer reported, the ratios are the figures'
# quotients, and a peer on the reference BLAS gets a loud warning.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/build/bench"
# bench/reference: canned lines, and whether it saw OPENBLAS_CORETYPE
# (on --threads 1, half the 2-thread speed; when $TMPDIR_BENCH/slow_first
# exists, a thread count's first CNN run is slower, so that --repeat must
# keep the best)
cat >"$tmp/build/bench/reference" <<'EOS'
#!/bin/sh
echo "coretype=${OPENBLAS_CORETYPE-unset}" >>"$TMPDIR_BENCH/reference_env"
model=$1 size=$3 t=2 previous=
for arg; do [ "$previous" = --threads ] && t=$arg; previous=$arg; done
cnn_train=3000
if [ -e "$TMPDIR_BENCH/slow_first" ] && [ ! -e "$TMPDIR_BENCH/cnn_seen_$t" ]; then
    [ "$model" = cnn ] && cnn_train=2500 && touch "$TMPDIR_BENCH/cnn_seen_$t"
fi
[ "$t" = 1 ] && cnn_train=$((cnn_train / 2))
case $model in
cnn) echo "nnstep model=cnn threads=$t batch=32 train_img_per_s=$cnn_train.0 infer_img_per_s=12000.0 test_acc=0.8000 epochs=1 train_images=10000 peak_rss_mb=300" ;;
lstm) echo "nnstep model=lstm threads=$t batch=32 train_img_per_s=1500.0 infer_img_per_s=4000.0 test_acc=0.7000 epochs=1 train_images=10000 peak_rss_mb=200" ;;
gemm) echo "nnstep gemm n=$size threads=1 gflops=80.0" ;;
peak) echo "nnstep peak threads=1 gflops=100.0" ;;
esac
EOS

#!/bin/sh
echo "coretype=${OPENBLAS_CORETYPE-unset}" >>"$TMPDIR_BENCH/reference_env"
t=2
while [ $# -gt 0 ]; do [ "$1" = --threads ] && t=$2; shift; done
set -- $(cat "$TMPDIR_BENCH/args")
cnn_train=3000
if [ "$1" = cnn ] && [ ! -e "$TMPDIR_BENCH/cnn_seen_$t" ]; then
    cnn_train=2500; touch "$TMPDIR_BENCH/cnn_seen_$t"
fi
[ "$t" = 1 ] && cnn_train=$((cnn_train / 2))
case $1 in
cnn) echo "nnstep model=cnn threads=$t batch=32 train_img_per_s=$cnn_train.0 infer_img_per_s=12000.0 test_acc=0.8000 epochs=1 train_images=10000 peak_rss_mb=300" ;;
lstm) echo "nnstep model=lstm threads=$t batch=32 train_img_per_s=1500.0 infer_img_per_s=4000.0 test_acc=0.7000 epochs=1 train_images=10000 peak_rss_mb=200" ;;
gemm) echo "nnstep gemm n=$3 threads=1 gflops=80.0" ;;
peak) echo "nnstep peak threads=1 gflops=100.0" ;;
esac
EOS
# python3: runs its script argument with sh ("-c 'import torch'" succeeds)
cat >"$tmp/python" <<'EOS'
#!/bin/sh
[ "$1" = -c ] && exit 0
script=$1; shift
exec sh "$script" "$@"
EOS
# the peer: training figures, with the BLAS in $FAKE_BLAS and what it saw
cat >"$tmp/peer" <<'EOS'
echo "peer_env=${OPENBLAS_CORETYPE-unset},${OPENBLAS_L2_SIZE-unset}" >>"$TMPDIR_BENCH/peer_env"
case $1 in
cnn) train=1000; infer=2000; rss=600 ;;
lstm) train=500; infer=1000; rss=400 ;;
esac
[ "$3" = 2 ] && train=$((train * 3 / 2))
echo "peer=torch-1.13.0a0 model=$1 threads=$3 batch=32 train_img_per_s=$train.0 infer_img_per_s=$infer.0 test_acc=0.8000 epochs=1 train_images=10000 peak_rss_mb=$rss blas=$FAKE_BLAS"
EOS
cat >"$tmp/peer_gemm" <<'EOS'
echo "peer_gemm_env=${OPENBLAS_CORETYPE-unset},${OPENBLAS_NUM_THREADS-unset}" >>"$TMPDIR_BENCH/peer_env"
echo "peer=torch-1.13.0a0 gemm n=$1 threads=1 gflops=40.0 blas=$FAKE_BLAS"
[ "$FAKE_BLAS" = reference ] || echo "openblas=0.3.21-Zen gemm n=$1 threads=1 gflops=100.0"
EOS
chmod +x "$tmp/build/bench/reference" "$tmp/python"
bench() {  # bench BLAS [ARGS]: bench/run with the stand-ins, the peer reporting BLAS
    rm -f "$tmp/peer_env" "$tmp/reference_env"
    blas=$1
    shift
    TMPDIR_BENCH=$tmp FAKE_BLAS=$blas BENCH_PYTHON=$tmp/python PEER=$tmp/peer BENCH_CORES=2 \
        PEER_GEMM=$tmp/peer_gemm OPENBLAS_CORETYPE=Haswell OPENBLAS_L2_SIZE=524288 \
        sh "$srcdir/bench/run" --build "$tmp/build" "$@" >"$tmp/out" 2>&1
}
n=0
result() {  # result NAME COMMAND...
    name=$1
    shift
    n=$((n + 1))
    if "$@"; then echo "ok $n - $name"; else
        echo "not ok $n - $name"
        sed 's/^/# /' "$tmp/out"
    fi
}
has() { grep -q -- "$1" "$tmp/out"; }
row() { grep -q "^$1 *$2 *$3 *$4 " "$tmp/out"; }  # row MEASURE NNSTEP PEER RATIO
echo 1..16
bench openblas-Zen
result 'bench/run runs with a tuned peer' test $? -eq 0
result 'the peer runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset' \
    sh -c "grep -c '^peer_env=unset,unset$' '$tmp/peer_env' | grep -qx 4"
result "the peer's sgemm runs on one OpenBLAS thread, its kernels its own" \
    sh -c "grep -c '^peer_gemm_env=unset,1$' '$tmp/peer_env' | grep -qx 2"
result 'nnstep itself keeps the environment' \
    sh -c "! grep -qv '^coretype=Haswell$' '$tmp/reference_env'"
result 'the table says what the peer ran with' \
    has '^peer: torch-1.13.0a0, BLAS: openblas-Zen (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset'
result 'no warning with a tuned peer' sh -c "! grep -q WARNING '$tmp/out'"
# 3000 / max(1000, 1500) = 2.00; 12000 / 2000 = 6.00; 300 / 600 = 0.50
result 'CNN training: ours over the peer at its best thread count' \
    row 'CNN training, batch 32, img/s' 3000.0 '1500.0 (2t)' 2.00
result 'CNN inference ratio' row 'CNN inference, batches of 1000, img/s' 12000.0 '2000.0 (1t)' 6.00
result 'peak memory: the peer at its lowest' row 'CNN peak memory, MB (lower is better)' 300 '600 (1t)' 0.50
result 'nnstep on one thread too, in a column of its own (the stand-in: half as fast)' \
    grep -q '^CNN training, batch 32, img/s *3000.0 *1500.0 (2t) *2.00  >= 2.5 *1500.0$' "$tmp/out"
# 80 / 100 = 0.80 beside OpenBLAS; 80% of the peak, OpenBLAS 100%
result 'sgemm beside OpenBLAS cblas_sgemm' \
    row '  beside OpenBLAS cblas_sgemm (0.3.21-Zen)' 80.0 '100.0 (1t)' 0.80
result 'the peak line names ours and OpenBLAS' \
    has '^FMA peak of one core: 100.0 GFLOP/s; sgemm reaches 80% (n=256) 80% (n=1024) of it; OpenBLAS 100% (n=1024)$'
nproc_runs=$(grep -c '^coretype=' "$tmp/reference_env")
touch "$tmp/slow_first"
bench openblas-Zen --repeat 2
result '--repeat 2: two rounds, each side best of its runs (CNN training 2500 then 3000)' \
    sh -c "grep -q '^round 2 of 2$' '$tmp/out' &&
           grep -q '^CNN training, batch 32, img/s *3000.0 *1500.0 (2t) *2.00  >= 2.5 *1500.0$' '$tmp/out'"
result '--repeat 2 runs nnstep twice as often' \
    test "$(grep -c '^coretype=' "$tmp/reference_env")" -eq $((2 * nproc_runs))
rm -f "$tmp/slow_first" "$tmp"/cnn_seen_*
bench reference
result 'a peer on the reference BLAS: ratios only under a loud warning' \
    sh -c "grep -q '^!! WARNING: the peer ran on the REFERENCE (netlib) BLAS' '$tmp/out' &&
           grep -q 'BLAS: reference' '$tmp/out'"
# the real bench/reference peak: its fields, and flops per cycle is their
# quotient (what the figures are depends on the machine and its load)
reference=${REFERENCE:-$PWD/bench/reference}
"$reference" peak >"$tmp/out" 2>&1
result 'bench/reference peak: GFLOP/s, the clock, and flops per cycle their quotient' \
    awk '/^nnstep peak threads=1 gflops=[0-9.]+ ghz=[0-9.]+ flops_per_cycle=[0-9.]+$/ {
        split($4, g, "="); split($5, c, "="); split($6, f, "=")
        q = g[2] / c[2]  # the printed figures are rounded: 2% either way
        ok = g[2] > 0 && c[2] > 0 && q > 0.98 * f[2] && q < 1.02 * f[2]
    } END { exit !ok }' "$tmp/out"
