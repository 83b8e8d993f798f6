#!/usr/bin/env python3
"""Every CSV and Parquet file capsim writes, read by polars, pandas and duckdb with their
default settings, must give the values written (issue 12: a float column written as `3` in most
rows made polars fail and duckdb round 3.557 to 4).

Usage: readers.py FILE... ; prints one line per file checked and every disagreement found
(a reader that cannot read a file is one); exits 1 if there was any.

A CSV column whose every non-empty cell is a number must be read as numbers by all three readers,
each equal to the cell's text parsed as a float (within 2 ulp: pandas' default float parser is
not always correctly rounded); a text column as the text written (where the reader keeps it as
text); whole numbers exactly (a sweep's 64-bit seeds: Int128, uint64,
HUGEINT; runs.parquet keeps them as text, the same digits); a column of true/false as booleans;
empty cells as nulls. A Parquet file must hold the same columns and values as the CSV written
beside it (same stem).
"""

import csv
import math
import os
import sys

import duckdb
import pandas as pd
import polars as pl


def as_number(text):
    try:
        return float(text)
    except ValueError:
        return None


def raw_columns(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    head, body = rows[0], rows[1:]
    return head, {h: [r[i] for r in body] for i, h in enumerate(head)}


def plain(v):
    """A reader's cell as None, bool, float or str."""
    if v is None:
        return None
    if isinstance(v, bool):
        return v
    try:
        import numpy as np

        if isinstance(v, np.bool_):
            return bool(v)
    except ImportError:
        pass
    if isinstance(v, int) or type(v).__name__ in ("int64", "int32", "uint64"):
        return int(v)
    if isinstance(v, float) or type(v).__name__ in ("Decimal", "float64", "float32"):
        f = float(v)
        return None if math.isnan(f) else f
    return v  # text stays text; dates and times stay what the reader made them


def read_polars(path):
    frame = pl.read_csv(path) if path.endswith(".csv") else pl.read_parquet(path)
    return frame.to_dict(as_series=False)


def read_pandas(path):
    frame = pd.read_csv(path) if path.endswith(".csv") else pd.read_parquet(path)
    return {c: frame[c].tolist() for c in frame.columns}


def read_duckdb(path):
    fn = "read_csv_auto" if path.endswith(".csv") else "read_parquet"
    rel = duckdb.sql(f"SELECT * FROM {fn}('{path}')")
    rows = rel.fetchall()
    return {c: [r[i] for r in rows] for i, c in enumerate(rel.columns)}


def read_all(path):
    """column -> list of plain values per reader, or the error a reader stopped with."""
    out = {}
    for name, read in [("polars", read_polars), ("pandas", read_pandas), ("duckdb", read_duckdb)]:
        try:
            cols = read(path)
            out[name] = {c: [plain(v) for v in vals] for c, vals in cols.items()}
        except Exception as e:  # a reader that cannot read the file is a disagreement
            out[name] = e
    return out


def same_number(a, b):
    return a == b or abs(a - b) <= 2 * math.ulp(max(abs(a), abs(b)))


def check_column(path, reader, column, want, got):
    if len(want) != len(got):
        return f"{path}: {reader} read {len(got)} rows of {column!r}, the file has {len(want)}"
    for i, (w, g) in enumerate(zip(want, got)):
        if w is None:
            if g is not None and g != "":
                return f"{path}: {reader} row {i} {column!r}: empty cell read as {g!r}"
        elif isinstance(w, bool):
            if g is not w:
                return f"{path}: {reader} row {i} {column!r}: {w!r} read as {g!r}"
        elif isinstance(w, int):
            # Text only where the Parquet file keeps the digits as text (runs.parquet's seeds).
            exact = (isinstance(g, int) and not isinstance(g, bool) and g == w) or (
                isinstance(g, float) and abs(w) <= 2**53 and g == float(w)
            ) or (path.endswith(".parquet") and g == str(w))
            if not exact:
                return f"{path}: {reader} row {i} {column!r}: {w!r} read as {g!r}"
        elif isinstance(w, float):
            if isinstance(g, int) and not isinstance(g, bool):
                g = float(g)
            if not isinstance(g, float) or not same_number(w, g):
                return f"{path}: {reader} row {i} {column!r}: {w!r} read as {g!r}"
    return None


def expected(cells):
    """The values a CSV column's text stands for, when it is numeric or boolean (else None)."""
    filled = [c for c in cells if c != ""]
    if filled and all(c in ("true", "false") for c in filled):
        return [None if c == "" else c == "true" for c in cells]
    if filled and all(c.lstrip("-").isdigit() for c in filled):
        return [None if c == "" else int(c) for c in cells]
    if filled and all(as_number(c) is not None for c in filled):
        return [None if c == "" else float(c) for c in cells]
    return None


def main(paths):
    failed = False
    for path in paths:
        bad = False
        csv_path = path if path.endswith(".csv") else os.path.splitext(path)[0] + ".csv"
        head, cells = raw_columns(csv_path)
        readers = read_all(path)
        checked = 0
        for reader, cols in readers.items():
            if isinstance(cols, Exception):
                print(f"{path}: {reader} could not read it: {str(cols).splitlines()[0]}")
                bad = True
                continue
            if list(cols) != head:
                print(f"{path}: {reader} columns {list(cols)} differ from the CSV header {head}")
                bad = True
                continue
            for column in head:
                want = expected(cells[column])
                if want is None:
                    # Text: a reader that keeps it as text must give the cell's text (a reader
                    # that parses it, such as duckdb turning a timestamp into a datetime, is
                    # not compared here).
                    if len(cols[column]) != len(cells[column]):
                        print(f"{path}: {reader} read {len(cols[column])} rows of {column!r}, the file has {len(cells[column])}")
                        bad = True
                    for i, (w, g) in enumerate(zip(cells[column], cols[column])):
                        if isinstance(g, str) and g != w:
                            print(f"{path}: {reader} row {i} {column!r}: {w!r} read as {g!r}")
                            bad = True
                            break
                        if g is None and w != "":
                            print(f"{path}: {reader} row {i} {column!r}: {w!r} read as null")
                            bad = True
                            break
                    checked += 1
                    continue
                problem = check_column(path, reader, column, want, cols[column])
                if problem:
                    print(problem)
                    bad = True
                checked += 1
        if bad:
            failed = True
        else:
            print(f"ok {path}: {len(head)} columns, {checked} column reads agree")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
