//! Every endpoint and page declared once: one line of [`routes!`] gives the method and path, who may
//! call it, what it does, and the handler. The router is built from these tables ([`register`]),
//! the role check reads them ([`check`]), the OpenAPI document is generated from [`ROUTES`], and
//! the role-matrix tests walk them; so a route, its permission and its documentation cannot drift
//! apart, and no handler checks its own permission.
//!
//! Architecture invariant: `register` is the only place that adds a route to the router (a unit
//! test reads this crate's sources to keep it so), and [`check`] is the only place that compares
//! a caller's role with a route's permission.

use axum::extract::MatchedPath;
use axum::http::Method;
use axum::routing::MethodRouter;
use axum::{Json, Router};
use registry::{Role, User};
use serde_json::{json, Value};

use crate::auth::{bearer_or_cookie, SESSION_COOKIE};
use crate::{accounts, auth, decisions, families_samples_missions, persons, queues, visits, AppState, Permission};

/// One endpoint or page: method, path (axum syntax), the permission it needs (`None`: public or
/// any signed-in user, see `public`), what it does, and its handler. Made only by [`routes!`].
#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
    pub permission: Option<Permission>,
    /// Answers without signing in.
    pub public: bool,
    pub summary: &'static str,
    /// The method router serving this method of the path (a function: axum's routers are built
    /// at run time, the tables are constants).
    handler: fn() -> MethodRouter<AppState>,
}

impl RouteSpec {
    /// For [`routes!`] only: `access` is (permission, public) as `access!` spells it.
    #[doc(hidden)]
    pub(crate) const fn declare(
        method: &'static str,
        path: &'static str,
        (permission, public): (Option<Permission>, bool),
        summary: &'static str,
        handler: fn() -> MethodRouter<AppState>,
    ) -> RouteSpec {
        RouteSpec {
            method,
            path,
            permission,
            public,
            summary,
            handler,
        }
    }
}

/// Who may call a route, as written in [`routes!`]: `public`, `signed_in` (any role), or the name
/// of a [`Permission`].
macro_rules! access {
    (public) => {
        (None, true)
    };
    (signed_in) => {
        (None, false)
    };
    ($permission:ident) => {
        (Some($crate::Permission::$permission), false)
    };
}
pub(crate) use access;

/// A table of routes, one per line: `METHOD "path", access => handler, "summary";` where access is
/// `public`, `signed_in` or a [`Permission`] variant.
macro_rules! routes {
    ($($method:ident $path:literal, $access:ident => $handler:path, $summary:literal;)*) => {
        &[$(
            $crate::routes::RouteSpec::declare(
                stringify!($method),
                $path,
                $crate::routes::access!($access),
                $summary,
                || axum::routing::on(axum::routing::MethodFilter::$method, $handler),
            ),
        )*]
    };
}
pub(crate) use routes;

/// Every endpoint of the API.
pub const ROUTES: &[RouteSpec] = routes! {
    GET "/api/openapi.json", public => openapi, "This API's OpenAPI document";
    POST "/api/v1/session", public => auth::sign_in, "Sign in: sets the session cookie";
    DELETE "/api/v1/session", signed_in => auth::sign_out, "Sign out";
    GET "/api/v1/me", signed_in => auth::me, "The signed-in user and role";
    GET "/api/v1/stats", ReadSites => persons::stats, "Aggregate numbers: persons by status, sites";
    GET "/api/v1/sites", ReadSites => persons::list_sites, "Burial sites";
    POST "/api/v1/sites", WriteSites => persons::create_site, "Record a burial site";
    GET "/api/v1/sites/{id}", ReadSites => persons::get_site, "One burial site";
    POST "/api/v1/sites/{id}/relocate", WriteSites => persons::relocate_site, "Record that a site's graves were moved";
    GET "/api/v1/persons", ReadPersons => persons::list_persons, "Persons, searched by name in any script (?q=)";
    GET "/api/v1/search/persons", ReadPersons => queues::find_persons, "Persons found by name (kanji, kana, romaji in any spelling, variant kanji, ids; ?q=&limit=&offset=), ranked, with place of death and site, paged with the number found";
    POST "/api/v1/persons", WritePersons => persons::create_person, "Record a missing or deceased person";
    GET "/api/v1/persons/{id}", ReadPersons => persons::get_person, "One person";
    PUT "/api/v1/persons/{id}", WritePersons => persons::update_person, "Replace a person's data (409 if stale)";
    POST "/api/v1/persons/{id}/status", AdvanceStatus => persons::advance_status, "Move a person's status forward, with a reason";
    GET "/api/v1/persons/{id}/history", ReadPersons => persons::person_history, "A person's status history";
    GET "/api/v1/audit", ReadAudit => persons::audit_entries, "Audit entries (?after=&limit=)";
    GET "/api/v1/audit/verify", ReadAudit => persons::audit_verify, "Check the audit chain";
    // Users and tokens.
    GET "/api/v1/users", ManageUsers => accounts::list_users, "Users: role, disabled, locked by failed sign-ins";
    POST "/api/v1/users/{username}/disable", ManageUsers => accounts::disable_user, "Disable a user: every session and token of theirs stops at once";
    POST "/api/v1/users/{username}/enable", ManageUsers => accounts::enable_user, "Enable a disabled user (who signs in afresh)";
    PUT "/api/v1/users/{username}/role", ManageUsers => accounts::set_role, "Change a user's role (body: role)";
    POST "/api/v1/users/{username}/unlock", ManageUsers => accounts::unlock_user, "Unlock an account locked by failed sign-ins";
    GET "/api/v1/users/{username}/tokens", ManageUsers => accounts::user_tokens, "A user's API tokens and sessions (never the tokens themselves)";
    DELETE "/api/v1/users/{username}/tokens/{id}", ManageUsers => accounts::revoke_user_token, "Revoke one of a user's tokens or sessions";
    GET "/api/v1/tokens", signed_in => accounts::own_tokens, "Your API tokens and sessions";
    POST "/api/v1/tokens", signed_in => accounts::create_token, "Create a named API token for yourself (body: name, days: at most the configured lifetime, its default); shown once";
    DELETE "/api/v1/tokens/{id}", signed_in => accounts::revoke_own_token, "Revoke one of your tokens or sessions";
    // Families of the missing.
    GET "/api/v1/families", ReadFamilies => families_samples_missions::list_families, "Families (without contact details)";
    POST "/api/v1/families", WriteFamilies => families_samples_missions::create_family, "Record a family";
    GET "/api/v1/families/{id}", ReadFamilies => families_samples_missions::get_family, "One family";
    GET "/api/v1/families/{id}/contacts", ReadContacts => families_samples_missions::family_contacts, "A family's contact details (the read is audited)";
    GET "/api/v1/families/{id}/members", ReadFamilies => families_samples_missions::list_members, "A family's members";
    POST "/api/v1/families/{id}/members", WriteFamilies => families_samples_missions::add_member, "Add a member to a family";
    GET "/api/v1/families/{id}/liaisons", ManageUsers => accounts::family_liaisons, "The family liaisons a family is assigned to (a liaison sees only their families)";
    PUT "/api/v1/families/{id}/liaisons/{username}", ManageUsers => accounts::assign_family, "Assign a family to a family liaison";
    DELETE "/api/v1/families/{id}/liaisons/{username}", ManageUsers => accounts::unassign_family, "End a family liaison's assignment to a family";
    GET "/api/v1/families/{id}/pedigree", ReadFamilies => families_samples_missions::family_pedigree, "A family's pedigree (id, father, mother, sex)";
    // Reference samples given by relatives.
    GET "/api/v1/references", ReadReferences => families_samples_missions::list_references, "A family's reference samples, without genotypes (?family=)";
    POST "/api/v1/references", WriteReferences => families_samples_missions::create_reference, "Record a reference sample with its profile and consent";
    GET "/api/v1/references/{id}", ReadReferences => families_samples_missions::get_reference, "One reference sample, without genotypes";
    GET "/api/v1/references/{id}/profile", ReadProfiles => families_samples_missions::reference_profile, "A reference's genotypes, none once consent is withdrawn (the read is audited)";
    POST "/api/v1/references/{id}/withdraw", WithdrawConsent => families_samples_missions::withdraw_consent, "Withdraw consent: erase the genotypes, flag the identifications resting on them";
    // Remains, samples and custody.
    GET "/api/v1/remains", ReadRemains => families_samples_missions::list_remains, "Remains recovered from a site (?site=)";
    POST "/api/v1/remains", WriteRemains => families_samples_missions::create_remains, "Record recovered remains";
    GET "/api/v1/remains/{id}", ReadRemains => families_samples_missions::get_remains, "One set of remains";
    GET "/api/v1/samples", ReadSamples => queues::list_samples, "Samples without genotypes: of one remains (?remains=), else every sample a page at a time (?site=&typed=&sort=&limit=&offset=; the number in all in X-Total-Count)";
    POST "/api/v1/samples", WriteSamples => families_samples_missions::create_sample, "Record a sample";
    GET "/api/v1/samples/{id}", ReadSamples => families_samples_missions::get_sample, "One sample, without genotypes";
    GET "/api/v1/samples/{id}/profile", ReadProfiles => families_samples_missions::sample_profile, "A sample's profile (the read is audited)";
    PUT "/api/v1/samples/{id}/profile", WriteProfiles => families_samples_missions::set_sample_profile, "Record the laboratory's profile of a sample (409 if stale)";
    GET "/api/v1/samples/{id}/custody", ReadSamples => families_samples_missions::custody_chain, "A sample's chain of custody";
    POST "/api/v1/samples/{id}/custody", WriteSamples => families_samples_missions::append_custody_event, "Append an event to a sample's chain of custody";
    // Missions.
    GET "/api/v1/missions", ReadMissions => families_samples_missions::list_missions, "Grave visits and recoveries";
    POST "/api/v1/missions", WriteMissions => families_samples_missions::create_mission, "Plan a mission";
    GET "/api/v1/missions/{id}", ReadMissions => families_samples_missions::get_mission, "One mission";
    POST "/api/v1/missions/{id}/outcome", WriteMissions => families_samples_missions::set_mission_outcome, "Record what a mission achieved (409 if stale)";
    GET "/api/v1/missions/{id}/itinerary", ReadMissions => visits::mission_itinerary, "A mission's planned itinerary: day plans";
    POST "/api/v1/missions/{id}/itinerary", WriteMissions => visits::plan_mission_itinerary, "Plan a mission's days from the visit requests for its sites (409 if stale)";
    GET "/api/v1/visit-requests", ReadVisitRequests => visits::list_visit_requests, "Families' requests to visit graves (?site=)";
    POST "/api/v1/visit-requests", WriteVisitRequests => visits::create_visit_request, "Record a family's request to visit a grave";
    // Identifications, matching jobs, and telling families.
    POST "/api/v1/identifications", ProposeIdentifications => decisions::propose, "Propose the identification a matching job's candidate supports (body: candidate_id); the evidence is the registry's";
    POST "/api/v1/identifications/documentary", ProposeIdentifications => decisions::propose_documentary, "Propose an identification on documentary grounds (personal effects, burial record, dental): the documents cited, no LR";
    GET "/api/v1/identifications", ReadIdentifications => queues::identifications, "Identifications a page at a time with the number in all (?status=&site=&job=&person=&family=&min_lr=&max_lr=&sort=&limit=&offset=)";
    GET "/api/v1/queues/review", ReviewIdentifications => queues::review_queue, "The caller's review queue: proposed identifications awaiting their decision, never their own proposals, nothing of other reviews (filters as identifications)";
    GET "/api/v1/queues/candidates", ProposeIdentifications => queues::candidates_to_propose, "Candidates to propose: the latest finished job's (or ?job=) at or above 10^4 (or ?min_lr=) whose pairing has no open identification, with a rejected one's id";
    GET "/api/v1/queues/notifications", WriteHandovers => queues::notifications_due, "Families to notify of a confirmed identification";
    GET "/api/v1/queues/visits", ReadVisitRequests => queues::visits_to_arrange, "Visit requests for sites no mission goes to";
    GET "/api/v1/queues/missions", ReadMissions => queues::missions_to_plan, "Missions without a planned itinerary";
    GET "/api/v1/identifications/{id}", ReadIdentifications => decisions::get, "An identification, its evidence and reviews";
    GET "/api/v1/identifications/{id}/verify", ReadProfiles => decisions::verify, "Recompute the identification's LR from the stored profiles under the job's recorded model";
    POST "/api/v1/identifications/{id}/reviews", ReviewIdentifications => decisions::review, "Confirm or reject (two different reviewers confirm)";
    POST "/api/v1/jobs", RunJobs => decisions::start_job, "Start a matching job over every sample and family (optional JSON body: min_log10_lr, top, snp_panel (\"\" for STRs only), snp_genotype_error; the server's settings otherwise; recorded with the job)";
    GET "/api/v1/jobs/{id}", ReadJobs => decisions::get_job, "A job's status and progress (percent, pairs done, ETA)";
    GET "/api/v1/jobs/{id}/candidates", ReadJobs => decisions::job_candidates, "The candidate pairs a job found, with per-marker evidence";
    POST "/api/v1/notifications", WriteHandovers => decisions::notify, "Record that a family was told of a confirmed identification";
    GET "/api/v1/notifications", ReadHandovers => decisions::notifications, "A family's notifications (?family=)";
    POST "/api/v1/repatriations", WriteHandovers => decisions::repatriate, "Record a hand-over; the person becomes returned";
    GET "/api/v1/repatriations/{id}", ReadHandovers => decisions::repatriation, "One hand-over";
    GET "/api/v1/candidates", ReadJobs => decisions::candidates, "Candidate pairs of a job (?job=), best first";
};

/// Adds every route of `table` to `router`. Routes of one path merge into one method router, and
/// axum refuses (panics on) a method declared twice for a path, so a duplicate cannot start.
pub(crate) fn register(table: &'static [RouteSpec]) -> Router<AppState> {
    table
        .iter()
        .fold(Router::new(), |router, r| router.route(r.path, (r.handler)()))
}

/// Why [`check`] refused a request.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// The router matched a route its table does not declare: a programming error, refused
    /// rather than served unchecked.
    Undeclared(String),
    /// No credentials, or a token or session that is unknown, revoked or expired.
    Unauthenticated,
    Forbidden(Role),
    /// The path is declared, the method is not: the methods it has, as an `Allow` header says.
    MethodNotAllowed(String),
    Store(registry::StoreError),
}

/// The `Allow` header of a path declared with `methods` (HEAD wherever GET is).
fn allowed_methods<'a>(methods: impl Iterator<Item = &'a str>) -> String {
    let mut out: Vec<&str> = Vec::new();
    for m in methods {
        out.push(m);
        if m == "GET" {
            out.push("HEAD");
        }
    }
    out.join(", ")
}

/// Who is calling a declared route: nobody (public routes), or the signed-in user with the token
/// they signed in with.
pub(crate) struct Checked {
    pub caller: Option<(User, String)>,
}

/// The one role check: finds the declaration of the matched route in `table`, and unless it is
/// public looks the caller's token up (once per request) and compares the role with the route's
/// permission.
pub(crate) async fn check(
    state: &AppState,
    table: &'static [RouteSpec],
    matched: &MatchedPath,
    method: &Method,
    headers: &axum::http::HeaderMap,
) -> Result<Checked, Refusal> {
    let of_path = || table.iter().filter(|r| r.path == matched.as_str());
    // HEAD is served by the GET handler (axum's method router sends the head without the body).
    let looked_up = if method == Method::HEAD { "GET" } else { method.as_str() };
    let Some(route) = of_path().find(|r| r.method == looked_up) else {
        let allow = allowed_methods(of_path().map(|r| r.method));
        if allow.is_empty() {
            return Err(Refusal::Undeclared(format!(
                "{method} {} is not declared",
                matched.as_str()
            )));
        }
        return Err(Refusal::MethodNotAllowed(allow));
    };
    if route.public {
        return Ok(Checked { caller: None });
    }
    let token = bearer_or_cookie(headers).ok_or(Refusal::Unauthenticated)?;
    let user = state
        .store
        .user_for_token(&token)
        .await
        .map_err(Refusal::Store)?
        .ok_or(Refusal::Unauthenticated)?;
    if let Some(p) = route.permission {
        if !p.allows(user.role) {
            return Err(Refusal::Forbidden(user.role));
        }
    }
    Ok(Checked {
        caller: Some((user, token)),
    })
}

async fn openapi() -> Json<Value> {
    Json(openapi_document())
}

/// The OpenAPI 3.1 document, generated from [`ROUTES`].
pub fn openapi_document() -> Value {
    let mut paths = serde_json::Map::new();
    for r in ROUTES {
        let entry = paths.entry(r.path.to_owned()).or_insert_with(|| json!({}));
        let roles: Vec<&str> = r
            .permission
            .map(|p| p.roles().iter().map(Role::as_str).collect())
            .unwrap_or_default();
        entry[r.method.to_lowercase()] = json!({
            "summary": r.summary,
            "security": if r.public { json!([]) } else { json!([{ "bearer": [] }, { "session": [] }]) },
            "x-roles": roles,
            "responses": {
                "200": { "description": "OK" },
                "400": { "description": "Bad request; `field` names the field" },
                "401": { "description": "Not signed in" },
                "403": { "description": "The role may not do this" },
                "404": { "description": "Not found" },
                "405": { "description": "Method not allowed; `Allow` lists the path's methods" },
                "409": { "description": "Conflict: stale version, duplicate or backward status" },
                "413": { "description": "Body too large" }
            }
        });
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Homeward API", "version": env!("CARGO_PKG_VERSION") },
        "components": { "securitySchemes": {
            "bearer": { "type": "http", "scheme": "bearer" },
            "session": { "type": "apiKey", "in": "cookie", "name": SESSION_COOKIE }
        }},
        "paths": paths
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::PAGES;

    #[test]
    fn every_route_is_declared_once() {
        for table in [ROUTES, PAGES] {
            for (i, a) in table.iter().enumerate() {
                for b in &table[i + 1..] {
                    assert!(!(a.path == b.path && a.method == b.method), "{} {}", a.method, a.path);
                }
            }
        }
    }

    #[test]
    fn only_public_routes_lack_a_permission_or_a_session() {
        for r in ROUTES.iter().chain(PAGES) {
            assert!(
                !(r.public && r.permission.is_some()),
                "{} {}: a public route needs no permission",
                r.method,
                r.path
            );
        }
    }

    /// Every `.route(` of this crate's sources is the one in `register`: a route added to the
    /// router any other way would bypass the tables (and so the role check, the OpenAPI document
    /// and the role-matrix tests).
    #[test]
    fn routes_reach_the_router_only_through_the_tables() {
        fn sources(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    sources(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap()));
                }
            }
        }
        let mut files = Vec::new();
        sources(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let needle = concat!(".rou", "te(");
        let places: Vec<String> = files
            .iter()
            .flat_map(|(name, text)| {
                text.lines()
                    .filter(|l| l.contains(needle) && !l.trim_start().starts_with("//"))
                    .map(move |l| format!("{name}: {}", l.trim()))
            })
            .collect();
        assert_eq!(places.len(), 1, "routes added outside `register`: {places:#?}");
        assert!(places[0].contains("(r.handler)()"), "{places:?}");
    }
}
