//! The web pages at `/`: server-rendered HTML in English and Japanese, htmx for partial updates,
//! every script, style sheet and map shape embedded in the binary. Every page is a maud template
//! (`html.rs` has the shell): the markup is checked when the crate compiles and every value it
//! interpolates is escaped.
//!
//! [`PAGES`] declares every page and form action with the permission it needs (from the same
//! `permissions.rs` table as the API) and its handler; `authorize_page` checks the signed-in user
//! against it with the API's `routes::check`, and the CSRF token of every form post, before any
//! handler runs. Handlers then only render what the
//! role may see: genotypes come only through [`ProfileReader`], which a role without
//! `ReadProfiles` (a family liaison, a viewer) cannot obtain.
//!
//! Architecture invariants: role check before handler; no genotype in any page for a role without
//! `ReadProfiles`; no page refers to anything outside this server (no CDN, no map tiles).

mod assets;
mod family_sample_mission_pages;
mod forms;
mod html;
mod i18n;
mod matching;
mod mission_forms;
mod pages;
mod pedigree;
mod queues;
mod record_forms;
mod report;
mod snp_view;

use axum::body::Body;
use axum::extract::{FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form, Router};
use maud::Markup;
use registry::{StoreError, User};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::auth::bearer_or_cookie;
use crate::routes::{check, register, routes, Checked, Refusal, RouteSpec};
use crate::{ApiError, AppState, Permission};
pub use i18n::Lang;
use i18n::Msg;

/// Every web page and form action, with the permission it needs (the API's table).
pub const PAGES: &[RouteSpec] = routes! {
    GET "/signin", public => sign_in_form, "The sign-in form";
    POST "/signin", public => sign_in, "Sign in: sets the session cookie";
    GET "/assets/{*file}", public => assets::serve, "Embedded scripts, styles, images and map shapes";
    POST "/signout", signed_in => sign_out, "Sign out";
    POST "/settings/locale", signed_in => set_locale, "Choose the language of the pages";
    GET "/settings", signed_in => settings, "The reader's language and time zone";
    POST "/settings/zone", signed_in => set_zone, "Choose the time zone the pages show times in";
    GET "/", ReadSites => pages::dashboard, "Dashboard: numbers by status, activity, jobs";
    GET "/map", ReadSites => pages::map, "Map of burial sites";
    GET "/sites/{id}", ReadSites => pages::site, "A burial site";
    GET "/persons", ReadPersons => pages::persons, "Persons, searched by name";
    GET "/persons/new", WritePersons => record_forms::new_person, "The form recording a person (names in several scripts, dates, place of death, sources)";
    POST "/persons/new", WritePersons => record_forms::create_person, "Record a person (the form shown again beside the field it names if refused)";
    GET "/persons/{id}", ReadPersons => pages::person, "A person and the timeline of statuses";
    GET "/persons/{id}/edit", WritePersons => record_forms::edit_person, "The form changing a person's data, with the version it read";
    POST "/persons/{id}/edit", WritePersons => record_forms::update_person, "Replace a person's data (409 with the current values if changed since)";
    GET "/families", ReadFamilies => family_sample_mission_pages::families, "Families";
    GET "/families/new", WriteFamilies => record_forms::new_family, "The form recording a family";
    POST "/families/new", WriteFamilies => record_forms::create_family, "Record a family (a liaison who records it looks after it)";
    GET "/families/{id}/edit", WriteFamilies => record_forms::edit_family, "The form changing a family's record and contact details, with the version it read";
    POST "/families/{id}/edit", WriteFamilies => record_forms::update_family, "Replace a family's record and contacts (409 with the input kept if changed since)";
    GET "/members/{id}/edit", WriteFamilies => family_sample_mission_pages::edit_member, "The form changing a family member (name, sex, parents, alive, missing, person), with the version it read";
    POST "/members/{id}/edit", WriteFamilies => family_sample_mission_pages::update_member, "Replace a member's data (409 with the input kept if changed since)";
    POST "/families/{id}/members", WriteFamilies => family_sample_mission_pages::add_member, "Add a member to a family (the page again with the message beside the field if refused)";
    GET "/families/{id}", ReadFamilies => family_sample_mission_pages::family, "A family, its pedigree and consent";
    POST "/families/{id}/visits", WriteVisitRequests => family_sample_mission_pages::create_visit_request, "Record the family's request to visit a grave (409 beside the site if it asked already)";
    POST "/references/{id}/withdraw", WithdrawConsent => family_sample_mission_pages::withdraw_consent, "Withdraw a reference's consent, with the reason (genotypes erased, identifications flagged)";
    GET "/families/{id}/advice", ReadFamilies => family_sample_mission_pages::advice, "Who to sample next (simulated power of each living relative's sample)";
    GET "/families/{id}/report", ReadFamilies => family_sample_mission_pages::report, "Printable identification report";
    GET "/samples", ReadSamples => queues::samples, "Samples, paged with the number in all (?site=&typed=&sort=)";
    GET "/samples/{id}", ReadSamples => family_sample_mission_pages::sample, "A sample and its chain of custody";
    POST "/samples/{id}/custody", WriteSamples => family_sample_mission_pages::append_custody_event, "Append an event to a sample's chain of custody";
    GET "/jobs", ReadJobs => matching::jobs, "Matching jobs";
    POST "/jobs", RunJobs => matching::start_job, "Start a matching job with the settings of the form (the server's by default)";
    GET "/jobs/{id}", ReadJobs => matching::job, "A matching job and its candidates";
    GET "/jobs/{id}/progress", ReadJobs => matching::progress, "A job's progress bar (htmx)";
    GET "/candidates/{id}", ReadJobs => matching::candidate, "Candidate review";
    POST "/candidates/{id}/propose", ProposeIdentifications => matching::propose, "Propose the identification a candidate supports";
    POST "/identifications/{id}/reviews", ReviewIdentifications => matching::review, "A reviewer's decision";
    GET "/queues/review", ReviewIdentifications => queues::review, "The reviewer's queue: identifications awaiting my decision, blind to other reviews";
    GET "/queues/candidates", ProposeIdentifications => queues::candidates, "Candidates to propose (above the threshold, no open identification)";
    GET "/queues/notifications", WriteHandovers => queues::notifications, "Families to notify of a confirmed identification";
    GET "/queues/visits", WriteVisitRequests => queues::visits, "Visit requests for sites no mission goes to";
    GET "/queues/missions", WriteMissions => queues::missions, "Missions without a planned itinerary";
    GET "/identifications", ReadIdentifications => queues::identifications, "Identifications, filtered and paged";
    GET "/identifications/{id}/report", ReadIdentifications => report::identification_report, "An identification's report: remains, references, hypotheses, model, LR and posterior with the prior, reviews, a paragraph for the family, signatures (DRAFT until confirmed)";
    GET "/identifications/{id}/report.pdf", ReadIdentifications => report::identification_report_pdf, "The identification report as a PDF (A4, the reader's language, DRAFT across every page until confirmed)";
    GET "/missions", ReadMissions => family_sample_mission_pages::missions, "Missions";
    GET "/missions/new", WriteMissions => mission_forms::new_mission, "The form planning a mission: kind, name, dates, sites, participants, permits";
    POST "/missions/new", WriteMissions => mission_forms::create_mission, "Plan a mission (the form again beside the field if refused)";
    POST "/missions/{id}/plan", WriteMissions => mission_forms::plan_itinerary, "Plan a mission's days from the visit requests for its sites, drawn on its map (409 if the plan changed since)";
    POST "/notifications", WriteHandovers => mission_forms::record_notification, "Record that a family was told of a confirmed identification (from the notifications queue)";
    GET "/missions/{id}", ReadMissions => family_sample_mission_pages::mission, "A mission: sites, participants, itinerary";
};

/// Who is asking, in which language, and the CSRF token their forms carry.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    pub user: User,
    pub lang: Lang,
    /// The user chose to read in the browser's language (or chose nothing yet).
    pub follows_browser: bool,
    /// The zone instants are shown in: the user's choice, else the language's default.
    pub zone: i18n::Zone,
    /// The user chose no zone: the language's default is in force.
    pub default_zone: bool,
    pub csrf: String,
}

impl Ctx {
    /// The handler's answer: `body` in the page shell, titled `title`.
    pub fn respond(&self, title: &str, body: Markup) -> PageResult {
        Ok(Html(html::page(self, title, html::NO_EXTRA_HEAD, body).into_string()).into_response())
    }

    /// The families the signed-in user may see (a family liaison: those assigned to them).
    pub fn family_scope(&self) -> registry::FamilyScope {
        registry::FamilyScope::of(&self.user.username, self.user.role)
    }

    /// A registry instant as this reader reads it: their language, their zone.
    pub fn instant(&self, at: &str) -> String {
        i18n::instant(self.lang, &self.zone, at)
    }

    pub fn may(&self, p: Permission) -> bool {
        p.allows(self.user.role)
    }

    pub fn t(&self, m: Msg) -> &'static str {
        self.lang.t(m)
    }

    /// A table whose caption and column headers are labels in the reader's language.
    pub fn table(&self, caption: Msg, header: &[Msg], rows: &[Vec<Markup>]) -> Markup {
        let header: Vec<&str> = header.iter().map(|&m| self.t(m)).collect();
        html::table(self.t(caption), &header, rows)
    }
}

/// The only way to genotypes in a page: a role without `ReadProfiles` cannot make one.
#[derive(Debug)]
pub(crate) struct ProfileReader<'a> {
    ctx: &'a Ctx,
}

impl<'a> ProfileReader<'a> {
    pub fn new(ctx: &'a Ctx) -> Option<ProfileReader<'a>> {
        ctx.may(Permission::ReadProfiles).then_some(ProfileReader { ctx })
    }

    /// A sample's STR genotypes by marker (the read is audited).
    pub async fn sample(
        &self,
        store: &registry::Store,
        id: i64,
    ) -> Result<std::collections::BTreeMap<String, String>, StoreError> {
        Ok(match store.get_sample_profile(&self.ctx.user.username, id).await? {
            Some(registry::SampleProfile::Str(p)) => p.genotypes().clone(),
            _ => Default::default(),
        })
    }

    /// The STR genotypes by marker of each of several references (in their order), none once
    /// consent is withdrawn (each read audited; one statement).
    pub async fn references(
        &self,
        store: &registry::Store,
        ids: &[i64],
    ) -> Result<Vec<std::collections::BTreeMap<String, String>>, StoreError> {
        Ok(store
            .get_reference_profiles(&self.ctx.user.username, ids)
            .await?
            .into_iter()
            .map(|p| p.map(|p| p.str_profile.genotypes().clone()).unwrap_or_default())
            .collect())
    }
}

/// The CSRF token of a session: derived from the session token, which only the browser holding the
/// HttpOnly cookie knows; another site can neither read it nor send the cookie (SameSite=Strict).
fn csrf_token(session: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"homeward-csrf:");
    h.update(session.as_bytes());
    hex_string(&h.finalize())
}

fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The language for a request without a signed-in preference.
fn browser_lang(headers: &HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::from_accept_language)
        .unwrap_or(Lang::En)
}

/// An error as a page.
#[derive(Debug)]
pub(crate) struct PageError(ApiError);

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        PageError(e.into())
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        PageError(e)
    }
}

impl PageError {
    pub fn not_found(what: String) -> PageError {
        PageError(ApiError::NotFound(what))
    }

    /// The record a page is about, or "not found" naming it (`what` and `id`).
    pub fn found<T>(record: Option<T>, what: &str, id: i64) -> Result<T, PageError> {
        record.ok_or_else(|| PageError::not_found(format!("{what} {id}")))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let (en, ja) = match status {
            StatusCode::FORBIDDEN => (Msg::Forbidden.text(Lang::En), Msg::Forbidden.text(Lang::Ja)),
            StatusCode::NOT_FOUND => (Msg::NotFound.text(Lang::En), Msg::NotFound.text(Lang::Ja)),
            _ => (Msg::Error.text(Lang::En), Msg::Error.text(Lang::Ja)),
        };
        // Workflow refusals and bad input say why; internals never leave the server.
        let detail = match &self.0 {
            ApiError::Unexpected(_) => None,
            other => Some(other.to_string()),
        };
        let body = maud::html! {
            p lang="en" { (en) }
            p lang="ja" { (ja) }
            @if let Some(detail) = detail { p { (detail) } }
            p { a href="/" { "Homeward" } }
        };
        let page = html::bare_page(Lang::En, status.as_str(), body);
        let mut response = (status, Html(page.into_string())).into_response();
        self.0.add_headers(response.headers_mut());
        response
    }
}

pub(crate) type PageResult = Result<Response, PageError>;

fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Checks the signed-in user against [`PAGES`] (the same [`check`] as the API's), and the CSRF token
/// of a form post, before any handler. Not signed in: to the sign-in form. The wrong role: 403.
async fn authorize_page(
    State(s): State<AppState>,
    matched: axum::extract::MatchedPath,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let (user, session) = match check(&s, PAGES, &matched, req.method(), req.headers()).await {
        Ok(Checked { caller: None }) => return next.run(req).await,
        Ok(Checked { caller: Some(caller) }) => caller,
        Err(Refusal::Unauthenticated) => return see_other("/signin"),
        Err(refusal) => return PageError(refusal.into()).into_response(),
    };
    let csrf = csrf_token(&session);
    let req = if req.method() == axum::http::Method::POST {
        match check_csrf(req, &csrf, s.config.max_body_bytes).await {
            Ok(req) => req,
            Err(response) => return response,
        }
    } else {
        req
    };
    // A stored language, or "auto" (and nothing stored): the browser's. A stored zone, else the
    // language's default.
    let (locale, zone) = match s.store.user_reading(user.id).await {
        Ok(stored) => stored,
        Err(e) => return PageError::from(e).into_response(),
    };
    let chosen = locale.as_deref().and_then(Lang::from_tag);
    let lang = chosen.unwrap_or_else(|| browser_lang(req.headers()));
    let chosen_zone = zone.as_deref().and_then(i18n::Zone::named);
    let default_zone = chosen_zone.is_none();
    let zone = chosen_zone.unwrap_or_else(|| i18n::Zone::default_for(lang));
    let mut req = req;
    req.extensions_mut().insert(Ctx {
        user,
        lang,
        follows_browser: chosen.is_none(),
        zone,
        default_zone,
        csrf,
    });
    next.run(req).await
}

/// A form post must carry the session's CSRF token, as the `csrf` field or the `X-CSRF-Token`
/// header (htmx). The body is read here and handed on unchanged.
async fn check_csrf(req: Request, expected: &str, limit: usize) -> Result<Request, Response> {
    let refuse = || {
        PageError(ApiError::NotAllowed(
            "the form's security token is missing or stale; reload the page".into(),
        ))
        .into_response()
    };
    if req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == expected)
    {
        return Ok(req);
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| PageError(ApiError::TooLarge(limit)).into_response())?;
    let given = form_urlencoded_field(&bytes, "csrf");
    if given.as_deref() != Some(expected) {
        return Err(refuse());
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// The web pages' routes, from [`PAGES`], checked by [`authorize_page`].
pub(crate) fn routes(state: AppState) -> Router<AppState> {
    register(PAGES)
        .route_layer(axum::middleware::from_fn_with_state(state, authorize_page))
        .layer(axum::middleware::map_response(with_security_headers))
}

/// The browser itself refuses to load or send anything to another origin, whatever a page holds,
/// and runs no script nor applies any style written into a page: no `'unsafe-inline'`, so markup
/// that slipped past escaping could neither run nor restyle the page. Scripts and styles come only
/// from the served assets (`<script type="application/json">` data blocks are not run); scripts
/// may still set element styles through the CSSOM (Leaflet positions its layers so), which CSP
/// allows. `img-src data:` is for Leaflet's and the cluster plugin's data-URL images.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

async fn with_security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}

/// The page's `{id}`, with a 404 page for anything that is not a number.
pub(crate) struct PageId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for PageId {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        match axum::extract::Path::<i64>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(id)) => Ok(PageId(id)),
            Err(_) => Err(PageError::not_found("page".into())),
        }
    }
}

#[derive(Debug, Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

fn sign_in_page(lang: Lang, error: Option<Msg>) -> String {
    // The form in the other language: (its tag, its name in itself).
    let (other_tag, other_name) = match lang {
        Lang::En => ("ja", "日本語"),
        Lang::Ja => ("en", "English"),
    };
    let body = maud::html! {
        @if let Some(m) = error { p.error role="alert" { (lang.t(m)) } }
        form.stack method="post" action="/signin" {
            input type="hidden" name="lang" value=(lang.tag());
            label for="username" { (lang.t(Msg::Username)) }
            input id="username" name="username" autocomplete="username" required autofocus;
            label for="password" { (lang.t(Msg::Password)) }
            input id="password" name="password" type="password" autocomplete="current-password" required;
            button type="submit" { (lang.t(Msg::SignIn)) }
        }
        p { a href={ "/signin?lang=" (other_tag) } lang=(other_tag) { (other_name) } }
    };
    html::bare_page(lang, lang.t(Msg::SignIn), body).into_string()
}

async fn sign_in_form(headers: HeaderMap, Query(q): Query<LangQuery>) -> Html<String> {
    let lang = q
        .lang
        .as_deref()
        .and_then(Lang::from_tag)
        .unwrap_or_else(|| browser_lang(&headers));
    Html(sign_in_page(lang, None))
}

#[derive(Debug, Deserialize)]
struct SignInForm {
    username: String,
    password: String,
    #[serde(default)]
    lang: Option<String>,
}

async fn sign_in(
    State(s): State<AppState>,
    headers: HeaderMap,
    crate::auth::ClientAddr(addr): crate::auth::ClientAddr,
    Form(f): Form<SignInForm>,
) -> PageResult {
    let lang = f
        .lang
        .as_deref()
        .and_then(Lang::from_tag)
        .unwrap_or_else(|| browser_lang(&headers));
    let user = match crate::auth::checked_sign_in(&s, &f.username, &f.password, addr).await {
        Ok(user) => user,
        Err(e @ (ApiError::SignInRefused | ApiError::Throttled(_) | ApiError::Locked)) => {
            let message = match e {
                ApiError::SignInRefused => Msg::WrongPassword,
                ApiError::Throttled(_) => Msg::SignInThrottled,
                _ => Msg::AccountLocked,
            };
            let mut response = (e.status(), Html(sign_in_page(lang, Some(message)))).into_response();
            e.add_headers(response.headers_mut());
            return Ok(response);
        }
        Err(e) => return Err(e.into()),
    };
    let cookie = crate::auth::start_session(&s, &user).await?;
    let mut response = see_other("/");
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| ApiError::Unexpected(e.to_string()))?,
    );
    Ok(response)
}

async fn sign_out(State(s): State<AppState>, headers: HeaderMap) -> PageResult {
    if let Some(token) = bearer_or_cookie(&headers) {
        s.store.revoke_token(&token).await?;
    }
    let mut response = see_other("/signin");
    let cookie = crate::auth::session_cookie(&s, "", 0);
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| ApiError::Unexpected(e.to_string()))?,
    );
    Ok(response)
}

/// The stored language choice "read in the browser's language".
pub(crate) const FOLLOW_BROWSER: &str = "auto";

#[derive(Debug, Deserialize)]
struct LocaleForm {
    locale: String,
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// The reader's settings: the language (as in the header) and the time zone instants are shown in.
async fn settings(Extension(ctx): Extension<Ctx>) -> PageResult {
    let default = i18n::Zone::default_for(ctx.lang);
    let body = maud::html! {
        p {
            (ctx.t(Msg::TimeZone)) ": "
            strong id="zone-in-force" { (ctx.zone.name()) }
            " — " (ctx.instant(&registry::now_utc()))
        }
        form method="post" action="/settings/zone" {
            (html::csrf_field(&ctx))
            label for="time_zone" { (ctx.t(Msg::TimeZone)) }
            " "
            select id="time_zone" name="time_zone" {
                option value=(FOLLOW_BROWSER) selected[ctx.default_zone] {
                    (ctx.t(Msg::LanguageDefault)) " (" (default.name()) ")"
                }
                @for name in i18n::Zone::all_names() {
                    option value=(name) selected[!ctx.default_zone && name == ctx.zone.name()] { (name) }
                }
            }
            " "
            button type="submit" { (ctx.t(Msg::Save)) }
        }
    };
    ctx.respond(ctx.t(Msg::Settings), body)
}

#[derive(Debug, Deserialize)]
struct ZoneForm {
    time_zone: String,
    #[allow(dead_code)]
    csrf: Option<String>,
}

async fn set_zone(State(s): State<AppState>, Extension(ctx): Extension<Ctx>, Form(f): Form<ZoneForm>) -> PageResult {
    let zone = if f.time_zone == FOLLOW_BROWSER {
        None
    } else {
        let zone = i18n::Zone::named(f.time_zone.trim()).ok_or_else(|| ApiError::BadRequest {
            message: format!(
                "'{}' is not a time zone of the IANA database (e.g. Asia/Tokyo)",
                f.time_zone
            ),
            field: Some("time_zone".into()),
        })?;
        Some(zone.name().to_owned())
    };
    s.store.set_user_time_zone(&ctx.user, zone.as_deref()).await?;
    Ok(see_other("/settings"))
}

async fn set_locale(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    Form(f): Form<LocaleForm>,
) -> PageResult {
    let tag = if f.locale == FOLLOW_BROWSER {
        FOLLOW_BROWSER
    } else {
        Lang::from_tag(&f.locale)
            .ok_or_else(|| ApiError::BadRequest {
                message: format!("'{}' is not a language of these pages (auto, en, ja)", f.locale),
                field: Some("locale".into()),
            })?
            .tag()
    };
    s.store.set_user_locale(&ctx.user, tag).await?;
    // Back to the page the form was on, if it was one of ours.
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.find('/').map(|i| rest[i..].to_owned()))
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or_else(|| "/".to_owned());
    Ok(see_other(&back))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_tokens_differ_by_session() {
        assert_ne!(csrf_token("a"), csrf_token("b"));
        assert_eq!(csrf_token("a").len(), 64);
        assert_eq!(
            form_urlencoded_field(b"locale=ja&csrf=abc%20d", "csrf").as_deref(),
            Some("abc d")
        );
    }
}
