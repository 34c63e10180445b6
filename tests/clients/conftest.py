"""Shared fixtures of the real-client suite (tests/clients/run.sh starts the server).

The server under test is named by the environment: DATAHAMN_BASE (its base URL, e.g.
http://127.0.0.1:PORT, which is also the base its IRIs are minted under) and, optionally,
DATAHAMN_SERVER_LOG (its log file, whose access-log lines tell how many requests a client made).
Without DATAHAMN_BASE every test is an error, not a skip: this suite has nothing to test alone.

The expected figures come from the server itself, through the REST API (`count=true`), never
from constants: the clients must agree with what the API reports.
"""

import json
import os
import time
import urllib.parse
import urllib.request

import pytest


def base_url():
    base = os.environ.get("DATAHAMN_BASE", "").rstrip("/")
    if not base:
        raise pytest.UsageError("DATAHAMN_BASE is not set: run the suite with tests/clients/run.sh")
    return base


def get_json(url, accept="application/json"):
    """GET `url` with the standard library (no client under test involved) and decode its JSON."""
    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def ogc_collection_ids():
    """The ids `/ogc/collections` lists, in its order."""
    return [c["id"] for c in get_json(base_url() + "/ogc/collections")["collections"]]


def rest_total(collection, **filters):
    """What the REST API reports as the number of items of a collection matching `filters`."""
    query = urllib.parse.urlencode({**filters, "count": "true", "limit": 1})
    doc = get_json(f"{base_url()}/api/v1/{collection}?{query}")
    assert isinstance(doc.get("total"), int), f"/api/v1/{collection}?{query} gave no total: {doc}"
    return doc["total"]


def pytest_generate_tests(metafunc):
    # Tests taking `collection` run once per collection the server lists.
    if "collection" in metafunc.fixturenames:
        metafunc.parametrize("collection", ogc_collection_ids())


@pytest.fixture(scope="session")
def base():
    return base_url()


class ServerLog:
    """The server's access log: how many requests a client made to a path while it ran."""

    def __init__(self, path):
        self.path = path

    def mark(self):
        if not self.path or not os.path.exists(self.path):
            return None
        return os.path.getsize(self.path)

    def requests_since(self, mark, path_prefix):
        if mark is None:
            return None
        # The server writes its log in batches (every 50 ms): wait until it has stopped growing.
        size, deadline = -1, time.monotonic() + 3
        while time.monotonic() < deadline and os.path.getsize(self.path) != size:
            size = os.path.getsize(self.path)
            time.sleep(0.2)
        with open(self.path, "rb") as f:
            f.seek(mark)
            text = f.read().decode("utf-8", "replace")
        return sum(1 for line in text.splitlines() if f" {path_prefix}" in line and "GET" in line)


@pytest.fixture(scope="session")
def server_log():
    return ServerLog(os.environ.get("DATAHAMN_SERVER_LOG"))
