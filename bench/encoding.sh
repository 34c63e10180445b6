# shellcheck shell=bash
# Sourced by the HTTP benchmarks (bench/api, bench/sparql, bench/remote, bench/replica,
# bench/compression): which `Accept-Encoding` each request sends.
#
# ENCODINGS (environment) is a space-separated list of labels, each measured in every round:
#   none       no Accept-Encoding header: the server answers uncompressed
#   gzip+br    Accept-Encoding: gzip, br  (codings joined by `+`; what browsers and most HTTP
#              libraries send, so what most real clients get)
# Default: "none gzip+br", both side by side. The label is what the results' `encoding` column holds.

read -ra ENCODINGS <<<"${ENCODINGS:-none gzip+br}"
((${#ENCODINGS[@]})) || { echo "ENCODINGS is empty (e.g. \"none gzip+br\")" >&2; exit 2; }
for _e in "${ENCODINGS[@]}"; do
    [[ $_e =~ ^(none|[a-z0-9*-]+(\+[a-z0-9*-]+)*)$ ]] \
        || { echo "ENCODINGS: '$_e' is neither 'none' nor codings joined by '+' (e.g. gzip+br)" >&2; exit 2; }
done
unset _e

# encoding_args LABEL: sets ENC_ARGS to the curl/wrk arguments that send it (none for `none`).
encoding_args() {
    ENC_ARGS=()
    # shellcheck disable=SC2034 # used by the scripts that source this file
    [[ $1 == none ]] || ENC_ARGS=(-H "Accept-Encoding: ${1//+/, }")
}

# encoding_header LABEL: the header as sent, for reports ("(none)" for `none`).
encoding_header() {
    if [[ $1 == none ]]; then echo "(none)"; else echo "Accept-Encoding: ${1//+/, }"; fi
}

# content_coding FILE: the Content-Encoding of the response headers in FILE (`curl -D FILE`),
# `identity` when there is none.
content_coding() {
    awk -F': *' 'tolower($1) == "content-encoding" {gsub(/\r/, "", $2); c = $2} END {print (c == "" ? "identity" : c)}' "$1"
}
