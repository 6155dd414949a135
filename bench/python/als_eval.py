"""Implicit ALS for `npm run bench -- recs` (issue 12, section 5).

Reads the training matrix as CSV rows `user,item,count` (0-based indexes, one row per listener
and track with its training qualified plays), trains implicit's CPU AlternatingLeastSquares with
the fixed seed and parameters given, and writes each listener's top k with the training tracks
filtered out (the evaluation's candidates: the whole catalogue minus what the listener played in
training) as JSON: {"versions": {...}, "lists": [[item, ...] for user 0..users-1]}.

One thread (num_threads=1, and BLAS pinned to one by the caller): the same input gives the same
lists on every run, and the bench shares two cores with other work.

usage: als_eval.py IN.csv OUT.json --users N --items M [--factors 8] [--regularization 0.05]
                   [--alpha 10] [--iterations 15] [--seed 42] [--k 10]
(the defaults are the bench's, bench/recs/als.runner.ts ALS_PARAMS)
"""

import argparse
import json
import sys

import implicit
import numpy as np
import scipy
import scipy.sparse as sp
from implicit.cpu.als import AlternatingLeastSquares


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--users", type=int, required=True)
    ap.add_argument("--items", type=int, required=True)
    ap.add_argument("--factors", type=int, default=8)
    ap.add_argument("--regularization", type=float, default=0.05)
    ap.add_argument("--alpha", type=float, default=10.0)
    ap.add_argument("--iterations", type=int, default=15)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--k", type=int, default=10)
    a = ap.parse_args(argv)

    data = np.loadtxt(a.input, delimiter=",", dtype=np.int64, ndmin=2)
    users, items, counts = data[:, 0], data[:, 1], data[:, 2].astype(np.float32)
    user_items = sp.csr_matrix((counts, (users, items)), shape=(a.users, a.items))

    model = AlternatingLeastSquares(
        factors=a.factors,
        regularization=a.regularization,
        alpha=a.alpha,
        iterations=a.iterations,
        random_state=a.seed,
        num_threads=1,
    )
    model.fit(user_items, show_progress=False)

    ids = np.arange(a.users)
    top, _scores = model.recommend(
        ids, user_items[ids], N=a.k, filter_already_liked_items=True
    )
    lists = [[int(i) for i in row if i >= 0] for row in top]
    out = {
        "versions": {
            "implicit": implicit.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "python": sys.version.split()[0],
        },
        "lists": lists,
    }
    with open(a.output, "w", encoding="utf-8") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main(sys.argv[1:])
