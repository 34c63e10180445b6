#!/usr/bin/env python3
"""Deterministic generator of bath-site CSV files in the national Badplatser 1.0 layout.

    python3 bench/generate.py 22000 220000 [--out-dir .bench/data]

writes `badplatser-22000.csv`, `badplatser-220000.csv`, ... (UTF-8, comma-separated, `\\n` line
ends, RFC 4180 quoting). Standard library only; every file is generated from `random.Random(42)`,
so a given size is byte-identical across runs and machines (and the first N rows of a larger file
equal the N-row file).

Realistic dirt that must not make a row invalid: quotes, commas and the odd line break inside quoted
names and descriptions, å/ä/ö everywhere, and about 5% empty cells in every optional column. Typed
cells are written in the canonical form the national spec asks for (WGS84 decimal degrees with a
point, `true`/`false`, ISO dates, `NNN NN` postcodes, lower-case e-mail addresses, `lake`/`sea`/
`river`), so a plain RML mapping (bench/bathing-sites.rml.ttl) can reproduce datahamn's triples
exactly; see bench/README.md for the normalisations datahamn does on dirtier files.
"""

import argparse
import csv
import os
import random
import sys

COLUMNS = [
    "place_id", "name", "latitude", "longitude", "hov_ref", "updated", "description",
    "postcode", "city", "toilet", "shower", "drinking_water", "wheelchair", "watertype",
    "visit_url", "email",
]
# Every column but the id, name and position may be empty.
OPTIONAL = set(COLUMNS) - {"place_id", "name", "latitude", "longitude"}
EMPTY_SHARE = 0.05

WATERS = [
    "Ängen", "Lilla Sjön", "Stora Ösjön", "Härsjön", "Mjörn", "Östersjön", "Vättern", "Åsunden",
    "Rådasjön", "Landvettersjön", "Gingsjön", "Nedsjön", "Västra Nedsjön", "Hällingsjön", "Sävelången",
    "Ömmern", "Tolken", "Öresjö", "Frökens udde", "Björkelången", "Götaälv", "Kåsjön", "Härlanda tjärn",
    "Säveån", "Ljusnan", "Umeälven", "Mälaren", "Siljan", "Storsjön", "Bolmen", "Åresjön", "Väsman",
]
PREFIXES = ["Badplats", "Bad vid", "Strandbad", "Friluftsbad", "Naturbad", "Barnbad", ""]
SUFFIXES = ["norra", "södra", "östra", "västra", "vid bryggan", "hundbad", "klippbad", "sandstrand"]
CITIES = [
    "Mölnlycke", "Hällingsjö", "Landvetter", "Härryda", "Rävlanda", "Göteborg", "Mölndal", "Lerum",
    "Alingsås", "Borås", "Växjö", "Jönköping", "Örebro", "Västerås", "Umeå", "Luleå", "Östersund",
    "Sundsvall", "Gävle", "Skövde", "Kalmar", "Malmö", "Åre", "Älvsbyn", "Örnsköldsvik", "Kiruna",
]
PHRASES = [
    "Sandstrand med brygga och gräsmatta",
    "Klippbad, grunt vid stranden",
    "Toalett och omklädningsrum finns",
    "Cirka 100 meter till parkering",
    "Hopptorn med tre höjder: en, två och tre meter",
    "Badvakt under sommarlovet",
    "Barnvänligt, långgrunt",
    "Grillplats och soptunnor",
    "Hundbad tillåtet utanför badsäsongen",
    "Fri parkering, 50 platser",
    "Kiosk öppen juni–augusti",
    "Tillgänglig ramp ner till vattnet",
]
QUOTED = ['Kallas "Solstranden" av ortsborna', 'Skylt: "Bad på egen risk"', 'Se "Badguiden", sida 12']
MUNICIPAL_DOMAINS = ["harryda.se", "molndal.se", "goteborg.se", "lerum.se", "alingsas.se", "boras.se"]


def fmt_coord(value, decimals):
    """A WGS84 coordinate with a point as decimal separator, without trailing zeros."""
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return text


def make_row(rng, i):
    place_id = f"1401-{i:07d}"
    water = rng.choice(WATERS)
    prefix = rng.choice(PREFIXES)
    name = f"{prefix} {water}".strip()
    r = rng.random()
    if r < 0.06:
        name = f"{name}, {rng.choice(SUFFIXES)}"
    elif r < 0.10:
        name = f'{name} "{rng.choice(SUFFIXES)}"'
    elif r < 0.12:
        name = f'"{water}", {rng.choice(SUFFIXES)}'
    decimals = rng.choice([4, 5, 6, 6, 7])
    lat = fmt_coord(rng.uniform(55.5, 68.5), decimals)
    lon = fmt_coord(rng.uniform(11.5, 23.5), decimals)
    alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    hov_ref = "SE" + "".join(rng.choice(alnum) for _ in range(4)) + f"{rng.randrange(10**12):012d}"
    updated = f"{rng.randint(2015, 2025):04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    parts = rng.sample(PHRASES, rng.randint(1, 3))
    if rng.random() < 0.08:
        parts.append(rng.choice(QUOTED))
    sep = "\n" if rng.random() < 0.02 else ". "
    description = sep.join(parts) + "."
    postcode = f"{rng.randint(100, 984)} {rng.randint(0, 99):02d}"
    city = rng.choice(CITIES)
    flags = {c: rng.choice(["true", "false"]) for c in ("toilet", "shower", "drinking_water", "wheelchair")}
    watertype = rng.choice(["lake", "lake", "lake", "sea", "river"])
    domain = rng.choice(MUNICIPAL_DOMAINS)
    visit_url = f"https://www.{domain}/uppleva-och-gora/bad/{i}"
    email = rng.choice(["bad", "fritid", "kommunen", "kontaktcenter"]) + "@" + domain
    row = {
        "place_id": place_id, "name": name, "latitude": lat, "longitude": lon, "hov_ref": hov_ref,
        "updated": updated, "description": description, "postcode": postcode, "city": city,
        **flags, "watertype": watertype, "visit_url": visit_url, "email": email,
    }
    for column in COLUMNS:
        if column in OPTIONAL and rng.random() < EMPTY_SHARE:
            row[column] = ""
    return [row[c] for c in COLUMNS]


def generate(rows, path):
    rng = random.Random(42)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        for i in range(1, rows + 1):
            writer.writerow(make_row(rng, i))
    os.replace(tmp, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="+", type=int, help="row counts, e.g. 22000 220000 1000000")
    parser.add_argument("--out-dir", default=".bench/data")
    parser.add_argument("--force", action="store_true", help="regenerate files that exist")
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    for size in args.sizes:
        path = os.path.join(args.out_dir, f"badplatser-{size}.csv")
        if os.path.exists(path) and not args.force:
            print(f"{path}: exists", file=sys.stderr)
            continue
        generate(size, path)
        print(f"{path}: {size} rows, {os.path.getsize(path)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
