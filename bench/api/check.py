#!/usr/bin/env python3
"""Checks that every server answers a benchmark query with the same sites (bench/api/run.sh).

    python3 bench/api/check.py QUERY NAME=URL [NAME=URL ...]

QUERY is `municipality` or `near`. Each URL is fetched once (SPARQL URLs, recognised by
`/query?`, with `Accept: application/sparql-results+json`) and its sites are read by the shape
of the answer:

* datahamn (`{"items": [...]}`): the local part of each item's `id` (`bench-badplatser:1401-0000305`
  gives `1401-0000305`); for `near` every item must have `distance_m`;
* Datasette (`{"rows": [...]}`): each row's `place_id`;
* SPARQL JSON results: the last path segment of `?item` (`…/id/bench-badplatser/1401-0000305`).

The first server is the reference. Prints one line per server: sites returned, sites in common
with the reference, whether the order is the same, the body size, and for `near` the largest
difference in the reported distances; exits 1 when any set differs from the reference, or when a
server answers with an error or no sites at all.
"""

import json
import sys
import urllib.request


def fetch(url):
    headers = {"Accept": "application/sparql-results+json"} if "/query?" in url else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=120) as r:
        body = r.read()
    return body, json.loads(body)


def sites(query, doc):
    """[(site id, distance in metres or None)] in the server's order."""
    if "items" in doc:
        out = []
        for item in doc["items"]:
            if query == "near" and "distance_m" not in item:
                raise ValueError("an item without `distance_m`: the server ignores `near`")
            out.append((item["id"].split(":", 1)[1], item.get("distance_m")))
        return out
    if "rows" in doc:
        return [(row["place_id"], row.get("distance_m")) for row in doc["rows"]]
    if "results" in doc:
        out = []
        for b in doc["results"]["bindings"]:
            d = b.get("distance_m")
            out.append((b["item"]["value"].rsplit("/", 1)[1], float(d["value"]) if d else None))
        return out
    raise ValueError(f"unknown answer shape: {str(doc)[:200]}")


def main(query, pairs):
    ref_name = None
    ref = None
    ok = True
    for name, url in pairs:
        try:
            body, doc = fetch(url)
            got = sites(query, doc)
        except Exception as e:  # noqa: BLE001 - report any failure as a mismatch
            print(f"  {query:<12} {name:<10} FAILED: {e}")
            ok = False
            continue
        if ref is None:
            ref_name, ref = name, got
            if not got:
                print(f"  {query:<12} {name:<10} FAILED: no sites at all")
                ok = False
        ids = [s for s, _ in got]
        ref_ids = [s for s, _ in ref]
        common = len(set(ids) & set(ref_ids))
        same = set(ids) == set(ref_ids) and len(ids) == len(set(ids))
        extra = ""
        ref_d = dict(ref)
        diffs = [abs(d - ref_d[s]) for s, d in got if d is not None and ref_d.get(s) is not None]
        if diffs:
            extra = f", distances differ by at most {max(diffs):.3f} m"
        print(
            f"  {query:<12} {name:<10} {len(ids):>4} sites, {common:>4} of {len(ref_ids)} in common with "
            f"{ref_name}, order {'same' if ids == ref_ids else 'DIFFERENT'}, {len(body):,} bytes{extra}"
            + ("" if same else "  <-- MISMATCH")
        )
        if not same:
            ok = False
            only_here = sorted(set(ids) - set(ref_ids))[:5]
            only_ref = sorted(set(ref_ids) - set(ids))[:5]
            print(f"    only in {name}: {only_here}; only in {ref_name}: {only_ref}")
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ("municipality", "near"):
        sys.exit(__doc__)
    pairs = [tuple(a.split("=", 1)) for a in sys.argv[2:]]
    sys.exit(main(sys.argv[1], pairs))
