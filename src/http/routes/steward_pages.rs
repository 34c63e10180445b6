//! The stewards' web pages' routes, under `/steward`: sign in with a token (a session cookie
//! follows), the start page with the form to create a dataset, a dataset's page (upload,
//! versions, rollback), checking a file (the report page), confirming how its headers map
//! (kept with the dataset, and the file checked again) and publishing the checked file.
//!
//! The session cookie is `HttpOnly`, `SameSite=Strict`, limited to `/steward` and `Secure`
//! under an https base URL; every form carries the session's CSRF secret, and a form sent from
//! another origin is refused. The sign-in form is protected the same way before any session
//! exists (login CSRF): the sign-in page gives the browser a pre-session cookie, the form
//! carries the secret bound to it, and a sign-in without both, or from another site, is
//! refused. The writes themselves are the service's steward writes (audited
//! as the API's are). Rendering is in [`crate::http::steward_pages`].

use super::pages::{PageRequest, publisher_name};
use super::steward::receive;
use crate::auth::{Principal, Scope};
use crate::error::{ApiError, Code};
use crate::http::State;
use crate::http::steward_pages::{
    self as render, CreateForm, Dashboard, Notice, OwnDataset, ReportPage, StewardDataset,
};
use crate::service::sessions::Session;
use crate::service::steward::NewDataset;
use crate::text::same_secret;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use std::collections::HashMap;

/// The session cookie's name.
pub const COOKIE: &str = "datahamn_session";
/// The pre-session cookie's name: what the sign-in form's secret is bound to.
pub const SIGN_IN_COOKIE: &str = "datahamn_signin";

/// A signed-in steward: the session's cookie id, the session and the token's holder.
struct Signed {
    id: String,
    session: Session,
    principal: Principal,
}

/// The id the request's cookie `name` holds, when it is well formed (64 hexadecimal digits).
fn cookie_named(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The session id the request's cookie holds, when it is well formed.
fn cookie(req: &HttpRequest) -> Option<String> {
    cookie_named(req, COOKIE)
}

fn set_cookie_named(state: &State, name: &str, value: &str, max_age: u64) -> String {
    let secure = if state.iris().base().starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    format!("{name}={value}; Path=/steward; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}")
}

fn set_cookie(state: &State, value: &str, max_age: u64) -> String {
    set_cookie_named(state, COOKIE, value, max_age)
}

/// Adds a `Set-Cookie` header (beside any other).
fn add_cookie(res: &mut HttpResponse, cookie: &str) {
    if let Ok(v) = header::HeaderValue::from_str(cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// The steward the request's session belongs to, if any.
fn signed_in(req: &HttpRequest, state: &State) -> Result<Option<Signed>, ApiError> {
    let Some(id) = cookie(req) else {
        return Ok(None);
    };
    Ok(state.session(&id)?.map(|(session, principal)| Signed {
        id,
        session,
        principal,
    }))
}

fn acts_for(page: &PageRequest<'_>, principal: &Principal) -> String {
    match &principal.scope {
        Scope::Admin => page
            .lang
            .t("plattformens administration", "the platform's administration")
            .to_owned(),
        Scope::Organisation(org) => publisher_name(org),
    }
}

/// A steward page's answer: never cached, never framed.
fn private(mut res: HttpResponse) -> HttpResponse {
    let headers = res.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static("frame-ancestors 'none'"),
    );
    res
}

fn page(page: &PageRequest<'_>, status: StatusCode, title: &str, main: Markup) -> HttpResponse {
    private(page.respond(status, title, html! {}, main))
}

/// A redirect after a form (303: the browser follows with `GET`).
fn see_other(location: &str) -> HttpResponse {
    private(
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, location))
            .finish(),
    )
}

/// A URL of the steward pages in the page's language, with `extra` query parameters.
fn url(page: &PageRequest<'_>, path: &str, extra: &[(&str, String)]) -> String {
    let mut pairs: Vec<(&str, String)> = extra.to_vec();
    if page.lang == crate::http::pages::Lang::En {
        pairs.push(("lang", "en".to_owned()));
    }
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

/// What a refusal says, in the page's language: a metadata problem names its field and what
/// its rule asks for (`details.message.sv`/`en`); any other as the API words it.
fn refusal_text(lang: crate::http::pages::Lang, e: &ApiError) -> String {
    let details = e.details();
    let field = details.and_then(|d| d["field"].as_str());
    let message = details.and_then(|d| d["message"][lang.t("sv", "en")].as_str());
    match (field, message) {
        (Some(field), Some(message)) => format!("{field}: {message}"),
        _ => e.detail.clone(),
    }
}

/// An error as a page: what went wrong, and the way back.
fn problem_page(page: &PageRequest<'_>, e: &ApiError, back: &str) -> HttpResponse {
    let lang = page.lang;
    self::page(
        page,
        e.code.status(),
        lang.t("Det gick inte", "That did not work"),
        render::problem(lang, &refusal_text(lang, e), back),
    )
}

/// The session ended (or never began): to the sign-in page.
fn to_sign_in(page: &PageRequest<'_>) -> HttpResponse {
    see_other(&url(page, "/steward", &[("ended", "1".to_owned())]))
}

/// Whether a form comes from this site, as far as the browser says: the `Origin` it names (if
/// any) is this host, and `Sec-Fetch-Site` (if sent) is not another site's.
fn same_origin(req: &HttpRequest) -> bool {
    let origin_ok = match req.headers().get(header::ORIGIN).map(|v| v.to_str()) {
        None => true,
        Some(Err(_)) => false,
        Some(Ok(origin)) => {
            let host = req.connection_info().host().to_owned();
            origin
                .split_once("://")
                .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(&host))
        }
    };
    let fetch_site_ok = req
        .headers()
        .get("sec-fetch-site")
        .is_none_or(|v| matches!(v.as_bytes(), b"same-origin" | b"none"));
    origin_ok && fetch_site_ok
}

/// Whether a form may act for the session: its secret matches, and it comes from this site.
fn form_allowed(req: &HttpRequest, signed: &Signed, csrf: Option<&str>) -> bool {
    same_origin(req) && csrf.is_some_and(|c| same_secret(c, &signed.session.csrf))
}

/// The sign-in page, with the secret of the browser's pre-session (a new pre-session, and its
/// cookie, when the browser has none).
fn sign_in_page(
    req: &HttpRequest,
    p: &PageRequest<'_>,
    state: &State,
    status: StatusCode,
    notice: Option<&Notice>,
) -> Result<HttpResponse, ApiError> {
    let lang = p.lang;
    let (pre, fresh) = match cookie_named(req, SIGN_IN_COOKIE) {
        Some(pre) => (pre, false),
        None => (
            state
                .sessions()
                .pre_session()
                .map_err(|e| ApiError::internal(&e))?,
            true,
        ),
    };
    let secret = state
        .sessions()
        .sign_in_secret(&pre)
        .map_err(|e| ApiError::internal(&e))?;
    let mut res = page(
        p,
        status,
        lang.t("Logga in", "Sign in"),
        render::sign_in(lang, &secret, notice),
    );
    if fresh {
        let max_age = crate::service::sessions::LIFETIME.as_secs();
        add_cookie(&mut res, &set_cookie_named(state, SIGN_IN_COOKIE, &pre, max_age));
    }
    Ok(res)
}

fn form_expired(page: &PageRequest<'_>) -> HttpResponse {
    problem_page(
        page,
        &ApiError::new(
            Code::FormExpired,
            page.lang.t(
                "Formuläret kunde inte tas emot: det hör till en annan eller avslutad inloggning, eller kom från en annan webbplats. Ladda om sidan och försök igen.",
                "The form could not be taken: it belongs to another or an ended sign-in, or came from another site. Reload the page and try again.",
            ),
        ),
        &url(page, "/steward", &[]),
    )
}

/// The steward a form acts for: signed in, with the session's secret, from this site. Else
/// the answer: to the sign-in page, or the expired-form page.
fn form_steward(
    req: &HttpRequest,
    p: &PageRequest<'_>,
    state: &State,
    csrf: Option<&str>,
) -> Result<Result<Signed, HttpResponse>, ApiError> {
    let Some(signed) = signed_in(req, state)? else {
        return Ok(Err(to_sign_in(p)));
    };
    if !form_allowed(req, &signed, csrf) {
        return Ok(Err(form_expired(p)));
    }
    Ok(Ok(signed))
}

/// A form's write done: `done` redirects; a refusal is a page naming it, with the way `back`;
/// an internal error stays one (logged, and a problem document).
fn after_write<T>(
    p: &PageRequest<'_>,
    outcome: Result<T, ApiError>,
    back: &str,
    done: impl FnOnce(T) -> HttpResponse,
) -> Result<HttpResponse, ApiError> {
    match outcome {
        Ok(value) => Ok(done(value)),
        Err(e) if e.code == Code::Internal => Err(e),
        Err(e) => Ok(problem_page(p, &e, back)),
    }
}

async fn blocking<T: Send + 'static, E: Into<ApiError> + Send + 'static>(
    f: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, ApiError> {
    web::block(f)
        .await
        .map_err(|e| ApiError::internal(&e))?
        .map_err(Into::into)
}

/// `GET /steward`: the sign-in page, or the signed-in steward's datasets.
pub async fn home(req: HttpRequest, state: State) -> Result<HttpResponse, ApiError> {
    let p = PageRequest::new(&req);
    let lang = p.lang;
    match signed_in(&req, &state)? {
        None => {
            let notice = p.param("ended").map(|_| Notice {
                ok: false,
                text: lang
                    .t(
                        "Du är utloggad: logga in igen.",
                        "You are signed out: sign in again.",
                    )
                    .to_owned(),
            });
            sign_in_page(&req, &p, &state, StatusCode::OK, notice.as_ref())
        }
        Some(signed) => Ok(dashboard(
            &p,
            &state,
            &signed,
            &CreateForm::default(),
            None,
            StatusCode::OK,
        )),
    }
}

fn dashboard(
    p: &PageRequest<'_>,
    state: &State,
    signed: &Signed,
    form: &CreateForm,
    notice: Option<Notice>,
    status: StatusCode,
) -> HttpResponse {
    let lang = p.lang;
    let model = state.model();
    let mut datasets: Vec<OwnDataset<'_>> = model
        .datasets()
        .filter(|d| d.record.deleted.is_none() && signed.principal.scope.may_write(&d.record.meta.publisher))
        .map(|d| OwnDataset {
            record: &d.record,
            item_count: d.items.len(),
        })
        .collect();
    datasets.sort_by(|a, b| {
        lang.pick(&a.record.meta.title)
            .cmp(lang.pick(&b.record.meta.title))
    });
    let publishers = (signed.principal.scope == Scope::Admin).then(|| {
        crate::reference::organisations()
            .iter()
            .map(|o| (o.id.as_str(), o.name.as_str()))
            .collect()
    });
    let main = render::dashboard(
        lang,
        &Dashboard {
            who: &signed.principal.token_name,
            acts_for: acts_for(p, &signed.principal),
            csrf: &signed.session.csrf,
            datasets,
            profiles: crate::profile::all()
                .iter()
                .map(|pr| (pr.id.as_str(), &pr.title))
                .collect(),
            publishers,
            form,
            notice,
        },
    );
    page(p, status, lang.t("Dina datamängder", "Your datasets"), main)
}

/// `POST /steward/sign-in`: the token, once; a session cookie from then on. Only from the
/// sign-in page of this site: with the secret of the browser's pre-session.
pub async fn sign_in(
    req: HttpRequest,
    state: State,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let p = PageRequest::new(&req);
    let lang = p.lang;
    let pre = cookie_named(&req, SIGN_IN_COOKIE);
    if !same_origin(&req)
        || !state
            .sessions()
            .sign_in_allowed(pre.as_deref(), form.get("csrf").map(String::as_str))
    {
        return Ok(form_expired(&p));
    }
    let token = form.get("token").map(|t| t.trim().to_owned()).unwrap_or_default();
    if let Some(old) = cookie(&req) {
        state.sessions().end(&old);
    }
    let s = state.clone();
    match blocking(move || s.sign_in(&token)).await {
        Ok((new, _)) => {
            let mut res = see_other(&url(&p, "/steward", &[]));
            add_cookie(
                &mut res,
                &set_cookie(&state, &new.id, crate::service::sessions::LIFETIME.as_secs()),
            );
            Ok(res)
        }
        Err(e) if e.code == Code::Internal => Err(e),
        Err(_) => {
            let notice = Notice {
                ok: false,
                text: lang
                    .t(
                        "Nyckeln godtogs inte: den är okänd, har gått ut eller har återkallats. Kontrollera att hela nyckeln kom med, eller be administratören om en ny.",
                        "The token was not accepted: it is unknown, expired or revoked. Check that the whole token was pasted, or ask the administrator for a new one.",
                    )
                    .to_owned(),
            };
            sign_in_page(&req, &p, &state, StatusCode::UNAUTHORIZED, Some(&notice))
        }
    }
}

/// `POST /steward/sign-out`.
pub async fn sign_out(
    req: HttpRequest,
    state: State,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let p = PageRequest::new(&req);
    if let Some(signed) = signed_in(&req, &state)? {
        if !form_allowed(&req, &signed, form.get("csrf").map(String::as_str)) {
            return Ok(form_expired(&p));
        }
        state.sessions().end(&signed.id);
    }
    let mut res = see_other(&url(&p, "/", &[]));
    if let Ok(v) = header::HeaderValue::from_str(&set_cookie(&state, "", 0)) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// `POST /steward/datasets`: the create form.
pub async fn create(
    req: HttpRequest,
    state: State,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let p = PageRequest::new(&req);
    let signed = match form_steward(&req, &p, &state, form.get("csrf").map(String::as_str))? {
        Ok(s) => s,
        Err(answer) => return Ok(answer),
    };
    let field = |name: &str| form.get(name).map(|v| v.trim().to_owned()).unwrap_or_default();
    let values = CreateForm {
        id: field("id"),
        profile: field("profile"),
        title_sv: field("title_sv"),
        title_en: field("title_en"),
        description_sv: field("description_sv"),
        description_en: field("description_en"),
        license: field("license"),
        contact_email: field("contact_email"),
        update_frequency: field("update_frequency"),
        publisher: field("publisher"),
    };
    let new = NewDataset {
        id: values.id.clone(),
        profile: values.profile.clone(),
        title: crate::profile::Localized::new(values.title_sv.clone(), values.title_en.clone()),
        description: crate::profile::Localized::new(
            values.description_sv.clone(),
            values.description_en.clone(),
        ),
        license: if values.license.is_empty() {
            render::LICENSES[0].0.to_owned()
        } else {
            values.license.clone()
        },
        contact_email: values.contact_email.clone(),
        keywords: Default::default(),
        themes: Vec::new(),
        update_frequency: (!values.update_frequency.is_empty()).then(|| values.update_frequency.clone()),
        landing_page: None,
        conforms_to: None,
        provenance: None,
        publish_valid_rows: false,
        publisher: (!values.publisher.is_empty()).then(|| values.publisher.clone()),
    };
    let (s, principal) = (state.clone(), signed.principal.clone());
    let outcome =
        blocking(move || s.steward_as(Ok(principal), crate::service::steward::CreateDataset(new))).await;
    match outcome {
        Ok(meta) => Ok(see_other(&url(
            &p,
            &format!("/steward/datasets/{}", meta.id),
            &[("created", "1".to_owned())],
        ))),
        Err(e) if e.code == Code::Internal => Err(e),
        Err(e) => {
            let notice = Notice {
                ok: false,
                text: refusal_text(p.lang, &e),
            };
            Ok(dashboard(
                &p,
                &state,
                &signed,
                &values,
                Some(notice),
                e.code.status(),
            ))
        }
    }
}

/// `GET /steward/datasets/{id}`: upload a file; versions and rollback.
pub async fn dataset(
    req: HttpRequest,
    state: State,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let p = PageRequest::new(&req);
    let lang = p.lang;
    let Some(signed) = signed_in(&req, &state)? else {
        return Ok(to_sign_in(&p));
    };
    let model = state.model();
    let Some(d) = model.dataset(&id).filter(|d| d.record.deleted.is_none()) else {
        return Ok(private(p.not_found(&format!(
            "{} {}",
            lang.t("Ingen datamängd med id", "No dataset with the id"),
            id.as_str()
        ))));
    };
    if let Err(e) = state.authorise(&signed.principal, &d.record.meta.publisher) {
        return Ok(problem_page(&p, &ApiError::from(e), &url(&p, "/steward", &[])));
    }
    let number = |name: &str| p.param(name).and_then(|v| v.parse::<u64>().ok());
    let notice = if let Some(n) = number("published") {
        Some(format!(
            "{} {n} {}",
            lang.t("Version", "Version"),
            lang.t("är publicerad.", "is published.")
        ))
    } else if let Some(n) = number("rolledback") {
        Some(format!(
            "{} {n} {}",
            lang.t("Återställt: version", "Rolled back: version"),
            lang.t(
                "publicerar den tidigare versionens data igen.",
                "publishes the earlier version's data again."
            )
        ))
    } else {
        p.param("created").map(|_| {
            lang.t(
                "Datamängden är skapad. Ladda upp dess första fil.",
                "The dataset is created. Upload its first file.",
            )
            .to_owned()
        })
    };
    let kind = crate::profile::get(&d.record.meta.profile).map(|pr| &pr.title);
    let fallback = crate::profile::Localized::new("Övrigt", "Other");
    let main = render::dataset(
        lang,
        &StewardDataset {
            who: &signed.principal.token_name,
            acts_for: acts_for(&p, &signed.principal),
            csrf: &signed.session.csrf,
            record: &d.record,
            kind: kind.unwrap_or(&fallback),
            item_count: d.items.len(),
            notice: notice.map(|text| Notice { ok: true, text }),
        },
    );
    Ok(page(&p, StatusCode::OK, lang.pick(&d.record.meta.title), main))
}

/// The most characters of the upload form's sheet name that are read.
const MAX_SHEET_CHARS: usize = 100;

/// `POST /steward/datasets/{id}/check`: the file is checked, kept as a draft and its report
/// shown; nothing is published.
pub async fn check(
    req: HttpRequest,
    state: State,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let p = PageRequest::new(&req);
    let Some(signed) = signed_in(&req, &state)? else {
        return Ok(to_sign_in(&p));
    };
    let back = url(&p, &format!("/steward/datasets/{id}"), &[]);
    let upload = match receive(&req, &state, payload).await {
        Ok(u) => u,
        Err(e) if e.code == Code::Internal => return Err(e),
        Err(e) => return Ok(problem_page(&p, &e, &back)),
    };
    let csrf = upload
        .fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str());
    if !form_allowed(&req, &signed, csrf) {
        return Ok(form_expired(&p));
    }
    let file_name = upload
        .file_name
        .clone()
        .unwrap_or_else(|| "upload.csv".to_owned());
    let (s, sid, principal, dataset) = (
        state.clone(),
        signed.id.clone(),
        signed.principal.clone(),
        id.to_string(),
    );
    // The sheet field of the form: empty means the first sheet with data. Excel's names are at
    // most 31 characters; a longer one names no sheet and is refused by the check.
    let sheet = upload
        .fields
        .iter()
        .find(|(k, _)| k == "sheet")
        .map(|(_, v)| v.trim().chars().take(MAX_SHEET_CHARS).collect::<String>())
        .filter(|v| !v.is_empty());
    let name = file_name.clone();
    let checked = match blocking(move || {
        s.check_draft(&sid, &principal, &dataset, &name, sheet.as_deref(), upload.file)
    })
    .await
    {
        Ok(c) => c,
        Err(e) if e.code == Code::Internal => return Err(e),
        Err(e) => return Ok(problem_page(&p, &e, &back)),
    };
    Ok(report_page(&p, &state, &signed, &id, &checked))
}

/// The report page of a file checked and kept as the session's draft.
fn report_page(
    p: &PageRequest<'_>,
    state: &State,
    signed: &Signed,
    id: &str,
    checked: &crate::service::sessions::CheckedDraft,
) -> HttpResponse {
    let lang = p.lang;
    let model = state.model();
    let Some(d) = model.dataset(id) else {
        return private(p.not_found(id));
    };
    let main = render::report(
        lang,
        &ReportPage {
            who: &signed.principal.token_name,
            acts_for: acts_for(p, &signed.principal),
            csrf: &signed.session.csrf,
            record: &d.record,
            file_name: &checked.draft.file_name,
            draft_id: &checked.draft.id,
            report: &checked.draft.report,
            excerpt: &checked.excerpt,
        },
    );
    page(
        p,
        StatusCode::OK,
        lang.t("Kontroll av filen", "Check of the file"),
        main,
    )
}

/// `POST /steward/datasets/{id}/mapping`: the header → column mapping of the report's form is
/// kept with the dataset (merged with what was kept for other headers) and the session's
/// checked file is checked again with it; nothing is published.
pub async fn mapping(
    req: HttpRequest,
    state: State,
    id: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let p = PageRequest::new(&req);
    let signed = match form_steward(&req, &p, &state, form.get("csrf").map(String::as_str))? {
        Ok(s) => s,
        Err(answer) => return Ok(answer),
    };
    let back = url(&p, &format!("/steward/datasets/{id}"), &[]);
    let draft = form.get("draft").cloned().unwrap_or_default();
    let kept = state
        .model()
        .dataset(&id)
        .map(|d| d.record.meta.column_mapping.clone())
        .unwrap_or_default();
    let mapping = merged_mapping(kept, &form);
    let (s, sid, principal, dataset) = (
        state.clone(),
        signed.id.clone(),
        signed.principal.clone(),
        id.to_string(),
    );
    let outcome = blocking(move || {
        s.steward_as(
            Ok(principal),
            crate::service::steward::ConfirmDraftMapping {
                session_id: &sid,
                dataset: &dataset,
                draft_id: &draft,
                mapping,
            },
        )
    })
    .await;
    match outcome {
        Ok(checked) => Ok(report_page(&p, &state, &signed, &id, &checked)),
        Err(e) if e.code == Code::Internal => Err(e),
        Err(e) => Ok(problem_page(&p, &e, &back)),
    }
}

/// The mapping kept so far with the headers of a mapping form (`h0`, `c0`, `h1`, `c1`, …) set
/// as the form says: a column, `-` to leave one out, or nothing (the header's entry is
/// removed).
fn merged_mapping(
    mut kept: crate::ingest::ConfirmedMapping,
    form: &HashMap<String, String>,
) -> crate::ingest::ConfirmedMapping {
    use crate::text::header_key;
    for i in 0..crate::service::steward::MAX_MAPPING_ENTRIES {
        let Some(header) = form.get(&format!("h{i}")) else {
            break;
        };
        let key = header_key(header);
        if key.is_empty() {
            continue;
        }
        kept.0.retain(|h, _| header_key(h) != key);
        if let Some(column) = form.get(&format!("c{i}")).filter(|c| !c.is_empty()) {
            kept.0.insert(header.clone(), column.clone());
        }
    }
    kept
}

/// `POST /steward/datasets/{id}/publish`: publishes the checked file.
pub async fn publish(
    req: HttpRequest,
    state: State,
    id: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let p = PageRequest::new(&req);
    let signed = match form_steward(&req, &p, &state, form.get("csrf").map(String::as_str))? {
        Ok(s) => s,
        Err(answer) => return Ok(answer),
    };
    let back = url(&p, &format!("/steward/datasets/{id}"), &[]);
    let draft = form.get("draft").cloned().unwrap_or_default();
    let valid_rows_only = form.get("valid_rows_only").is_some_and(|v| v == "1");
    let (s, sid, principal, dataset) = (
        state.clone(),
        signed.id.clone(),
        signed.principal.clone(),
        id.to_string(),
    );
    let outcome =
        blocking(move || s.publish_draft(&sid, &principal, &dataset, &draft, valid_rows_only)).await;
    after_write(&p, outcome, &back, |published| {
        see_other(&url(
            &p,
            &format!("/steward/datasets/{id}"),
            &[("published", published.version.number.to_string())],
        ))
    })
}

/// `POST /steward/datasets/{id}/rollback`: publishes an earlier version's data again.
pub async fn rollback(
    req: HttpRequest,
    state: State,
    id: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let p = PageRequest::new(&req);
    let signed = match form_steward(&req, &p, &state, form.get("csrf").map(String::as_str))? {
        Ok(s) => s,
        Err(answer) => return Ok(answer),
    };
    let back = url(&p, &format!("/steward/datasets/{id}"), &[]);
    let Some(to) = form.get("version").and_then(|v| v.trim().parse::<u64>().ok()) else {
        return Ok(problem_page(
            &p,
            &ApiError::new(Code::InvalidBody, "The form names no version to roll back to."),
            &back,
        ));
    };
    let (s, principal, dataset) = (state.clone(), signed.principal.clone(), id.to_string());
    let outcome =
        blocking(move || s.steward_as(Ok(principal), crate::service::steward::Rollback { dataset, to }))
            .await;
    after_write(&p, outcome, &back, |published| {
        see_other(&url(
            &p,
            &format!("/steward/datasets/{id}"),
            &[("rolledback", published.version.number.to_string())],
        ))
    })
}
