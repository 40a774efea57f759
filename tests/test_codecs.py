#!/usr/bin/env python3
"""Chunk codecs outside HDF5 (SPEC §8), against files that h5py and hdf5plugin write.

  * Inputs: the same random batch (generators with constants, float64 and float32 points, a
    TV-ball and an interval family, priors) stored contiguous and unfiltered, then with every
    accepted pipeline (deflate with and without shuffle, fletcher32, LZ4, Zstd, Bitshuffle bare
    and with LZ4 or Zstd, Blosc with its codecs and shuffles) and chunk shapes from (1, 1) to whole datasets, edge chunks partial,
    chunks straddling hypotheses: `credal eval` (a small --memory, so many pipeline chunks,
    1 and 2 I/O threads) gives bit for bit the output of the unfiltered file.
  * A chunk whose filter mask skips its filters; a fletcher32 mismatch, truncated and
    oversized chunks, and decompression bombs (deflate and Zstd inflating to 1 GiB, an LZ4
    header claiming 1 TiB) are refused with 65 naming the dataset and the chunk, with no
    output left and bounded memory.
  * Outputs: --compression gzip[:L], zstd[:L], lz4 and none round-trip through h5py
    (+hdf5plugin) to the same values; gzip and none through h5dump too; the choice is in the
    `compression` attribute; --resume refuses a partial written with another codec.

Usage: test_codecs.py --credal PATH [--data DIR]; exit 77 without h5py/numpy/hdf5plugin.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import zlib

from checker import Checker  # tests/checker.py

try:
    import numpy as np
    import h5py
    import hdf5plugin
except ImportError as exc:  # pragma: no cover
    print(f"SKIP: h5py/numpy/hdf5plugin not importable ({exc})")
    sys.exit(77)

ROWS = ["lower", "argmin", "regret", "upper", "argmax", "best/value", "best/policy",
        "policy/class_lower", "policy/worst_regret", "policy/bayes_regret"]


def make_batch(rng, f32):
    H, d, P = 90, 11, 13
    K = rng.integers(1, 9, size=H)
    offsets = np.concatenate([[0], np.cumsum(K)]).astype(np.int64)
    pts = rng.dirichlet(np.ones(d), size=int(offsets[-1]))
    Htv, Hi = 7, 5
    centers = rng.dirichlet(np.ones(d), size=Htv)
    mid = rng.dirichlet(np.ones(d), size=Hi)
    lo, hi = mid * 0.8, np.minimum(mid * 1.3 + 0.01, 1.0)
    Hb = 6  # belief functions of 1..4 focal sets (uint8 rows, never empty)
    sizes = rng.integers(1, 5, size=Hb)
    boffsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    focal = (rng.random((int(boffsets[-1]), d)) < 0.4).astype(np.uint8)
    focal[np.arange(len(focal)), rng.integers(0, d, size=len(focal))] = 1
    mass = np.concatenate([rng.dirichlet(np.ones(n)) for n in sizes])
    prior = rng.random(H + Htv + Hi + Hb)
    return {
        "hypotheses/points": pts.astype(np.float32) if f32 else pts,
        "hypotheses/offsets": offsets,
        "hypotheses/constants": rng.random(int(offsets[-1])) * 0.1,
        "hypotheses/prior": prior / prior.sum(),
        "policies/utility": rng.normal(size=(P, d)),
        "tv_balls/centers": centers,
        "tv_balls/radius": rng.random(Htv) * 0.5,
        "intervals/lower": lo,
        "intervals/upper": hi,
        "belief/focal": focal,
        "belief/mass": mass,
        "belief/offsets": boffsets,
    }


def write_input(path, batch, filters=None, chunks=None):
    """filters: h5py keyword arguments for every dataset (the integer ones decode through HDF5's
    pipeline, with credal's registered filters); chunks(shape) -> chunk shape."""
    with h5py.File(path, "w") as f:
        f.attrs["schema"] = "credal-batch"
        f.attrs["version"] = 1
        for name, data in batch.items():
            kw = {}
            if filters is not None:
                kw = dict(filters)
                kw["chunks"] = chunks(data.shape) if chunks else True
            f.create_dataset(name, data=data, **kw)
        f["hypotheses"].attrs["kind"] = "measure"  # constants > 0


def run(credal, *args, env=None):
    return subprocess.run([credal, *args], capture_output=True, text=True, env=env, timeout=600)


def same_output(a, b):
    with h5py.File(a) as fa, h5py.File(b) as fb:
        for name in ROWS:
            if name in fa or name in fb:
                if not (name in fa and name in fb and np.array_equal(fa[name][()], fb[name][()])):
                    return False
    return True


PIPELINES = {
    "gzip1+shuffle": dict(compression="gzip", compression_opts=1, shuffle=True),
    "gzip9": dict(compression="gzip", compression_opts=9),
    "gzip4+shuffle+fletcher32": dict(compression="gzip", compression_opts=4, shuffle=True,
                                     fletcher32=True),
    "fletcher32": dict(fletcher32=True),
    "shuffle": dict(shuffle=True),
    "lz4": dict(hdf5plugin.LZ4()),
    "lz4(block 64)+shuffle": dict(hdf5plugin.LZ4(nbytes=64), shuffle=True),
    "zstd": dict(hdf5plugin.Zstd(clevel=3)),
    "zstd19+fletcher32": dict(hdf5plugin.Zstd(clevel=19), fletcher32=True),
    "bitshuffle lz4": dict(hdf5plugin.Bitshuffle()),
    "bitshuffle zstd (block 64)": dict(hdf5plugin.Bitshuffle(nelems=64, cname="zstd")),
    "bitshuffle bare (block 24)": dict(hdf5plugin.Bitshuffle(nelems=24, cname="none")),
    "blosc lz4 shuffle": dict(hdf5plugin.Blosc(cname="lz4", clevel=5, shuffle=hdf5plugin.Blosc.SHUFFLE)),
    "blosc zstd bitshuffle": dict(hdf5plugin.Blosc(cname="zstd", clevel=5,
                                                   shuffle=hdf5plugin.Blosc.BITSHUFFLE)),
    "blosc blosclz noshuffle": dict(hdf5plugin.Blosc(cname="blosclz", clevel=9,
                                                     shuffle=hdf5plugin.Blosc.NOSHUFFLE)),
}

CHUNKINGS = {
    "(1,1)": lambda s: (1,) * len(s),
    "(3,5)": lambda s: (3, 5)[: len(s)] if len(s) == 2 else (3,),
    "(37,d)": lambda s: (min(37, s[0]),) + tuple(s[1:]),
    "(7,4)": lambda s: (min(7, s[0]), min(4, s[1])) if len(s) == 2 else (min(7, s[0]),),
    "whole": lambda s: tuple(s),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--credal", required=True)
    ap.add_argument("--data", default="data")
    args = ap.parse_args()
    credal = args.credal
    c = Checker()
    T = tempfile.mkdtemp(prefix="credal-codecs-")
    rng = np.random.default_rng(20261129)
    # under valgrind (CREDAL_TEST_SCALE < 1): every pipeline once, on a rotating chunking
    full = float(os.environ.get("CREDAL_TEST_SCALE", "1")) >= 1
    common = ["--backend", "cpu", "--upper", "--quiet", "--memory", "16MiB"]
    try:
        # ---- inputs: every pipeline and chunking against the unfiltered file ----
        for f32 in (False, True):
            batch = make_batch(rng, f32)
            plain = f"{T}/plain{int(f32)}.h5"
            write_input(plain, batch)
            ref = f"{T}/ref{int(f32)}.out.h5"
            r = run(credal, "eval", plain, "-o", ref, *common)
            c.check(r.returncode == 0, f"unfiltered input evaluates: {r.stderr}")
            for i, (pname, filters) in enumerate(PIPELINES.items()):
                for j, (cname, chunks) in enumerate(CHUNKINGS.items()):
                    # half the grid, every pipeline and chunking on each side
                    if (i + j) % 2 if full else j != (i + int(f32)) % len(CHUNKINGS):
                        continue
                    path = f"{T}/in-{i}-{j}-{int(f32)}.h5"
                    write_input(path, batch, filters, chunks)
                    for threads in ("1", "2") if full else ("2",):
                        out = f"{path}.{threads}.out.h5"
                        r = run(credal, "eval", path, "-o", out, "--io-threads", threads, *common)
                        c.check(r.returncode == 0 and same_output(out, ref),
                                f"{pname} chunks {cname} f32={f32} io-threads {threads}: "
                                f"rc {r.returncode} {r.stderr.strip()}")

        batch = make_batch(rng, False)
        plain = f"{T}/plain.h5"
        write_input(plain, batch)
        ref = f"{T}/ref.out.h5"
        run(credal, "eval", plain, "-o", ref, *common)

        def damaged(name, edit, expect, filters, chunks=lambda s: (min(16, s[0]),) + tuple(s[1:]),
                    dataset="hypotheses/points"):
            path = f"{T}/bad-{name}.h5"
            write_input(path, batch, filters, chunks)
            with h5py.File(path, "r+") as f:
                edit(f[dataset])
            out = f"{T}/bad-{name}.out.h5"
            rss = os.environ.get("CREDAL_PEAK_RSS")
            cmd = ([rss] if rss else []) + [credal, "eval", path, "-o", out, *common]
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
            msg = r.stderr.strip()
            ok = r.returncode == 65 and "/" + dataset in msg and expect in msg
            ok &= not os.path.exists(out) and not os.path.exists(out + ".partial")
            if rss and ok:
                kib = int(r.stdout.split()[0])
                ok &= kib < 200 * 1024
                msg += f" (peak RSS {kib} KiB)"
            c.check(ok, f"{name}: exit 65 naming the chunk ({r.returncode}: {msg})")

        # a chunk stored unfiltered, its mask skipping shuffle and deflate: read as stored
        path = f"{T}/mask.h5"
        write_input(path, batch, PIPELINES["gzip1+shuffle"], lambda s: (min(16, s[0]),) + tuple(s[1:]))
        with h5py.File(path, "r+") as f:
            d = f["hypotheses/points"]
            d.id.write_direct_chunk((16, 0), np.ascontiguousarray(d[16:32]).tobytes(), filter_mask=0b11)
        r = run(credal, "eval", path, "-o", f"{T}/mask.out.h5", *common)
        c.check(r.returncode == 0 and same_output(f"{T}/mask.out.h5", ref),
                f"a chunk whose filter mask skips shuffle and deflate: {r.stderr}")

        def flip(d):
            mask, raw = d.id.read_direct_chunk((16, 0))
            raw = bytearray(raw)
            raw[len(raw) // 2] ^= 0x40
            d.id.write_direct_chunk((16, 0), bytes(raw), filter_mask=mask)

        damaged("fletcher32 mismatch", flip, "fletcher32", PIPELINES["gzip4+shuffle+fletcher32"])

        def truncate(d):
            mask, raw = d.id.read_direct_chunk((16, 0))
            d.id.write_direct_chunk((16, 0), raw[: len(raw) // 2], filter_mask=mask)

        damaged("truncated deflate chunk", truncate, "chunk at row 16", PIPELINES["gzip1+shuffle"])
        damaged("truncated deflate chunk of focal sets", truncate, "chunk at row 16",
                PIPELINES["gzip1+shuffle"], chunks=lambda s: (min(16, s[0]),) + tuple(s[1:]),
                dataset="belief/focal")
        damaged("truncated LZ4 chunk", truncate, "LZ4", PIPELINES["lz4"])
        damaged("truncated Zstd chunk", truncate, "chunk at row 16", PIPELINES["zstd"])
        damaged("truncated Blosc chunk", truncate, "Blosc", PIPELINES["blosc lz4 shuffle"])

        def oversized(d):  # a valid stream of one row too many
            data = np.zeros((17, d.shape[1]))
            d.id.write_direct_chunk((16, 0), zlib.compress(data.tobytes()), filter_mask=0b1)

        damaged("chunk inflating past its size", oversized, "inflates past",
                PIPELINES["gzip1+shuffle"])

        def deflate_bomb(d):  # 1 GiB of zeros in about 1 MiB
            z = zlib.compressobj(9)
            block = bytes(1 << 20)
            parts = [z.compress(block) for _ in range(1024)] + [z.flush()]
            d.id.write_direct_chunk((16, 0), b"".join(parts), filter_mask=0b1)

        damaged("deflate bomb (1 GiB)", deflate_bomb, "compression bomb", PIPELINES["gzip1+shuffle"])

        if shutil.which("zstd"):
            def zstd_bomb(d):
                zeros = subprocess.run("head -c 1073741824 /dev/zero | zstd -q -c -19", shell=True,
                                       capture_output=True, check=True).stdout
                d.id.write_direct_chunk((16, 0), zeros)

            damaged("Zstd bomb (1 GiB)", zstd_bomb, "compression bomb", PIPELINES["zstd"])

        def lz4_claim(d):  # a header claiming 1 TiB
            d.id.write_direct_chunk((16, 0), (1 << 40).to_bytes(8, "big") + (1 << 30).to_bytes(4, "big"))

        damaged("LZ4 header claiming 1 TiB", lz4_claim, "compression bomb", PIPELINES["lz4"])

        damaged("truncated Bitshuffle chunk", truncate, "Bitshuffle", PIPELINES["bitshuffle lz4"])

        # ---- outputs ----
        for codec in ("gzip", "gzip:9", "zstd", "zstd:19", "lz4", "none"):
            out = f"{T}/out-{codec}.h5"
            r = run(credal, "eval", plain, "-o", out, "--compression", codec, *common)
            ok = r.returncode == 0 and same_output(out, ref)
            if ok:
                with h5py.File(out) as f:
                    want = {"gzip": "gzip:1", "zstd": "zstd:3"}.get(codec, codec)
                    ok &= f.attrs["compression"] == want
            c.check(ok, f"--compression {codec}: h5py reads the same values ({r.stderr})")
            if codec in ("gzip", "gzip:9", "none"):
                d = subprocess.run(["h5dump", "-d", "/lower", out], capture_output=True, text=True)
                c.check(d.returncode == 0 and "DATA" in d.stdout, f"h5dump reads --compression {codec}")
            r = run(credal, "info", out)
            c.check(r.returncode == 0, f"credal info reads --compression {codec}: {r.stderr}")
        r = run(credal, "eval", plain, "-o", f"{T}/x.h5", "--compression", "brotli")
        c.check(r.returncode == 64 and "--compression" in r.stderr, "an unknown codec is a usage error")
        r = run(credal, "eval", plain, "-o", f"{T}/x.h5", "--compression", "lz4:3")
        c.check(r.returncode == 64, "lz4 takes no level")

        # a partial written with one codec is not continued with another
        part = f"{T}/resume.h5"
        r = run(credal, "eval", plain, "-o", part + ".zstd", "--compression", "zstd", *common)
        shutil.copy(part + ".zstd", part + ".partial")
        with h5py.File(part + ".partial", "r+") as f:
            f.attrs["complete"] = 0
        r = run(credal, "eval", plain, "-o", part, "--resume", "--compression", "lz4", *common)
        c.check(r.returncode == 65 and "--compression zstd:3" in r.stderr,
                f"--resume with another codec refused: {r.returncode} {r.stderr}")
    finally:
        shutil.rmtree(T, ignore_errors=True)
    print(f"{c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
