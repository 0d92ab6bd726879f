//! Families with their pedigree and consent, the printable report, samples with their chain of
//! custody, and missions. No genotype is read here.

use std::fmt::Write;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect};
use axum::{Extension, Form};
use maud::{html, PreEscaped};
use registry::model::{FieldError, Sex};
use registry::{
    CustodyEventKind, Family, FamilyMember, Mobility, NewCustodyEvent, NewMember, NewVisitRequest, Reference,
    StoreError,
};

use super::forms::{legacy_respond_with, options, Extra, Fields, FormView, Refused};
use super::html::esc;
use super::html::legacy::{facts, link, page, table};
use super::i18n::{self, Msg};
use super::pages::{first_name, names_html};
use super::pedigree;
use super::{Ctx, PageError, PageId, PageResult};
use crate::{AppState, Permission};

#[derive(Debug, serde::Deserialize)]
pub(crate) struct Offset {
    #[serde(default)]
    offset: usize,
}

const FAMILIES_PER_PAGE: usize = 100;

pub(crate) async fn families(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(Offset { offset }): Query<Offset>,
) -> PageResult {
    let all = s.store.list_families_in(&ctx.family_scope()).await?;
    let mut pager = String::from(r#"<nav class="pager">"#);
    if offset > 0 {
        let _ = write!(
            pager,
            r#"<a href="/families?offset={}">{}</a> "#,
            offset.saturating_sub(FAMILIES_PER_PAGE),
            ctx.t(Msg::Previous)
        );
    }
    if offset + FAMILIES_PER_PAGE < all.len() {
        let _ = write!(
            pager,
            r#"<a href="/families?offset={}">{}</a>"#,
            offset + FAMILIES_PER_PAGE,
            ctx.t(Msg::Next)
        );
    }
    pager.push_str("</nav>");
    let rows: Vec<Vec<String>> = all
        .into_iter()
        .skip(offset)
        .take(FAMILIES_PER_PAGE)
        .map(|f| {
            vec![
                link(&format!("/families/{}", f.id), &f.name),
                esc(&f.external_id),
                esc(f.liaison.as_deref().unwrap_or("")),
            ]
        })
        .collect();
    let body = table(
        ctx.t(Msg::Families),
        &[ctx.t(Msg::Name), "ID", ctx.t(Msg::Liaison)],
        &rows,
    ) + &pager;
    let body = if ctx.may(Permission::WriteFamilies) {
        format!(
            r#"<p class="actions"><a href="/families/new" id="new-family">{}</a></p>{body}"#,
            ctx.t(Msg::NewFamily)
        )
    } else {
        body
    };
    ctx.legacy_respond(ctx.t(Msg::Families), &body)
}

/// What the family page and the report share.
pub(crate) struct FamilyView {
    pub family: Family,
    pub members: Vec<FamilyMember>,
    pub references: Vec<Reference>,
}

pub(crate) async fn family_view(s: &AppState, ctx: &Ctx, id: i64) -> Result<FamilyView, PageError> {
    s.store.require_family_in_scope(&ctx.family_scope(), id).await?;
    let family = PageError::found(s.store.get_family(id).await?, "family", id)?;
    let members = s.store.list_members(id).await?;
    let references = if ctx.may(Permission::ReadReferences) {
        s.store.list_references(id).await?
    } else {
        Vec::new()
    };
    Ok(FamilyView {
        family,
        members,
        references,
    })
}

impl FamilyView {
    fn is_donor(&self, member: i64) -> bool {
        self.references
            .iter()
            .any(|r| r.donor_member_id == member && r.withdrawal.is_none())
    }

    pub fn member_name(&self, member: i64) -> String {
        self.members
            .iter()
            .find(|m| m.id == member)
            .map(|m| m.data.display_name.clone())
            .unwrap_or_else(|| member.to_string())
    }

    pub fn pedigree_svg(&self, ctx: &Ctx) -> String {
        let nodes: Vec<pedigree::Node> = self
            .members
            .iter()
            .map(|m| pedigree::Node {
                id: m.id,
                label: m.data.display_name.clone(),
                sex: m.data.sex,
                alive: m.data.alive,
                father: m.data.father_member_id,
                mother: m.data.mother_member_id,
                missing: m.data.is_missing,
                donor: self.is_donor(m.id),
            })
            .collect();
        format!(
            r#"<figure><div class="scroll">{}</div><figcaption class="muted">{}</figcaption></figure>"#,
            pedigree::svg(&nodes, &format!("{}: {}", ctx.t(Msg::Pedigree), self.family.name)).into_string(),
            ctx.t(Msg::PedigreeLegend)
        )
    }

    fn members_table(&self, ctx: &Ctx) -> String {
        let rows: Vec<Vec<String>> = self
            .members
            .iter()
            .map(|m| {
                let person = match m.data.person_id {
                    Some(p) if ctx.may(Permission::ReadPersons) => link(&format!("/persons/{p}"), &p.to_string()),
                    Some(p) => p.to_string(),
                    None => String::new(),
                };
                let mut notes = Vec::new();
                if m.data.is_missing {
                    notes.push(ctx.t(Msg::Missing));
                }
                if self.is_donor(m.id) {
                    notes.push(ctx.t(Msg::Donor));
                }
                let name = if ctx.may(Permission::WriteFamilies) {
                    format!(
                        r#"{} <a href="/members/{}/edit" class="edit-member">{}</a>"#,
                        esc(&m.data.display_name),
                        m.id,
                        ctx.t(Msg::Edit)
                    )
                } else {
                    esc(&m.data.display_name)
                };
                vec![
                    name,
                    ctx.t(i18n::sex(m.data.sex)).to_owned(),
                    ctx.t(if m.data.alive { Msg::Alive } else { Msg::Deceased }).to_owned(),
                    notes.join(", "),
                    person,
                ]
            })
            .collect();
        ctx.legacy_table(
            Msg::Members,
            &[Msg::Name, Msg::Sex, Msg::Status, Msg::Kind, Msg::Person],
            &rows,
        )
    }

    /// The references with their consent; with `forms` (a role with `WithdrawConsent` on the
    /// family page), a withdrawal form in each row whose consent stands.
    fn references_table(&self, ctx: &Ctx, forms: Option<&FamilyForms>) -> String {
        let rows: Vec<Vec<String>> = self
            .references
            .iter()
            .map(|r| {
                let consent = match &r.withdrawal {
                    None => format!(
                        "{} ({}, {})",
                        ctx.t(Msg::ConsentGiven),
                        esc(r.consent.scope.as_str()),
                        i18n::date(ctx.lang, r.consent.date)
                    ),
                    Some(w) => format!("{} ({})", ctx.t(Msg::ConsentWithdrawn), esc(&ctx.instant(&w.at))),
                };
                let mut row = vec![
                    esc(&r.external_id),
                    esc(&self.member_name(r.donor_member_id)),
                    esc(&r.kit),
                    consent,
                ];
                if let Some(forms) = forms {
                    row.push(if r.withdrawal.is_none() {
                        withdraw_form(ctx, r, forms)
                    } else {
                        String::new()
                    });
                }
                row
            })
            .collect();
        let mut header = vec!["ID", ctx.t(Msg::Donor), ctx.t(Msg::Kit), ctx.t(Msg::Consent)];
        if forms.is_some() {
            header.push(ctx.t(Msg::WithdrawConsent));
        }
        table(ctx.t(Msg::References), &header, &rows)
    }

    /// The identifications of the family's missing members, with their cited evidence and
    /// reviews (blind while proposed): two statements however many there are.
    async fn identifications(&self, s: &AppState, ctx: &Ctx) -> Result<String, PageError> {
        if !ctx.may(Permission::ReadIdentifications) {
            return Ok(String::new());
        }
        let filter = registry::ListFilter {
            family: Some(self.family.id),
            sort: Some(registry::Sort::Oldest),
            ..Default::default()
        };
        let found = s
            .store
            .identifications_page(&filter, registry::Page { limit: 1000, offset: 0 })
            .await?;
        let statuses: Vec<(i64, registry::IdentificationStatus)> =
            found.items.iter().map(|i| (i.id, i.status)).collect();
        let mut reviews = s.store.reviews_seen_by_each(&ctx.user, &statuses).await?;
        let rows: Vec<Vec<String>> = found
            .items
            .iter()
            .map(|ident| {
                let reviewers: Vec<String> = reviews
                    .remove(&ident.id)
                    .unwrap_or_default()
                    .iter()
                    .map(|r| {
                        let decision =
                            i18n::decision(&r.decision).map_or_else(|| esc(&r.decision), |m| ctx.t(m).to_owned());
                        format!("{} ({decision})", esc(&r.reviewer))
                    })
                    .collect();
                vec![
                    names_html(ctx.lang, &ident.person_names).into_string(),
                    super::html::legacy::identification_status_html(
                        ctx.lang,
                        ident.status,
                        ident.flag_reason.as_deref(),
                    ),
                    ident.log10_lr.map(super::html::legacy::lr_html).unwrap_or_default(),
                    ident
                        .posterior
                        .map(super::html::legacy::probability_html)
                        .unwrap_or_default(),
                    reviewers.join(", "),
                ]
            })
            .collect();
        Ok(ctx.legacy_table(
            Msg::Identification,
            &[Msg::Person, Msg::Status, Msg::Lr, Msg::Posterior, Msg::Reviews],
            &rows,
        ))
    }
}

/// The forms on a family page and, after a refused post, the one refused with its input.
#[derive(Debug, Default)]
pub(crate) struct FamilyForms {
    visit: Fields,
    visit_refused: Option<Refused>,
    /// The reference whose withdrawal was refused, the input and the refusal.
    withdraw: Option<(i64, Fields, Refused)>,
    member: Fields,
    member_refused: Option<Refused>,
}

pub(crate) async fn family(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
) -> PageResult {
    family_page(&s, &ctx, id, &FamilyForms::default(), StatusCode::OK).await
}

async fn family_page(s: &AppState, ctx: &Ctx, id: i64, forms: &FamilyForms, status: StatusCode) -> PageResult {
    let view = family_view(s, ctx, id).await?;
    let edit = if ctx.may(Permission::WriteFamilies) {
        format!(
            r#" · <a href="/families/{id}/edit" id="edit-family">{}</a>"#,
            ctx.t(Msg::EditFamily)
        )
    } else {
        String::new()
    };
    let mut body = format!(
        r#"<p><a href="/families/{id}/report">{}</a> · <a href="/families/{id}/advice">{}</a>{edit}</p><h2>{}</h2>{}"#,
        ctx.t(Msg::Report),
        ctx.t(Msg::SampleNext),
        ctx.t(Msg::Pedigree),
        view.pedigree_svg(ctx)
    );
    let _ = write!(body, r#"<div id="members">{}</div>"#, view.members_table(ctx));
    if ctx.may(Permission::WriteFamilies) {
        body.push_str(&member_form(ctx, &view, forms));
    }
    if ctx.may(Permission::ReadReferences) {
        body.push_str(r#"<div id="references">"#);
        body.push_str(&view.references_table(ctx, ctx.may(Permission::WithdrawConsent).then_some(forms)));
        if ctx.may(Permission::WithdrawConsent) && view.references.iter().any(|r| r.withdrawal.is_none()) {
            let _ = write!(body, r#"<p class="muted">{}</p>"#, ctx.t(Msg::WithdrawNote));
        }
        body.push_str("</div>");
    }
    if ctx.may(Permission::WriteVisitRequests) {
        body.push_str(&visit_form(s, ctx, id, forms).await?);
    }
    body.push_str(&view.identifications(s, ctx).await?);
    let title = format!("{}: {}", ctx.t(Msg::Family), view.family.name);
    legacy_respond_with(ctx, status, &title, &body)
}

/// A reference row's withdrawal form (the reason, the version the page showed).
/// The form adding a member to the family: name, sex, parents among the members already
/// recorded, the registry person a missing member is, living or not.
fn member_form(ctx: &Ctx, view: &FamilyView, forms: &FamilyForms) -> String {
    let mut fields = forms.member.clone();
    if !fields.has("sex") {
        fields.set("sex", "unknown");
        fields.set("alive", "true");
        fields.set("is_missing", "false");
    }
    member_fields_form(
        ctx,
        view,
        &fields,
        forms.member_refused.as_ref(),
        (("add-member", "member-form"), ctx.t(Msg::AddMember)),
        &format!("/families/{}/members", view.family.id),
    )
}

/// A member's inputs in a form section (`ids` and `title`) posting to `action`: adding one, or
/// editing one (with the version read in `fields`, and the member not among its own parents).
fn member_fields_form(
    ctx: &Ctx,
    view: &FamilyView,
    fields: &Fields,
    refused: Option<&Refused>,
    (ids, title): ((&str, &str), &str),
    action: &str,
) -> String {
    let editing = fields.opt("member_id").and_then(|m| m.parse::<i64>().ok());
    let v = FormView::new(ctx, fields, refused).prefixed("member-");
    let sexes: Vec<(String, String)> = [Sex::Male, Sex::Female, Sex::Unknown]
        .iter()
        .map(|&x| (x.as_str().to_owned(), ctx.t(i18n::sex(x)).to_owned()))
        .collect();
    let mut parents = vec![(String::new(), "–".to_owned())];
    parents.extend(
        view.members
            .iter()
            .filter(|m| Some(m.id) != editing)
            .map(|m| (m.id.to_string(), m.data.display_name.clone())),
    );
    let yes_no = vec![
        ("true".to_owned(), ctx.t(Msg::Yes).to_owned()),
        ("false".to_owned(), ctx.t(Msg::No).to_owned()),
    ];
    let mut inner = v
        .input("display_name", ctx.t(Msg::Name), "text", Extra::NONE.required())
        .into_string();
    inner.push_str(&v.select("sex", ctx.t(Msg::Sex), &sexes).0);
    inner.push_str(&v.select("father_member_id", ctx.t(Msg::Father), &parents).0);
    inner.push_str(&v.select("mother_member_id", ctx.t(Msg::Mother), &parents).0);
    inner.push_str(&v.select("alive", ctx.t(Msg::Alive), &yes_no).0);
    inner.push_str(&v.select("is_missing", ctx.t(Msg::Missing), &yes_no).0);
    inner.push_str(
        &v.input(
            "person_id",
            ctx.t(Msg::RegistryPerson),
            "number",
            Extra::NONE.range("1", None),
        )
        .0,
    );
    if editing.is_some() {
        inner.push_str(&v.hidden("version").0);
    }
    v.section(ids, title, html! {}, action, PreEscaped(inner)).into_string()
}

/// The member a form describes, as the registry takes it (it checks the rest: parents of the
/// family, no cycle, a person that exists).
fn parse_member(f: &Fields) -> Result<NewMember, Refused> {
    let bad = |field: &str, message: String| Refused::field(FieldError::new(field, message));
    let optional_id = |field: &str| -> Result<Option<i64>, Refused> {
        match f.opt(field) {
            None => Ok(None),
            Some(v) => v
                .parse::<i64>()
                .map(Some)
                .map_err(|_| bad(field, format!("'{v}' is not a record id"))),
        }
    };
    let yes = |field: &str| f.get(field) == "true";
    Ok(NewMember {
        display_name: f.get("display_name").trim().to_owned(),
        sex: f.get("sex").parse().map_err(|e: String| bad("sex", e))?,
        person_id: optional_id("person_id")?,
        alive: yes("alive"),
        father_member_id: optional_id("father_member_id")?,
        mother_member_id: optional_id("mother_member_id")?,
        is_missing: yes("is_missing"),
    })
}

/// The page editing a member: its fields as given (or as stored), the refusal beside its input.
async fn member_edit_page(
    s: &AppState,
    ctx: &Ctx,
    member: &registry::FamilyMember,
    fields: &Fields,
    refused: Option<&Refused>,
) -> PageResult {
    let view = family_view(s, ctx, member.family_id).await?;
    let title = format!("{}: {}", ctx.t(Msg::EditMember), member.data.display_name);
    let body = format!(
        r#"<p><a href="/families/{}">{}</a></p>{}"#,
        member.family_id,
        esc(&view.family.name),
        member_fields_form(
            ctx,
            &view,
            fields,
            refused,
            (("edit-member", "member-form"), &title),
            &format!("/members/{}/edit", member.id),
        )
    );
    legacy_respond_with(ctx, refused.map_or(StatusCode::OK, |r| r.status), &title, &body)
}

async fn the_member(s: &AppState, ctx: &Ctx, id: i64) -> Result<registry::FamilyMember, PageError> {
    let member = PageError::found(s.store.get_member(id).await?, "member", id)?;
    s.store
        .require_family_in_scope(&ctx.family_scope(), member.family_id)
        .await?;
    Ok(member)
}

fn member_fields(m: &registry::FamilyMember) -> Fields {
    let id = |x: Option<i64>| x.map(|v| v.to_string()).unwrap_or_default();
    Fields::default()
        .with("member_id", m.id.to_string())
        .with("version", m.version.to_string())
        .with("display_name", m.data.display_name.clone())
        .with("sex", m.data.sex.as_str())
        .with("father_member_id", id(m.data.father_member_id))
        .with("mother_member_id", id(m.data.mother_member_id))
        .with("alive", m.data.alive.to_string())
        .with("is_missing", m.data.is_missing.to_string())
        .with("person_id", id(m.data.person_id))
}

pub(crate) async fn edit_member(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
) -> PageResult {
    let member = the_member(&s, &ctx, id).await?;
    member_edit_page(&s, &ctx, &member, &member_fields(&member), None).await
}

/// Replaces a member's data by the version the form read; a stale form is a 409 with the input kept.
pub(crate) async fn update_member(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
    Form(f): Form<Fields>,
) -> PageResult {
    let member = the_member(&s, &ctx, id).await?;
    let f = f.with("member_id", id.to_string());
    let version = f.get("version").trim().parse::<i64>().map_err(|_| {
        Refused::field(FieldError::new(
            "version",
            format!("'{}' is not a record version", f.get("version")),
        ))
    });
    let refused = match version.and_then(|v| parse_member(&f).map(|m| (v, m))) {
        Ok((version, m)) => match s.store.update_member(&ctx.user.username, id, version, &m).await {
            Ok(updated) => return Ok(Redirect::to(&format!("/families/{}#members", updated.family_id)).into_response()),
            Err(e) => Refused::from_store(e)?,
        },
        Err(r) => r,
    };
    member_edit_page(&s, &ctx, &member, &f, Some(&refused)).await
}

/// Adds the member a form describes (the registry checks it: parents of the family, no cycle,
/// a person that exists); refused, the family page again with the input and the message beside it.
pub(crate) async fn add_member(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
    Form(f): Form<Fields>,
) -> PageResult {
    s.store.require_family_in_scope(&ctx.family_scope(), id).await?;
    let parsed = parse_member(&f);
    let refused = match parsed {
        Ok(member) => match s.store.add_member(&ctx.user.username, id, &member).await {
            Ok(_) => return Ok(Redirect::to(&format!("/families/{id}#add-member")).into_response()),
            Err(e) => Refused::from_store(e)?,
        },
        Err(r) => r,
    };
    let status = refused.status;
    let forms = FamilyForms {
        member: f,
        member_refused: Some(refused),
        ..FamilyForms::default()
    };
    family_page(&s, &ctx, id, &forms, status).await
}

fn withdraw_form(ctx: &Ctx, r: &Reference, forms: &FamilyForms) -> String {
    let (fields, refused) = match &forms.withdraw {
        Some((rid, f, refused)) if *rid == r.id => (f.clone().with("version", r.version.to_string()), Some(refused)),
        _ => (Fields::default().with("version", r.version.to_string()), None),
    };
    let v = FormView::new(ctx, &fields, refused).prefixed(&format!("withdraw-{}-", r.id));
    let reason = v
        .input("reason", ctx.t(Msg::Reason), "text", Extra::NONE.required())
        .into_string();
    format!(
        r#"{summary}<form method="post" action="/references/{id}/withdraw" class="row-form" id="withdraw-{id}">{csrf}{version}{reason}<button type="submit">{label}</button></form>"#,
        summary = v.summary().into_string(),
        id = r.id,
        csrf = v.csrf().into_string(),
        version = v.hidden("version").into_string(),
        label = ctx.t(Msg::WithdrawConsent),
    )
}

/// The form asking to visit a grave: which site, how many travel, how well they walk.
async fn visit_form(s: &AppState, ctx: &Ctx, id: i64, forms: &FamilyForms) -> Result<String, PageError> {
    let all_sites = s.store.list_sites().await?;
    // The family's requests so far, above the form for another.
    let requested: Vec<Vec<String>> = s
        .store
        .visit_requests_of_family(id)
        .await?
        .iter()
        .map(|r| {
            let site = all_sites.iter().find(|x| x.id == r.data.site_id);
            vec![
                site.map(|x| link(&format!("/sites/{}", x.id), &first_name(ctx.lang, &x.data.names)))
                    .unwrap_or_else(|| r.data.site_id.to_string()),
                r.data.visitors.to_string(),
                ctx.t(match r.data.mobility {
                    Mobility::Walks => Msg::MobilityWalks,
                    Mobility::Limited => Msg::MobilityLimited,
                    Mobility::Wheelchair => Msg::MobilityWheelchair,
                })
                .to_owned(),
                esc(r.data.notes.as_deref().unwrap_or("")),
                esc(&ctx.instant(&r.created_at)),
            ]
        })
        .collect();
    let requested = if requested.is_empty() {
        String::new()
    } else {
        ctx.legacy_table(
            Msg::RequestVisit,
            &[Msg::Site, Msg::Visitors, Msg::Mobility, Msg::Notes, Msg::When],
            &requested,
        )
    };
    let sites: Vec<(String, String)> = all_sites
        .iter()
        .map(|x| {
            (
                x.id.to_string(),
                format!("{} ({})", first_name(ctx.lang, &x.data.names), x.data.external_id),
            )
        })
        .collect();
    let mut fields = forms.visit.clone();
    if !fields.has("visitors") {
        fields.set("visitors", "1");
        fields.set("mobility", Mobility::Walks.as_str());
    }
    let v = FormView::new(ctx, &fields, forms.visit_refused.as_ref()).prefixed("visit-");
    let mobility = options(
        ctx,
        &Mobility::ALL,
        |m| m.as_str(),
        |m| match m {
            Mobility::Walks => Msg::MobilityWalks,
            Mobility::Limited => Msg::MobilityLimited,
            Mobility::Wheelchair => Msg::MobilityWheelchair,
        },
    );
    let mut inner = v.select("site_id", ctx.t(Msg::Site), &sites).into_string();
    inner.push_str(
        &v.input(
            "visitors",
            ctx.t(Msg::Visitors),
            "number",
            Extra::NONE.range("1", Some("50")).required(),
        )
        .0,
    );
    inner.push_str(&v.select("mobility", ctx.t(Msg::Mobility), &mobility).0);
    inner.push_str(&v.textarea("notes", ctx.t(Msg::Notes)).0);
    Ok(v.section(
        ("visit-request", "visit-form"),
        ctx.t(Msg::RequestVisit),
        PreEscaped(requested),
        &format!("/families/{id}/visits"),
        PreEscaped(inner),
    )
    .into_string())
}

pub(crate) async fn create_visit_request(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
    Form(f): Form<Fields>,
) -> PageResult {
    s.store.require_family_in_scope(&ctx.family_scope(), id).await?;
    let bad = |field: &str, message: String| Refused::field(FieldError::new(field, message));
    let parsed = (|| -> Result<NewVisitRequest, Refused> {
        let site_id = f
            .get("site_id")
            .trim()
            .parse::<i64>()
            .map_err(|_| bad("site_id", format!("'{}' is not a burial site", f.get("site_id"))))?;
        let visitors = f.get("visitors").trim().parse::<u32>().map_err(|_| {
            bad(
                "visitors",
                format!("'{}' is not a number of people (1–50)", f.get("visitors")),
            )
        })?;
        let mobility: Mobility = f.get("mobility").parse().map_err(|e: String| bad("mobility", e))?;
        Ok(NewVisitRequest {
            family_id: id,
            site_id,
            visitors,
            mobility,
            notes: f.opt("notes"),
        })
    })();
    let refused = match parsed {
        Ok(request) => match s.store.create_visit_request(&ctx.user.username, &request).await {
            // A planner, who cannot open family pages, goes back to the visits queue.
            Ok(_) if ctx.may(Permission::ReadFamilies) => {
                return Ok(Redirect::to(&format!("/families/{id}#visit-request")).into_response())
            }
            Ok(_) => return Ok(Redirect::to("/queues/visits").into_response()),
            // One request per family and site (the registry's rule), said in the reader's language.
            Err(StoreError::Duplicate { .. }) => Refused {
                status: StatusCode::CONFLICT,
                ..bad("site_id", ctx.t(Msg::VisitAlreadyRequested).to_owned())
            },
            Err(StoreError::NotFound {
                entity: "site",
                id: site,
            }) => Refused {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                ..bad("site_id", format!("there is no burial site {site}"))
            },
            Err(e) => Refused::from_store(e)?,
        },
        Err(r) => r,
    };
    let status = refused.status;
    let forms = FamilyForms {
        visit: f,
        visit_refused: Some(refused),
        ..FamilyForms::default()
    };
    if ctx.may(Permission::ReadFamilies) {
        family_page(&s, &ctx, id, &forms, status).await
    } else {
        let body = visit_form(&s, &ctx, id, &forms).await?;
        legacy_respond_with(&ctx, status, ctx.t(Msg::RequestVisit), &body)
    }
}

pub(crate) async fn withdraw_consent(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
    Form(f): Form<Fields>,
) -> PageResult {
    let reference = PageError::found(s.store.get_reference(id).await?, "reference", id)?;
    let donor = reference.donor_member_id;
    let family = PageError::found(s.store.get_member(donor).await?, "member", donor)?.family_id;
    s.store.require_family_in_scope(&ctx.family_scope(), family).await?;
    let refused = match f.get("version").trim().parse::<i64>() {
        Ok(version) => match s
            .store
            .withdraw_consent(&ctx.user.username, id, version, f.get("reason"))
            .await
        {
            Ok(_) => return Ok(Redirect::to(&format!("/families/{family}#references")).into_response()),
            Err(e) => Refused::from_store(e)?,
        },
        Err(_) => Refused::field(FieldError::new(
            "version",
            format!("'{}' is not a record version", f.get("version")),
        )),
    };
    let status = refused.status;
    let forms = FamilyForms {
        withdraw: Some((id, f, refused)),
        ..FamilyForms::default()
    };
    family_page(&s, &ctx, family, &forms, status).await
}

/// Who to sample next: each living relative without a sample, ranked by the simulated chance that
/// their sample makes a true identification conclusive. The advice is computed in the background
/// by the server's own account and stored with its inputs' fingerprint (`jobs::advice`): this
/// handler reads no genotype, whoever asks; until the advice for the inputs as they are now is
/// stored, the page says it is being computed and htmx asks again every two seconds.
pub(crate) async fn advice(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
) -> PageResult {
    let view = family_view(&s, &ctx, id).await?;
    let title = format!("{}: {}", ctx.t(Msg::SampleNext), view.family.name);
    let mut body = format!(
        r#"<p><a href="/families/{id}">{}</a></p><p>{}</p>"#,
        esc(&view.family.name),
        ctx.t(Msg::AdviceExplain)
    );
    let Some(service) = s.advice.as_ref() else {
        let _ = write!(body, "<p>{}</p>", ctx.t(Msg::NoMatchingSettings));
        return ctx.legacy_respond(&title, &body);
    };
    let state = service.advice(id, &ctx.user.username).await.map_err(|e| match e {
        jobs::JobError::Store(e) => PageError::from(e),
        other => PageError(crate::ApiError::Unexpected(other.to_string())),
    })?;
    let outcome = match state {
        jobs::advice::AdviceState::Ready { outcome, computed_at } => {
            let _ = write!(
                body,
                r#"<div id="advice"><p class="advice-computed">{}: {}</p>"#,
                ctx.t(Msg::Generated),
                esc(&ctx.instant(&computed_at))
            );
            outcome
        }
        // The element replaces itself with the same element of the next answer: the poll stops
        // once the answer has the advice instead.
        jobs::advice::AdviceState::Computing => {
            let _ = write!(
                body,
                r##"<div id="advice" class="advice-computing" hx-get="/families/{id}/advice" hx-trigger="every 2s" hx-select="#advice" hx-swap="outerHTML"><p>{}</p><p><a href="/families/{id}/advice">{}</a></p></div>"##,
                ctx.t(Msg::AdviceComputing),
                ctx.t(Msg::Refresh),
            );
            return ctx.legacy_respond(&title, &body);
        }
        jobs::advice::AdviceState::Failed(message) => {
            return Err(PageError(crate::ApiError::Unexpected(message)));
        }
    };
    let advice = match outcome {
        jobs::advice::AdviceOutcome::Advice(advice) => advice,
        jobs::advice::AdviceOutcome::NoMissingMember => {
            let _ = write!(body, "<p>{}</p></div>", ctx.t(Msg::NoMissingMember));
            return ctx.legacy_respond(&title, &body);
        }
        // A family whose pedigree the engine cannot use says why (the open element is dropped
        // with the body).
        jobs::advice::AdviceOutcome::Unusable(message) => {
            return Err(PageError(crate::ApiError::NotAllowed(message)));
        }
    };
    let row = |name: &str, p: &simulate::PowerEstimate| {
        vec![
            esc(name),
            format!(
                "{:.2} ± {:.2}",
                p.above_threshold.fraction(),
                p.above_threshold.standard_error()
            ),
            if p.median_log10_lr.is_finite() {
                format!("{:.1}", p.median_log10_lr)
            } else {
                "−∞".to_owned()
            },
            p.exclusion_power.map_or_else(String::new, |e| format!("{e:.4}")),
        ]
    };
    let mut rows = vec![row(ctx.t(Msg::ReferencesSoFar), &advice.current)];
    rows.extend(advice.candidates.iter().map(|c| row(&c.name, &c.power)));
    body.push_str(&table(
        &format!("{} — {}", ctx.t(Msg::SampleNext), advice.missing_name),
        &[
            ctx.t(Msg::Relative),
            ctx.t(Msg::ChanceConclusive),
            ctx.t(Msg::MedianLog10Lr),
            ctx.t(Msg::ExclusionPower),
        ],
        &rows,
    ));
    if advice.candidates.is_empty() {
        let _ = write!(body, "<p>{}</p>", ctx.t(Msg::NoCandidates));
    }
    body.push_str("</div>");
    ctx.legacy_respond(&title, &body)
}

pub(crate) async fn report(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
) -> PageResult {
    let view = family_view(&s, &ctx, id).await?;
    let mut body = format!(
        r#"<p class="no-print"><button type="button" data-action="print">{}</button></p><dl class="facts"><dt>{}</dt><dd>{}</dd><dt>ID</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>"#,
        ctx.t(Msg::Print),
        ctx.t(Msg::Family),
        esc(&view.family.name),
        esc(&view.family.external_id),
        ctx.t(Msg::Generated),
        esc(&ctx.instant(&registry::now_utc())),
    );
    body.push_str(&view.identifications(&s, &ctx).await?);
    let _ = write!(body, "<h2>{}</h2>{}", ctx.t(Msg::Pedigree), view.pedigree_svg(&ctx));
    body.push_str(&view.members_table(&ctx));
    if ctx.may(Permission::ReadReferences) {
        body.push_str(&view.references_table(&ctx, None));
    }
    let title = format!("{}: {}", ctx.t(Msg::Report), view.family.name);
    ctx.legacy_respond(&title, &body)
}

pub(crate) async fn sample(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
) -> PageResult {
    sample_page(&s, &ctx, id, &Fields::default(), None).await
}

/// The form appending to a sample's chain of custody.
fn custody_form(ctx: &Ctx, id: i64, fields: &Fields, refused: Option<&Refused>) -> String {
    let mut fields = fields.clone();
    if !fields.has("event") {
        fields.set("event", CustodyEventKind::Received.as_str());
    }
    let v = FormView::new(ctx, &fields, refused).prefixed("custody-");
    let events = options(ctx, &CustodyEventKind::ALL, |e| e.as_str(), i18n::custody_event);
    let mut inner = v.select("event", ctx.t(Msg::Event), &events).into_string();
    inner.push_str(&v.input("who", ctx.t(Msg::Who), "text", Extra::NONE.required()).0);
    inner.push_str(
        &v.input("location", ctx.t(Msg::Location), "text", Extra::NONE.required())
            .0,
    );
    inner.push_str(&v.input("at", ctx.t(Msg::CustodyAt), "text", Extra::NONE).0);
    inner.push_str(&v.textarea("note", ctx.t(Msg::Notes)).0);
    format!(
        r#"<section id="custody-event"><h2>{title}</h2>{summary}<form method="post" action="/samples/{id}/custody" class="stack" id="custody-form">{csrf}{inner}<button type="submit">{save}</button></form></section>"#,
        title = ctx.t(Msg::RecordCustody),
        summary = v.summary().into_string(),
        csrf = v.csrf().into_string(),
        save = ctx.t(Msg::Save),
    )
}

pub(crate) async fn append_custody_event(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
    Form(f): Form<Fields>,
) -> PageResult {
    let parsed = f
        .get("event")
        .parse::<CustodyEventKind>()
        .map_err(|e| Refused::field(FieldError::new("event", e)))
        .map(|event| NewCustodyEvent {
            event,
            who: f.get("who").trim().to_owned(),
            location: f.get("location").trim().to_owned(),
            at: f.opt("at"),
            note: f.opt("note"),
        });
    let refused = match parsed {
        Ok(event) => match s.store.append_custody_event(&ctx.user.username, id, &event).await {
            Ok(_) => return Ok(Redirect::to(&format!("/samples/{id}#custody-event")).into_response()),
            Err(e) => Refused::from_store(e)?,
        },
        Err(r) => r,
    };
    sample_page(&s, &ctx, id, &f, Some(&refused)).await
}

async fn sample_page(s: &AppState, ctx: &Ctx, id: i64, fields: &Fields, refused: Option<&Refused>) -> PageResult {
    let x = PageError::found(s.store.get_sample(id).await?, "sample", id)?;
    let remains = s.store.get_remains(x.remains_id).await?;
    let mut rows = vec![
        ("ID", esc(&x.external_id)),
        (ctx.t(Msg::Lab), esc(&x.lab)),
        (ctx.t(Msg::Kind), esc(x.profile_kind.as_str())),
        (
            ctx.t(Msg::Typed),
            ctx.t(if x.typed { Msg::Yes } else { Msg::No }).to_owned(),
        ),
    ];
    if let Some(r) = remains {
        let remains = format!(
            r#"{} — {} (<a href="/sites/{}">{}</a>)"#,
            esc(&r.data.external_id),
            esc(&r.data.skeletal_element),
            r.data.site_id,
            ctx.t(Msg::Site)
        );
        rows.push((ctx.t(Msg::Remains), remains));
    }
    let mut body = facts(rows);
    let rows: Vec<Vec<String>> = s
        .store
        .custody_chain(id)
        .await?
        .into_iter()
        .map(|e| {
            vec![
                esc(&ctx.instant(&e.at)),
                ctx.t(i18n::custody_event(e.event)).to_owned(),
                esc(&e.who),
                esc(&e.location),
                esc(e.note.as_deref().unwrap_or("")),
            ]
        })
        .collect();
    body.push_str(&ctx.legacy_table(
        Msg::Custody,
        &[Msg::When, Msg::Event, Msg::Who, Msg::Location, Msg::Notes],
        &rows,
    ));
    if ctx.may(Permission::WriteSamples) {
        body.push_str(&custody_form(ctx, id, fields, refused));
    }
    let title = format!("{}: {}", ctx.t(Msg::Sample), x.external_id);
    legacy_respond_with(ctx, refused.map_or(StatusCode::OK, |r| r.status), &title, &body)
}

/// A stored itinerary (crate `itinerary`'s plan as JSON) as one table per day, and the sites left
/// out with the planner's reason.
fn day_plans(ctx: &Ctx, itinerary: Option<&registry::MissionItinerary>) -> String {
    let mut out = format!("<h2>{}</h2>", ctx.t(Msg::DayPlans));
    let Some(itinerary) = itinerary else {
        let _ = write!(out, "<p>{}</p>", ctx.t(Msg::NoDayPlan));
        return out;
    };
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => esc(s),
        serde_json::Value::Null => String::new(),
        other => esc(&other.to_string()),
    };
    let _ = write!(
        out,
        "<p>{}: {} ({})</p>",
        ctx.t(Msg::PlannedBy),
        esc(&itinerary.planned_by),
        esc(&ctx.instant(&itinerary.planned_at))
    );
    let empty = Vec::new();
    for day in itinerary.plan["days"].as_array().unwrap_or(&empty) {
        let rows: Vec<Vec<String>> = day["stops"]
            .as_array()
            .unwrap_or(&empty)
            .iter()
            .map(|stop| {
                let families: Vec<String> = stop["families"]
                    .as_array()
                    .unwrap_or(&empty)
                    .iter()
                    .map(|f| format!("{} ({})", text(&f["family_id"]), text(&f["visitors"])))
                    .collect();
                vec![
                    text(&stop["place"]),
                    text(&stop["depart"]),
                    text(&stop["travel_minutes"]),
                    text(&stop["arrive"]),
                    text(&stop["visit_minutes"]),
                    families.join("; "),
                ]
            })
            .collect();
        // `table` escapes its caption.
        let raw = |v: &serde_json::Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
        let caption = format!("{} {} — {}", ctx.t(Msg::DayNumber), raw(&day["day"]), raw(&day["date"]));
        out.push_str(&table(
            &caption,
            &[
                ctx.t(Msg::Place),
                ctx.t(Msg::Depart),
                ctx.t(Msg::TravelMinutes),
                ctx.t(Msg::Arrive),
                ctx.t(Msg::VisitMinutes),
                ctx.t(Msg::Families),
            ],
            &rows,
        ));
    }
    let unplanned: Vec<Vec<String>> = itinerary.plan["unplanned"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .map(|u| vec![text(&u["site_name"]), text(&u["explanation"])])
        .collect();
    if !unplanned.is_empty() {
        out.push_str(&ctx.legacy_table(Msg::NotPlanned, &[Msg::Site, Msg::Reason], &unplanned));
    }
    out
}

fn mission_kind(kind: registry::MissionKind) -> Msg {
    match kind {
        registry::MissionKind::GraveVisit => Msg::GraveVisit,
        registry::MissionKind::Recovery => Msg::Recovery,
    }
}

pub(crate) async fn missions(State(s): State<AppState>, Extension(ctx): Extension<Ctx>) -> PageResult {
    let lang = ctx.lang;
    let rows: Vec<Vec<String>> = s
        .store
        .list_missions()
        .await?
        .into_iter()
        .map(|m| {
            vec![
                link(&format!("/missions/{}", m.id), &m.data.name),
                ctx.t(mission_kind(m.data.kind)).to_owned(),
                i18n::date(lang, m.data.start),
                m.data.end.map(|d| i18n::date(lang, d)).unwrap_or_default(),
            ]
        })
        .collect();
    let mut body = String::new();
    if ctx.may(Permission::WriteMissions) {
        let _ = write!(
            body,
            r#"<p><a href="/missions/new" id="new-mission">{}</a></p>"#,
            ctx.t(Msg::NewMission)
        );
    }
    body.push_str(&ctx.legacy_table(
        Msg::Missions,
        &[Msg::Name, Msg::MissionKind, Msg::Start, Msg::End],
        &rows,
    ));
    ctx.legacy_respond(ctx.t(Msg::Missions), &body)
}

pub(crate) async fn mission(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
) -> PageResult {
    let itinerary = s.store.get_mission_itinerary(id).await?;
    mission_page(
        &s,
        &ctx,
        id,
        &super::mission_forms::plan_defaults(itinerary.as_ref()),
        None,
    )
    .await
}

/// Each planned day as map points: from where the day starts (the base on the first day, else
/// where the day before ended) through its stops in order, a stop that is no site being the base
/// (the plan's end point), for the map's route lines. Plans stored before the base's position was
/// kept start at their first site.
fn day_routes(ctx: &Ctx, itinerary: Option<&registry::MissionItinerary>, sites: &[registry::model::Site]) -> String {
    let Some(itinerary) = itinerary else {
        return String::new();
    };
    let plan = &itinerary.plan;
    let base = plan["base"]["lat"]
        .as_f64()
        .zip(plan["base"]["lon"].as_f64())
        .map(|(lat, lon)| [lat, lon]);
    let empty = Vec::new();
    let mut previous = base;
    let mut days = Vec::new();
    for day in plan["days"].as_array().unwrap_or(&empty) {
        let mut points: Vec<[f64; 2]> = previous.into_iter().collect();
        for stop in day["stops"].as_array().unwrap_or(&empty) {
            let point = match stop["site_id"].as_str().and_then(|id| id.parse::<i64>().ok()) {
                Some(id) => sites
                    .iter()
                    .find(|s| s.id == id)
                    .and_then(|s| s.data.coordinates)
                    .map(|c| [c.lat, c.lon]),
                None => base,
            };
            points.extend(point);
        }
        previous = points.last().copied().or(previous);
        let n = day["day"].as_u64().unwrap_or(0);
        days.push(serde_json::json!({
            "label": match ctx.lang {
                i18n::Lang::Ja => format!("{n}{}", ctx.t(Msg::Day)),
                i18n::Lang::En => format!("{} {n}", ctx.t(Msg::Day)),
            },
            "points": points,
        }));
    }
    super::html::json_block("route-data", &serde_json::Value::Array(days)).into_string()
}

/// A mission's page; `plan` and `refused` fill its itinerary form (a planner's refused plan is
/// shown again beside the field).
pub(crate) async fn mission_page(
    s: &AppState,
    ctx: &Ctx,
    id: i64,
    plan: &super::forms::Fields,
    refused: Option<&super::forms::Refused>,
) -> PageResult {
    let lang = ctx.lang;
    let m = PageError::found(s.store.get_mission(id).await?, "mission", id)?;
    let mut rows = vec![
        (ctx.t(Msg::MissionKind), ctx.t(mission_kind(m.data.kind)).to_owned()),
        (ctx.t(Msg::Start), i18n::date(lang, m.data.start)),
        (
            ctx.t(Msg::End),
            m.data.end.map(|d| i18n::date(lang, d)).unwrap_or_default(),
        ),
    ];
    if let Some(p) = &m.data.permits {
        rows.push((ctx.t(Msg::Permits), esc(p)));
    }
    if let Some(o) = &m.outcome {
        rows.push((ctx.t(Msg::Outcome), esc(o)));
    }
    let mut body = facts(rows);
    let sites = s.store.sites_by_id(&m.data.site_ids).await?;
    let itinerary = s.store.get_mission_itinerary(id).await?;
    let _ = write!(
        body,
        "<h2>{}</h2>{}{}",
        ctx.t(Msg::Sites),
        super::pages::map_div(ctx, &sites).into_string(),
        day_routes(ctx, itinerary.as_ref(), &sites)
    );
    // The mission's sites; the day-by-day plan, when a planner made one, follows.
    let rows: Vec<Vec<String>> = sites
        .iter()
        .enumerate()
        .map(|(i, site)| {
            vec![
                (i + 1).to_string(),
                format!(
                    r#"<a href="/sites/{}">{}</a>"#,
                    site.id,
                    names_html(lang, &site.data.names).into_string()
                ),
                ctx.t(i18n::site_status(site.data.status)).to_owned(),
            ]
        })
        .collect();
    body.push_str(&ctx.legacy_table(Msg::Itinerary, &[Msg::Order, Msg::Site, Msg::Status], &rows));
    body.push_str(&format!(
        r#"<div id="day-plans">{}</div>"#,
        day_plans(ctx, itinerary.as_ref())
    ));
    if ctx.may(Permission::WriteMissions) {
        body.push_str(&super::mission_forms::plan_form(ctx, id, plan, refused).0);
    }
    let rows: Vec<Vec<String>> = m
        .data
        .participants
        .iter()
        .map(|p| vec![esc(&p.name), esc(p.role.as_deref().unwrap_or(""))])
        .collect();
    body.push_str(&ctx.legacy_table(Msg::Participants, &[Msg::Name, Msg::Role], &rows));
    body.push_str(super::pages::MAP_SCRIPTS.0);
    let title = format!("{}: {}", ctx.t(Msg::Mission), m.data.name);
    let status = refused.map_or(axum::http::StatusCode::OK, |r| r.status);
    Ok((status, Html(page(ctx, &title, super::pages::MAP_HEAD.0, &body))).into_response())
}
