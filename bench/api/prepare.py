#!/usr/bin/env python3
"""Data preparation for the REST API load benchmark (bench/api/run.sh). Standard library only.

    python3 bench/api/prepare.py csv IN.csv OUT.csv    # IN plus a municipality_code column
    python3 bench/api/prepare.py sqlite IN.csv OUT.db   # the same rows as a SQLite table for Datasette

`csv`: bench/generate.py writes no municipality column (every row would fall in the `--org`
municipality, so `municipality=` would select all 220k sites). This adds `municipality_code`,
one of the 290 codes of vocab/municipalities.csv per row, drawn from `random.Random(1401)`, so
that `municipality=X` selects about 1/290 of the sites, as on a national platform. Deterministic:
the same input gives a byte-identical output.

`sqlite`: table `sites` with every column of the CSV as it is written (the generator writes
canonical values, so no normalisation is needed to match datahamn), `place_id` as the primary
key (Datasette's table API pages in primary-key order, which is datahamn's id order), latitude
and longitude as REAL, an index on `municipality_code` and one on (latitude, longitude) for the
bounding-box prefilter of the `near` query.
"""

import csv
import os
import random
import sqlite3
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def municipality_codes():
    with open(os.path.join(ROOT, "vocab", "municipalities.csv"), encoding="utf-8", newline="") as f:
        return sorted(r["kommunkod"] for r in csv.DictReader(f))


def add_municipality(src, dst):
    codes = municipality_codes()
    rng = random.Random(1401)
    tmp = dst + ".tmp"
    with open(src, encoding="utf-8", newline="") as fin, open(tmp, "w", encoding="utf-8", newline="") as fout:
        reader = csv.reader(fin)
        writer = csv.writer(fout, lineterminator="\n")
        header = next(reader)
        if "municipality_code" in header:
            sys.exit(f"{src} already has a municipality_code column; use it as it is")
        writer.writerow(header + ["municipality_code"])
        n = 0
        for row in reader:
            writer.writerow(row + [rng.choice(codes)])
            n += 1
    os.replace(tmp, dst)
    print(f"{dst}: {n} rows with municipality_code", file=sys.stderr)


def build_sqlite(src, dst):
    tmp = dst + ".tmp"
    if os.path.exists(tmp):
        os.remove(tmp)
    db = sqlite3.connect(tmp)
    with open(src, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        real = {"latitude", "longitude"}
        cols = ", ".join(
            f'"{c}" TEXT PRIMARY KEY' if c == "place_id" else f'"{c}" {"REAL" if c in real else "TEXT"}'
            for c in header
        )
        db.execute(f"CREATE TABLE sites ({cols})")
        ph = ", ".join("?" for _ in header)
        idx = [header.index(c) for c in real]

        def rows():
            for row in reader:
                for i in idx:
                    row[i] = float(row[i])
                yield [None if v == "" else v for v in row]

        db.executemany(f"INSERT INTO sites VALUES ({ph})", rows())
    db.execute("CREATE INDEX sites_municipality_code ON sites (municipality_code)")
    db.execute("CREATE INDEX sites_lat_lon ON sites (latitude, longitude)")
    db.commit()
    db.execute("ANALYZE")
    db.commit()
    n = db.execute("SELECT count(*) FROM sites").fetchone()[0]
    db.close()
    os.replace(tmp, dst)
    print(f"{dst}: {n} rows", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("csv", "sqlite"):
        sys.exit(__doc__)
    {"csv": add_municipality, "sqlite": build_sqlite}[sys.argv[1]](sys.argv[2], sys.argv[3])
