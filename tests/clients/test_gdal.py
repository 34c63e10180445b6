"""GDAL/OGR (Debian's gdal-bin: what QGIS reads OGC API Features with) against /ogc.

The OAPIF driver is used as GDAL ships it: its own page size, and its HTTP defaults, which
include an `Accept-Encoding` header (curl's list of codings), so the answers come compressed as
they do for every GIS user. Each run prints how long GDAL took and how many requests it made
(from the server's access log); nothing is asserted about time.
"""

import os
import re
import shutil
import sqlite3
import subprocess
import time

import pytest

from conftest import ogc_collection_ids, rest_total

OGRINFO = shutil.which("ogrinfo")
OGR2OGR = shutil.which("ogr2ogr")
pytestmark = pytest.mark.skipif(
    not (OGRINFO and OGR2OGR), reason="ogrinfo/ogr2ogr missing: apt-get install gdal-bin"
)

# GDAL reads its configuration from the environment; keep the user's out, and never cache.
GDAL_ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith(("GDAL_", "CPL_", "OGR_"))},
    "GDAL_HTTP_TIMEOUT": "120",
    "CPL_VSIL_CURL_USE_CACHE": "NO",
}


def gdal(*args, env=None, what="GDAL"):
    started = time.monotonic()
    result = subprocess.run(
        args, capture_output=True, text=True, timeout=600, env={**GDAL_ENV, **(env or {})}
    )
    took = time.monotonic() - started
    assert result.returncode == 0, (
        f"{' '.join(args)} exited {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result, took


def report(what, took, requests):
    made = "" if requests is None else f", {requests} requests to the server"
    print(f"{what}: {took:.2f} s{made}")


def feature_count(ogrinfo_output):
    counts = re.findall(r"^Feature Count: (-?\d+)$", ogrinfo_output, re.M)
    assert len(counts) == 1, f"no single 'Feature Count' in ogrinfo's output:\n{ogrinfo_output}"
    return int(counts[0])


def field_types(ogrinfo_output):
    """{field: type} from `ogrinfo -so` (`name: String (0.0)`, `wheelchair: String(JSON) (0.0)`)."""
    fields = dict(re.findall(r"^(\S[^:\n]*): (\w+(?:\(\w+\))?) \(\d+\.\d+\)$", ogrinfo_output, re.M))
    assert fields, f"no fields in ogrinfo's output:\n{ogrinfo_output}"
    return fields


def test_ogrinfo_lists_the_collections(base, server_log):
    mark = server_log.mark()
    result, took = gdal(OGRINFO, "-ro", "-q", f"OAPIF:{base}/ogc")
    report("ogrinfo (layer list)", took, server_log.requests_since(mark, "/ogc"))
    # `1: bathing-sites (Point)`; a collection without positions may show no geometry type
    layers = re.findall(r"^\d+: (\S+)", result.stdout, re.M)
    assert layers == ogc_collection_ids(), result.stdout


def test_ogrinfo_summary_matches_the_rest_api(base, server_log, collection):
    """Feature count as the REST API reports it, and fields with a plain type (no JSON)."""
    mark = server_log.mark()
    result, took = gdal(OGRINFO, "-ro", "-so", f"OAPIF:{base}/ogc", collection)
    report(f"ogrinfo -so {collection}", took, server_log.requests_since(mark, "/ogc"))
    assert feature_count(result.stdout) == rest_total(collection)
    # GDAL types a field JSON when its values do not share one JSON type (e.g. `true` beside
    # "limited"); a GIS user then gets text holding JSON instead of a usable column.
    json_fields = {f: t for f, t in field_types(result.stdout).items() if "JSON" in t}
    assert not json_fields, f"{collection}: fields GDAL types as JSON: {json_fields}"


def test_ogr2ogr_copies_the_bath_sites_to_geopackage(base, server_log, tmp_path):
    collection = "bathing-sites"
    out = tmp_path / "out.gpkg"
    mark = server_log.mark()
    # CPL_CURL_VERBOSE shows the requests' headers on stderr: the copy must have gone through
    # compressed answers, as it does for a GIS user.
    result, took = gdal(
        OGR2OGR, "-f", "GPKG", str(out), f"OAPIF:{base}/ogc", collection, env={"CPL_CURL_VERBOSE": "YES"}
    )
    report(f"ogr2ogr -f GPKG ({collection})", took, server_log.requests_since(mark, "/ogc"))
    sent = re.findall(r"^Accept-Encoding: *(.*?)\r?$", result.stderr, re.M | re.I)
    got = re.findall(r"^< ?Content-Encoding: *(.*?)\r?$", result.stderr, re.M | re.I)
    print(f"GDAL sent Accept-Encoding: {sorted(set(sent))}; answers came with Content-Encoding: {sorted(set(got))}")
    assert sent, "GDAL sent no Accept-Encoding (see CPL_CURL_VERBOSE output)"
    assert got, "no answer to GDAL was compressed"

    expected = rest_total(collection)
    summary, _ = gdal(OGRINFO, "-ro", "-so", str(out), collection)
    assert feature_count(summary.stdout) == expected
    with sqlite3.connect(out) as db:  # a GeoPackage is an SQLite file
        (rows,) = db.execute(f'SELECT COUNT(*) FROM "{collection}"').fetchone()
        (located,) = db.execute(f'SELECT COUNT(*) FROM "{collection}" WHERE geom IS NOT NULL').fetchone()
    assert rows == expected
    assert located == expected, "every bath site has a position"
    json_fields = {f: t for f, t in field_types(summary.stdout).items() if "JSON" in t}
    assert not json_fields, f"fields typed JSON in the GeoPackage: {json_fields}"
