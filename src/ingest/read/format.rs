//! Telling a file's format from its content, never from its name: the first bytes (a zip's
//! magic, a PDF's, an image's, an old Excel file's, a JSON object's brace) and, for a zip, the
//! names in its central directory. A zip's declared unpacked sizes are held to
//! [`Limits::max_expanded_bytes`] here, before anything in it is unpacked. A format no reader
//! takes is refused with an issue that names the formats that work.

use crate::ingest::Limits;
use crate::ingest::report::{Issue, IssueCode};
use crate::ingest::source::{self, Source};
use crate::profile::Localized;
use std::io::{self, Read, Seek};

/// The formats datahamn reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// CSV or TSV text, in any encoding a spreadsheet writes.
    Delimited,
    /// An Excel workbook (Office Open XML).
    Xlsx,
    /// An OpenDocument spreadsheet (LibreOffice, OpenOffice).
    Ods,
    /// A GeoJSON FeatureCollection (QGIS, ArcGIS).
    GeoJson,
}

/// A file's bytes as a seekable reader, as a zip archive is read.
pub trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

/// The source as a seekable reader (a zip is read from its end).
pub fn seekable<'a>(source: Source<'a>) -> io::Result<Box<dyn ReadSeek + 'a>> {
    Ok(match source {
        Source::Bytes(b) => Box::new(io::Cursor::new(b)),
        Source::File(p) => Box::new(io::BufReader::new(std::fs::File::open(p)?)),
    })
}

/// The formats that work, for the message that refuses a file.
const WORKING_SV: &str = "Format som fungerar: CSV eller TSV (text, valfri avgränsare), Excel-arbetsbok (.xlsx), OpenDocument-kalkylblad (.ods) och GeoJSON (en FeatureCollection med punkter).";
const WORKING_EN: &str = "Formats that work: CSV or TSV (text, any delimiter), Excel workbook (.xlsx), OpenDocument spreadsheet (.ods) and GeoJSON (a FeatureCollection of points).";

/// The issue that refuses a file in a format no reader takes: what it is, what to do, and the
/// formats that work.
pub fn unsupported(what_sv: &str, what_en: &str, fix_sv: &str, fix_en: &str) -> Issue {
    Issue::error(
        IssueCode::UnsupportedFormat,
        Localized::new(
            format!("Filen är {what_sv}, som datahamn inte läser. {fix_sv} {WORKING_SV}"),
            format!("The file is {what_en}, which datahamn does not read. {fix_en} {WORKING_EN}"),
        ),
    )
}

/// Tells a file's format from its content.
pub fn detect(source: Source<'_>, limits: &Limits) -> Result<Format, Issue> {
    let io = |e: io::Error| source::unreadable(&e);
    let mut head = Vec::with_capacity(512);
    source
        .open()
        .map_err(io)?
        .take(512)
        .read_to_end(&mut head)
        .map_err(io)?;
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return zip_format(source, limits);
    }
    if head.starts_with(b"%PDF") {
        return Err(unsupported(
            "en PDF",
            "a PDF",
            "Ladda upp tabellen som den exporteras från källsystemet eller kalkylprogrammet, inte som PDF.",
            "Upload the table as the source system or spreadsheet exports it, not as a PDF.",
        ));
    }
    if head.starts_with(b"\x89PNG")
        || head.starts_with(b"\xFF\xD8\xFF")
        || head.starts_with(b"GIF8")
        || head.starts_with(b"BM")
        || head.starts_with(b"II*\0")
        || head.starts_with(b"MM\0*")
    {
        return Err(unsupported(
            "en bild",
            "an image",
            "Ladda upp tabellen med data, inte en bild av den.",
            "Upload the table of data, not a picture of it.",
        ));
    }
    if head.starts_with(b"\xD0\xCF\x11\xE0") {
        return Err(unsupported(
            "en äldre Excel-fil (.xls)",
            "an old Excel file (.xls)",
            "Öppna den i Excel eller LibreOffice och spara som Excel-arbetsbok (.xlsx).",
            "Open it in Excel or LibreOffice and save it as an Excel workbook (.xlsx).",
        ));
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
    match text.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Ok(Format::GeoJson),
        Some(b'[') => Err(unsupported(
            "en JSON-lista",
            "a JSON array",
            "Exportera lagret som GeoJSON (en FeatureCollection), eller tabellen som CSV.",
            "Export the layer as GeoJSON (a FeatureCollection), or the table as CSV.",
        )),
        Some(b'<') => Err(unsupported(
            "XML eller HTML (till exempel GML, KML eller en webbsida)",
            "XML or HTML (GML, KML or a web page, for instance)",
            "Exportera lagret som GeoJSON, eller tabellen som CSV eller .xlsx.",
            "Export the layer as GeoJSON, or the table as CSV or .xlsx.",
        )),
        _ => Ok(Format::Delimited),
    }
}

/// The format of a zip archive, told by the names of its entries; its declared unpacked size
/// is checked first.
fn zip_format(source: Source<'_>, limits: &Limits) -> Result<Format, Issue> {
    let damaged = || {
        unsupported(
            "ett zip-arkiv som inte kan öppnas (en skadad eller ofullständig arbetsbok?)",
            "a zip archive that cannot be opened (a damaged or incomplete workbook?)",
            "Öppna filen i Excel eller LibreOffice och spara den igen.",
            "Open the file in Excel or LibreOffice and save it again.",
        )
    };
    let reader = seekable(source).map_err(|e| source::unreadable(&e))?;
    let mut archive = zip::ZipArchive::new(reader).map_err(|_| damaged())?;
    let mut expanded: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|_| damaged())?;
        expanded = expanded.saturating_add(entry.size());
    }
    if expanded > limits.max_expanded_bytes {
        return Err(expanded_too_large(expanded, limits));
    }
    let names: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .map(std::borrow::Cow::into_owned)
        .collect();
    let has = |name: &str| names.iter().any(|n| n == name);
    if has("mimetype") {
        let mut mimetype = String::new();
        if let Ok(entry) = archive.by_name("mimetype") {
            let _ = entry.take(200).read_to_string(&mut mimetype);
        }
        return match mimetype.trim() {
            "application/vnd.oasis.opendocument.spreadsheet" => Ok(Format::Ods),
            _ => Err(unsupported(
                "ett OpenDocument-dokument som inte är ett kalkylblad",
                "an OpenDocument file that is not a spreadsheet",
                "Lägg tabellen i ett kalkylblad (LibreOffice Calc) och spara som .ods eller .xlsx.",
                "Put the table in a spreadsheet (LibreOffice Calc) and save it as .ods or .xlsx.",
            )),
        };
    }
    if has("[Content_Types].xml") && names.iter().any(|n| n.starts_with("xl/")) {
        if has("xl/workbook.bin") {
            return Err(unsupported(
                "en binär Excel-arbetsbok (.xlsb)",
                "a binary Excel workbook (.xlsb)",
                "Spara den som Excel-arbetsbok (.xlsx).",
                "Save it as an Excel workbook (.xlsx).",
            ));
        }
        return Ok(Format::Xlsx);
    }
    if has("[Content_Types].xml") {
        return Err(unsupported(
            "ett Office-dokument som inte är en arbetsbok (Word eller PowerPoint?)",
            "an Office document that is not a workbook (Word or PowerPoint?)",
            "Lägg tabellen i Excel och spara som .xlsx, eller som CSV.",
            "Put the table in Excel and save it as .xlsx, or as CSV.",
        ));
    }
    let lower = |suffix: &str| names.iter().any(|n| n.to_ascii_lowercase().ends_with(suffix));
    if lower(".shp") || lower(".dbf") {
        return Err(unsupported(
            "ett zip-arkiv med en Shapefile",
            "a zip archive with a Shapefile",
            "Öppna lagret i QGIS eller ArcGIS och exportera det som GeoJSON, eller attributtabellen som CSV.",
            "Open the layer in QGIS or ArcGIS and export it as GeoJSON, or its attribute table as CSV.",
        ));
    }
    Err(unsupported(
        "ett zip-arkiv",
        "a zip archive",
        "Packa upp det och ladda upp filen med tabellen.",
        "Unpack it and upload the file with the table.",
    ))
}

/// The issue that refuses a workbook that would unpack to more than the limit.
pub fn expanded_too_large(expanded: u64, limits: &Limits) -> Issue {
    Issue::error(
        IssueCode::ExpandedTooLarge,
        Localized::new(
            format!(
                "Arbetsboken skulle packas upp till {expanded} byte, mer än gränsen {} byte. Ta bort andra blad, bilder och formatering, eller spara tabellen som CSV.",
                limits.max_expanded_bytes
            ),
            format!(
                "The workbook would unpack to {expanded} bytes, more than the limit of {} bytes. Remove other sheets, pictures and formatting, or save the table as CSV.",
                limits.max_expanded_bytes
            ),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        use std::io::Write;
        let mut out = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
        for (name, bytes) in entries {
            out.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            out.write_all(bytes).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    fn format(bytes: &[u8]) -> Result<Format, IssueCode> {
        detect(Source::Bytes(bytes), &Limits::default()).map_err(|i| i.code)
    }

    #[test]
    fn formats_are_told_by_content() {
        assert_eq!(format(b"a;b\n1;2\n"), Ok(Format::Delimited));
        assert_eq!(
            format(b"\xEF\xBB\xBF \n{\"type\":\"FeatureCollection\"}"),
            Ok(Format::GeoJson)
        );
        let xlsx = zip(&[("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<w/>")]);
        assert_eq!(format(&xlsx), Ok(Format::Xlsx));
        let ods = zip(&[
            ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
            ("content.xml", b"<x/>"),
        ]);
        assert_eq!(format(&ods), Ok(Format::Ods));
    }

    #[test]
    fn other_formats_are_refused_naming_those_that_work() {
        for bytes in [
            &b"%PDF-1.7"[..],
            b"\x89PNG\r\n",
            b"\xFF\xD8\xFF\xE0",
            b"\xD0\xCF\x11\xE0\xA1\xB1",
            b"[1,2]",
            b"<?xml version=\"1.0\"?>",
            b"PK\x03\x04 not a zip",
        ] {
            assert_eq!(format(bytes), Err(IssueCode::UnsupportedFormat), "{bytes:?}");
        }
        let shapefile = zip(&[("badplatser.shp", b"x"), ("badplatser.dbf", b"y")]);
        let issue = detect(Source::Bytes(&shapefile), &Limits::default()).unwrap_err();
        assert!(issue.message.en.contains("Shapefile"), "{}", issue.message.en);
        assert!(
            issue
                .message
                .en
                .contains("GeoJSON (a FeatureCollection of points)")
        );
        let text = zip(&[("mimetype", b"application/vnd.oasis.opendocument.text")]);
        assert_eq!(format(&text), Err(IssueCode::UnsupportedFormat));
    }

    #[test]
    fn a_workbook_that_would_unpack_past_the_limit_is_refused_before() {
        let big = vec![b'a'; 5000];
        let xlsx = zip(&[("[Content_Types].xml", b"<Types/>"), ("xl/sheet.xml", &big)]);
        let limits = Limits {
            max_expanded_bytes: 4096,
            ..Limits::default()
        };
        let issue = detect(Source::Bytes(&xlsx), &limits).unwrap_err();
        assert_eq!(issue.code, IssueCode::ExpandedTooLarge);
        assert!(issue.message.en.contains("more than the limit of 4096 bytes"));
    }
}
