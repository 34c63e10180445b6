"""OWSLib's OGC API Features client (owslib.ogcapi.features.Features) against /ogc.

OWSLib talks HTTP through requests, which sends `Accept-Encoding: gzip, deflate`: these answers
come compressed. Paging follows the `next` link, as OWSLib leaves it to its caller: the link's
query parameters are handed back to `collection_items`.
"""

import urllib.parse

import pytest
from owslib.ogcapi.features import Features

from conftest import get_json, rest_total

# Around Härryda and Göteborg: bath sites of both the national list and Härryda's own file.
BBOX = [11.9, 57.55, 12.35, 57.8]


@pytest.fixture(scope="module")
def api(base):
    return Features(f"{base}/ogc", timeout=60)


def next_params(page):
    """The query parameters of a page's `next` link, or None on the last page."""
    for link in page.get("links", []):
        if link.get("rel") == "next":
            query = urllib.parse.urlsplit(link["href"]).query
            return dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
    return None


def test_lists_the_feature_collections(api, base):
    listed = [c["id"] for c in get_json(f"{base}/ogc/collections")["collections"]]
    assert listed, "/ogc/collections lists nothing"
    assert api.feature_collections() == listed
    for cid in listed:
        info = api.collection(cid)
        assert info["id"] == cid
        assert info.get("title")
        assert len(info["extent"]["spatial"]["bbox"][0]) == 4


def test_reads_items_in_a_bbox(api):
    page = api.collection_items("bathing-sites", bbox=BBOX, limit=1000)
    assert page["type"] == "FeatureCollection"
    features = page["features"]
    assert features, f"no bath site in {BBOX}"
    assert next_params(page) is None, "one page of 1000 holds every bath site in the box"
    assert len(features) == rest_total("bathing-sites", bbox=",".join(map(str, BBOX)))
    for f in features:
        lon, lat = f["geometry"]["coordinates"]
        assert BBOX[0] <= lon <= BBOX[2] and BBOX[1] <= lat <= BBOX[3], f["id"]


def test_reads_items_by_a_property(api):
    page = api.collection_items("bathing-sites", municipality="1401", limit=1000)
    features = page["features"]
    assert features, "no bath site in Härryda (1401)"
    assert len(features) == rest_total("bathing-sites", municipality="1401")
    codes = {f["properties"].get("municipality_code") for f in features}
    assert codes == {"1401"}, f"municipality codes in the answer: {codes}"


def test_pages_through_a_collection(api):
    """limit=500 and the `next` links: every bath site once, as many as the REST API counts."""
    params, ids, pages = {"limit": 500}, [], 0
    while params is not None:
        page = api.collection_items("bathing-sites", **params)
        pages += 1
        assert page["numberReturned"] == len(page["features"])
        assert len(page["features"]) <= 500
        ids += [f["id"] for f in page["features"]]
        params = next_params(page)
        assert pages <= 100, "more than 100 pages of 500: the `next` links do not end"
    assert len(ids) == len(set(ids)), "a feature came twice"
    assert len(ids) == rest_total("bathing-sites")
    assert pages > 1


def test_every_page_tells_the_full_count(api):
    """`numberMatched` without asking for it (a GIS client does not send `count=true`)."""
    expected = rest_total("bathing-sites")
    first = api.collection_items("bathing-sites", limit=500)
    assert first.get("numberMatched") == expected, "no numberMatched on the first page"
    second = api.collection_items("bathing-sites", **next_params(first))
    assert second.get("numberMatched") == expected, "no numberMatched on a following page"
