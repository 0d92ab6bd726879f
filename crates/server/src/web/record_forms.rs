//! Forms that record persons and families: each a page with the form and a handler for its post.
//! The values are read by the registry's constructors (`Name::new`, `PartialDate`, `Sex`,
//! `Coordinates::new`) and checked by the same `Store` methods the API calls; a refusal shows the
//! form again with the message beside the input it names.

use std::fmt::Write;

use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use axum::{Extension, Form};
use maud::{html, Markup};
use registry::model::{
    Contacts, Coordinates, FieldError, Name, NameKind, NewFamily, NewPerson, PartialDate, Person, Place, Problem, Sex,
    Source,
};

use super::forms::{options, respond_with, Extra, Fields, FormView, Refused};
use super::html::facts;
use super::i18n::{self, Msg};
use super::{Ctx, PageError, PageId, PageResult};
use crate::AppState;

/// The scripts offered for a name (ISO 15924), each named in itself.
const SCRIPTS: &[(&str, &str)] = &[
    ("Jpan", "Jpan: 漢字かな"),
    ("Hani", "Hani: 漢字"),
    ("Hira", "Hira: ひらがな"),
    ("Kana", "Kana: カタカナ"),
    ("Latn", "Latn: Latin / romaji"),
    ("Kore", "Kore: 한국어"),
    ("Hang", "Hang: 한글"),
    ("Cyrl", "Cyrl: кириллица"),
];

const KINDS: [NameKind; 3] = [NameKind::Primary, NameKind::Transliteration, NameKind::Variant];

fn kind_word(k: NameKind) -> &'static str {
    match k {
        NameKind::Primary => "primary",
        NameKind::Transliteration => "transliteration",
        NameKind::Variant => "variant",
    }
}

fn kind_of(word: &str, field: &str) -> Result<NameKind, FieldError> {
    KINDS.into_iter().find(|&k| kind_word(k) == word.trim()).ok_or_else(|| {
        FieldError::new(
            field,
            format!("'{word}' is not a kind of name (primary, transliteration, variant)"),
        )
    })
}

/// The form's fields for a person as stored (one empty name row and source row to add to).
fn person_fields(p: &NewPerson) -> Fields {
    let mut f = Fields::default()
        .with("external_id", &p.external_id)
        .with("sex", p.sex.as_str())
        .with("birth", p.birth.map(|d| d.to_string()).unwrap_or_default())
        .with("death", p.death.map(|d| d.to_string()).unwrap_or_default());
    let place = p.death_place.clone().unwrap_or_default();
    f.set("death_place", place.name.unwrap_or_default());
    if let Some(c) = place.coordinates {
        f.set("death_lat", c.lat.to_string());
        f.set("death_lon", c.lon.to_string());
    }
    for (i, n) in p.names.iter().enumerate() {
        f.set(&format!("name_text_{i}"), &n.text);
        f.set(&format!("name_script_{i}"), &n.script);
        f.set(&format!("name_lang_{i}"), n.lang.clone().unwrap_or_default());
        f.set(&format!("name_kind_{i}"), kind_word(n.kind));
    }
    let i = p.names.len();
    f.set(&format!("name_text_{i}"), "");
    f.set(&format!("name_script_{i}"), "Jpan");
    f.set(&format!("name_kind_{i}"), "variant");
    for (i, s) in p.sources.iter().enumerate() {
        f.set(&format!("source_citation_{i}"), &s.citation);
        f.set(&format!("source_note_{i}"), s.note.clone().unwrap_or_default());
    }
    f.set(&format!("source_citation_{}", p.sources.len()), "");
    f
}

/// A new person's form: rows for the name in kanji, in kana and in romaji, and one more.
fn new_person_fields() -> Fields {
    let mut f = Fields::default().with("sex", "male");
    for (i, (script, lang, kind)) in [
        ("Jpan", "ja", "primary"),
        ("Hira", "ja", "transliteration"),
        ("Latn", "ja-Latn", "transliteration"),
        ("Jpan", "", "variant"),
    ]
    .into_iter()
    .enumerate()
    {
        f.set(&format!("name_text_{i}"), "");
        f.set(&format!("name_script_{i}"), script);
        f.set(&format!("name_lang_{i}"), lang);
        f.set(&format!("name_kind_{i}"), kind);
    }
    f.set("source_citation_0", "");
    f
}

/// How many numbered rows (`{prefix}{i}`) the form has.
fn rows(f: &Fields, prefix: &str) -> usize {
    (0..).take_while(|i| f.has(&format!("{prefix}{i}"))).count()
}

/// The person the form describes, read by the registry's own parsers; a refusal names the input.
fn person_of(f: &Fields) -> Result<NewPerson, Refused> {
    let mut names = Vec::new();
    for i in 0..rows(f, "name_text_") {
        let text = f.get(&format!("name_text_{i}"));
        if text.trim().is_empty() {
            continue;
        }
        let kind = kind_of(f.get(&format!("name_kind_{i}")), &format!("name_kind_{i}")).map_err(Refused::field)?;
        let lang = f.opt(&format!("name_lang_{i}"));
        let name = Name::new(text, f.get(&format!("name_script_{i}")).trim(), lang.as_deref(), kind).map_err(|e| {
            Refused::field(e).at(|field| Some(format!("name_{}_{i}", if field == "name" { "text" } else { field })))
        })?;
        names.push(name);
    }
    let sex: Sex = f
        .get("sex")
        .parse()
        .map_err(|e: String| Refused::field(FieldError::new("sex", e)))?;
    let date = |name: &str| -> Result<Option<PartialDate>, Refused> {
        f.opt(name)
            .map(|v| {
                v.parse()
                    .map_err(|e: String| Refused::field(FieldError::new(name, e).because(Problem::NotADate)))
            })
            .transpose()
    };
    let (birth, death) = (date("birth")?, date("death")?);
    let coordinates = match (f.opt("death_lat"), f.opt("death_lon")) {
        (None, None) => None,
        (lat, lon) => {
            let number = |name: &str, v: Option<String>| -> Result<f64, Refused> {
                let v = v.unwrap_or_default();
                v.parse::<f64>().ok().filter(|x| x.is_finite()).ok_or_else(|| {
                    Refused::field(FieldError::new(name, format!("'{v}' is not a number")).because(Problem::NotANumber))
                })
            };
            let (lat, lon) = (number("death_lat", lat)?, number("death_lon", lon)?);
            Some(
                Coordinates::new(lat, lon, None)
                    .map_err(|e| Refused::field(e).at(|field| Some(format!("death_{field}"))))?,
            )
        }
    };
    let place_name = f.opt("death_place");
    let death_place = (place_name.is_some() || coordinates.is_some()).then_some(Place {
        name: place_name,
        coordinates,
    });
    let mut sources = Vec::new();
    for i in 0..rows(f, "source_citation_") {
        let (citation, note) = (
            f.get(&format!("source_citation_{i}")),
            f.opt(&format!("source_note_{i}")),
        );
        if citation.trim().is_empty() && note.is_none() {
            continue;
        }
        sources.push(Source {
            citation: citation.trim().to_owned(),
            note,
        });
    }
    Ok(NewPerson {
        external_id: f.get("external_id").trim().to_owned(),
        names,
        sex,
        birth,
        death,
        death_place,
        sources,
    })
}

/// The registry's field names of a person as the form's inputs.
fn person_input(f: &Fields, field: &str) -> Option<String> {
    Some(match field {
        "names" => "name_text_0".to_owned(),
        f2 if f2.starts_with("sources.") => {
            // The first row the registry would have refused: an empty citation, else the first.
            let n = rows(f, "source_citation_");
            let used: Vec<usize> = (0..n)
                .filter(|i| {
                    !f.get(&format!("source_citation_{i}")).trim().is_empty()
                        || f.opt(&format!("source_note_{i}")).is_some()
                })
                .collect();
            let row = used
                .iter()
                .copied()
                .find(|i| f.get(&format!("source_citation_{i}")).trim().is_empty())
                .or(used.first().copied())
                .unwrap_or(0);
            let what = if f2 == "sources.note" { "note" } else { "citation" };
            format!("source_{what}_{row}")
        }
        _ => return None,
    })
}

fn person_form(ctx: &Ctx, action: &str, f: &Fields, refused: Option<&Refused>) -> Markup {
    let v = FormView::new(ctx, f, refused);
    let t = |m| ctx.t(m);
    let text = |name: &str, label: Msg, extra: Extra| v.input(name, t(label), "text", extra);
    let scripts: Vec<(String, String)> = SCRIPTS
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    let kinds = options(ctx, &KINDS, kind_word, i18n::name_kind);
    let sexes = options(ctx, &[Sex::Male, Sex::Female, Sex::Unknown], |x| x.as_str(), i18n::sex);
    let date = Extra::NONE.placeholder(t(Msg::DateHint));
    let decimal = Extra::NONE.inputmode("decimal");
    // The inputs first: the summary says whether one of them showed the refusal.
    let inner = html! {
        (text("external_id", Msg::ExternalId, Extra::NONE.required()))
        fieldset {
            legend { (t(Msg::Names)) }
            @for i in 0..rows(f, "name_text_") {
                div.name-row {
                    (text(&format!("name_text_{i}"), Msg::Name, Extra::NONE))
                    (v.select(&format!("name_script_{i}"), t(Msg::Script), &scripts))
                    (text(&format!("name_lang_{i}"), Msg::LanguageTag, Extra::NONE))
                    (v.select(&format!("name_kind_{i}"), t(Msg::Kind), &kinds))
                }
            }
        }
        (v.select("sex", t(Msg::Sex), &sexes))
        (text("birth", Msg::Born, date))
        (text("death", Msg::Died, date))
        (text("death_place", Msg::DeathPlace, Extra::NONE))
        (text("death_lat", Msg::Latitude, decimal))
        (text("death_lon", Msg::Longitude, decimal))
        fieldset {
            legend { (t(Msg::Sources)) }
            @for i in 0..rows(f, "source_citation_") {
                div.name-row {
                    (text(&format!("source_citation_{i}"), Msg::Citation, Extra::NONE))
                    (text(&format!("source_note_{i}"), Msg::Notes, Extra::NONE))
                }
            }
        }
    };
    html! {
        (v.summary())
        form.stack.record-form method="post" action=(action) id="person-form" {
            (v.csrf())
            @if f.has("version") { (v.hidden("version")) }
            (inner)
            button type="submit" { (t(Msg::Save)) }
        }
    }
}

pub(crate) async fn new_person(Extension(ctx): Extension<Ctx>) -> PageResult {
    let body = person_form(&ctx, "/persons/new", &new_person_fields(), None);
    ctx.respond(ctx.t(Msg::NewPerson), body)
}

pub(crate) async fn create_person(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<Fields>,
) -> PageResult {
    let refused = match person_of(&f) {
        Ok(p) => match s.store.create_person(&ctx.user.username, &p).await {
            Ok(person) => return Ok(Redirect::to(&format!("/persons/{}", person.id)).into_response()),
            Err(e) => Refused::from_store(e)?,
        },
        Err(r) => r,
    };
    let refused = refused.at(|field| person_input(&f, field));
    let body = person_form(&ctx, "/persons/new", &f, Some(&refused));
    respond_with(&ctx, refused.status, ctx.t(Msg::NewPerson), body)
}

fn edit_title(ctx: &Ctx, p: &Person) -> String {
    format!(
        "{}: {}",
        ctx.t(Msg::EditPerson),
        super::pages::first_name(ctx.lang, &p.data.names)
    )
}

pub(crate) async fn edit_person(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
) -> PageResult {
    let p = PageError::found(s.store.get_person(id).await?, "person", id)?;
    let f = person_fields(&p.data).with("version", p.version.to_string());
    let body = person_form(&ctx, &format!("/persons/{id}/edit"), &f, None);
    ctx.respond(&edit_title(&ctx, &p), body)
}

/// The stored record beside a form refused as stale.
fn current_values(ctx: &Ctx, p: &Person) -> Markup {
    let names: Vec<String> = p
        .data
        .names
        .iter()
        .map(|n| format!("{} ({})", n.text, n.script))
        .collect();
    let place = p.data.death_place.as_ref().map(|pl| {
        let mut t = pl.name.clone().unwrap_or_default();
        if let Some(c) = pl.coordinates {
            let _ = write!(t, " ({}, {})", c.lat, c.lon);
        }
        t
    });
    let sources: Vec<&str> = p.data.sources.iter().map(|s| s.citation.as_str()).collect();
    let date = |d: Option<PartialDate>| d.map(|d| i18n::date(ctx.lang, d)).unwrap_or_default();
    let rows = [
        ("ID", html! { (p.data.external_id) }),
        (ctx.t(Msg::Names), html! { (names.join(" · ")) }),
        (ctx.t(Msg::Sex), html! { (ctx.t(i18n::sex(p.data.sex))) }),
        (ctx.t(Msg::Born), html! { (date(p.data.birth)) }),
        (ctx.t(Msg::Died), html! { (date(p.data.death)) }),
        (ctx.t(Msg::DeathPlace), html! { (place.as_deref().unwrap_or("")) }),
        (ctx.t(Msg::Sources), html! { (sources.join(" · ")) }),
    ];
    html! {
        section.current-values id="current-values" {
            h2 { (ctx.t(Msg::CurrentValues)) }
            (facts(rows))
        }
    }
}

pub(crate) async fn update_person(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
    Form(mut f): Form<Fields>,
) -> PageResult {
    let current = PageError::found(s.store.get_person(id).await?, "person", id)?;
    let version = f.get("version").trim().parse::<i64>().map_err(|_| {
        Refused::field(FieldError::new(
            "version",
            format!("'{}' is not a record version", f.get("version")),
        ))
    });
    let outcome = match (version, person_of(&f)) {
        (Ok(version), Ok(p)) => match s.store.update_person(&ctx.user.username, id, version, &p).await {
            Ok(_) => return Ok(Redirect::to(&format!("/persons/{id}")).into_response()),
            Err(e) => Refused::from_store(e)?,
        },
        (Err(r), _) | (_, Err(r)) => r,
    };
    let refused = outcome.at(|field| person_input(&f, field));
    if refused.stale {
        // Saving again is a deliberate choice to replace what is there now.
        f.set("version", current.version.to_string());
    }
    let body = html! {
        (person_form(&ctx, &format!("/persons/{id}/edit"), &f, Some(&refused)))
        @if refused.stale { (current_values(&ctx, &current)) }
    };
    respond_with(&ctx, refused.status, &edit_title(&ctx, &current), body)
}

// ---- families ----

fn family_form(ctx: &Ctx, action: &str, f: &Fields, refused: Option<&Refused>) -> Markup {
    let v = FormView::new(ctx, f, refused);
    let t = |m| ctx.t(m);
    // The inputs first: the summary says whether one of them showed the refusal.
    let inner = html! {
        (v.input("external_id", t(Msg::ExternalId), "text", Extra::NONE.required()))
        (v.input("name", t(Msg::Name), "text", Extra::NONE.required()))
        (v.input("liaison", t(Msg::Liaison), "text", Extra::NONE))
        fieldset {
            legend { (t(Msg::ContactDetails)) }
            (v.textarea("postal_address", t(Msg::PostalAddress)))
            (v.input("phone", t(Msg::Phone), "tel", Extra::NONE))
            (v.input("email", t(Msg::Email), "email", Extra::NONE))
        }
        @if f.has("version") { input name="version" type="hidden" value=(f.get("version")); }
    };
    html! {
        (v.summary())
        form.stack.record-form method="post" action=(action) id="family-form" {
            (v.csrf())
            (inner)
            button type="submit" { (t(Msg::Save)) }
        }
    }
}

pub(crate) async fn new_family(Extension(ctx): Extension<Ctx>) -> PageResult {
    let body = family_form(&ctx, "/families/new", &Fields::default(), None);
    ctx.respond(ctx.t(Msg::NewFamily), body)
}

pub(crate) async fn create_family(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<Fields>,
) -> PageResult {
    let family = family_of(&f);
    let refused = match s.store.create_family(&ctx.user.username, &family).await {
        Ok(created) => return Ok(Redirect::to(&format!("/families/{}", created.id)).into_response()),
        Err(e) => Refused::from_store(e)?,
    };
    let body = family_form(&ctx, "/families/new", &f, Some(&refused));
    respond_with(&ctx, refused.status, ctx.t(Msg::NewFamily), body)
}

/// The family a form describes (the registry checks it).
fn family_of(f: &Fields) -> NewFamily {
    NewFamily {
        external_id: f.get("external_id").trim().to_owned(),
        name: f.get("name").trim().to_owned(),
        liaison: f.opt("liaison"),
        contacts: Contacts {
            postal_address: f.opt("postal_address"),
            phone: f.opt("phone"),
            email: f.opt("email"),
        },
    }
}

/// The edit form of a family, with its contact details (the read is audited) and its version.
pub(crate) async fn edit_family(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
) -> PageResult {
    s.store.require_family_in_scope(&ctx.family_scope(), id).await?;
    let family = PageError::found(s.store.get_family(id).await?, "family", id)?;
    let contacts = s.store.get_family_contacts(&ctx.user.username, id).await?;
    let f = Fields::default()
        .with("external_id", family.external_id.clone())
        .with("name", family.name.clone())
        .with("liaison", family.liaison.clone().unwrap_or_default())
        .with("postal_address", contacts.postal_address.unwrap_or_default())
        .with("phone", contacts.phone.unwrap_or_default())
        .with("email", contacts.email.unwrap_or_default())
        .with("version", family.version.to_string());
    let body = family_form(&ctx, &format!("/families/{id}/edit"), &f, None);
    ctx.respond(&format!("{}: {}", ctx.t(Msg::EditFamily), family.name), body)
}

/// Saves a family's edit if nobody changed it since the form was opened; otherwise 409 with the
/// input kept and the version now stored, so that saving again replaces it deliberately.
pub(crate) async fn update_family(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
    Form(mut f): Form<Fields>,
) -> PageResult {
    s.store.require_family_in_scope(&ctx.family_scope(), id).await?;
    let current = PageError::found(s.store.get_family(id).await?, "family", id)?;
    let refused = match f.get("version").trim().parse::<i64>() {
        Err(_) => Refused::field(FieldError::new(
            "version",
            format!("'{}' is not a record version", f.get("version")),
        )),
        Ok(version) => match s
            .store
            .update_family(&ctx.user.username, id, version, &family_of(&f))
            .await
        {
            Ok(_) => return Ok(Redirect::to(&format!("/families/{id}")).into_response()),
            Err(e) => Refused::from_store(e)?,
        },
    };
    if refused.stale {
        f.set("version", current.version.to_string());
    }
    let body = family_form(&ctx, &format!("/families/{id}/edit"), &f, Some(&refused));
    respond_with(
        &ctx,
        refused.status,
        &format!("{}: {}", ctx.t(Msg::EditFamily), current.name),
        body,
    )
}
