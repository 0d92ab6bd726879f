//! Families with their pedigree and consent, the printable report, samples with their chain of
//! custody, and missions. No genotype is read here.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect};
use axum::{Extension, Form};
use maud::{html, Markup};
use registry::model::{FieldError, Sex};
use registry::{
    CustodyEventKind, Family, FamilyMember, Mobility, NewCustodyEvent, NewMember, NewVisitRequest, Reference,
    StoreError,
};

use super::forms::{options, respond_with, Extra, Fields, FormView, Refused};
use super::html::{self, facts, link, table};
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
    let rows: Vec<Vec<Markup>> = all
        .iter()
        .skip(offset)
        .take(FAMILIES_PER_PAGE)
        .map(|f| {
            vec![
                link(&format!("/families/{}", f.id), &f.name),
                html! { (f.external_id) },
                html! { (f.liaison.as_deref().unwrap_or("")) },
            ]
        })
        .collect();
    let body = html! {
        @if ctx.may(Permission::WriteFamilies) {
            p.actions { a href="/families/new" id="new-family" { (ctx.t(Msg::NewFamily)) } }
        }
        (table(ctx.t(Msg::Families), &[ctx.t(Msg::Name), "ID", ctx.t(Msg::Liaison)], &rows))
        nav.pager {
            @if offset > 0 {
                a href={ "/families?offset=" (offset.saturating_sub(FAMILIES_PER_PAGE)) } { (ctx.t(Msg::Previous)) }
                " "
            }
            @if offset + FAMILIES_PER_PAGE < all.len() {
                a href={ "/families?offset=" (offset + FAMILIES_PER_PAGE) } { (ctx.t(Msg::Next)) }
            }
        }
    };
    ctx.respond(ctx.t(Msg::Families), body)
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

    pub fn pedigree_svg(&self, ctx: &Ctx) -> Markup {
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
        let title = format!("{}: {}", ctx.t(Msg::Pedigree), self.family.name);
        html! {
            figure {
                div.scroll { (pedigree::svg(&nodes, &title)) }
                figcaption.muted { (ctx.t(Msg::PedigreeLegend)) }
            }
        }
    }

    fn members_table(&self, ctx: &Ctx) -> Markup {
        let rows: Vec<Vec<Markup>> = self
            .members
            .iter()
            .map(|m| {
                let mut notes = Vec::new();
                if m.data.is_missing {
                    notes.push(ctx.t(Msg::Missing));
                }
                if self.is_donor(m.id) {
                    notes.push(ctx.t(Msg::Donor));
                }
                vec![
                    html! {
                        (m.data.display_name)
                        @if ctx.may(Permission::WriteFamilies) {
                            " " a.edit-member href={ "/members/" (m.id) "/edit" } { (ctx.t(Msg::Edit)) }
                        }
                    },
                    html! { (ctx.t(i18n::sex(m.data.sex))) },
                    html! { (ctx.t(if m.data.alive { Msg::Alive } else { Msg::Deceased })) },
                    html! { (notes.join(", ")) },
                    html! {
                        @match m.data.person_id {
                            Some(p) if ctx.may(Permission::ReadPersons) => (link(&format!("/persons/{p}"), &p.to_string())),
                            Some(p) => (p),
                            None => {},
                        }
                    },
                ]
            })
            .collect();
        ctx.table(
            Msg::Members,
            &[Msg::Name, Msg::Sex, Msg::Status, Msg::Kind, Msg::Person],
            &rows,
        )
    }

    /// The references with their consent; with `forms` (a role with `WithdrawConsent` on the
    /// family page), a withdrawal form in each row whose consent stands.
    fn references_table(&self, ctx: &Ctx, forms: Option<&FamilyForms>) -> Markup {
        let rows: Vec<Vec<Markup>> = self
            .references
            .iter()
            .map(|r| {
                let consent = match &r.withdrawal {
                    None => html! {
                        (ctx.t(Msg::ConsentGiven)) " (" (r.consent.scope.as_str()) ", "
                        (i18n::date(ctx.lang, r.consent.date)) ")"
                    },
                    Some(w) => html! { (ctx.t(Msg::ConsentWithdrawn)) " (" (ctx.instant(&w.at)) ")" },
                };
                let mut row = vec![
                    html! { (r.external_id) },
                    html! { (self.member_name(r.donor_member_id)) },
                    html! { (r.kit) },
                    consent,
                ];
                if let Some(forms) = forms {
                    row.push(html! { @if r.withdrawal.is_none() { (withdraw_form(ctx, r, forms)) } });
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
    async fn identifications(&self, s: &AppState, ctx: &Ctx) -> Result<Markup, PageError> {
        if !ctx.may(Permission::ReadIdentifications) {
            return Ok(html! {});
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
        let rows: Vec<Vec<Markup>> = found
            .items
            .iter()
            .map(|ident| {
                let reviewers: Vec<String> = reviews
                    .remove(&ident.id)
                    .unwrap_or_default()
                    .iter()
                    .map(|r| {
                        let decision = i18n::decision(&r.decision).map_or(r.decision.as_str(), |m| ctx.t(m));
                        format!("{} ({decision})", r.reviewer)
                    })
                    .collect();
                vec![
                    names_html(ctx.lang, &ident.person_names),
                    i18n::identification_status_html(ctx.lang, ident.status, ident.flag_reason.as_deref()),
                    html! { @if let Some(lr) = ident.log10_lr { (i18n::lr_html(lr)) } },
                    html! { @if let Some(p) = ident.posterior { (i18n::probability_html(p)) } },
                    html! { (reviewers.join(", ")) },
                ]
            })
            .collect();
        Ok(ctx.table(
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
    let members = view.members_table(ctx);
    let member_form = ctx
        .may(Permission::WriteFamilies)
        .then(|| member_form(ctx, &view, forms));
    let withdrawing = ctx.may(Permission::WithdrawConsent);
    let references = ctx
        .may(Permission::ReadReferences)
        .then(|| view.references_table(ctx, withdrawing.then_some(forms)));
    let visit_form = if ctx.may(Permission::WriteVisitRequests) {
        Some(visit_form(s, ctx, id, forms).await?)
    } else {
        None
    };
    let identifications = view.identifications(s, ctx).await?;
    let body = html! {
        p {
            a href={ "/families/" (id) "/report" } { (ctx.t(Msg::Report)) }
            " · "
            a href={ "/families/" (id) "/advice" } { (ctx.t(Msg::SampleNext)) }
            @if ctx.may(Permission::WriteFamilies) {
                " · " a href={ "/families/" (id) "/edit" } id="edit-family" { (ctx.t(Msg::EditFamily)) }
            }
        }
        h2 { (ctx.t(Msg::Pedigree)) }
        (view.pedigree_svg(ctx))
        div id="members" { (members) }
        @if let Some(form) = member_form { (form) }
        @if let Some(references) = references {
            div id="references" {
                (references)
                @if withdrawing && view.references.iter().any(|r| r.withdrawal.is_none()) {
                    p.muted { (ctx.t(Msg::WithdrawNote)) }
                }
            }
        }
        @if let Some(form) = visit_form { (form) }
        (identifications)
    };
    let title = format!("{}: {}", ctx.t(Msg::Family), view.family.name);
    respond_with(ctx, status, &title, body)
}

/// A reference row's withdrawal form (the reason, the version the page showed).
/// The form adding a member to the family: name, sex, parents among the members already
/// recorded, the registry person a missing member is, living or not.
fn member_form(ctx: &Ctx, view: &FamilyView, forms: &FamilyForms) -> Markup {
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
) -> Markup {
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
    let inner = html! {
        (v.input("display_name", ctx.t(Msg::Name), "text", Extra::NONE.required()))
        (v.select("sex", ctx.t(Msg::Sex), &sexes))
        (v.select("father_member_id", ctx.t(Msg::Father), &parents))
        (v.select("mother_member_id", ctx.t(Msg::Mother), &parents))
        (v.select("alive", ctx.t(Msg::Alive), &yes_no))
        (v.select("is_missing", ctx.t(Msg::Missing), &yes_no))
        (v.input("person_id", ctx.t(Msg::RegistryPerson), "number", Extra::NONE.range("1", None)))
        @if editing.is_some() { (v.hidden("version")) }
    };
    v.section(ids, title, html! {}, action, inner)
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
    let form = member_fields_form(
        ctx,
        &view,
        fields,
        refused,
        (("edit-member", "member-form"), &title),
        &format!("/members/{}/edit", member.id),
    );
    let body = html! {
        p { a href={ "/families/" (member.family_id) } { (view.family.name) } }
        (form)
    };
    respond_with(ctx, refused.map_or(StatusCode::OK, |r| r.status), &title, body)
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

fn withdraw_form(ctx: &Ctx, r: &Reference, forms: &FamilyForms) -> Markup {
    let (fields, refused) = match &forms.withdraw {
        Some((rid, f, refused)) if *rid == r.id => (f.clone().with("version", r.version.to_string()), Some(refused)),
        _ => (Fields::default().with("version", r.version.to_string()), None),
    };
    let v = FormView::new(ctx, &fields, refused).prefixed(&format!("withdraw-{}-", r.id));
    // The input first: the summary says whether it showed the refusal.
    let reason = v.input("reason", ctx.t(Msg::Reason), "text", Extra::NONE.required());
    html! {
        (v.summary())
        form.row-form method="post" action={ "/references/" (r.id) "/withdraw" } id={ "withdraw-" (r.id) } {
            (v.csrf())
            (v.hidden("version"))
            (reason)
            button type="submit" { (ctx.t(Msg::WithdrawConsent)) }
        }
    }
}

/// The form asking to visit a grave: which site, how many travel, how well they walk.
async fn visit_form(s: &AppState, ctx: &Ctx, id: i64, forms: &FamilyForms) -> Result<Markup, PageError> {
    let all_sites = s.store.list_sites().await?;
    // The family's requests so far, above the form for another.
    let requested: Vec<Vec<Markup>> = s
        .store
        .visit_requests_of_family(id)
        .await?
        .iter()
        .map(|r| {
            let site = all_sites.iter().find(|x| x.id == r.data.site_id);
            vec![
                site.map_or_else(
                    || html! { (r.data.site_id) },
                    |x| link(&format!("/sites/{}", x.id), &first_name(ctx.lang, &x.data.names)),
                ),
                html! { (r.data.visitors) },
                html! { (ctx.t(mobility_label(r.data.mobility))) },
                html! { (r.data.notes.as_deref().unwrap_or("")) },
                html! { (ctx.instant(&r.created_at)) },
            ]
        })
        .collect();
    let requested = html! {
        @if !requested.is_empty() {
            (ctx.table(
                Msg::RequestVisit,
                &[Msg::Site, Msg::Visitors, Msg::Mobility, Msg::Notes, Msg::When],
                &requested,
            ))
        }
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
    let mobility = options(ctx, &Mobility::ALL, |m| m.as_str(), mobility_label);
    let inner = html! {
        (v.select("site_id", ctx.t(Msg::Site), &sites))
        (v.input("visitors", ctx.t(Msg::Visitors), "number", Extra::NONE.range("1", Some("50")).required()))
        (v.select("mobility", ctx.t(Msg::Mobility), &mobility))
        (v.textarea("notes", ctx.t(Msg::Notes)))
    };
    Ok(v.section(
        ("visit-request", "visit-form"),
        ctx.t(Msg::RequestVisit),
        requested,
        &format!("/families/{id}/visits"),
        inner,
    ))
}

/// How well a family's visitors walk, in the reader's language.
fn mobility_label(m: Mobility) -> Msg {
    match m {
        Mobility::Walks => Msg::MobilityWalks,
        Mobility::Limited => Msg::MobilityLimited,
        Mobility::Wheelchair => Msg::MobilityWheelchair,
    }
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
                told: true,
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
        respond_with(&ctx, status, ctx.t(Msg::RequestVisit), body)
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
    let advice = match s.advice.as_ref() {
        None => html! { p { (ctx.t(Msg::NoMatchingSettings)) } },
        Some(service) => {
            let state = service.advice(id, &ctx.user.username).await.map_err(|e| match e {
                jobs::JobError::Store(e) => PageError::from(e),
                other => PageError(crate::ApiError::Unexpected(other.to_string())),
            })?;
            advice_block(&ctx, id, state)?
        }
    };
    let body = html! {
        p { a href={ "/families/" (id) } { (view.family.name) } }
        p { (ctx.t(Msg::AdviceExplain)) }
        (advice)
    };
    ctx.respond(&title, body)
}

/// The advice as stored, or the block that asks for it again while it is computed.
fn advice_block(ctx: &Ctx, id: i64, state: jobs::advice::AdviceState) -> Result<Markup, PageError> {
    let (outcome, computed_at) = match state {
        jobs::advice::AdviceState::Ready { outcome, computed_at } => (outcome, computed_at),
        // The element replaces itself with the same element of the next answer: the poll stops
        // once the answer has the advice instead.
        jobs::advice::AdviceState::Computing => {
            return Ok(html! {
                div.advice-computing id="advice" hx-get={ "/families/" (id) "/advice" } hx-trigger="every 2s"
                    hx-select="#advice" hx-swap="outerHTML" {
                    p { (ctx.t(Msg::AdviceComputing)) }
                    p { a href={ "/families/" (id) "/advice" } { (ctx.t(Msg::Refresh)) } }
                }
            });
        }
        jobs::advice::AdviceState::Failed(message) => {
            return Err(PageError(crate::ApiError::Unexpected(message)));
        }
    };
    let computed = html! { p.advice-computed { (ctx.t(Msg::Generated)) ": " (ctx.instant(&computed_at)) } };
    let advice = match outcome {
        jobs::advice::AdviceOutcome::Advice(advice) => advice,
        jobs::advice::AdviceOutcome::NoMissingMember => {
            return Ok(html! { div id="advice" { (computed) p { (ctx.t(Msg::NoMissingMember)) } } });
        }
        // A family whose pedigree the engine cannot use says why.
        jobs::advice::AdviceOutcome::Unusable(message) => {
            return Err(PageError(crate::ApiError::NotAllowed(message)));
        }
    };
    let row = |name: &str, p: &simulate::PowerEstimate| {
        vec![
            html! { (name) },
            html! {
                (format!("{:.2} ± {:.2}", p.above_threshold.fraction(), p.above_threshold.standard_error()))
            },
            html! {
                @if p.median_log10_lr.is_finite() { (format!("{:.1}", p.median_log10_lr)) } @else { "−∞" }
            },
            html! { @if let Some(e) = p.exclusion_power { (format!("{e:.4}")) } },
        ]
    };
    let mut rows = vec![row(ctx.t(Msg::ReferencesSoFar), &advice.current)];
    rows.extend(advice.candidates.iter().map(|c| row(&c.name, &c.power)));
    let header = [
        ctx.t(Msg::Relative),
        ctx.t(Msg::ChanceConclusive),
        ctx.t(Msg::MedianLog10Lr),
        ctx.t(Msg::ExclusionPower),
    ];
    Ok(html! {
        div id="advice" {
            (computed)
            (table(&format!("{} — {}", ctx.t(Msg::SampleNext), advice.missing_name), &header, &rows))
            @if advice.candidates.is_empty() { p { (ctx.t(Msg::NoCandidates)) } }
        }
    })
}

pub(crate) async fn report(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
) -> PageResult {
    let view = family_view(&s, &ctx, id).await?;
    let identifications = view.identifications(&s, &ctx).await?;
    let body = html! {
        p.no-print { button type="button" data-action="print" { (ctx.t(Msg::Print)) } }
        dl.facts {
            dt { (ctx.t(Msg::Family)) }
            dd { (view.family.name) }
            dt { "ID" }
            dd { (view.family.external_id) }
            dt { (ctx.t(Msg::Generated)) }
            dd { (ctx.instant(&registry::now_utc())) }
        }
        (identifications)
        h2 { (ctx.t(Msg::Pedigree)) }
        (view.pedigree_svg(&ctx))
        (view.members_table(&ctx))
        @if ctx.may(Permission::ReadReferences) { (view.references_table(&ctx, None)) }
    };
    let title = format!("{}: {}", ctx.t(Msg::Report), view.family.name);
    ctx.respond(&title, body)
}

pub(crate) async fn sample(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
) -> PageResult {
    sample_page(&s, &ctx, id, &Fields::default(), None).await
}

/// The form appending to a sample's chain of custody.
fn custody_form(ctx: &Ctx, id: i64, fields: &Fields, refused: Option<&Refused>) -> Markup {
    let mut fields = fields.clone();
    if !fields.has("event") {
        fields.set("event", CustodyEventKind::Received.as_str());
    }
    let v = FormView::new(ctx, &fields, refused).prefixed("custody-");
    let events = options(ctx, &CustodyEventKind::ALL, |e| e.as_str(), i18n::custody_event);
    // The inputs first: the summary says whether one of them showed the refusal.
    let inner = html! {
        (v.select("event", ctx.t(Msg::Event), &events))
        (v.input("who", ctx.t(Msg::Who), "text", Extra::NONE.required()))
        (v.input("location", ctx.t(Msg::Location), "text", Extra::NONE.required()))
        (v.input("at", ctx.t(Msg::CustodyAt), "text", Extra::NONE))
        (v.textarea("note", ctx.t(Msg::Notes)))
    };
    v.section(
        ("custody-event", "custody-form"),
        ctx.t(Msg::RecordCustody),
        html! {},
        &format!("/samples/{id}/custody"),
        inner,
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
        ("ID", html! { (x.external_id) }),
        (ctx.t(Msg::Lab), html! { (x.lab) }),
        (ctx.t(Msg::Kind), html! { (x.profile_kind.as_str()) }),
        (
            ctx.t(Msg::Typed),
            html! { (ctx.t(if x.typed { Msg::Yes } else { Msg::No })) },
        ),
    ];
    if let Some(r) = remains {
        rows.push((
            ctx.t(Msg::Remains),
            html! {
                (r.data.external_id) " — " (r.data.skeletal_element)
                " (" a href={ "/sites/" (r.data.site_id) } { (ctx.t(Msg::Site)) } ")"
            },
        ));
    }
    let custody: Vec<Vec<Markup>> = s
        .store
        .custody_chain(id)
        .await?
        .into_iter()
        .map(|e| {
            vec![
                html! { (ctx.instant(&e.at)) },
                html! { (ctx.t(i18n::custody_event(e.event))) },
                html! { (e.who) },
                html! { (e.location) },
                html! { (e.note.as_deref().unwrap_or("")) },
            ]
        })
        .collect();
    let body = html! {
        (facts(rows))
        (ctx.table(Msg::Custody, &[Msg::When, Msg::Event, Msg::Who, Msg::Location, Msg::Notes], &custody))
        @if ctx.may(Permission::WriteSamples) { (custody_form(ctx, id, fields, refused)) }
    };
    let title = format!("{}: {}", ctx.t(Msg::Sample), x.external_id);
    respond_with(ctx, refused.map_or(StatusCode::OK, |r| r.status), &title, body)
}

/// A stored itinerary (crate `itinerary`'s plan as JSON) as one table per day, and the sites left
/// out with the planner's reason.
fn day_plans(ctx: &Ctx, itinerary: Option<&registry::MissionItinerary>) -> Markup {
    let Some(itinerary) = itinerary else {
        return html! {
            h2 { (ctx.t(Msg::DayPlans)) }
            p { (ctx.t(Msg::NoDayPlan)) }
        };
    };
    // A value of the stored plan as the page writes it: text as it is, numbers as JSON writes them.
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    let cell = |v: &serde_json::Value| html! { (text(v)) };
    let empty = Vec::new();
    let header = [
        ctx.t(Msg::Place),
        ctx.t(Msg::Depart),
        ctx.t(Msg::TravelMinutes),
        ctx.t(Msg::Arrive),
        ctx.t(Msg::VisitMinutes),
        ctx.t(Msg::Families),
    ];
    let days: Vec<Markup> = itinerary.plan["days"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .map(|day| {
            let rows: Vec<Vec<Markup>> = day["stops"]
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
                        cell(&stop["place"]),
                        cell(&stop["depart"]),
                        cell(&stop["travel_minutes"]),
                        cell(&stop["arrive"]),
                        cell(&stop["visit_minutes"]),
                        html! { (families.join("; ")) },
                    ]
                })
                .collect();
            // `table` escapes its caption.
            let raw = |v: &serde_json::Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            let caption = format!("{} {} — {}", ctx.t(Msg::DayNumber), raw(&day["day"]), raw(&day["date"]));
            table(&caption, &header, &rows)
        })
        .collect();
    let unplanned: Vec<Vec<Markup>> = itinerary.plan["unplanned"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .map(|u| vec![cell(&u["site_name"]), cell(&u["explanation"])])
        .collect();
    html! {
        h2 { (ctx.t(Msg::DayPlans)) }
        p { (ctx.t(Msg::PlannedBy)) ": " (itinerary.planned_by) " (" (ctx.instant(&itinerary.planned_at)) ")" }
        @for day in days { (day) }
        @if !unplanned.is_empty() { (ctx.table(Msg::NotPlanned, &[Msg::Site, Msg::Reason], &unplanned)) }
    }
}

fn mission_kind(kind: registry::MissionKind) -> Msg {
    match kind {
        registry::MissionKind::GraveVisit => Msg::GraveVisit,
        registry::MissionKind::Recovery => Msg::Recovery,
    }
}

pub(crate) async fn missions(State(s): State<AppState>, Extension(ctx): Extension<Ctx>) -> PageResult {
    let lang = ctx.lang;
    let rows: Vec<Vec<Markup>> = s
        .store
        .list_missions()
        .await?
        .into_iter()
        .map(|m| {
            vec![
                link(&format!("/missions/{}", m.id), &m.data.name),
                html! { (ctx.t(mission_kind(m.data.kind))) },
                html! { (i18n::date(lang, m.data.start)) },
                html! { @if let Some(d) = m.data.end { (i18n::date(lang, d)) } },
            ]
        })
        .collect();
    let body = html! {
        @if ctx.may(Permission::WriteMissions) {
            p { a href="/missions/new" id="new-mission" { (ctx.t(Msg::NewMission)) } }
        }
        (ctx.table(Msg::Missions, &[Msg::Name, Msg::MissionKind, Msg::Start, Msg::End], &rows))
    };
    ctx.respond(ctx.t(Msg::Missions), body)
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
fn day_routes(ctx: &Ctx, itinerary: Option<&registry::MissionItinerary>, sites: &[registry::model::Site]) -> Markup {
    let Some(itinerary) = itinerary else {
        return html! {};
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
    html::json_block("route-data", &serde_json::Value::Array(days))
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
        (ctx.t(Msg::MissionKind), html! { (ctx.t(mission_kind(m.data.kind))) }),
        (ctx.t(Msg::Start), html! { (i18n::date(lang, m.data.start)) }),
        (
            ctx.t(Msg::End),
            html! { @if let Some(d) = m.data.end { (i18n::date(lang, d)) } },
        ),
    ];
    if let Some(p) = &m.data.permits {
        rows.push((ctx.t(Msg::Permits), html! { (p) }));
    }
    if let Some(o) = &m.outcome {
        rows.push((ctx.t(Msg::Outcome), html! { (o) }));
    }
    let sites = s.store.sites_by_id(&m.data.site_ids).await?;
    let itinerary = s.store.get_mission_itinerary(id).await?;
    // The mission's sites; the day-by-day plan, when a planner made one, follows.
    let site_rows: Vec<Vec<Markup>> = sites
        .iter()
        .enumerate()
        .map(|(i, site)| {
            vec![
                html! { (i + 1) },
                html! { a href={ "/sites/" (site.id) } { (names_html(lang, &site.data.names)) } },
                html! { (ctx.t(i18n::site_status(site.data.status))) },
            ]
        })
        .collect();
    let participants: Vec<Vec<Markup>> = m
        .data
        .participants
        .iter()
        .map(|p| vec![html! { (p.name) }, html! { (p.role.as_deref().unwrap_or("")) }])
        .collect();
    let body = html! {
        (facts(rows))
        h2 { (ctx.t(Msg::Sites)) }
        (super::pages::map_div(ctx, &sites))
        (day_routes(ctx, itinerary.as_ref(), &sites))
        (ctx.table(Msg::Itinerary, &[Msg::Order, Msg::Site, Msg::Status], &site_rows))
        div id="day-plans" { (day_plans(ctx, itinerary.as_ref())) }
        @if ctx.may(Permission::WriteMissions) { (super::mission_forms::plan_form(ctx, id, plan, refused)) }
        (ctx.table(Msg::Participants, &[Msg::Name, Msg::Role], &participants))
        (super::pages::MAP_SCRIPTS)
    };
    let title = format!("{}: {}", ctx.t(Msg::Mission), m.data.name);
    let status = refused.map_or(axum::http::StatusCode::OK, |r| r.status);
    let page = html::page(ctx, &title, super::pages::MAP_HEAD, body);
    Ok((status, Html(page.into_string())).into_response())
}
