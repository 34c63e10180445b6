"""SPARQLWrapper against /sparql: every query form in every result format, by GET and POST.

SPARQLWrapper asks for a format with `Accept` and with `format`/`output`/`results` parameters of
its own (which the endpoint ignores), and turns the answer into Python objects (`convert()`);
what it leaves as bytes (Turtle, N-Triples, CSV, TSV) is parsed here with rdflib or the csv
module. Each answer must parse and hold what the query asks for.
"""

import csv
import io

import pytest
import rdflib
from rdflib.namespace import RDF
from SPARQLWrapper import CSV, GET, JSON, JSONLD, N3, POST, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

SCHEMA = rdflib.Namespace("https://schema.org/")
PREFIX = "PREFIX schema: <https://schema.org/>\n"
SITES = 5
SELECT = PREFIX + f"SELECT ?site ?name WHERE {{ ?site a schema:Beach ; schema:name ?name }} ORDER BY ?site LIMIT {SITES}"
ASK = PREFIX + "ASK { ?site a schema:Beach ; schema:name ?name }"
CONSTRUCT = PREFIX + (
    "CONSTRUCT { ?site a schema:Beach ; schema:name ?name } "
    f"WHERE {{ ?site a schema:Beach ; schema:name ?name }} ORDER BY ?site LIMIT {SITES}"
)
# (SPARQLWrapper's format, the Accept it should send when SPARQLWrapper's own is not specific
# enough, rdflib's parser for what convert() leaves as bytes)
RDF_FORMATS = {
    "turtle": (TURTLE, None, "turtle"),
    "rdf-xml": (RDFXML, None, None),
    "n-triples": (N3, "application/n-triples", "nt"),
    "json-ld": (JSONLD, None, None),
}
METHODS = [GET, POST]


def client(base, query, return_format, method, accept=None):
    sparql = SPARQLWrapper(f"{base}/sparql")
    sparql.setQuery(query)
    sparql.setReturnFormat(return_format)
    sparql.setMethod(method)
    sparql.setTimeout(60)
    if accept:
        sparql.addCustomHttpHeader("Accept", accept)
    return sparql


def run(base, query, return_format, method, accept=None):
    result = client(base, query, return_format, method, accept).query()
    assert result.response.status == 200
    return result, result.info()["content-type"]


def as_graph(converted, parser, content_type):
    if isinstance(converted, rdflib.Graph):
        return converted
    assert isinstance(converted, bytes), f"{content_type}: convert() gave {type(converted)}"
    return rdflib.Graph().parse(data=converted.decode("utf-8"), format=parser)


@pytest.fixture(scope="module")
def item_iri(base):
    """A bath site's IRI, found with a query (SPARQLWrapper, JSON)."""
    result, _ = run(base, SELECT, JSON, GET)
    return result.convert()["results"]["bindings"][0]["site"]["value"]


@pytest.mark.parametrize("method", METHODS)
def test_select_json(base, method):
    result, kind = run(base, SELECT, JSON, method)
    assert kind.startswith("application/sparql-results+json")
    doc = result.convert()
    assert doc["head"]["vars"] == ["site", "name"]
    rows = doc["results"]["bindings"]
    assert len(rows) == SITES
    assert all(r["site"]["type"] == "uri" and r["name"]["value"] for r in rows)


@pytest.mark.parametrize("method", METHODS)
def test_select_xml(base, method):
    result, kind = run(base, SELECT, XML, method)
    assert kind.startswith("application/sparql-results+xml")
    doc = result.convert()  # xml.dom.minidom
    assert [v.getAttribute("name") for v in doc.getElementsByTagName("variable")] == ["site", "name"]
    rows = doc.getElementsByTagName("result")
    assert len(rows) == SITES
    assert all(r.getElementsByTagName("uri") for r in rows)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_select_csv_tsv(base, method, fmt):
    result, kind = run(base, SELECT, {"csv": CSV, "tsv": TSV}[fmt], method)
    assert kind.startswith({"csv": "text/csv", "tsv": "text/tab-separated-values"}[fmt])
    text = result.convert().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text), delimiter="," if fmt == "csv" else "\t"))
    # CSV names the variables bare and gives plain values; TSV writes ?var and RDF terms
    assert rows[0] == (["site", "name"] if fmt == "csv" else ["?site", "?name"]), rows[0]
    assert len(rows) == SITES + 1
    assert all(len(r) == 2 and r[0] and r[1] for r in rows[1:])
    if fmt == "tsv":
        assert all(r[0].startswith("<") and r[0].endswith(">") for r in rows[1:])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_ask(base, method, fmt):
    result, kind = run(base, ASK, {"json": JSON, "xml": XML}[fmt], method)
    converted = result.convert()
    if fmt == "json":
        assert kind.startswith("application/sparql-results+json")
        assert converted["boolean"] is True
    else:
        assert kind.startswith("application/sparql-results+xml")
        (boolean,) = converted.getElementsByTagName("boolean")
        assert boolean.firstChild.data.strip() == "true"
    # and one that is false
    result, _ = run(base, PREFIX + "ASK { ?s schema:name \"no such name, anywhere\" }", JSON, method)
    assert result.convert()["boolean"] is False


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", list(RDF_FORMATS))
def test_construct(base, method, fmt):
    return_format, accept, parser = RDF_FORMATS[fmt]
    result, kind = run(base, CONSTRUCT, return_format, method, accept)
    graph = as_graph(result.convert(), parser, kind)
    sites = set(graph.subjects(RDF.type, SCHEMA.Beach))
    assert len(sites) == SITES, f"{kind}: {len(sites)} sites"
    assert len(graph) == 2 * SITES
    assert all(graph.value(s, SCHEMA.name) for s in sites)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", list(RDF_FORMATS))
def test_describe(base, item_iri, method, fmt):
    return_format, accept, parser = RDF_FORMATS[fmt]
    result, kind = run(base, f"DESCRIBE <{item_iri}>", return_format, method, accept)
    graph = as_graph(result.convert(), parser, kind)
    item = rdflib.URIRef(item_iri)
    assert (item, RDF.type, SCHEMA.Beach) in graph, f"{kind}: the item's type is missing"
    assert graph.value(item, SCHEMA.name), f"{kind}: the item's name is missing"


def test_describe_includes_the_items_own_nodes(base, item_iri):
    """An item's position and address are nodes of its own (`#geo`, `#address`): DESCRIBE gives them."""
    result, kind = run(base, f"DESCRIBE <{item_iri}>", TURTLE, GET)
    graph = as_graph(result.convert(), "turtle", kind)
    item = rdflib.URIRef(item_iri)
    geo = graph.value(item, SCHEMA.geo)
    assert geo is not None, "no schema:geo"
    assert graph.value(geo, SCHEMA.latitude) is not None, "the position's latitude is missing"
    assert graph.value(geo, SCHEMA.longitude) is not None, "the position's longitude is missing"
    address = graph.value(item, SCHEMA.address)
    if address is not None:
        assert list(graph.predicate_objects(address)), "the address node says nothing"
