//! The stewards' web pages: server-rendered HTML for publishing from a browser.
//!
//! Owns the sign-in page, the steward's start page (their organisation's datasets and the form
//! to create one), a dataset's steward page (upload a file, its versions with rollback) and the
//! report page of a checked file: the rows the report names as a table with the offending
//! cells marked and explained, how each header was mapped (a form to correct and confirm the
//! proposals), every finding in a list, and the publish button when the file is valid. Every
//! form carries the session's CSRF secret.
//!
//! Pages are maud templates ([`maud::html!`]), the `main` of the public pages' layout
//! ([`crate::http::pages::layout`]): every value spliced into them, from data or the request
//! (a file's cells and headers above all), is escaped.

use crate::catalog::{DatasetRecord, VersionRecord};
use crate::http::pages::{Lang, options};
use crate::ingest::report::{ColumnMapping, MappingReason};
use crate::ingest::{Excerpt, Issue, Report, Severity};
use crate::profile::Localized;
use maud::{Markup, html};
use std::collections::HashMap;

/// The licences the create form offers.
pub const LICENSES: &[(&str, &str)] = &[
    ("http://creativecommons.org/publicdomain/zero/1.0/", "CC0 1.0"),
    ("https://creativecommons.org/licenses/by/4.0/", "CC BY 4.0"),
];

/// The update frequencies the create form offers: (EU frequency code, Swedish, English).
pub const FREQUENCIES: &[(&str, &str, &str)] = &[
    ("ANNUAL", "Årligen", "Annually"),
    ("QUARTERLY", "Kvartalsvis", "Quarterly"),
    ("MONTHLY", "Månadsvis", "Monthly"),
    ("WEEKLY", "Veckovis", "Weekly"),
    ("DAILY", "Dagligen", "Daily"),
    ("IRREG", "Oregelbundet", "Irregularly"),
];

/// A notice at the top of a page: a success (`ok`) or a problem.
pub struct Notice {
    pub ok: bool,
    pub text: String,
}

fn notice(notice: Option<&Notice>) -> Markup {
    html! {
        @if let Some(n) = notice {
            p class={ "notice " (if n.ok { "ok" } else { "problem" }) }
                role=(if n.ok { "status" } else { "alert" }) { (n.text) }
        }
    }
}

fn csrf_field(csrf: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(csrf); }
}

/// A refusal: what went wrong, and the way back.
pub fn problem(lang: Lang, detail: &str, back: &str) -> Markup {
    html! {
        h1 { (lang.t("Det gick inte", "That did not work")) }
        (notice(Some(&Notice { ok: false, text: detail.to_owned() })))
        p { a href=(back) { (lang.t("Tillbaka", "Back")) } }
    }
}

/// The sign-in page; its form carries `csrf`, the secret of the browser's pre-session.
pub fn sign_in(lang: Lang, csrf: &str, message: Option<&Notice>) -> Markup {
    html! {
        h1 { (lang.t("Logga in som publicerare", "Sign in as a publisher")) }
        (notice(message))
        p {
            (lang.t(
                "Här publicerar kommunens dataansvariga sina filer (CSV, Excel, LibreOffice eller GeoJSON): skapa en datamängd, ladda upp en fil, se vad som behöver rättas, publicera och gå tillbaka till en tidigare version.",
                "Here a municipality's data stewards publish their files (CSV, Excel, LibreOffice or GeoJSON): create a dataset, upload a file, see what needs fixing, publish, and go back to an earlier version."
            ))
        }
        form method="post" action=(format!("/steward/sign-in{}", lang.query())) class="stack" {
            (csrf_field(csrf))
            label for="token" { (lang.t("Nyckel (token)", "Token")) }
            input id="token" name="token" type="password" autocomplete="off" required spellcheck="false" size="60" aria-describedby="token-help";
            p id="token-help" class="meta" {
                (lang.t(
                    "Nyckeln börjar med dh_ och kommer från plattformens administratör. Den sparas inte i webbläsaren; inloggningen gäller i högst 12 timmar.",
                    "The token starts with dh_ and comes from the platform's administrator. It is not kept in the browser; a sign-in lasts at most 12 hours."
                ))
            }
            button type="submit" { (lang.t("Logga in", "Sign in")) }
        }
    }
}

/// A dataset on the steward's start page.
pub struct OwnDataset<'a> {
    pub record: &'a DatasetRecord,
    pub item_count: usize,
}

/// The values of the create form (kept when it is sent back with a problem).
#[derive(Default)]
pub struct CreateForm {
    pub id: String,
    pub profile: String,
    pub title_sv: String,
    pub title_en: String,
    pub description_sv: String,
    pub description_en: String,
    pub license: String,
    pub contact_email: String,
    pub update_frequency: String,
    pub publisher: String,
}

/// The steward's start page.
pub struct Dashboard<'a> {
    /// The token's name.
    pub who: &'a str,
    /// Whom the token acts for (an organisation's name, or the administration).
    pub acts_for: String,
    pub csrf: &'a str,
    pub datasets: Vec<OwnDataset<'a>>,
    /// Every profile: (id, title).
    pub profiles: Vec<(&'a str, &'a Localized)>,
    /// For an administrator: every organisation, (id, name), to choose the publisher.
    pub publishers: Option<Vec<(&'a str, &'a str)>>,
    pub form: &'a CreateForm,
    pub notice: Option<Notice>,
}

fn who_bar(lang: Lang, who: &str, acts_for: &str, csrf: &str) -> Markup {
    html! {
        div class="who" {
            p { (lang.t("Inloggad som", "Signed in as")) " " strong { (who) } " (" (acts_for) ")." }
            form method="post" action=(format!("/steward/sign-out{}", lang.query())) {
                (csrf_field(csrf))
                button type="submit" class="secondary" { (lang.t("Logga ut", "Sign out")) }
            }
        }
    }
}

/// The steward's start page: their datasets, and the form to create one.
pub fn dashboard(lang: Lang, p: &Dashboard<'_>) -> Markup {
    let q = lang.query();
    html! {
        (who_bar(lang, p.who, &p.acts_for, p.csrf))
        h1 { (lang.t("Dina datamängder", "Your datasets")) }
        (notice(p.notice.as_ref()))
        @if p.datasets.is_empty() {
            p {
                (lang.t(
                    "Din organisation har inga datamängder ännu. Skapa den första nedan.",
                    "Your organisation has no datasets yet. Create the first one below."
                ))
            }
        } @else {
            div class="scroll" {
                table {
                    thead {
                        tr {
                            th scope="col" { (lang.t("Datamängd", "Dataset")) }
                            th scope="col" { (lang.t("Id", "Id")) }
                            th scope="col" { (lang.t("Aktuell version", "Current version")) }
                            th scope="col" { (lang.t("Poster", "Items")) }
                        }
                    }
                    tbody {
                        @for d in &p.datasets {
                            @let meta = &d.record.meta;
                            @let version = d.record.current().map_or_else(
                                || lang.t("ingen ännu", "none yet").to_owned(),
                                |v| format!("{} ({})", v.number, v.issued.get(..10).unwrap_or(&v.issued)),
                            );
                            tr {
                                td { a href=(format!("/steward/datasets/{}{q}", meta.id)) { (lang.pick(&meta.title)) } }
                                td { code { (meta.id) } }
                                td { (version) }
                                td { (d.item_count) }
                            }
                        }
                    }
                }
            }
        }
        (create_form(lang, p))
    }
}

fn create_form(lang: Lang, p: &Dashboard<'_>) -> Markup {
    let f = p.form;
    let profiles = p.profiles.iter().map(|(id, t)| (*id, lang.pick(t)));
    let frequencies = FREQUENCIES.iter().map(|(code, sv, en)| (*code, lang.t(sv, en)));
    let texts = [
        (
            "title_sv",
            lang.t("Titel på svenska", "Title in Swedish"),
            &f.title_sv,
            false,
        ),
        (
            "title_en",
            lang.t("Titel på engelska", "Title in English"),
            &f.title_en,
            false,
        ),
        (
            "description_sv",
            lang.t("Beskrivning på svenska", "Description in Swedish"),
            &f.description_sv,
            true,
        ),
        (
            "description_en",
            lang.t("Beskrivning på engelska", "Description in English"),
            &f.description_en,
            true,
        ),
    ];
    html! {
        h2 id="create" { (lang.t("Skapa en datamängd", "Create a dataset")) }
        form method="post" action=(format!("/steward/datasets{}", lang.query())) class="stack" {
            (csrf_field(p.csrf))
            label for="id" { (lang.t("Id", "Id")) }
            input id="id" name="id" required pattern="[a-z0-9][a-z0-9-]{1,63}" value=(f.id) aria-describedby="id-help" spellcheck="false";
            p id="id-help" class="meta" {
                (lang.t(
                    "2–64 små bokstäver (a–z), siffror och bindestreck, t.ex. harryda-badplatser. Id:t blir en del av varje posts URI och kan inte ändras.",
                    "2-64 lower-case letters (a-z), digits and hyphens, e.g. harryda-badplatser. The id becomes part of every item's URI and cannot change."
                ))
            }
            label for="profile" { (lang.t("Typ av data (specifikation)", "Kind of data (specification)")) }
            select id="profile" name="profile" required { (options(profiles, &f.profile)) }
            @if let Some(publishers) = &p.publishers {
                label for="publisher" { (lang.t("Publicerande organisation", "Publishing organisation")) }
                select id="publisher" name="publisher" required {
                    option value="" { "–" }
                    (options(publishers.iter().copied(), &f.publisher))
                }
            }
            @for (field, label, value, textarea) in texts {
                label for=(field) { (label) }
                @if textarea {
                    textarea id=(field) name=(field) rows="3" required { (value) }
                } @else {
                    input id=(field) name=(field) required value=(value);
                }
            }
            label for="license" { (lang.t("Licens", "Licence")) }
            select id="license" name="license" { (options(LICENSES.iter().copied(), &f.license)) }
            label for="contact_email" { (lang.t("Kontaktadress (e-post)", "Contact address (e-mail)")) }
            input id="contact_email" name="contact_email" type="email" required value=(f.contact_email) aria-describedby="email-help";
            p id="email-help" class="meta" {
                (lang.t(
                    "Dit kan användare av datan vända sig; den visas i katalogen för dataportal.se.",
                    "Where users of the data can ask; it is shown in the catalog for dataportal.se."
                ))
            }
            label for="update_frequency" { (lang.t("Uppdateras", "Updated")) }
            select id="update_frequency" name="update_frequency" { (options(frequencies, &f.update_frequency)) }
            button type="submit" { (lang.t("Skapa datamängden", "Create the dataset")) }
        }
    }
}

/// A dataset's steward page.
pub struct StewardDataset<'a> {
    pub who: &'a str,
    pub acts_for: String,
    pub csrf: &'a str,
    pub record: &'a DatasetRecord,
    pub kind: &'a Localized,
    pub item_count: usize,
    pub notice: Option<Notice>,
}

/// The files the upload form offers to pick: the formats datahamn reads (it tells them by
/// content, so this only helps the browser's file picker).
const UPLOAD_ACCEPT: &str = ".csv,.tsv,.txt,.xlsx,.ods,.geojson,.json,text/csv,text/tab-separated-values,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,application/vnd.oasis.opendocument.spreadsheet,application/geo+json";

fn upload_form(lang: Lang, id: &str, csrf: &str, heading: &str) -> Markup {
    html! {
        h2 id="upload" { (heading) }
        form method="post" action=(format!("/steward/datasets/{id}/check{}", lang.query())) enctype="multipart/form-data" class="stack" {
            (csrf_field(csrf))
            // Before the file: the server reads a form's text fields up to its file.
            label for="sheet" { (lang.t("Blad (bara för arbetsböcker, valfritt)", "Sheet (workbooks only, optional)")) }
            input id="sheet" name="sheet" type="text" maxlength="100" aria-describedby="sheet-help";
            p id="sheet-help" class="meta" {
                (lang.t(
                    "Bladets namn som det står på fliken, t.ex. Badplatser. Tomt: första bladet med data läses, och rapporten säger vilket.",
                    "The sheet's name as its tab shows it, e.g. Badplatser. Empty: the first sheet with data is read, and the report says which."
                ))
            }
            label for="file" { (lang.t("Fil", "File")) }
            input id="file" name="file" type="file" accept=(UPLOAD_ACCEPT) required aria-describedby="file-help";
            p id="file-help" class="meta" {
                (lang.t(
                    "CSV eller TSV (semikolon, komma och tabb, UTF-8 och Windows-1252 går bra), en Excel-arbetsbok (.xlsx), ett LibreOffice-kalkylblad (.ods) eller GeoJSON med punkter från QGIS eller ArcGIS. I en arbetsbok läses bladet du anger ovan, annars första bladet med data. Filen kontrolleras först; inget publiceras förrän du väljer Publicera.",
                    "CSV or TSV (semicolons, commas and tabs, UTF-8 and Windows-1252 all work), an Excel workbook (.xlsx), a LibreOffice spreadsheet (.ods) or GeoJSON of points from QGIS or ArcGIS. In a workbook the sheet named above is read, else the first with data. The file is checked first; nothing is published until you choose Publish."
                ))
            }
            button type="submit" { (lang.t("Kontrollera filen", "Check the file")) }
        }
    }
}

/// A dataset's steward page: upload a file; every version, with rollback.
pub fn dataset(lang: Lang, p: &StewardDataset<'_>) -> Markup {
    let q = lang.query();
    let meta = &p.record.meta;
    html! {
        (who_bar(lang, p.who, &p.acts_for, p.csrf))
        p { a href=(format!("/steward{q}")) { "← " (lang.t("Dina datamängder", "Your datasets")) } }
        h1 { (lang.pick(&meta.title)) }
        (notice(p.notice.as_ref()))
        p class="meta" {
            code { (meta.id) } " · " (lang.pick(p.kind)) " · " (p.item_count) " "
            (lang.t("publicerade poster", "published items")) " · "
            a href=(format!("/datasets/{}{q}", meta.id)) { (lang.t("Den publika sidan", "The public page")) }
        }
        (upload_form(lang, &meta.id, p.csrf, lang.t("Ladda upp en ny version", "Upload a new version")))
        h2 id="versions" { (lang.t("Versioner", "Versions")) }
        @if p.record.versions.is_empty() {
            p { (lang.t("Inget publicerat ännu.", "Nothing published yet.")) }
        } @else {
            (versions(lang, p))
        }
    }
}

/// A dataset's versions, newest first, each but the current one with its rollback button.
fn versions(lang: Lang, p: &StewardDataset<'_>) -> Markup {
    let q = lang.query();
    let id = &p.record.meta.id;
    let current = p.record.current().map(|v| v.number);
    let mut versions: Vec<&VersionRecord> = p.record.versions.iter().collect();
    versions.sort_by_key(|v| std::cmp::Reverse(v.number));
    let note = |v: &VersionRecord| {
        let mut note = Vec::new();
        if Some(v.number) == current {
            note.push(lang.t("aktuell", "current").to_owned());
        }
        if let Some(of) = v.rollback_of {
            note.push(format!(
                "{} {of}",
                lang.t("återställning av version", "rollback to version")
            ));
        }
        if v.skipped_row_count > 0 {
            note.push(format!(
                "{} {}",
                v.skipped_row_count,
                lang.t("rader hoppades över", "rows skipped")
            ));
        }
        note.join("; ")
    };
    html! {
        div class="scroll" {
            table class="versions" {
                thead {
                    tr {
                        th scope="col" { (lang.t("Version", "Version")) }
                        th scope="col" { (lang.t("Publicerad", "Published")) }
                        th scope="col" { (lang.t("Av", "By")) }
                        th scope="col" { (lang.t("Poster", "Items")) }
                        th scope="col" { (lang.t("Anmärkning", "Note")) }
                        th scope="col" { span class="sr" { (lang.t("Åtgärd", "Action")) } }
                    }
                }
                tbody {
                    @for v in versions {
                        tr id=(format!("version-{}", v.number)) {
                            th scope="row" { a href=(format!("/api/v1/datasets/{id}/versions/{}", v.number)) { (v.number) } }
                            td { (v.issued) }
                            td { (v.published_by) }
                            td { (v.item_count) }
                            td { (note(v)) }
                            td {
                                @if Some(v.number) != current {
                                    form method="post" action=(format!("/steward/datasets/{id}/rollback{q}")) {
                                        (csrf_field(p.csrf))
                                        input type="hidden" name="version" value=(v.number);
                                        button type="submit" class="secondary" {
                                            (lang.t("Återställ till version", "Roll back to version")) " " (v.number)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The report page of a checked file.
pub struct ReportPage<'a> {
    pub who: &'a str,
    pub acts_for: String,
    pub csrf: &'a str,
    pub record: &'a DatasetRecord,
    pub file_name: &'a str,
    pub draft_id: &'a str,
    pub report: &'a Report,
    pub excerpt: &'a Excerpt,
}

fn place(lang: Lang, issue: &Issue) -> String {
    match (issue.row, &issue.column) {
        (Some(r), Some(c)) => format!("{} {r}, {} {c}", lang.t("rad", "row"), lang.t("kolumn", "column")),
        (Some(r), None) => format!("{} {r}", lang.t("rad", "row")),
        (None, Some(c)) => format!("{} {c}", lang.t("kolumn", "column")),
        (None, None) => lang.t("filen", "the file").to_owned(),
    }
}

/// The issues of a report, each after its place; for a workbook or GeoJSON file (`named`),
/// the message itself starts with the place as the steward's tool names it.
fn issue_list(lang: Lang, issues: &[Issue], class: &str, named: bool) -> Markup {
    html! {
        ol class={ "issues " (class) } {
            @for i in issues {
                li {
                    @if !named || i.row.is_none() {
                        strong { (place(lang, i)) } ":"
                    }
                    @if let Some(v) = &i.value {
                        " " span class="value" { (lang.t("värde", "value")) ": “" (v) "”" }
                    }
                    " " (lang.pick(&i.message))
                }
            }
        }
    }
}

/// Why a cell or row is wrong: each issue's message.
fn why(lang: Lang, issues: &[&Issue]) -> Markup {
    html! {
        @for i in issues {
            span class="why" { (lang.pick(&i.message)) }
        }
    }
}

/// The cells of the rows the errors name, as the file has them, with each offending cell
/// marked (class `cell-error`, and in words for screen readers) and explained in it.
fn error_table(lang: Lang, report: &Report, excerpt: &Excerpt) -> Markup {
    if excerpt.rows.is_empty() {
        return html! {};
    }
    // (row, column position) → the errors in that cell; row → errors of the whole row.
    let mut cells: HashMap<(u64, usize), Vec<&Issue>> = HashMap::new();
    let mut rows: HashMap<u64, Vec<&Issue>> = HashMap::new();
    for issue in report.errors.iter().filter(|i| i.severity == Severity::Error) {
        let Some(row) = issue.row else { continue };
        match issue
            .column
            .as_ref()
            .and_then(|c| excerpt.headers.iter().position(|h| h == c))
        {
            Some(at) => cells.entry((row, at)).or_default().push(issue),
            None => rows.entry(row).or_default().push(issue),
        }
    }
    html! {
        h3 id="error-rows" { (lang.t("Raderna med fel", "The rows with errors")) }
        p class="meta" {
            @if report.dialect.format.as_deref() == Some("geojson") {
                (lang.t(
                    "Som i GIS-verktyget: raderna är objektens nummer i filen (det första är 1) och kolumnerna deras egenskaper. Celler med fel är markerade och förklarade.",
                    "As in the GIS tool: the rows are the features' numbers in the file (the first is 1) and the columns their properties. Cells with errors are marked and explained."
                ))
            } @else {
                (lang.t(
                    "Som i kalkylarket: raderna har kalkylarkets nummer (i en CSV-fil är rubrikraden rad 1) och kolumnerna heter A, B, C … Celler med fel är markerade och förklarade.",
                    "As in the spreadsheet: the rows have the spreadsheet's numbers (in a CSV file the header is row 1) and the columns are A, B, C … Cells with errors are marked and explained."
                ))
            }
        }
        div class="scroll" {
            table class="report" {
                caption class="sr" { (lang.t("Rader med fel ur filen", "Rows with errors from the file")) }
                thead {
                    tr {
                        th scope="col" { (lang.t("Rad", "Row")) }
                        @for (at, header) in excerpt.headers.iter().enumerate() {
                            th scope="col" { span class="col" { (crate::ingest::column_letter(at)) } " " (header) }
                        }
                    }
                }
                tbody {
                    @for (row, values) in &excerpt.rows {
                        @let row_issues = rows.get(row);
                        tr id=(format!("row-{row}")) {
                            th scope="row" class=[row_issues.map(|_| "cell-error")] {
                                (row)
                                @if let Some(issues) = row_issues { (why(lang, issues)) }
                            }
                            @for at in 0..excerpt.headers.len().max(values.len()) {
                                @let value = values.get(at).map_or("", String::as_str);
                                @if let Some(issues) = cells.get(&(*row, at)) {
                                    td class="cell-error" data-row=(row) data-column=(crate::ingest::column_letter(at)) {
                                        span class="sr" { (lang.t("Fel", "Error")) ": " }
                                        span class="value" { (value) }
                                        (why(lang, issues))
                                    }
                                } @else {
                                    td { (value) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The form that publishes the checked file: all of it, or only its valid rows.
fn publish_form(lang: Lang, p: &ReportPage<'_>, valid_rows_only: bool, label: &str) -> Markup {
    html! {
        form method="post" action=(format!("/steward/datasets/{}/publish{}", p.record.meta.id, lang.query())) class="stack" {
            (csrf_field(p.csrf))
            input type="hidden" name="draft" value=(p.draft_id);
            @if valid_rows_only {
                input type="hidden" name="valid_rows_only" value="1";
                button type="submit" class="secondary" { (label) }
            } @else {
                button type="submit" class="publish" { (label) }
            }
        }
    }
}

/// Whether a column mapping is one the steward should look at: proposed, guessed, or not
/// mapped at all.
fn needs_a_look(m: &ColumnMapping) -> bool {
    !m.ignored
        && (m.proposed.is_some()
            || m.column.is_none()
            || matches!(
                m.reason,
                Some(MappingReason::SimilarName | MappingReason::Values | MappingReason::NameAndValues)
            ))
}

/// How the file's headers were mapped, as a form: per header the profile column (a select to
/// correct it), some values, the confidence and why. Confirming keeps the mapping with the
/// dataset and checks the file again; nothing is published until the publish button.
fn mapping_form(lang: Lang, p: &ReportPage<'_>) -> Markup {
    let r = p.report;
    let meta = &p.record.meta;
    let Some(profile) = crate::profile::get(&meta.profile) else {
        return html! {};
    };
    let look = r.columns.iter().any(needs_a_look);
    let reason = |m: &ColumnMapping| -> &str {
        match m.reason {
            Some(MappingReason::Name) => lang.t("namnet", "the name"),
            Some(MappingReason::SimilarName) => lang.t("liknande namn", "a similar name"),
            Some(MappingReason::Values) => lang.t("värdena", "the values"),
            Some(MappingReason::NameAndValues) => lang.t("namn och värden", "name and values"),
            Some(MappingReason::Confirmed) => lang.t("bekräftad", "confirmed"),
            None => "",
        }
    };
    html! {
        details class="mapping" open[look] {
            summary { (lang.t("Kolumnernas koppling", "How the columns are mapped")) }
            @if look {
                p {
                    (lang.t(
                        "Några rubriker kändes inte igen säkert. Kontrollera förslagen, rätta dem vid behov och bekräfta: kopplingen sparas med datamängden, så nästa fil med samma rubriker behöver inget. Inget publiceras förrän du väljer Publicera.",
                        "Some headers were not recognised for certain. Check the proposals, correct them if needed and confirm: the mapping is kept with the dataset, so the next file with the same headers needs nothing. Nothing is published until you choose Publish."
                    ))
                }
            }
            form method="post" action=(format!("/steward/datasets/{}/mapping{}", meta.id, lang.query())) class="stack" {
                (csrf_field(p.csrf))
                input type="hidden" name="draft" value=(p.draft_id);
                table class="mapping" {
                    thead {
                        tr {
                            th scope="col" { (lang.t("Rubrik i filen", "Header in the file")) }
                            th scope="col" { (lang.t("Kolumn i profilen", "Column of the profile")) }
                            th scope="col" { (lang.t("Exempelvärden", "Sample values")) }
                            th scope="col" { (lang.t("Säkerhet", "Confidence")) }
                            th scope="col" { (lang.t("Varför", "Why")) }
                        }
                    }
                    tbody {
                        @for (i, m) in r.columns.iter().enumerate() {
                            @let chosen = if m.ignored { Some("-") } else { m.column.as_deref().or(m.proposed.as_deref()) };
                            tr class=[needs_a_look(m).then_some("look")] {
                                th scope="row" {
                                    label for=(format!("c{i}")) { (m.header) }
                                    input type="hidden" name=(format!("h{i}")) value=(m.header);
                                }
                                td {
                                    select id=(format!("c{i}")) name=(format!("c{i}")) {
                                        option value="" selected[chosen.is_none()] {
                                            (lang.t("— okänd (sparas med raden) —", "— unknown (kept with the row) —"))
                                        }
                                        option value="-" selected[chosen == Some("-")] {
                                            (lang.t("— utelämna —", "— leave out —"))
                                        }
                                        @for c in &profile.columns {
                                            option value=(c.name) selected[chosen == Some(c.name.as_str())] {
                                                (c.name) " — " (lang.pick(&c.label))
                                            }
                                        }
                                    }
                                    @if m.proposed.is_some() {
                                        " " span class="proposed" { (lang.t("förslag, inte tillämpat", "proposed, not applied")) }
                                    }
                                    @if let Some(also) = &m.also {
                                        " " span class="also" { (lang.t("även", "also")) " " (also) }
                                    }
                                }
                                td class="samples" {
                                    @for (n, v) in m.samples.iter().enumerate() {
                                        @if n > 0 { ", " }
                                        "“" (v) "”"
                                    }
                                }
                                td {
                                    @if let Some(c) = m.confidence { (c) " %" }
                                }
                                td {
                                    (reason(m))
                                    @if let Some(why) = &m.why { ": " (lang.pick(why)) }
                                }
                            }
                        }
                    }
                }
                button type="submit" class="secondary" {
                    (lang.t("Bekräfta kopplingen och kontrollera igen", "Confirm the mapping and check again"))
                }
            }
        }
    }
}

/// The report of a checked file: what was found, the rows with errors and what to do next
/// (publish a valid file, or fix it and check again).
pub fn report(lang: Lang, p: &ReportPage<'_>) -> Markup {
    let q = lang.query();
    let meta = &p.record.meta;
    let r = p.report;
    let summary = if r.valid {
        Notice {
            ok: true,
            text: format!(
                "{} {} {}",
                lang.t("Filen är giltig:", "The file is valid:"),
                r.rows.valid,
                lang.t(
                    "rader kan publiceras. Inget är publicerat ännu.",
                    "rows can be published. Nothing is published yet."
                ),
            ),
        }
    } else {
        Notice {
            ok: false,
            text: format!(
                "{} {} {} {} {} {}",
                lang.t("Filen har", "The file has"),
                r.error_count,
                lang.t(
                    "fel på",
                    if r.error_count == 1 {
                        "error in"
                    } else {
                        "errors in"
                    }
                ),
                r.rows.invalid,
                lang.t("av", "of"),
                lang.t(
                    &format!(
                        "{} rader och publicerades inte. Det som redan är publicerat är oförändrat.",
                        r.rows.total
                    ),
                    &format!(
                        "{} rows and was not published. What is published already is unchanged.",
                        r.rows.total
                    ),
                ),
            ),
        }
    };
    let delimiter = if r.dialect.delimiter == "\t" {
        "tab"
    } else {
        &r.dialect.delimiter
    };
    let file_level: Vec<Issue> = r.errors.iter().filter(|i| i.row.is_none()).cloned().collect();
    let named = r.dialect.format.is_some();
    html! {
        (who_bar(lang, p.who, &p.acts_for, p.csrf))
        p { a href=(format!("/steward/datasets/{}{q}", meta.id)) { "← " (lang.pick(&meta.title)) } }
        h1 { (lang.t("Kontroll av", "Check of")) " " span class="file" { (p.file_name) } }
        (notice(Some(&summary)))
        (mapping_form(lang, p))
        p class="meta" {
            @match (&r.dialect.format, &r.dialect.sheet) {
                (Some(format), Some(sheet)) => {
                    (lang.t("Format", "Format")) " " (format) " · "
                    (lang.t("blad", "sheet")) " “" (sheet) "” · "
                    (lang.t("rubrikrad", "header row")) " " (r.dialect.header_row.unwrap_or(1)) " · "
                }
                (Some(format), None) => {
                    (lang.t("Format", "Format")) " " (format) " · "
                }
                _ => {
                    (lang.t("Teckenkodning", "Encoding")) " " (r.dialect.encoding)
                    @if r.dialect.bom { " (BOM)" }
                    " · " (lang.t("avgränsare", "delimiter")) " “" (delimiter) "” · "
                }
            }
            (lang.t("rader", "rows")) " " (r.rows.total) " · "
            (lang.t("varningar", "warnings")) " " (r.warning_count)
        }
        @if r.valid {
            (publish_form(lang, p, false, lang.t("Publicera", "Publish")))
        } @else {
            h2 id="errors" { (lang.t("Fel", "Errors")) }
            @if !file_level.is_empty() {
                (issue_list(lang, &file_level, "errors", named))
            }
            (error_table(lang, r, p.excerpt))
            h3 { (lang.t("Alla fel", "Every error")) }
            (issue_list(lang, &r.errors, "errors", named))
            @if r.truncated {
                p class="meta" {
                    (lang.t("Listan är förkortad; fel totalt:", "The list is shortened; errors in all:"))
                    " " (r.error_count) "."
                }
            }
            p {
                (lang.t(
                    "Rätta cellerna i kalkylarket eller GIS-verktyget, spara eller exportera filen igen och ladda upp den rättade filen här.",
                    "Fix the cells in the spreadsheet or GIS tool, save or export the file again and upload the fixed file here."
                ))
            }
            (upload_form(lang, &meta.id, p.csrf, lang.t("Ladda upp den rättade filen", "Upload the fixed file")))
            @if r.rows.valid > 0 && !r.has_file_errors() {
                h2 id="valid-rows" { (lang.t("Eller publicera de giltiga raderna", "Or publish the valid rows")) }
                p {
                    @match lang {
                        Lang::Sv => (format!(
                            "De {} raderna utan fel kan publiceras nu. Raderna med fel ({}) hoppas över och listas i versionens rapport; rätta dem sedan i en ny version.",
                            r.rows.valid, r.rows.invalid
                        )),
                        Lang::En => (format!(
                            "The {} rows without errors can be published now. The rows with errors ({}) are skipped and listed in the version's report; fix them in a later version.",
                            r.rows.valid, r.rows.invalid
                        )),
                    }
                }
                (publish_form(lang, p, true, &format!(
                    "{} {} {}",
                    lang.t("Publicera de", "Publish the"),
                    r.rows.valid,
                    lang.t("giltiga raderna", "valid rows")
                )))
            }
        }
        @if !r.warnings.is_empty() {
            details {
                summary { (lang.t("Varningar", "Warnings")) " (" (r.warning_count) ")" }
                (issue_list(lang, &r.warnings, "warnings", named))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::IssueCode;
    use crate::ingest::report::RowCounts;

    fn record() -> DatasetRecord {
        DatasetRecord {
            meta: crate::catalog::DatasetMeta {
                id: "harryda-badplatser".into(),
                profile: "bathing-sites".into(),
                publisher: "1401".into(),
                title: Localized::new("Badplatser <i>", "Bath sites"),
                description: Localized::new("x", "x"),
                license: LICENSES[0].0.into(),
                conforms_to: None,
                keywords: Default::default(),
                themes: Vec::new(),
                contact_email: "a@b.se".into(),
                landing_page: None,
                example: false,
                publish_valid_rows: false,
                provenance: None,
                update_frequency: None,
                column_mapping: Default::default(),
            },
            versions: Vec::new(),
            deleted: None,
        }
    }

    #[test]
    fn the_report_marks_the_offending_cell_and_explains_it() {
        let report = Report {
            valid: false,
            error_count: 1,
            rows: RowCounts {
                total: 3,
                valid: 2,
                invalid: 1,
                blank: 0,
            },
            errors: vec![
                Issue::error(
                    IssueCode::TypeError,
                    Localized::new("Ogiltig latitud <b>", "Invalid latitude <b>"),
                )
                .at_row(3)
                .in_column("lat")
                .with_value("<script>"),
            ],
            ..Report::default()
        };
        let excerpt = Excerpt {
            headers: vec!["namn".into(), "lat".into()],
            rows: vec![(3, vec!["Frökens udde".into(), "<script>".into()])],
        };
        let record = record();
        let html = report_html(&record, &report, &excerpt);
        assert!(
            html.contains(r#"<td class="cell-error" data-row="3" data-column="B">"#),
            "{html}"
        );
        assert!(html.contains("Ogiltig latitud &lt;b&gt;"));
        assert!(!html.contains("<script>") && !html.contains("<b>") && !html.contains("<i>"));
        assert!(html.contains("<td>Frökens udde</td>"));
        assert!(html.contains(r#"action="/steward/datasets/harryda-badplatser/check""#));
        assert!(
            !html.contains(r#"class="publish""#),
            "an invalid file cannot be published as it is"
        );
        assert!(
            html.contains(r#"name="valid_rows_only" value="1""#),
            "its 2 valid rows can be"
        );
        assert!(html.contains(r#"name="csrf" value="s3cret""#));
    }

    fn report_html(record: &DatasetRecord, report: &Report, excerpt: &Excerpt) -> String {
        super::report(
            Lang::Sv,
            &ReportPage {
                who: "Anna",
                acts_for: "Härryda".into(),
                csrf: "s3cret",
                record,
                file_name: "bad.csv",
                draft_id: "d1",
                report,
                excerpt,
            },
        )
        .into_string()
    }

    #[test]
    fn every_value_of_a_report_and_a_form_is_escaped() {
        const HOSTILE: &str = r#"<script>alert("x")</script> & 'y'"#;
        // As text or in a double-quoted attribute (`'` needs no escape there).
        const ESCAPED: &str = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 'y'";
        let report = Report {
            valid: false,
            error_count: 1,
            rows: RowCounts {
                total: 2,
                valid: 1,
                invalid: 1,
                blank: 0,
            },
            errors: vec![
                Issue::error(IssueCode::TypeError, Localized::new(HOSTILE, HOSTILE))
                    .at_row(2)
                    .in_column(HOSTILE)
                    .with_value(HOSTILE),
            ],
            ..Report::default()
        };
        let excerpt = Excerpt {
            headers: vec![HOSTILE.into()],
            rows: vec![(2, vec![HOSTILE.into(), HOSTILE.into()])],
        };
        let mut record = record();
        record.meta.title = Localized::new(HOSTILE, HOSTILE);
        let html = super::report(
            Lang::En,
            &ReportPage {
                who: HOSTILE,
                acts_for: HOSTILE.into(),
                csrf: HOSTILE,
                record: &record,
                file_name: HOSTILE,
                draft_id: HOSTILE,
                report: &report,
                excerpt: &excerpt,
            },
        )
        .into_string();
        assert!(!html.contains("<script>") && !html.contains(HOSTILE), "{html}");
        assert!(
            html.contains(&format!(r#"<span class="value">{ESCAPED}</span>"#)),
            "the offending cell: {html}"
        );
        assert!(
            html.contains(&format!("<td>{ESCAPED}</td>")),
            "a cell beyond the headers"
        );
        assert!(html.contains(&format!(r#"name="csrf" value="{ESCAPED}""#)));
        assert!(html.contains(&format!(r#"name="draft" value="{ESCAPED}""#)));

        let form = CreateForm {
            id: HOSTILE.into(),
            title_sv: HOSTILE.into(),
            description_en: HOSTILE.into(),
            contact_email: HOSTILE.into(),
            ..CreateForm::default()
        };
        let kind = Localized::new(HOSTILE, HOSTILE);
        let html = dashboard(
            Lang::Sv,
            &Dashboard {
                who: HOSTILE,
                acts_for: HOSTILE.into(),
                csrf: HOSTILE,
                datasets: vec![OwnDataset {
                    record: &record,
                    item_count: 1,
                }],
                profiles: vec![(HOSTILE, &kind)],
                publishers: Some(vec![(HOSTILE, HOSTILE)]),
                form: &form,
                notice: Some(Notice {
                    ok: false,
                    text: HOSTILE.into(),
                }),
            },
        )
        .into_string();
        assert!(!html.contains("<script>") && !html.contains(HOSTILE), "{html}");
        assert!(html.contains(&format!(r#"name="title_sv" required value="{ESCAPED}""#)));
        assert!(html.contains(&format!(r#"rows="3" required>{ESCAPED}</textarea>"#)));
        assert!(html.contains(&format!(r#"<option value="{ESCAPED}">{ESCAPED}</option>"#)));
        let problem = problem(Lang::Sv, HOSTILE, HOSTILE).into_string();
        assert!(!problem.contains(HOSTILE) && problem.contains(&format!(r#"href="{ESCAPED}""#)));
    }

    #[test]
    fn a_valid_file_gets_the_publish_button_with_its_draft() {
        let report = Report {
            valid: true,
            ..Report::default()
        };
        let record = record();
        let html = report_html(&record, &report, &Excerpt::default());
        assert!(html.contains(r#"action="/steward/datasets/harryda-badplatser/publish""#));
        assert!(html.contains(r#"name="draft" value="d1""#));
    }
}
