#!/usr/bin/python3
"""peer_gemm.py N: the peer's square sgemm (C = A B, float32, N x N) on one thread.

Prints two lines in bench/run's format:
  peer=torch-VERSION gemm n=N threads=1 gflops=G blas=openblas-CORE
      torch.mm, as a PyTorch user gets it (its BLAS is whatever libblas.so.3 is)
  openblas=VERSION-CORE gemm n=N threads=1 gflops=G
      OpenBLAS's cblas_sgemm called directly (ctypes), when libopenblas.so.0
      loads: the tuned sgemm nnstep's kernel is measured against

Run it with OPENBLAS_NUM_THREADS=1 (bench/run does): torch.set_num_threads(1)
does not reach a BLAS that torch was not built against, and OpenBLAS would then
use every core. The best of 5 timings, each of enough products for ~0.4 GFLOP.
"""
import ctypes, os, sys, time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np
import torch


def best_gflops(n, product):
    product()
    reps, best = int(4e8 / (2 * n ** 3)) + 1, 0.0
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(reps):
            product()
        best = max(best, 2 * n ** 3 * reps / (time.perf_counter() - start) * 1e-9)
    return best


def torch_blas():
    """Which BLAS torch.mm loaded: 'openblas-CORE', 'mkl', 'blis' or 'reference'."""
    with open("/proc/self/maps") as f:
        maps = f.read()
    for line in maps.splitlines():
        path = line.split()[-1] if line.split() else ""
        if "libopenblas" in path:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            return "openblas-" + lib.openblas_get_corename().decode()
    for name in ("mkl", "blis"):
        if "lib" + name in maps:
            return name
    return "reference"


def openblas_direct(n):
    try:
        lib = ctypes.CDLL("libopenblas.so.0")
    except OSError:
        return None
    lib.openblas_get_corename.restype = ctypes.c_char_p
    lib.openblas_get_config.restype = ctypes.c_char_p
    lib.openblas_set_num_threads(1)
    a, b = np.random.rand(n, n).astype(np.float32), np.random.rand(n, n).astype(np.float32)
    c = np.zeros((n, n), np.float32)
    ptr = lambda m: m.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
    one, zero = ctypes.c_float(1), ctypes.c_float(0)
    # cblas_sgemm(RowMajor=101, NoTrans=111, NoTrans, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)
    call = lambda: lib.cblas_sgemm(101, 111, 111, n, n, n, one, ptr(a), n, ptr(b), n, zero, ptr(c), n)
    gflops = best_gflops(n, call)
    assert np.allclose(c, a @ b, rtol=1e-3, atol=1e-3 * n), "cblas_sgemm gave a wrong product"
    version = lib.openblas_get_config().decode().split()[1]  # "OpenBLAS 0.3.21 ..."
    return f"openblas={version}-{lib.openblas_get_corename().decode()} gemm n={n} threads=1 " \
           f"gflops={gflops:.1f}"


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
    torch.set_num_threads(1)
    a, b = torch.rand(n, n), torch.rand(n, n)
    gflops = best_gflops(n, lambda: torch.mm(a, b))
    print(f"peer=torch-{torch.__version__} gemm n={n} threads=1 gflops={gflops:.1f} "
          f"blas={torch_blas()}", flush=True)
    line = openblas_direct(n)
    if line:
        print(line)


if __name__ == "__main__":
    main()
