//! The OpenAPI 3.1 document, generated from the handlers' annotations. Committed as
//! `openapi/openapi.json`; `make openapi` regenerates it and a test fails when it is stale.

use crate::error::{Code, Problem};
use crate::http::params::{
    DEFAULT_LIMIT, DEFAULT_RADIUS_M, MAX_LIMIT, MAX_LIST_VALUES, MAX_Q_CHARS, MAX_RADIUS_M, MAX_VALUE_CHARS,
    grammar,
};
use crate::http::render::Link;
use crate::http::routes::{
    catalog, datasets, dumps, items, linked_data, meta, ogc, organisations, sparql, steward,
};
use crate::http::views;
use crate::mapping::{ItemLinks, ItemView, MunicipalityRef};
use crate::profile::{self, ColumnType, Localized, Profile};
use crate::reference;
use serde_json::{Value as Json, json};
use std::sync::OnceLock;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "datahamn",
        description = "Open data from Swedish municipalities: bath sites, pools and bath houses, and municipal services, in one shared vocabulary. Every error is an RFC 9457 problem document (`application/problem+json`) with a stable `code`; the codes are listed under `x-error-codes` and documented at `/problems/{code}`.",
        license(name = "EUPL-1.2", identifier = "EUPL-1.2"),
    ),
    paths(
        meta::get_landing,
        meta::get_api_root,
        meta::get_health,
        meta::get_openapi,
        meta::get_problem_type,
        datasets::list_datasets,
        datasets::get_dataset,
        items::list_dataset_items,
        items::list_collection,
        items::get_item,
        linked_data::get_item_uri,
        linked_data::get_dataset_uri,
        linked_data::get_version_uri,
        linked_data::get_municipality_uri,
        linked_data::get_county_uri,
        linked_data::get_organisation_uri,
        linked_data::get_vocabulary,
        linked_data::get_term,
        linked_data::get_profile_uri,
        linked_data::get_catalog_graph,
        catalog::get_catalog,
        catalog::get_void,
        dumps::get_all,
        dumps::get_dataset,
        dumps::get_download,
        catalog::get_municipality_catalog,
        ogc::landing,
        ogc::api_definition,
        ogc::conformance,
        ogc::collections,
        ogc::collection,
        ogc::items,
        ogc::feature,
        sparql::query_sparql_get,
        sparql::query_sparql_post,
        steward::create_dataset,
        steward::update_dataset,
        steward::delete_dataset,
        steward::upload_data,
        steward::upload_data_post,
        steward::list_versions,
        steward::get_version,
        steward::get_version_data,
        steward::rollback,
        steward::set_mapping,
        steward::get_mapping,
        steward::list_changes,
        steward::list_dataset_changes,
        steward::get_event_stream,
        steward::get_audit,
        steward::get_job,
        organisations::list_organisations,
    ),
    components(schemas(
        Problem, Code, ItemView, ItemLinks, MunicipalityRef, Localized, Link,
        views::ListedItem, ogc::OgcLanding, ogc::Conformance, ogc::Collections, ogc::CollectionInfo,
        ogc::Extent, ogc::SpatialExtent, ogc::TemporalExtent,
        views::DatasetView, views::DatasetDetail, views::DatasetList, views::ItemPage,
        views::PublisherView, views::VersionSummary, views::DatasetLinks, views::Health,
        views::Landing, views::ProblemType, views::VersionList, views::VersionDetail,
        crate::service::steward::NewDataset, crate::service::steward::DatasetPatch,
        crate::service::steward::ChangePage, crate::service::steward::ChangeView,
        crate::catalog::changes::ChangeKind, crate::catalog::Keywords, crate::service::AuditEntry,
        steward::Deleted, steward::UploadAnswer, crate::http::views::JobView,
        crate::http::views::JobResult, crate::service::jobs::JobStatus, organisations::OrganisationView,
        organisations::OrganisationList, steward::RollbackRequest, steward::AuditPage,
        dumps::DownloadFormat,
    )),
    tags(
        (name = "collections", description = "Items of one kind across every municipality"),
        (name = "datasets", description = "Published datasets and their items"),
        (name = "items", description = "Single items by stable id"),
        (name = "dumps", description = "Whole files, streamed: everything, or one dataset, as gzip-compressed N-Quads; one dataset's current items in each format of the REST API (the downloads the DCAT catalogs list)"),
        (name = "catalog", description = "DCAT-AP-SE catalogs for the national portal: the platform's and one per municipality"),
        (name = "linked data", description = "Every URI datahamn mints (items, datasets, versions, municipalities, counties, organisations, vocabulary terms) dereferences to RDF or HTML by `Accept`"),
        (name = "ogc", description = "OGC API – Features Part 1 (Core, GeoJSON) and Part 2 (CRS by reference: CRS84, EPSG:4326, SWEREF 99) over the same collections"),
        (name = "sparql", description = "SPARQL 1.1 Protocol (read-only)"),
        (name = "stewards", description = "Publishing, for data stewards with a token (`Authorization: Bearer …`): create datasets, change their metadata, upload files (or check them only), roll back, delete; the audit log for administrators"),
        (name = "changes", description = "The change feed: every item created, updated or deleted, with a resume cursor; also as a Linked Data Event Stream"),
        (name = "meta", description = "Landing page, health, this document, error codes"),
    )
)]
struct ApiDoc;

/// The OpenAPI 3.1 document, built once.
pub fn document() -> &'static Json {
    static DOC: OnceLock<Json> = OnceLock::new();
    DOC.get_or_init(build)
}

fn build() -> Json {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    let codes: Vec<Json> = Code::ALL
        .iter()
        .map(|c| json!({"code": c.as_str(), "status": c.status().as_u16(), "title": c.title()}))
        .collect();
    doc["x-error-codes"] = Json::Array(codes);
    add_rate_limited(&mut doc);
    doc["components"]["securitySchemes"] = json!({
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "A steward's token (`dh_…`), made with `datahamn token create`. It acts for one organisation, or for the platform's administration."
        }
    });
    let profiles: Vec<&Profile> = profile::all().iter().collect();
    add_collections(&mut doc, &profiles);
    for p in &profiles {
        add_filters(&mut doc, &p.collection_path(), &[p]);
    }
    add_filters(&mut doc, "/api/v1/datasets/{id}/items", &profiles);
    for p in &profiles {
        doc["components"]["schemas"][properties_schema_name(p)] = properties_schema(p);
    }
    add_filters(&mut doc, "/ogc/collections/{collectionId}/items", &profiles);
    add_reference_schemas(&mut doc);
    let mut lists: Vec<String> = profiles.iter().map(|p| p.collection_path()).collect();
    lists.push("/api/v1/datasets/{id}/items".into());
    lists.push("/ogc/collections/{collectionId}/items".into());
    for path in &lists {
        exact_parameters(&mut doc, path, &[]);
    }
    name_the_profiles(&mut doc, &profiles);
    exact_parameters(
        &mut doc,
        "/api/v1/items/{id}",
        &[(
            "format",
            json!({"type": "string", "enum": ["json", "geojson", "jsonld"]}),
        )],
    );
    for path in [
        "/ogc",
        "/ogc/conformance",
        "/ogc/collections",
        "/ogc/collections/{collectionId}",
    ] {
        exact_parameters(
            &mut doc,
            path,
            &[("f", json!({"type": "string", "enum": ["json"]}))],
        );
    }
    exact_parameters(&mut doc, "/ogc/collections/{collectionId}/items/{featureId}", &[]);
    // JSON-LD documents are objects or arrays, as the serialiser writes them.
    if let Some(paths) = doc["paths"].as_object_mut() {
        for item in paths.values_mut() {
            if let Some(ld) = item.pointer_mut("/get/responses/200/content/application~1ld+json") {
                ld["schema"] =
                    json!({"description": "JSON-LD 1.1: the items' RDF, as the SPARQL endpoint holds it."});
            }
        }
    }
    doc
}

/// The path of the template every profile's collection is documented from (see
/// [`items::list_collection`]); it is not a path of the API.
pub const COLLECTION_TEMPLATE: &str = "/api/v1/{collection}";

/// One path per profile, `/api/v1/{id}`, from the template: its texts from the profile.
fn add_collections(doc: &mut Json, profiles: &[&Profile]) {
    let Some(template) = doc["paths"]
        .as_object_mut()
        .and_then(|paths| paths.remove(COLLECTION_TEMPLATE))
    else {
        return;
    };
    for p in profiles {
        let mut item = template.clone();
        let op = &mut item["get"];
        op["summary"] = json!(p.api_summary());
        op["description"] = json!(p.api_description());
        op["operationId"] = json!(format!("list_{}", p.snake_id()));
        op["responses"]["200"]["description"] = json!(p.api_page());
        if let Some(params) = op["parameters"].as_array_mut() {
            params.retain(|param| param["in"] != "path");
        }
        doc["paths"][p.collection_path()] = item;
    }
}

/// "`a`, `b` or `c`".
fn or_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// The examples and descriptions that name profiles, item kinds or classes: made from the
/// profiles in effect (the first is the example).
fn name_the_profiles(doc: &mut Json, profiles: &[&Profile]) {
    let Some(first) = profiles.first() else {
        return;
    };
    let ids: Vec<&str> = profiles.iter().map(|p| p.id.as_str()).collect();
    let kinds: Vec<&str> = profiles.iter().map(|p| p.item_kind.as_str()).collect();
    let schemas: Vec<String> = profiles.iter().map(|p| properties_schema_name(p)).collect();
    let schemas: Vec<&str> = schemas.iter().map(String::as_str).collect();
    // Sets the member a JSON pointer names, in an object that exists.
    let set = |doc: &mut Json, pointer: &str, value: Json| {
        if let Some((parent, key)) = pointer.rsplit_once('/')
            && let Some(object) = doc.pointer_mut(parent).and_then(Json::as_object_mut)
        {
            object.insert(key.replace("~1", "/").replace("~0", "~"), value);
        }
    };
    let c = "/components/schemas";
    set(
        doc,
        &format!("{c}/CollectionInfo/properties/id/example"),
        json!(first.id),
    );
    set(
        doc,
        &format!("{c}/DatasetView/properties/profile/example"),
        json!(first.id),
    );
    set(doc, &format!("{c}/NewDataset/example/profile"), json!(first.id));
    set(
        doc,
        &format!("{c}/NewDataset/properties/profile/description"),
        json!(format!("The profile the CSV files follow: {}.", or_list(&ids))),
    );
    set(
        doc,
        &format!("{c}/ItemView/properties/type/example"),
        json!(first.item_kind),
    );
    set(
        doc,
        &format!("{c}/ItemView/properties/type/description"),
        json!(format!("The kind of item: {}.", or_list(&kinds))),
    );
    if let Some(description) = doc
        .pointer_mut(&format!("{c}/ItemView/properties/properties/description"))
        .and_then(|d| d.as_str().map(str::to_owned))
    {
        let all = or_list(&schemas).replace(" or ", " and ");
        set(
            doc,
            &format!("{c}/ItemView/properties/properties/description"),
            json!(format!(
                "{description} The schemas {all} give each profile's columns."
            )),
        );
    }
    set(
        doc,
        "/paths/~1def~1profile~1{id}/get/parameters/0/example",
        json!(first.id),
    );
    for path in [
        "~1ogc~1collections~1{collectionId}",
        "~1ogc~1collections~1{collectionId}~1items",
        "~1ogc~1collections~1{collectionId}~1items~1{featureId}",
    ] {
        set(
            doc,
            &format!("/paths/{path}/get/parameters/0/example"),
            json!(first.id),
        );
        set(
            doc,
            &format!("/paths/{path}/get/parameters/0/description"),
            json!(or_list(&ids)),
        );
    }
    if let Some(class) = first
        .classes
        .first()
        .and_then(|c| crate::vocab::Iris::new("http://127.0.0.1:8080").expand(c))
    {
        let query = format!(
            "SELECT ?name WHERE {{ ?s a <{}> ; <https://schema.org/name> ?name }} LIMIT 10",
            class.as_str()
        );
        set(doc, "/paths/~1sparql/get/parameters/0/example", json!(query));
    }
}

/// Documents the 429 every counted operation can answer (a client over its quota gets it on
/// any route, so a client or fuzzer running with the default limit meets it everywhere): one
/// shared response, with `Retry-After` and the `RateLimit-*` headers.
fn add_rate_limited(doc: &mut Json) {
    let header =
        |description: &str| json!({"description": description, "schema": {"type": "integer", "minimum": 0}});
    doc["components"]["responses"]["RateLimited"] = json!({
        "description": "Too many requests from this client (`rate_limited`): retry after `Retry-After` seconds. Anonymous clients are counted by address (`--rate-limit`), stewards by token (`--rate-limit-token`).",
        "headers": {
            "Retry-After": header("Seconds until the client may send again."),
            "RateLimit-Limit": header("Requests allowed in the window."),
            "RateLimit-Remaining": header("Requests left in the window (0)."),
            "RateLimit-Reset": header("Seconds until the window resets."),
            "RateLimit-Policy": {"description": "The quota and its window: `1200;w=60`.", "schema": {"type": "string"}},
        },
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    });
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        if !crate::http::routes::metered(path) {
            continue;
        }
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            if !matches!(
                method.as_str(),
                "get" | "put" | "post" | "delete" | "patch" | "head" | "options"
            ) {
                continue;
            }
            if let Some(responses) = op["responses"].as_object_mut() {
                responses
                    .entry("429")
                    .or_insert_with(|| json!({"$ref": "#/components/responses/RateLimited"}));
            }
        }
    }
}

/// The name of the schema of a profile's item `properties`: the id in upper camel case, then `Properties`.
pub fn properties_schema_name(profile: &Profile) -> String {
    let mut name: String = profile
        .id
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect();
    name.push_str("Properties");
    name
}

/// The `properties` of a profile's items: one JSON type per column, as the views write them
/// (a column without a value is left out).
fn properties_schema(profile: &Profile) -> Json {
    let mut properties = serde_json::Map::new();
    for col in &profile.columns {
        if col.role.is_some_and(|r| {
            matches!(
                r,
                profile::Role::Name | profile::Role::Description | profile::Role::Updated
            )
        }) {
            continue;
        }
        let mut schema = match col.kind {
            ColumnType::Integer => json!({"type": "integer"}),
            ColumnType::Decimal | ColumnType::Latitude | ColumnType::Longitude => {
                json!({"type": "number"})
            }
            ColumnType::Boolean => json!({"type": "boolean"}),
            ColumnType::Access => json!({"type": "string", "enum": profile::ACCESS_VALUES}),
            ColumnType::Enum => json!({"type": "string", "enum": col.values}),
            ColumnType::Language => json!({"type": "array", "items": {"type": "string"}}),
            _ => json!({"type": "string"}),
        };
        schema["description"] = json!(col.label.en);
        properties.insert(col.name.clone(), schema);
    }
    json!({
        "type": "object",
        "description": format!("The `properties` of an item of `{}`: each column has one JSON type in every item.", profile.id),
        "properties": properties,
    })
}

/// The municipality and county codes, as schemas the list parameters refer to.
fn add_reference_schemas(doc: &mut Json) {
    let municipalities: Vec<&str> = reference::municipalities()
        .iter()
        .map(|m| m.code.as_str())
        .collect();
    let mut counties: Vec<&str> = reference::municipalities()
        .iter()
        .map(|m| m.county_code.as_str())
        .collect();
    counties.sort_unstable();
    counties.dedup();
    let schemas = &mut doc["components"]["schemas"];
    schemas["MunicipalityCode"] = json!({
        "type": "string",
        "description": "A Swedish municipality code (kommunkod, SCB): four digits.",
        "enum": municipalities,
        "example": "1401",
    });
    schemas["CountyCode"] = json!({
        "type": "string",
        "description": "A Swedish county code (länskod, SCB): two digits.",
        "enum": counties,
        "example": "14",
    });
}

/// Gives the list parameters schemas that say exactly what the parser accepts (the patterns of
/// [`grammar`]), so generated clients and property-based tests agree with the server.
fn exact_parameters(doc: &mut Json, path: &str, extra: &[(&str, Json)]) {
    let Some(params) = doc["paths"][path]["get"]["parameters"].as_array_mut() else {
        return;
    };
    let list_of = |items: Json| json!({"type": "array", "maxItems": MAX_LIST_VALUES, "items": items});
    let schema = |name: &str| -> Option<(Json, bool)> {
        Some(match name {
            "municipality" => (
                list_of(json!({"$ref": "#/components/schemas/MunicipalityCode"})),
                true,
            ),
            "county" => (list_of(json!({"$ref": "#/components/schemas/CountyCode"})), true),
            "dataset" => (
                list_of(json!({"type": "string", "maxLength": MAX_VALUE_CHARS})),
                true,
            ),
            "q" => (json!({"type": "string", "maxLength": MAX_Q_CHARS}), false),
            "bbox" => (json!({"type": "string", "pattern": grammar::BBOX}), false),
            "near" => (json!({"type": "string", "pattern": grammar::NEAR}), false),
            "radius" => (
                json!({"type": "number", "exclusiveMinimum": 0, "maximum": MAX_RADIUS_M, "default": DEFAULT_RADIUS_M}),
                false,
            ),
            "updated_since" => (json!({"type": "string", "pattern": grammar::INSTANT}), false),
            "datetime" => (json!({"type": "string", "pattern": grammar::DATETIME}), false),
            "cursor" => (json!({"type": "string", "pattern": grammar::CURSOR}), false),
            "limit" => (
                json!({"type": "integer", "minimum": 1, "default": DEFAULT_LIMIT}),
                false,
            ),
            "count" => (json!({"type": "boolean", "default": false}), false),
            "format" => (
                json!({"type": "string", "enum": ["json", "geojson", "csv", "jsonld"]}),
                false,
            ),
            "f" => (json!({"type": "string", "enum": ["json", "geojson"]}), false),
            "crs" | "bbox-crs" => (
                json!({"type": "string", "format": "uri", "enum": crate::http::crs::OgcCrs::uris()}),
                false,
            ),
            _ => return None,
        })
    };
    for param in params.iter_mut() {
        let Some(name) = param["name"].as_str().map(str::to_owned) else {
            continue;
        };
        if param["in"] != json!("query") {
            continue;
        }
        let found = extra
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| (s.clone(), false))
            .or_else(|| schema(&name));
        let Some((schema, is_list)) = found else { continue };
        param["schema"] = schema;
        if is_list {
            param["style"] = json!("form");
            param["explode"] = json!(false);
        }
    }
}

/// Adds the profiles' property filters (facilities, enums) to a list operation.
fn add_filters(doc: &mut Json, path: &str, profiles: &[&Profile]) {
    let Some(params) = doc["paths"][path]["get"]["parameters"].as_array_mut() else {
        return;
    };
    let several = profiles.len() > 1;
    for p in profiles {
        for col in p.filter_columns() {
            if params.iter().any(|x| x["name"] == json!(col.name)) {
                continue;
            }
            let enum_list = |values: Json| json!({"type": "array", "minItems": 1, "maxItems": MAX_LIST_VALUES, "items": {"type": "string", "enum": values}});
            let (schema, what) = match col.kind {
                ColumnType::Boolean => (
                    json!({"type": "boolean"}),
                    format!(
                        "`true`: only items that have it; `false`: only items that do not ({}).",
                        col.label.sv
                    ),
                ),
                ColumnType::Access => (
                    enum_list(json!(
                        profile::ACCESS_VALUES
                            .iter()
                            .chain(&["true", "false"])
                            .collect::<Vec<_>>()
                    )),
                    format!(
                        "`yes`, `limited` or `no` (`true` and `false` also work, for `yes` and `no`), as the items' string property; comma separated for several ({}).",
                        col.label.sv
                    ),
                ),
                _ => (
                    enum_list(json!(col.values)),
                    format!(
                        "One of {}; comma separated for several ({}).",
                        col.values.join(", "),
                        col.label.sv
                    ),
                ),
            };
            let scope = if several {
                format!(" Items of `{}`.", p.id)
            } else {
                String::new()
            };
            let mut param = json!({
                "name": col.name,
                "in": "query",
                "required": false,
                "description": format!("{}: {what}{scope}", col.label.en),
                "schema": schema,
            });
            if col.kind != ColumnType::Boolean {
                param["style"] = json!("form");
                param["explode"] = json!(false);
            }
            params.push(param);
        }
    }
}

/// The document written down to OpenAPI 3.0.3, for clients that read only 3.0 (the OGC API
/// Features `oas30` conformance class).
pub fn document_v30() -> Json {
    let mut doc = document().clone();
    doc["openapi"] = json!("3.0.3");
    if let Some(license) = doc["info"]["license"].as_object_mut() {
        license.remove("identifier");
    }
    if let Some(o) = doc.as_object_mut() {
        o.remove("jsonSchemaDialect");
        o.remove("webhooks");
    }
    downgrade(&mut doc);
    doc
}

/// The API definition of OGC API Features (`/ogc/api`): the `/ogc` operations of
/// [`document_v30`], relative to the server URL `/ogc`, with one items path per collection (as
/// OGC clients look them up) and the standard `bbox`, `limit` and `datetime` definitions.
pub fn ogc_document() -> &'static Json {
    static DOC: OnceLock<Json> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = document_v30();
        let paths = doc["paths"].as_object().cloned().unwrap_or_default();
        let mut ogc = serde_json::Map::new();
        for (path, item) in paths {
            let Some(rest) = path.strip_prefix("/ogc") else { continue };
            let rest = if rest.is_empty() { "/" } else { rest };
            if !rest.starts_with("/collections/{collectionId}/") {
                ogc.insert(rest.to_owned(), item);
                continue;
            }
            for id in profile::all().iter().map(|p| p.id.as_str()) {
                let mut item = item.clone();
                // One operation per collection, so each needs its own operationId.
                if let Some(op) = item["get"]["operationId"].as_str() {
                    item["get"]["operationId"] = json!(format!("{op}_{}", id.replace('-', "_")));
                }
                if let Some(params) = item["get"]["parameters"].as_array_mut() {
                    params.retain(|p| p["name"] != json!("collectionId"));
                    for p in params.iter_mut() {
                        match p["name"].as_str() {
                            Some("bbox") => {
                                p["schema"] = json!({"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}});
                                p["style"] = json!("form");
                                p["explode"] = json!(false);
                            }
                            Some("limit") => {
                                // OGC API Features /req/core/fc-limit-definition; clients such
                                // as GDAL size their pages by `maximum`. Larger values are
                                // clamped (/per/core/limit-response).
                                p["schema"] = json!({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT});
                                p["style"] = json!("form");
                                p["explode"] = json!(false);
                            }
                            Some("datetime") => {
                                p["schema"] = json!({"type": "string"});
                                p["style"] = json!("form");
                                p["explode"] = json!(false);
                            }
                            _ => {}
                        }
                    }
                }
                ogc.insert(rest.replace("{collectionId}", id), item);
            }
        }
        doc["paths"] = Json::Object(ogc);
        doc["servers"] = json!([{"url": "/ogc", "description": "OGC API – Features"}]);
        doc["info"]["title"] = json!("datahamn: OGC API – Features");
        if let Some(o) = doc.as_object_mut() {
            o.remove("x-error-codes");
            o.remove("tags");
        }
        doc
    })
}

/// Rewrites JSON Schema 2020-12 constructs that OpenAPI 3.0 lacks.
fn downgrade(v: &mut Json) {
    match v {
        Json::Array(a) => a.iter_mut().for_each(downgrade),
        Json::Object(o) => {
            for value in o.values_mut() {
                downgrade(value);
            }
            // `type: [T, "null"]` → `type: T, nullable: true`.
            if let Some(Json::Array(types)) = o.get("type").cloned() {
                let rest: Vec<Json> = types.iter().filter(|t| *t != "null").cloned().collect();
                if rest.len() < types.len() {
                    o.insert("nullable".into(), json!(true));
                }
                match rest.as_slice() {
                    [one] => {
                        o.insert("type".into(), one.clone());
                    }
                    [] => {
                        o.remove("type");
                    }
                    many => {
                        o.remove("type");
                        o.insert(
                            "anyOf".into(),
                            Json::Array(many.iter().map(|t| json!({"type": t})).collect()),
                        );
                    }
                }
            }
            if o.get("type") == Some(&json!("null")) {
                o.remove("type");
                o.insert("nullable".into(), json!(true));
            }
            // `oneOf: [{type: null}, X]` → X, nullable.
            for key in ["oneOf", "anyOf"] {
                let Some(Json::Array(options)) = o.get(key).cloned() else {
                    continue;
                };
                let rest: Vec<Json> = options
                    .iter()
                    .filter(|x| {
                        !(x.get("nullable") == Some(&json!(true))
                            && x.as_object().is_some_and(|m| m.len() == 1))
                    })
                    .cloned()
                    .collect();
                if rest.len() == options.len() {
                    continue;
                }
                o.remove(key);
                o.insert("nullable".into(), json!(true));
                match rest.as_slice() {
                    [Json::Object(one)] if one.contains_key("$ref") => {
                        o.insert("allOf".into(), json!([one]));
                    }
                    [Json::Object(one)] => {
                        for (k, x) in one {
                            o.entry(k.clone()).or_insert_with(|| x.clone());
                        }
                    }
                    _ => {
                        o.insert(key.into(), Json::Array(rest));
                    }
                }
            }
            if let Some(Json::Array(examples)) = o.remove("examples")
                && let Some(first) = examples.into_iter().next()
            {
                o.entry("example").or_insert(first);
            }
            if let Some(c) = o.remove("const") {
                o.insert("enum".into(), json!([c]));
            }
            if let Some(Json::Number(n)) = o.get("exclusiveMinimum").cloned() {
                o.insert("minimum".into(), Json::Number(n));
                o.insert("exclusiveMinimum".into(), json!(true));
            }
            if let Some(Json::Number(n)) = o.get("exclusiveMaximum").cloned() {
                o.insert("maximum".into(), Json::Number(n));
                o.insert("exclusiveMaximum".into(), json!(true));
            }
            for key in [
                "contentMediaType",
                "contentEncoding",
                "$schema",
                "propertyNames",
                "prefixItems",
                "$defs",
            ] {
                o.remove(key);
            }
            // A reference has no siblings in 3.0.
            if o.contains_key("$ref") && o.len() > 1 {
                let reference = o.remove("$ref").unwrap_or_default();
                o.insert("allOf".into(), json!([{"$ref": reference}]));
            }
        }
        _ => {}
    }
}

/// The document as pretty JSON with a trailing newline, as committed.
pub fn document_json() -> String {
    let mut text = serde_json::to_string_pretty(document()).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk<'a>(v: &'a Json, out: &mut Vec<&'a Json>) {
        out.push(v);
        match v {
            Json::Array(a) => a.iter().for_each(|x| walk(x, out)),
            Json::Object(o) => o.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }

    #[test]
    fn facility_filters_are_documented_per_collection() {
        let doc = document();
        let names = |path: &str| -> Vec<String> {
            doc["paths"][path]["get"]["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap().to_owned())
                .collect()
        };
        let sites = names("/api/v1/bathing-sites");
        for n in [
            "municipality",
            "county",
            "q",
            "bbox",
            "near",
            "radius",
            "updated_since",
            "limit",
            "cursor",
            "count",
            "format",
            "toilet",
            "wheelchair",
            "watertype",
        ] {
            assert!(sites.contains(&n.to_owned()), "{n}");
        }
        assert!(names("/api/v1/swimming-pools").contains(&"sauna".to_owned()));
        assert!(!names("/api/v1/swimming-pools").contains(&"toilet".to_owned()));
        assert!(names("/ogc/collections/{collectionId}/items").contains(&"toilet".to_owned()));
    }

    #[test]
    fn every_counted_operation_documents_429_with_retry_after() {
        let doc = document();
        let mut operations = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let has = op["responses"].get("429").is_some();
                assert_eq!(has, path != "/healthz", "{method} {path}");
                operations += usize::from(has);
            }
        }
        assert!(operations > 40, "{operations}");
        let response = &doc["components"]["responses"]["RateLimited"];
        assert!(response["headers"]["Retry-After"].is_object(), "{response}");
        assert_eq!(
            response["content"]["application/problem+json"]["schema"]["$ref"],
            "#/components/schemas/Problem"
        );
    }

    #[test]
    fn the_30_document_has_no_31_constructs() {
        let doc = document_v30();
        assert_eq!(doc["openapi"], json!("3.0.3"));
        let mut all = Vec::new();
        walk(&doc, &mut all);
        for v in all {
            if let Json::Object(o) = v {
                assert!(!matches!(o.get("type"), Some(Json::Array(_))), "{v}");
                assert_ne!(o.get("type"), Some(&json!("null")), "{v}");
                assert!(!o.contains_key("const"));
            }
        }
    }
}
