"""Shared by the summaries of the HTTP benchmarks (bench/api, bench/sparql, bench/remote,
bench/replica): their results without and with compression, side by side.

Each benchmark runs its requests once per Accept-Encoding variant in every round (see
bench/encoding.sh) and writes the variant's label in an `encoding` column: `none` (no header
sent) or the codings sent joined by `+` (`gzip+br`). Results written before that column existed
count as `none`. Standard library only.
"""

import statistics

PLAIN = "none"


def encoding(row):
    """A result row's encoding label."""
    return row.get("encoding") or PLAIN


def ordered(labels):
    """Encoding labels, `none` first."""
    return sorted(set(labels), key=lambda e: (e != PLAIN, e))


def describe(label):
    return "no Accept-Encoding" if label == PLAIN else "Accept-Encoding: " + label.replace("+", ", ")


def number(value):
    """A figure of a results file: a plain number, or a wrk latency ("103.00us", "1.2ms", "2s") in ms."""
    text = str(value).strip()
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)


def median(values):
    return statistics.median(values) if values else None


def _fmt(x, spec):
    return "–" if x is None else format(x, spec)


def side_by_side(rows, keys, columns):
    """Markdown lines: per distinct value of `keys` (in order of appearance), one line per
    encoding with the median over the rounds of each of `columns`, a list of
    (column, heading, format, ratio). For a column with `ratio` set, a compressed line also gets
    its ratio to the plain line: of the medians and, in brackets, the median of the per-round
    ratios (rows with the same `round`, which ran back to back). Empty when the rows hold only
    one encoding or no plain one."""
    encodings = ordered(encoding(r) for r in rows)
    if PLAIN not in encodings or len(encodings) < 2:
        return []
    head = [*keys, "encoding"]
    for _, heading, _, ratio in columns:
        head += [heading, "compressed / plain"] if ratio else [heading]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * (len(keys) + 1) + "---:|" * (len(head) - len(keys) - 1)]
    groups = list(dict.fromkeys(tuple(r[k] for k in keys) for r in rows))
    for group in groups:
        mine = [r for r in rows if tuple(r[k] for k in keys) == group]

        def by_round(label, column, mine=mine):
            return {r["round"]: number(r[column]) for r in mine if encoding(r) == label and r.get(column) not in ("", None)}

        for label in encodings:
            if not any(encoding(r) == label for r in mine):
                continue
            cells = [*group, label]
            for column, _, spec, ratio in columns:
                values = by_round(label, column)
                value = median(list(values.values()))
                cells.append(_fmt(value, spec))
                if not ratio:
                    continue
                if label == PLAIN:
                    cells.append("")
                    continue
                plain = by_round(PLAIN, column)
                plain_median = median(list(plain.values()))
                of_medians = value / plain_median if value is not None and plain_median else None
                paired = median([v / plain[n] for n, v in values.items() if plain.get(n)])
                cells.append(f"{_fmt(of_medians, '.2f')}× [{_fmt(paired, '.2f')}×]")
            lines.append("| " + " | ".join(cells) + " |")
    return lines
