#!/usr/bin/env python3
"""Compares the triples of `datahamn convert` (N-Quads) with those of an RML engine (N-Triples).

    python3 bench/compare.py OURS.nq PEER.nt [--show 20]

Drops the graph column of the N-Quads, parses both files (with pyoxigraph when it is importable,
so that escaping and IRI spelling differences between serializers do not count; otherwise as
text lines), and compares the two *sets* of triples (an engine may emit a triple twice). Prints
the counts, and up to --show triples found only on one side. Exit code 0 when the sets are equal,
1 when they differ.
"""

import argparse
import sys


def triples_text(path, quads):
    out = set()
    lines = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            lines += 1
            body = line.rstrip()
            if body.endswith("."):
                body = body[:-1].rstrip()
            if quads and body.endswith(">"):
                # the graph is the last term, an IRI without spaces
                head, _, last = body.rpartition(" ")
                if last.startswith("<"):
                    body = head
            out.add(body + " .")
    return out, lines


def triples_oxigraph(path, quads, pyoxigraph):
    fmt = pyoxigraph.RdfFormat.N_QUADS if quads else pyoxigraph.RdfFormat.N_TRIPLES
    out = set()
    n = 0
    with open(path, "rb") as f:
        for q in pyoxigraph.parse(f, format=fmt):
            n += 1
            out.add(f"{q.subject} {q.predicate} {q.object} .")
    return out, n


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ours", help="N-Quads from datahamn convert")
    parser.add_argument("peer", help="N-Triples from the RML engine")
    parser.add_argument("--show", type=int, default=20)
    parser.add_argument("--text", action="store_true", help="compare text lines, do not parse")
    args = parser.parse_args()
    pyoxigraph = None
    if not args.text:
        try:
            import pyoxigraph  # noqa: F811
        except ImportError:
            print("pyoxigraph not importable: comparing text lines", file=sys.stderr)
    if pyoxigraph is not None and hasattr(pyoxigraph, "RdfFormat"):
        ours, n_ours = triples_oxigraph(args.ours, True, pyoxigraph)
        peer, n_peer = triples_oxigraph(args.peer, False, pyoxigraph)
        how = "parsed with pyoxigraph " + getattr(pyoxigraph, "__version__", "")
    else:
        ours, n_ours = triples_text(args.ours, True)
        peer, n_peer = triples_text(args.peer, False)
        how = "text lines"
    only_ours = sorted(ours - peer)
    only_peer = sorted(peer - ours)
    print(f"compare ({how}): datahamn {n_ours} quads -> {len(ours)} distinct triples; "
          f"peer {n_peer} triples -> {len(peer)} distinct; "
          f"only in datahamn: {len(only_ours)}; only in peer: {len(only_peer)}")
    for t in only_ours[: args.show]:
        print(f"  - datahamn only: {t}")
    for t in only_peer[: args.show]:
        print(f"  + peer only:     {t}")
    print("EQUAL" if not only_ours and not only_peer else "DIFFERENT")
    return 0 if not only_ours and not only_peer else 1


if __name__ == "__main__":
    sys.exit(main())
