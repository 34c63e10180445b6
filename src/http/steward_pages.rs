//! The stewards' web pages: server-rendered HTML for publishing from a browser.
//!
//! Owns the sign-in page, the steward's start page (their organisation's datasets and the form
//! to create one), a dataset's steward page (upload a file, its versions with rollback) and the
//! report page of a checked file: the rows the report names as a table with the offending
//! cells marked and explained, every finding in a list, and the publish button when the file
//! is valid. Every form carries the session's CSRF secret. Every value that comes from data or
//! the request is escaped with [`escape`].

use crate::catalog::{DatasetRecord, VersionRecord};
use crate::http::pages::{Lang, options};
use crate::http::render::escape;
use crate::ingest::{Excerpt, Issue, Report, Severity};
use crate::profile::Localized;
use std::collections::HashMap;
use std::fmt::Write as _;

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

fn notice(out: &mut String, notice: Option<&Notice>) {
    if let Some(n) = notice {
        let _ = write!(
            out,
            r#"<p class="notice {class}" role="{role}">{text}</p>"#,
            class = if n.ok { "ok" } else { "problem" },
            role = if n.ok { "status" } else { "alert" },
            text = escape(&n.text),
        );
    }
}

fn csrf_field(csrf: &str) -> String {
    format!(r#"<input type="hidden" name="csrf" value="{}">"#, escape(csrf))
}

/// A refusal: what went wrong, and the way back.
pub fn problem(lang: Lang, detail: &str, back: &str) -> String {
    let mut out = format!("<h1>{}</h1>", lang.t("Det gick inte", "That did not work"));
    notice(
        &mut out,
        Some(&Notice {
            ok: false,
            text: detail.to_owned(),
        }),
    );
    let _ = write!(
        out,
        r#"<p><a href="{}">{}</a></p>"#,
        escape(back),
        lang.t("Tillbaka", "Back")
    );
    out
}

/// The sign-in page; its form carries `csrf`, the secret of the browser's pre-session.
pub fn sign_in(lang: Lang, csrf: &str, message: Option<&Notice>) -> String {
    let mut out = format!(
        "<h1>{}</h1>",
        lang.t("Logga in som publicerare", "Sign in as a publisher")
    );
    notice(&mut out, message);
    let _ = write!(
        out,
        r#"<p>{intro}</p>
<form method="post" action="/steward/sign-in{q}" class="stack">
{csrf}
<label for="token">{label}</label>
<input id="token" name="token" type="password" autocomplete="off" required spellcheck="false" size="60" aria-describedby="token-help">
<p id="token-help" class="meta">{help}</p>
<button type="submit">{submit}</button>
</form>"#,
        q = lang.query(),
        csrf = csrf_field(csrf),
        intro = lang.t(
            "Här publicerar kommunens dataansvariga sina CSV-filer: skapa en datamängd, ladda upp en fil, se vad som behöver rättas, publicera och gå tillbaka till en tidigare version.",
            "Here a municipality's data stewards publish their CSV files: create a dataset, upload a file, see what needs fixing, publish, and go back to an earlier version."
        ),
        label = lang.t("Nyckel (token)", "Token"),
        help = lang.t(
            "Nyckeln börjar med dh_ och kommer från plattformens administratör. Den sparas inte i webbläsaren; inloggningen gäller i högst 12 timmar.",
            "The token starts with dh_ and comes from the platform's administrator. It is not kept in the browser; a sign-in lasts at most 12 hours."
        ),
        submit = lang.t("Logga in", "Sign in"),
    );
    out
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

fn who_bar(lang: Lang, who: &str, acts_for: &str, csrf: &str) -> String {
    format!(
        r#"<div class="who"><p>{signed_in} <strong>{who}</strong> ({acts_for}).</p>
<form method="post" action="/steward/sign-out{q}">{csrf}<button type="submit" class="secondary">{sign_out}</button></form></div>"#,
        signed_in = lang.t("Inloggad som", "Signed in as"),
        who = escape(who),
        acts_for = escape(acts_for),
        q = lang.query(),
        csrf = csrf_field(csrf),
        sign_out = lang.t("Logga ut", "Sign out"),
    )
}

/// The steward's start page: their datasets, and the form to create one.
pub fn dashboard(lang: Lang, p: &Dashboard<'_>) -> String {
    let e = escape;
    let q = lang.query();
    let mut out = who_bar(lang, p.who, &p.acts_for, p.csrf);
    let _ = write!(out, "<h1>{}</h1>", lang.t("Dina datamängder", "Your datasets"));
    notice(&mut out, p.notice.as_ref());
    if p.datasets.is_empty() {
        let _ = write!(
            out,
            "<p>{}</p>",
            lang.t(
                "Din organisation har inga datamängder ännu. Skapa den första nedan.",
                "Your organisation has no datasets yet. Create the first one below."
            )
        );
    } else {
        let _ = write!(
            out,
            r#"<div class="scroll"><table><thead><tr><th scope="col">{h_title}</th><th scope="col">{h_id}</th><th scope="col">{h_version}</th><th scope="col">{h_items}</th></tr></thead><tbody>"#,
            h_title = lang.t("Datamängd", "Dataset"),
            h_id = lang.t("Id", "Id"),
            h_version = lang.t("Aktuell version", "Current version"),
            h_items = lang.t("Poster", "Items"),
        );
        for d in &p.datasets {
            let meta = &d.record.meta;
            let version = d.record.current().map_or_else(
                || lang.t("ingen ännu", "none yet").to_owned(),
                |v| format!("{} ({})", v.number, v.issued.get(..10).unwrap_or(&v.issued)),
            );
            let _ = write!(
                out,
                r#"<tr><td><a href="/steward/datasets/{id}{q}">{title}</a></td><td><code>{id}</code></td><td>{version}</td><td>{items}</td></tr>"#,
                id = e(&meta.id),
                title = e(lang.pick(&meta.title)),
                version = e(&version),
                items = d.item_count,
            );
        }
        out.push_str("</tbody></table></div>");
    }
    create_form(&mut out, lang, p);
    out
}

fn create_form(out: &mut String, lang: Lang, p: &Dashboard<'_>) {
    let e = escape;
    let f = p.form;
    let _ = write!(
        out,
        r#"<h2 id="create">{h}</h2>
<form method="post" action="/steward/datasets{q}" class="stack">{csrf}
<label for="id">{l_id}</label>
<input id="id" name="id" required pattern="[a-z0-9][a-z0-9-]{{1,63}}" value="{id}" aria-describedby="id-help" spellcheck="false">
<p id="id-help" class="meta">{id_help}</p>
<label for="profile">{l_profile}</label>
<select id="profile" name="profile" required>"#,
        h = lang.t("Skapa en datamängd", "Create a dataset"),
        q = lang.query(),
        csrf = csrf_field(p.csrf),
        l_id = lang.t("Id", "Id"),
        id = e(&f.id),
        id_help = lang.t(
            "2–64 små bokstäver (a–z), siffror och bindestreck, t.ex. harryda-badplatser. Id:t blir en del av varje posts URI och kan inte ändras.",
            "2-64 lower-case letters (a-z), digits and hyphens, e.g. harryda-badplatser. The id becomes part of every item's URI and cannot change."
        ),
        l_profile = lang.t("Typ av data (specifikation)", "Kind of data (specification)"),
    );
    let profiles: Vec<(&str, &str)> = p.profiles.iter().map(|(id, t)| (*id, lang.pick(t))).collect();
    options(out, profiles.into_iter(), &f.profile);
    out.push_str("</select>");
    if let Some(publishers) = &p.publishers {
        let _ = write!(
            out,
            r#"<label for="publisher">{}</label><select id="publisher" name="publisher" required><option value="">–</option>"#,
            lang.t("Publicerande organisation", "Publishing organisation")
        );
        options(out, publishers.iter().copied(), &f.publisher);
        out.push_str("</select>");
    }
    for (field, label, value, textarea) in [
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
    ] {
        if textarea {
            let _ = write!(
                out,
                r#"<label for="{field}">{label}</label><textarea id="{field}" name="{field}" rows="3" required>{value}</textarea>"#,
                label = e(label),
                value = e(value),
            );
        } else {
            let _ = write!(
                out,
                r#"<label for="{field}">{label}</label><input id="{field}" name="{field}" required value="{value}">"#,
                label = e(label),
                value = e(value),
            );
        }
    }
    let _ = write!(
        out,
        r#"<label for="license">{l_license}</label><select id="license" name="license">"#,
        l_license = lang.t("Licens", "Licence"),
    );
    options(out, LICENSES.iter().copied(), &f.license);
    let _ = write!(
        out,
        r#"</select>
<label for="contact_email">{l_email}</label>
<input id="contact_email" name="contact_email" type="email" required value="{email}" aria-describedby="email-help">
<p id="email-help" class="meta">{email_help}</p>
<label for="update_frequency">{l_freq}</label><select id="update_frequency" name="update_frequency">"#,
        l_email = lang.t("Kontaktadress (e-post)", "Contact address (e-mail)"),
        email = e(&f.contact_email),
        email_help = lang.t(
            "Dit kan användare av datan vända sig; den visas i katalogen för dataportal.se.",
            "Where users of the data can ask; it is shown in the catalog for dataportal.se."
        ),
        l_freq = lang.t("Uppdateras", "Updated"),
    );
    let frequencies: Vec<(&str, &str)> = FREQUENCIES
        .iter()
        .map(|(code, sv, en)| (*code, lang.t(sv, en)))
        .collect();
    options(out, frequencies.into_iter(), &f.update_frequency);
    let _ = write!(
        out,
        r#"</select><button type="submit">{}</button></form>"#,
        lang.t("Skapa datamängden", "Create the dataset")
    );
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

fn upload_form(out: &mut String, lang: Lang, id: &str, csrf: &str, heading: &str) {
    let _ = write!(
        out,
        r#"<h2 id="upload">{heading}</h2>
<form method="post" action="/steward/datasets/{id}/check{q}" enctype="multipart/form-data" class="stack">{csrf}
<label for="file">{l_file}</label>
<input id="file" name="file" type="file" accept=".csv,.txt,text/csv" required aria-describedby="file-help">
<p id="file-help" class="meta">{help}</p>
<button type="submit">{submit}</button>
</form>"#,
        heading = escape(heading),
        id = escape(id),
        q = lang.query(),
        csrf = csrf_field(csrf),
        l_file = lang.t("CSV-fil", "CSV file"),
        help = lang.t(
            "Spara från Excel som \"CSV UTF-8\" eller exportera från GIS-verktyget; semikolon, komma och tabb, UTF-8 och Windows-1252 går bra. Filen kontrolleras först; inget publiceras förrän du väljer Publicera.",
            "Save from Excel as \"CSV UTF-8\" or export from the GIS tool; semicolons, commas and tabs, UTF-8 and Windows-1252 all work. The file is checked first; nothing is published until you choose Publish."
        ),
        submit = lang.t("Kontrollera filen", "Check the file"),
    );
}

/// A dataset's steward page: upload a file; every version, with rollback.
pub fn dataset(lang: Lang, p: &StewardDataset<'_>) -> String {
    let e = escape;
    let q = lang.query();
    let meta = &p.record.meta;
    let mut out = who_bar(lang, p.who, &p.acts_for, p.csrf);
    let _ = write!(
        out,
        r#"<p><a href="/steward{q}">← {back}</a></p><h1>{title}</h1>"#,
        back = lang.t("Dina datamängder", "Your datasets"),
        title = e(lang.pick(&meta.title)),
    );
    notice(&mut out, p.notice.as_ref());
    let _ = write!(
        out,
        r#"<p class="meta"><code>{id}</code> · {kind} · {count} {items} · <a href="/datasets/{id}{q}">{public}</a></p>"#,
        id = e(&meta.id),
        kind = e(lang.pick(p.kind)),
        count = p.item_count,
        items = lang.t("publicerade poster", "published items"),
        public = lang.t("Den publika sidan", "The public page"),
    );
    upload_form(
        &mut out,
        lang,
        &meta.id,
        p.csrf,
        lang.t("Ladda upp en ny version", "Upload a new version"),
    );
    let _ = write!(
        out,
        r#"<h2 id="versions">{}</h2>"#,
        lang.t("Versioner", "Versions")
    );
    if p.record.versions.is_empty() {
        let _ = write!(
            out,
            "<p>{}</p>",
            lang.t("Inget publicerat ännu.", "Nothing published yet.")
        );
        return out;
    }
    let _ = write!(
        out,
        r#"<div class="scroll"><table class="versions"><thead><tr><th scope="col">{h_n}</th><th scope="col">{h_when}</th><th scope="col">{h_by}</th><th scope="col">{h_items}</th><th scope="col">{h_what}</th><th scope="col"><span class="sr">{h_action}</span></th></tr></thead><tbody>"#,
        h_n = lang.t("Version", "Version"),
        h_when = lang.t("Publicerad", "Published"),
        h_by = lang.t("Av", "By"),
        h_items = lang.t("Poster", "Items"),
        h_what = lang.t("Anmärkning", "Note"),
        h_action = lang.t("Åtgärd", "Action"),
    );
    let current = p.record.current().map(|v| v.number);
    let mut versions: Vec<&VersionRecord> = p.record.versions.iter().collect();
    versions.sort_by_key(|v| std::cmp::Reverse(v.number));
    for v in versions {
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
        let action = if Some(v.number) == current {
            String::new()
        } else {
            format!(
                r#"<form method="post" action="/steward/datasets/{id}/rollback{q}">{csrf}<input type="hidden" name="version" value="{n}"><button type="submit" class="secondary">{label}</button></form>"#,
                id = e(&meta.id),
                csrf = csrf_field(p.csrf),
                n = v.number,
                label = e(&format!(
                    "{} {}",
                    lang.t("Återställ till version", "Roll back to version"),
                    v.number
                )),
            )
        };
        let _ = write!(
            out,
            r#"<tr id="version-{n}"><th scope="row"><a href="/api/v1/datasets/{id}/versions/{n}">{n}</a></th><td>{when}</td><td>{by}</td><td>{items}</td><td>{note}</td><td>{action}</td></tr>"#,
            n = v.number,
            id = e(&meta.id),
            when = e(&v.issued),
            by = e(&v.published_by),
            items = v.item_count,
            note = e(&note.join("; ")),
        );
    }
    out.push_str("</tbody></table></div>");
    out
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

fn issue_list(out: &mut String, lang: Lang, issues: &[Issue], class: &str) {
    let _ = write!(out, r#"<ol class="issues {class}">"#);
    for i in issues {
        let value = i.value.as_deref().map_or_else(String::new, |v| {
            format!(
                r#" <span class="value">{}: “{}”</span>"#,
                lang.t("värde", "value"),
                escape(v)
            )
        });
        let _ = write!(
            out,
            r#"<li><strong>{place}</strong>:{value} {message}</li>"#,
            place = escape(&place(lang, i)),
            message = escape(lang.pick(&i.message)),
        );
    }
    out.push_str("</ol>");
}

/// The cells of the rows the errors name, as the file has them, with each offending cell
/// marked (class `cell-error`, and in words for screen readers) and explained in it.
fn error_table(out: &mut String, lang: Lang, report: &Report, excerpt: &Excerpt) {
    if excerpt.rows.is_empty() {
        return;
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
    let _ = write!(
        out,
        r#"<h3 id="error-rows">{h}</h3><p class="meta">{help}</p><div class="scroll"><table class="report"><caption class="sr">{caption}</caption><thead><tr><th scope="col">{h_row}</th>"#,
        h = lang.t("Raderna med fel", "The rows with errors"),
        help = lang.t(
            "Som i kalkylarket: rubrikraden är rad 1 och kolumnerna heter A, B, C … Celler med fel är markerade och förklarade.",
            "As in the spreadsheet: the header is row 1 and the columns are A, B, C … Cells with errors are marked and explained."
        ),
        caption = lang.t("Rader med fel ur filen", "Rows with errors from the file"),
        h_row = lang.t("Rad", "Row"),
    );
    for (at, header) in excerpt.headers.iter().enumerate() {
        let _ = write!(
            out,
            r#"<th scope="col"><span class="col">{letter}</span> {header}</th>"#,
            letter = crate::ingest::column_letter(at),
            header = escape(header),
        );
    }
    out.push_str("</tr></thead><tbody>");
    for (row, values) in &excerpt.rows {
        let row_issues = rows.get(row);
        let _ = write!(
            out,
            r#"<tr id="row-{row}"><th scope="row"{class}>{row}{why}</th>"#,
            class = if row_issues.is_some() {
                r#" class="cell-error""#
            } else {
                ""
            },
            why = row_issues.map_or_else(String::new, |issues| {
                issues
                    .iter()
                    .map(|i| format!(r#"<span class="why">{}</span>"#, escape(lang.pick(&i.message))))
                    .collect()
            }),
        );
        let width = excerpt.headers.len().max(values.len());
        for at in 0..width {
            let value = values.get(at).map_or("", String::as_str);
            match cells.get(&(*row, at)) {
                Some(issues) => {
                    let _ = write!(
                        out,
                        r#"<td class="cell-error" data-row="{row}" data-column="{letter}"><span class="sr">{flag}: </span><span class="value">{value}</span>{why}</td>"#,
                        letter = crate::ingest::column_letter(at),
                        flag = lang.t("Fel", "Error"),
                        value = escape(value),
                        why = issues
                            .iter()
                            .map(|i| format!(r#"<span class="why">{}</span>"#, escape(lang.pick(&i.message))))
                            .collect::<String>(),
                    );
                }
                None => {
                    let _ = write!(out, "<td>{}</td>", escape(value));
                }
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
}

/// The report of a checked file: what was found, the rows with errors and what to do next
/// (publish a valid file, or fix it and check again).
pub fn report(lang: Lang, p: &ReportPage<'_>) -> String {
    let e = escape;
    let q = lang.query();
    let meta = &p.record.meta;
    let r = p.report;
    let mut out = who_bar(lang, p.who, &p.acts_for, p.csrf);
    let _ = write!(
        out,
        r#"<p><a href="/steward/datasets/{id}{q}">← {title}</a></p><h1>{h} <span class="file">{file}</span></h1>"#,
        id = e(&meta.id),
        title = e(lang.pick(&meta.title)),
        h = lang.t("Kontroll av", "Check of"),
        file = e(p.file_name),
    );
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
    notice(&mut out, Some(&summary));
    let _ = write!(
        out,
        r#"<p class="meta">{enc} {encoding}{bom} · {delim} “{delimiter}” · {rows} {total} · {warn} {warnings}</p>"#,
        enc = lang.t("Teckenkodning", "Encoding"),
        encoding = e(&r.dialect.encoding),
        bom = if r.dialect.bom { " (BOM)" } else { "" },
        delim = lang.t("avgränsare", "delimiter"),
        delimiter = e(if r.dialect.delimiter == "\t" {
            "tab"
        } else {
            &r.dialect.delimiter
        }),
        rows = lang.t("rader", "rows"),
        total = r.rows.total,
        warn = lang.t("varningar", "warnings"),
        warnings = r.warning_count,
    );
    if r.valid {
        let _ = write!(
            out,
            r#"<form method="post" action="/steward/datasets/{id}/publish{q}" class="stack">{csrf}<input type="hidden" name="draft" value="{draft}"><button type="submit" class="publish">{label}</button></form>"#,
            id = e(&meta.id),
            csrf = csrf_field(p.csrf),
            draft = e(p.draft_id),
            label = lang.t("Publicera", "Publish"),
        );
    } else {
        let _ = write!(out, r#"<h2 id="errors">{}</h2>"#, lang.t("Fel", "Errors"));
        let file_level: Vec<Issue> = r.errors.iter().filter(|i| i.row.is_none()).cloned().collect();
        if !file_level.is_empty() {
            issue_list(&mut out, lang, &file_level, "errors");
        }
        error_table(&mut out, lang, r, p.excerpt);
        let _ = write!(out, r#"<h3>{}</h3>"#, lang.t("Alla fel", "Every error"));
        issue_list(&mut out, lang, &r.errors, "errors");
        if r.truncated {
            let _ = write!(
                out,
                "<p class=\"meta\">{} {}.</p>",
                lang.t(
                    "Listan är förkortad; fel totalt:",
                    "The list is shortened; errors in all:"
                ),
                r.error_count
            );
        }
        let _ = write!(
            out,
            "<p>{}</p>",
            lang.t(
                "Rätta cellerna i kalkylarket eller GIS-verktyget, spara som CSV igen och ladda upp den rättade filen här.",
                "Fix the cells in the spreadsheet or GIS tool, save as CSV again and upload the fixed file here."
            )
        );
        upload_form(
            &mut out,
            lang,
            &meta.id,
            p.csrf,
            lang.t("Ladda upp den rättade filen", "Upload the fixed file"),
        );
        if r.rows.valid > 0 && !r.has_file_errors() {
            let _ = write!(
                out,
                r#"<h2 id="valid-rows">{h}</h2><p>{text}</p>
<form method="post" action="/steward/datasets/{id}/publish{q}" class="stack">{csrf}<input type="hidden" name="draft" value="{draft}"><input type="hidden" name="valid_rows_only" value="1"><button type="submit" class="secondary">{label}</button></form>"#,
                h = lang.t("Eller publicera de giltiga raderna", "Or publish the valid rows"),
                text = e(&match lang {
                    Lang::Sv => format!(
                        "De {} raderna utan fel kan publiceras nu. Raderna med fel ({}) hoppas över och listas i versionens rapport; rätta dem sedan i en ny version.",
                        r.rows.valid, r.rows.invalid
                    ),
                    Lang::En => format!(
                        "The {} rows without errors can be published now. The rows with errors ({}) are skipped and listed in the version's report; fix them in a later version.",
                        r.rows.valid, r.rows.invalid
                    ),
                }),
                id = e(&meta.id),
                csrf = csrf_field(p.csrf),
                draft = e(p.draft_id),
                label = e(&format!(
                    "{} {} {}",
                    lang.t("Publicera de", "Publish the"),
                    r.rows.valid,
                    lang.t("giltiga raderna", "valid rows")
                )),
            );
        }
    }
    if !r.warnings.is_empty() {
        let _ = write!(
            out,
            r#"<details><summary>{} ({})</summary>"#,
            lang.t("Varningar", "Warnings"),
            r.warning_count
        );
        issue_list(&mut out, lang, &r.warnings, "warnings");
        out.push_str("</details>");
    }
    out
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
