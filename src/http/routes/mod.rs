//! The route table: one place that lists every URL datahamn serves.

pub mod catalog;
pub mod datasets;
pub mod dumps;
pub mod items;
pub mod linked_data;
pub mod meta;
pub mod ogc;
pub mod organisations;
pub mod pages;
pub mod sparql;
pub mod sparql_ui;
pub mod steward;
pub mod steward_pages;

use crate::get_resource;
use actix_web::web;

fn not_allowed(allow: &'static str) -> actix_web::Route {
    web::to(move || async move { Err::<actix_web::HttpResponse, _>(crate::http::method_not_allowed(allow)) })
}

/// Routes are tried in order, and a route with a `{parameter}` is a regular expression: the
/// busiest, static ones come first.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/sparql")
            .route(web::get().to(sparql::query_sparql_get))
            .route(web::head().to(sparql::query_sparql_get))
            .route(web::post().to(sparql::query_sparql_post))
            .default_service(not_allowed("GET, HEAD, POST")),
    );
    // One collection per profile, `/api/v1/{profile id}` (ids never take a path of the REST
    // API: `profile::RESERVED_IDS`).
    for profile in crate::profile::all() {
        cfg.service(
            get_resource!(profile.collection_path(), items::list_collection)
                .app_data(items::CollectionOf(profile)),
        );
    }
    cfg.service(get_resource!("/", meta::get_landing))
        .service(get_resource!("/healthz", meta::get_health))
        .service(get_resource!("/openapi.json", meta::get_openapi))
        .service(get_resource!("/problems/{code}", meta::get_problem_type))
        .service(get_resource!("/api/v1", meta::get_api_root))
        .service(
            web::resource("/api/v1/datasets")
                .route(web::get().to(datasets::list_datasets))
                .route(web::head().to(datasets::list_datasets))
                .route(web::post().to(steward::create_dataset))
                .default_service(not_allowed("GET, HEAD, POST")),
        )
        .service(
            web::resource("/api/v1/datasets/{id}")
                .route(web::get().to(datasets::get_dataset))
                .route(web::head().to(datasets::get_dataset))
                .route(web::patch().to(steward::update_dataset))
                .route(web::delete().to(steward::delete_dataset))
                .default_service(not_allowed("GET, HEAD, PATCH, DELETE")),
        )
        .service(
            web::resource("/api/v1/datasets/{id}/data")
                .route(web::put().to(steward::upload_data))
                .route(web::post().to(steward::upload_data_post))
                .default_service(not_allowed("PUT, POST")),
        )
        .service(
            web::resource("/api/v1/datasets/{id}/rollback")
                .route(web::post().to(steward::rollback))
                .default_service(not_allowed("POST")),
        )
        .service(get_resource!(
            "/api/v1/datasets/{id}/versions",
            steward::list_versions
        ))
        .service(get_resource!(
            "/api/v1/datasets/{id}/versions/{number}",
            steward::get_version
        ))
        .service(get_resource!(
            "/api/v1/datasets/{id}/versions/{number}/data",
            steward::get_version_data
        ))
        .service(get_resource!(
            "/api/v1/datasets/{id}/changes",
            steward::list_dataset_changes
        ))
        .service(get_resource!("/api/v1/changes", steward::list_changes))
        .service(get_resource!(
            "/api/v1/organisations",
            organisations::list_organisations
        ))
        .service(get_resource!("/changes", steward::get_event_stream))
        .service(get_resource!("/api/v1/audit", steward::get_audit))
        .service(get_resource!("/api/v1/jobs/{id}", steward::get_job))
        .service(get_resource!("/datasets/{id}", pages::dataset_page))
        .service(get_resource!("/steward", steward_pages::home))
        .service(
            web::resource("/steward/sign-in")
                .route(web::post().to(steward_pages::sign_in))
                .default_service(not_allowed("POST")),
        )
        .service(
            web::resource("/steward/sign-out")
                .route(web::post().to(steward_pages::sign_out))
                .default_service(not_allowed("POST")),
        )
        .service(
            web::resource("/steward/datasets")
                .route(web::post().to(steward_pages::create))
                .default_service(not_allowed("POST")),
        )
        .service(get_resource!("/steward/datasets/{id}", steward_pages::dataset))
        .service(
            web::resource("/steward/datasets/{id}/check")
                .route(web::post().to(steward_pages::check))
                .default_service(not_allowed("POST")),
        )
        .service(
            web::resource("/steward/datasets/{id}/publish")
                .route(web::post().to(steward_pages::publish))
                .default_service(not_allowed("POST")),
        )
        .service(
            web::resource("/steward/datasets/{id}/rollback")
                .route(web::post().to(steward_pages::rollback))
                .default_service(not_allowed("POST")),
        )
        .service(get_resource!("/municipalities/{code}", pages::municipality_page))
        .service(get_resource!(
            "/assets/leaflet/1.9.4/leaflet.js",
            pages::leaflet_js
        ))
        .service(get_resource!(
            "/assets/leaflet/1.9.4/leaflet.css",
            pages::leaflet_css
        ))
        .service(get_resource!(
            format!("/assets/web/{}/map.js", pages::MAP_JS_VERSION),
            pages::map_js
        ))
        .service(get_resource!(
            "/api/v1/datasets/{id}/items",
            items::list_dataset_items
        ))
        .service(get_resource!("/api/v1/items/{id}", items::get_item))
        .service(get_resource!("/id/{dataset}/{local}", linked_data::get_item_uri))
        .service(get_resource!("/dataset/{id}", linked_data::get_dataset_uri))
        .service(get_resource!(
            "/dataset/{id}/version/{number}",
            linked_data::get_version_uri
        ))
        .service(get_resource!(
            "/municipality/{code}",
            linked_data::get_municipality_uri
        ))
        .service(get_resource!("/county/{code}", linked_data::get_county_uri))
        .service(get_resource!(
            "/organisation/{id}",
            linked_data::get_organisation_uri
        ))
        .service(get_resource!("/graph/catalog", linked_data::get_catalog_graph))
        .service(get_resource!("/def/", linked_data::get_vocabulary))
        .service(get_resource!("/def/{term}", linked_data::get_term))
        .service(get_resource!("/def/profile/{id}", linked_data::get_profile_uri))
        .service(get_resource!("/catalog", catalog::get_catalog))
        .service(get_resource!("/.well-known/void", catalog::get_void))
        .service(get_resource!(
            format!("/sparql/ui/{}/yasgui.min.js", sparql_ui::YASGUI_VERSION),
            sparql_ui::yasgui_js
        ))
        .service(get_resource!(
            format!("/sparql/ui/{}/yasgui.min.css", sparql_ui::YASGUI_VERSION),
            sparql_ui::yasgui_css
        ))
        .service(get_resource!("/dumps/all.nq.gz", dumps::get_all))
        .service(get_resource!("/dumps/datasets/{id}.nq.gz", dumps::get_dataset))
        .service(get_resource!(
            "/dumps/datasets/{id}.{format:csv|geojson|jsonld|json}",
            dumps::get_download
        ))
        .service(get_resource!(
            "/catalog/{municipality}",
            catalog::get_municipality_catalog
        ))
        .service(get_resource!("/ogc", ogc::landing))
        .service(get_resource!("/ogc/", ogc::landing))
        .service(get_resource!("/ogc/api", ogc::api_definition))
        .service(get_resource!("/ogc/conformance", ogc::conformance))
        .service(get_resource!("/ogc/collections", ogc::collections))
        .service(get_resource!("/ogc/collections/{collectionId}", ogc::collection))
        .service(get_resource!("/ogc/collections/{collectionId}/items", ogc::items))
        .service(get_resource!(
            "/ogc/collections/{collectionId}/items/{featureId}",
            ogc::feature
        ))
        .service(web::resource("/docs").to(|| async {
            actix_web::HttpResponse::PermanentRedirect()
                .insert_header((actix_web::http::header::LOCATION, "/docs/"))
                .finish()
        }))
        .service(
            utoipa_swagger_ui::SwaggerUi::new("/docs/{_:.*}")
                .config(utoipa_swagger_ui::Config::new(["/openapi.json"])),
        );
}
