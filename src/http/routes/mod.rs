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

use actix_web::web;

fn not_allowed(allow: &'static str) -> actix_web::Route {
    web::to(move || async move { Err::<actix_web::HttpResponse, _>(crate::http::method_not_allowed(allow)) })
}

/// Whether the OpenAPI document describes a route (web pages, assets and aliases it does not).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Doc {
    Yes,
    No,
}

/// How a route's successful `GET` answers are tagged for caching (see `http/caching.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cache {
    /// A function of the published state, the build, the profiles, the request target and
    /// `Accept`: its entity tag comes from the store revision, known before the handler runs.
    Revision,
    /// The same, and of the language `Accept-Language` picks.
    RevisionAndLanguage,
    /// Anything else: a weak tag hashed from the body.
    Body,
}

/// One route of the table: the path as the router matches it (`{name:regex}` for a segment
/// with a pattern), the methods it answers, whether the OpenAPI document describes it, how its
/// answers are cached, and whether the rate limit counts its requests. The one declaration of a
/// route.
#[derive(Clone, Debug)]
pub struct Route {
    pub path: String,
    pub methods: &'static str,
    pub documented: Doc,
    pub cache: Cache,
    /// Counted by the rate limit: every route but the health check (load balancers and
    /// orchestrators ask it often, and must never be refused).
    pub metered: bool,
}

impl Route {
    /// The path as OpenAPI writes it: `{format:csv|json}` becomes `{format}`.
    pub fn openapi_path(&self) -> String {
        let mut out = String::new();
        let mut rest = self.path.as_str();
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
            let name = &rest[open + 1..close];
            out.push('{');
            out.push_str(name.split(':').next().unwrap_or(name));
            out.push('}');
            rest = rest.get(close + 1..).unwrap_or("");
        }
        out.push_str(rest);
        out
    }
}

/// The route table being declared: each route is recorded, and registered when there is an
/// app to register it in.
struct Table<'a> {
    cfg: Option<&'a mut web::ServiceConfig>,
    routes: Vec<Route>,
}

impl Table<'_> {
    /// A resource answering `methods` (the `Allow` of its 405), built by `build`.
    fn resource(
        &mut self,
        path: impl Into<String>,
        methods: &'static str,
        documented: Doc,
        cache: Cache,
        build: impl FnOnce(actix_web::Resource) -> actix_web::Resource,
    ) {
        let path = path.into();
        if let Some(cfg) = self.cfg.as_deref_mut() {
            cfg.service(build(web::resource(path.clone())));
        }
        self.routes.push(Route {
            path,
            methods,
            documented,
            cache,
            metered: true,
        });
    }

    /// The route declared last is not counted by the rate limit.
    fn unmetered(&mut self) {
        if let Some(route) = self.routes.last_mut() {
            route.metered = false;
        }
    }

    /// A `GET` (and `HEAD`) resource.
    fn get<F, Args>(&mut self, path: impl Into<String>, handler: F, documented: Doc, cache: Cache)
    where
        F: actix_web::Handler<Args> + Clone,
        Args: actix_web::FromRequest + 'static,
        F::Output: actix_web::Responder + 'static,
    {
        self.resource(path, "GET, HEAD", documented, cache, |r| {
            r.route(web::get().to(handler.clone()))
                .route(web::head().to(handler))
                .default_service(not_allowed("GET, HEAD"))
        });
    }

    /// The interactive documentation (Swagger UI), under `/docs/`.
    fn swagger_ui(&mut self) {
        if let Some(cfg) = self.cfg.as_deref_mut() {
            cfg.service(
                utoipa_swagger_ui::SwaggerUi::new("/docs/{_:.*}")
                    .config(utoipa_swagger_ui::Config::new(["/openapi.json"])),
            );
        }
        self.routes.push(Route {
            path: "/docs/{_:.*}".into(),
            methods: "GET, HEAD",
            documented: Doc::No,
            cache: Cache::Body,
            metered: true,
        });
    }
}

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    declare(&mut Table {
        cfg: Some(cfg),
        routes: Vec::new(),
    });
}

/// The route table: every route the server registers, in order (with the profiles in effect).
pub fn table() -> Vec<Route> {
    let mut t = Table {
        cfg: None,
        routes: Vec::new(),
    };
    declare(&mut t);
    t.routes
}

/// The routes the rate limit does not count, as the router matches them.
fn unmetered_routes() -> &'static [actix_web::dev::ResourceDef] {
    static ROUTES: std::sync::OnceLock<Vec<actix_web::dev::ResourceDef>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| {
        table()
            .into_iter()
            .filter(|route| !route.metered)
            .map(|route| actix_web::dev::ResourceDef::new(route.path))
            .collect()
    })
}

/// Whether the rate limit counts a request for `path`.
pub fn metered(path: &str) -> bool {
    !unmetered_routes().iter().any(|route| route.is_match(path))
}

/// Routes are tried in order, and a route with a `{parameter}` is a regular expression: the
/// busiest, static ones come first.
fn declare(t: &mut Table<'_>) {
    t.resource("/sparql", "GET, HEAD, POST", Doc::Yes, Cache::Body, |r| {
        r.route(web::get().to(sparql::query_sparql_get))
            .route(web::head().to(sparql::query_sparql_get))
            .route(web::post().to(sparql::query_sparql_post))
            .default_service(not_allowed("GET, HEAD, POST"))
    });
    // One collection per profile, `/api/v1/{profile id}` (ids never take a path of the REST
    // API: `profile::RESERVED_IDS`).
    for profile in crate::profile::all() {
        t.resource(
            profile.collection_path(),
            "GET, HEAD",
            Doc::Yes,
            Cache::Revision,
            |r| {
                r.route(web::get().to(items::list_collection))
                    .route(web::head().to(items::list_collection))
                    .app_data(items::CollectionOf(profile))
                    .default_service(not_allowed("GET, HEAD"))
            },
        );
    }
    t.get("/", meta::get_landing, Doc::Yes, Cache::Body);
    t.get("/healthz", meta::get_health, Doc::Yes, Cache::Body);
    t.unmetered();
    t.get("/openapi.json", meta::get_openapi, Doc::Yes, Cache::Body);
    t.get("/problems/{code}", meta::get_problem_type, Doc::Yes, Cache::Body);
    t.get("/api/v1", meta::get_api_root, Doc::Yes, Cache::Body);
    t.resource(
        "/api/v1/datasets",
        "GET, HEAD, POST",
        Doc::Yes,
        Cache::Revision,
        |r| {
            r.route(web::get().to(datasets::list_datasets))
                .route(web::head().to(datasets::list_datasets))
                .route(web::post().to(steward::create_dataset))
                .default_service(not_allowed("GET, HEAD, POST"))
        },
    );
    t.resource(
        "/api/v1/datasets/{id}",
        "GET, HEAD, PATCH, DELETE",
        Doc::Yes,
        Cache::Revision,
        |r| {
            r.route(web::get().to(datasets::get_dataset))
                .route(web::head().to(datasets::get_dataset))
                .route(web::patch().to(steward::update_dataset))
                .route(web::delete().to(steward::delete_dataset))
                .default_service(not_allowed("GET, HEAD, PATCH, DELETE"))
        },
    );
    t.resource(
        "/api/v1/datasets/{id}/data",
        "PUT, POST",
        Doc::Yes,
        Cache::Revision,
        |r| {
            r.route(web::put().to(steward::upload_data))
                .route(web::post().to(steward::upload_data_post))
                .default_service(not_allowed("PUT, POST"))
        },
    );
    t.resource(
        "/api/v1/datasets/{id}/mapping",
        "GET, HEAD, PUT",
        Doc::Yes,
        Cache::Body,
        |r| {
            r.route(web::get().to(steward::get_mapping))
                .route(web::head().to(steward::get_mapping))
                .route(web::put().to(steward::set_mapping))
                .default_service(not_allowed("GET, HEAD, PUT"))
        },
    );
    t.resource(
        "/api/v1/datasets/{id}/rollback",
        "POST",
        Doc::Yes,
        Cache::Revision,
        |r| {
            r.route(web::post().to(steward::rollback))
                .default_service(not_allowed("POST"))
        },
    );
    t.get(
        "/api/v1/datasets/{id}/versions",
        steward::list_versions,
        Doc::Yes,
        Cache::Revision,
    );
    t.get(
        "/api/v1/datasets/{id}/versions/{number}",
        steward::get_version,
        Doc::Yes,
        Cache::Revision,
    );
    t.get(
        "/api/v1/datasets/{id}/versions/{number}/data",
        steward::get_version_data,
        Doc::Yes,
        Cache::Revision,
    );
    t.get(
        "/api/v1/datasets/{id}/changes",
        steward::list_dataset_changes,
        Doc::Yes,
        Cache::Revision,
    );
    t.get(
        "/api/v1/changes",
        steward::list_changes,
        Doc::Yes,
        Cache::Revision,
    );
    t.get(
        "/api/v1/organisations",
        organisations::list_organisations,
        Doc::Yes,
        Cache::Revision,
    );
    t.get("/changes", steward::get_event_stream, Doc::Yes, Cache::Revision);
    t.get("/api/v1/audit", steward::get_audit, Doc::Yes, Cache::Body);
    t.get("/api/v1/jobs/{id}", steward::get_job, Doc::Yes, Cache::Body);
    t.get("/datasets/{id}", pages::dataset_page, Doc::No, Cache::Revision);
    t.get("/steward", steward_pages::home, Doc::No, Cache::Body);
    t.resource("/steward/sign-in", "POST", Doc::No, Cache::Body, |r| {
        r.route(web::post().to(steward_pages::sign_in))
            .default_service(not_allowed("POST"))
    });
    t.resource("/steward/sign-out", "POST", Doc::No, Cache::Body, |r| {
        r.route(web::post().to(steward_pages::sign_out))
            .default_service(not_allowed("POST"))
    });
    t.resource("/steward/datasets", "POST", Doc::No, Cache::Body, |r| {
        r.route(web::post().to(steward_pages::create))
            .default_service(not_allowed("POST"))
    });
    t.get(
        "/steward/datasets/{id}",
        steward_pages::dataset,
        Doc::No,
        Cache::Body,
    );
    t.resource(
        "/steward/datasets/{id}/mapping",
        "POST",
        Doc::No,
        Cache::Body,
        |r| {
            r.route(web::post().to(steward_pages::mapping))
                .default_service(not_allowed("POST"))
        },
    );
    t.resource(
        "/steward/datasets/{id}/check",
        "POST",
        Doc::No,
        Cache::Body,
        |r| {
            r.route(web::post().to(steward_pages::check))
                .default_service(not_allowed("POST"))
        },
    );
    t.resource(
        "/steward/datasets/{id}/publish",
        "POST",
        Doc::No,
        Cache::Body,
        |r| {
            r.route(web::post().to(steward_pages::publish))
                .default_service(not_allowed("POST"))
        },
    );
    t.resource(
        "/steward/datasets/{id}/rollback",
        "POST",
        Doc::No,
        Cache::Body,
        |r| {
            r.route(web::post().to(steward_pages::rollback))
                .default_service(not_allowed("POST"))
        },
    );
    t.get(
        "/municipalities/{code}",
        pages::municipality_page,
        Doc::No,
        Cache::Revision,
    );
    t.get(
        "/assets/leaflet/1.9.4/leaflet.js",
        pages::leaflet_js,
        Doc::No,
        Cache::Body,
    );
    t.get(
        "/assets/leaflet/1.9.4/leaflet.css",
        pages::leaflet_css,
        Doc::No,
        Cache::Body,
    );
    t.get(
        format!("/assets/web/{}/map.js", pages::MAP_JS_VERSION),
        pages::map_js,
        Doc::No,
        Cache::Body,
    );
    t.get(
        "/api/v1/datasets/{id}/items",
        items::list_dataset_items,
        Doc::Yes,
        Cache::Revision,
    );
    t.get("/api/v1/items/{id}", items::get_item, Doc::Yes, Cache::Revision);
    t.get(
        "/id/{dataset}/{local}",
        linked_data::get_item_uri,
        Doc::Yes,
        Cache::RevisionAndLanguage,
    );
    t.get(
        "/dataset/{id}",
        linked_data::get_dataset_uri,
        Doc::Yes,
        Cache::Revision,
    );
    t.get(
        "/dataset/{id}/version/{number}",
        linked_data::get_version_uri,
        Doc::Yes,
        Cache::Revision,
    );
    t.get(
        "/municipality/{code}",
        linked_data::get_municipality_uri,
        Doc::Yes,
        Cache::Revision,
    );
    t.get(
        "/county/{code}",
        linked_data::get_county_uri,
        Doc::Yes,
        Cache::Revision,
    );
    t.get(
        "/organisation/{id}",
        linked_data::get_organisation_uri,
        Doc::Yes,
        Cache::Revision,
    );
    t.get(
        "/graph/catalog",
        linked_data::get_catalog_graph,
        Doc::Yes,
        Cache::Revision,
    );
    t.get("/def/", linked_data::get_vocabulary, Doc::Yes, Cache::Revision);
    t.get("/def/{term}", linked_data::get_term, Doc::Yes, Cache::Revision);
    t.get(
        "/def/profile/{id}",
        linked_data::get_profile_uri,
        Doc::Yes,
        Cache::Revision,
    );
    t.get("/catalog", catalog::get_catalog, Doc::Yes, Cache::Revision);
    t.get("/.well-known/void", catalog::get_void, Doc::Yes, Cache::Revision);
    t.get(
        format!("/sparql/ui/{}/yasgui.min.js", sparql_ui::YASGUI_VERSION),
        sparql_ui::yasgui_js,
        Doc::No,
        Cache::Body,
    );
    t.get(
        format!("/sparql/ui/{}/yasgui.min.css", sparql_ui::YASGUI_VERSION),
        sparql_ui::yasgui_css,
        Doc::No,
        Cache::Body,
    );
    t.get("/dumps/all.nq.gz", dumps::get_all, Doc::Yes, Cache::Revision);
    t.get(
        "/dumps/datasets/{id}.nq.gz",
        dumps::get_dataset,
        Doc::Yes,
        Cache::Revision,
    );
    t.get(
        "/dumps/datasets/{id}.{format:csv|geojson|jsonld|json}",
        dumps::get_download,
        Doc::Yes,
        Cache::Revision,
    );
    t.get(
        "/catalog/{municipality}",
        catalog::get_municipality_catalog,
        Doc::Yes,
        Cache::Revision,
    );
    t.get("/ogc", ogc::landing, Doc::Yes, Cache::Revision);
    t.get("/ogc/", ogc::landing, Doc::No, Cache::Revision);
    t.get("/ogc/api", ogc::api_definition, Doc::Yes, Cache::Revision);
    t.get("/ogc/conformance", ogc::conformance, Doc::Yes, Cache::Revision);
    t.get("/ogc/collections", ogc::collections, Doc::Yes, Cache::Revision);
    t.get(
        "/ogc/collections/{collectionId}",
        ogc::collection,
        Doc::Yes,
        Cache::Revision,
    );
    t.get(
        "/ogc/collections/{collectionId}/items",
        ogc::items,
        Doc::Yes,
        Cache::Revision,
    );
    t.get(
        "/ogc/collections/{collectionId}/items/{featureId}",
        ogc::feature,
        Doc::Yes,
        Cache::Revision,
    );
    t.resource("/docs", "GET", Doc::No, Cache::Body, |r| {
        r.to(|| async {
            actix_web::HttpResponse::PermanentRedirect()
                .insert_header((actix_web::http::header::LOCATION, "/docs/"))
                .finish()
        })
    });
    t.swagger_ui();
}
