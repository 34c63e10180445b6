#!/usr/bin/env python3
"""Writes a bench CSV file (bench/generate.py) again as an Excel workbook and as GeoJSON, the
way the stewards' tools write them, for bench/formats/run.sh. Standard library only.

    python3 bench/formats/convert.py badplatser-220000.csv --xlsx out.xlsx --geojson out.geojson

The .xlsx is what Excel writes: text in the shared-strings table, numbers (coordinates) as
numbers, the `updated` dates as serial numbers with a date style, the booleans as Excel booleans,
one sheet named Blad1. The GeoJSON is what QGIS (GDAL) writes from the same layer: one feature a
line, the position as a Point (longitude, latitude), the other columns as properties, empty cells
as null. The data are the same rows as the CSV file, so the three runs check the same values.
"""

import argparse
import csv
import datetime
import json
import zipfile

XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
EPOCH = datetime.date(1899, 12, 30)


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def col(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = csv.reader(f)
        header = next(rows)
        return header, list(rows)


def cell_xml(ref, name, value, sst):
    if value == "":
        return ""
    if name in ("latitude", "longitude"):
        return f'<c r="{ref}"><v>{value}</v></c>'
    if name == "updated":
        try:
            serial = (datetime.date.fromisoformat(value) - EPOCH).days
            return f'<c r="{ref}" s="1"><v>{serial}</v></c>'
        except ValueError:
            pass
    if value in ("true", "false"):
        return f'<c r="{ref}" t="b"><v>{1 if value == "true" else 0}</v></c>'
    return f'<c r="{ref}" t="s"><v>{sst(value)}</v></c>'


def write_xlsx(header, rows, path):
    strings, index = [], {}

    def sst(s):
        if s not in index:
            index[s] = len(strings)
            strings.append(s)
        return index[s]

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("xl/worksheets/sheet1.xml", "w") as out:
            def w(text):
                out.write(text.encode("utf-8"))

            w(XML + f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}">')
            w(f'<dimension ref="A1:{col(len(header) - 1)}{len(rows) + 1}"/><sheetData>')
            w('<row r="1">' + "".join(f'<c r="{col(i)}1" t="s"><v>{sst(h)}</v></c>' for i, h in enumerate(header)) + "</row>")
            for n, row in enumerate(rows, start=2):
                cells = "".join(cell_xml(f"{col(i)}{n}", header[i], v, sst) for i, v in enumerate(row))
                w(f'<row r="{n}">{cells}</row>')
            w("</sheetData></worksheet>")
        z.writestr("[Content_Types].xml", XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        z.writestr("_rels/.rels", XML + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", XML + f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="Blad1" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", XML + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
        z.writestr("xl/styles.xml", XML + f'<styleSheet xmlns="{MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>')
        z.writestr("xl/sharedStrings.xml", XML + f'<sst xmlns="{MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">' + "".join(f'<si><t xml:space="preserve">{esc(s)}</t></si>' for s in strings) + "</sst>")


def write_geojson(header, rows, path):
    lat, lon = header.index("latitude"), header.index("longitude")
    with open(path, "w", encoding="utf-8") as f:
        f.write('{\n"type": "FeatureCollection",\n"name": "badplatser",\n"crs": { "type": "name", "properties": { "name": "urn:ogc:def:crs:OGC:1.3:CRS84" } },\n"features": [\n')
        for n, row in enumerate(rows):
            props = {h: (v if v != "" else None) for i, (h, v) in enumerate(zip(header, row)) if i not in (lat, lon)}
            feature = {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [float(row[lon]), float(row[lat])]}}
            f.write(("," if n else "") + json.dumps(feature, ensure_ascii=False) + "\n")
        f.write("]\n}\n")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("csv")
    p.add_argument("--xlsx")
    p.add_argument("--geojson")
    a = p.parse_args()
    header, rows = read(a.csv)
    if a.xlsx:
        write_xlsx(header, rows, a.xlsx)
    if a.geojson:
        write_geojson(header, rows, a.geojson)


if __name__ == "__main__":
    main()
