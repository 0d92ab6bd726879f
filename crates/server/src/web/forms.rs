//! What every form that writes a record shares: the submitted fields as the browser sent them, a
//! refusal from the registry turned into a message beside the input it names, and the inputs
//! themselves (escaped, labelled, marked invalid for screen readers).
//!
//! A form is checked by nothing but the registry's own constructors and `Store` methods, the same
//! the API calls: a refusal carries the registry's field name, which the form maps to its input.
//! A refused form is shown again with the status of the refusal (400, 409, 422), the input kept.

use std::cell::Cell;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use maud::{html, Markup};
use registry::model::{FieldError, Problem};
use registry::StoreError;
use serde::Deserialize;

use super::html;
use super::i18n::{Lang, Msg};
use super::{Ctx, PageError, PageResult};

/// A form's fields as submitted, in order (a name may repeat).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(transparent)]
pub(crate) struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of `name`, "" when absent.
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    /// The value of `name`, trimmed, `None` when blank.
    pub fn opt(&self, name: &str) -> Option<String> {
        let v = self.get(name).trim();
        (!v.is_empty()).then(|| v.to_owned())
    }

    /// Replaces (or adds) the value of `name`.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| k == name) {
            Some((_, v)) => *v = value,
            None => self.0.push((name.to_owned(), value)),
        }
    }

    pub fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        self.set(name, value);
        self
    }
}

/// Why a form was not saved: the status to answer with, the form input it is about (`None`: the
/// form as a whole) and the message.
#[derive(Debug, Clone)]
pub(crate) struct Refused {
    pub status: StatusCode,
    pub field: Option<String>,
    /// The registry's reason, in English.
    pub message: String,
    /// Its kind, told in the reader's language by [`Refused::text`].
    pub problem: Problem,
    /// The value is another record's already (a unique field).
    pub duplicate: bool,
    /// The message is in the reader's language already (said by the page, not the registry).
    pub told: bool,
    /// The record changed since the form was opened (a stale version).
    pub stale: bool,
}

impl Refused {
    /// A value the registry's parser refused (400).
    pub fn field(e: FieldError) -> Refused {
        Refused {
            status: StatusCode::BAD_REQUEST,
            field: Some(e.field),
            message: e.message,
            problem: e.problem,
            duplicate: false,
            told: false,
            stale: false,
        }
    }

    /// What the reader is told: in English the registry's reason; in Japanese the kind of
    /// refusal in Japanese, with the English reason after it where only that says which value.
    pub fn text(&self, lang: Lang) -> String {
        if lang == Lang::En || self.told {
            return self.message.clone();
        }
        if self.duplicate {
            return format!("この値の記録はすでにあります（{}）。", self.message);
        }
        if self.stale {
            // The summary's lead says it in Japanese already.
            return String::new();
        }
        match self.problem {
            Problem::Required => "入力してください。".to_owned(),
            Problem::TooLong { len, max } => format!("{len}文字あります。{max}文字以内にしてください。"),
            Problem::ControlCharacter => "使えない制御文字が含まれています。".to_owned(),
            Problem::NotADate => format!("日付として読めません（YYYY、YYYY-MM、YYYY-MM-DD）: {}", self.message),
            Problem::NotANumber => format!("数値として読めません: {}", self.message),
            Problem::OutOfRange => format!("範囲外の値です: {}", self.message),
            Problem::Other => format!("受け付けられません: {}", self.message),
        }
    }

    /// A refusal of the registry, or the error page for anything that is not about the input.
    pub fn from_store(e: StoreError) -> Result<Refused, PageError> {
        Ok(match e {
            StoreError::Invalid(f) => Refused::field(f),
            StoreError::Unfounded(f) => Refused {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                ..Refused::field(f)
            },
            StoreError::Duplicate { field, .. } => Refused {
                status: StatusCode::CONFLICT,
                field: Some(field.to_owned()),
                message: e.to_string(),
                problem: Problem::Other,
                duplicate: true,
                told: false,
                stale: false,
            },
            StoreError::Conflict { .. } => Refused {
                status: StatusCode::CONFLICT,
                field: None,
                message: e.to_string(),
                problem: Problem::Other,
                duplicate: false,
                told: false,
                stale: true,
            },
            other => return Err(other.into()),
        })
    }

    /// The registry's field name as the form's input name (`rename` gives `None` to keep it).
    pub fn at(mut self, rename: impl Fn(&str) -> Option<String>) -> Refused {
        if let Some(new) = self.field.as_deref().and_then(rename) {
            self.field = Some(new);
        }
        self
    }
}

/// A form being drawn: its fields' values and the refusal, if it was refused. Input ids are
/// `prefix` + name, so that several forms on one page keep unique ids.
pub(crate) struct FormView<'a> {
    pub ctx: &'a Ctx,
    pub fields: &'a Fields,
    pub refused: Option<&'a Refused>,
    pub prefix: String,
    shown: Cell<bool>,
}

impl<'a> FormView<'a> {
    pub fn new(ctx: &'a Ctx, fields: &'a Fields, refused: Option<&'a Refused>) -> FormView<'a> {
        FormView {
            ctx,
            fields,
            refused,
            prefix: String::new(),
            shown: Cell::new(false),
        }
    }

    pub fn prefixed(mut self, prefix: &str) -> Self {
        self.prefix = prefix.to_owned();
        self
    }

    fn id(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// The refusal's message, when it is about `name` (and marks it shown).
    fn error_of(&self, name: &str) -> Option<String> {
        let r = self.refused?;
        (r.field.as_deref() == Some(name)).then(|| {
            self.shown.set(true);
            r.text(self.ctx.lang)
        })
    }

    /// The error's paragraph, when the refusal is about `name`; an input with one is marked
    /// invalid and described by it (`aria-invalid`, `aria-describedby`).
    fn error_parts(&self, name: &str) -> Option<FieldMessage> {
        self.error_of(name).map(|message| FieldMessage {
            id: format!("{}-error", self.id(name)),
            markup: html! {
                p.field-error id={ (self.id(name)) "-error" } data-field=(name) { (message) }
            },
        })
    }

    /// A labelled `<input>` of `kind` (text, number, email, tel, date) with the field's value and
    /// the further attributes `extra`.
    pub fn input(&self, name: &str, label: &str, kind: &str, extra: Extra) -> Markup {
        let error = self.error_parts(name);
        let id = self.id(name);
        html! {
            div.field {
                label for=(id) { (label) }
                input id=(id) name=(name) type=(kind) value=(self.fields.get(name)) placeholder=[extra.placeholder]
                    inputmode=[extra.inputmode] step=[extra.step] min=[extra.min] max=[extra.max]
                    required[extra.required] aria-invalid=[error.as_ref().map(|_| "true")]
                    aria-describedby=[error.as_ref().map(|e| &e.id)];
                @if let Some(e) = &error { (e.markup) }
            }
        }
    }

    pub fn textarea(&self, name: &str, label: &str) -> Markup {
        let error = self.error_parts(name);
        let id = self.id(name);
        html! {
            div.field {
                label for=(id) { (label) }
                textarea id=(id) name=(name) rows="3" aria-invalid=[error.as_ref().map(|_| "true")]
                    aria-describedby=[error.as_ref().map(|e| &e.id)] { (self.fields.get(name)) }
                @if let Some(e) = &error { (e.markup) }
            }
        }
    }

    /// A labelled `<select>` of `(value, text)` options with the field's value selected (added
    /// to the options if it is none of them, so that nothing submitted is lost).
    pub fn select(&self, name: &str, label: &str, options: &[(String, String)]) -> Markup {
        let error = self.error_parts(name);
        let id = self.id(name);
        let current = self.fields.get(name);
        let unlisted = !current.is_empty() && !options.iter().any(|(v, _)| v == current);
        html! {
            div.field {
                label for=(id) { (label) }
                select id=(id) name=(name) aria-invalid=[error.as_ref().map(|_| "true")]
                    aria-describedby=[error.as_ref().map(|e| &e.id)] {
                    @if unlisted { option value=(current) selected { (current) } }
                    @for (value, text) in options {
                        option value=(value) selected[value == current] { (text) }
                    }
                }
                @if let Some(e) = &error { (e.markup) }
            }
        }
    }

    pub fn hidden(&self, name: &str) -> Markup {
        html! { input type="hidden" name=(name) value=(self.fields.get(name)); }
    }

    /// What goes at the head of a refused form, called after its inputs are drawn: "nothing was
    /// saved", and the message itself when no input showed it.
    pub fn summary(&self) -> Markup {
        let Some(r) = self.refused else {
            return html! {};
        };
        let lead = if r.stale {
            self.ctx.t(Msg::ChangedSinceOpened)
        } else {
            self.ctx.t(Msg::FormNotSaved)
        };
        html! {
            p.error role="alert" {
                (lead)
                @if !self.shown.get() { " " (r.text(self.ctx.lang)) }
            }
        }
    }

    pub fn csrf(&self) -> Markup {
        html::csrf_field(self.ctx)
    }

    /// A form in a section of its own, called after its inputs (`inner`) are drawn: the heading,
    /// `before` (what the section lists), the refusal's summary, the form posting to `action` with
    /// the CSRF token and a save button; `ids` are the section's and the form's.
    pub fn section(&self, ids: (&str, &str), title: &str, before: Markup, action: &str, inner: Markup) -> Markup {
        let (section, form) = ids;
        html! {
            section id=(section) {
                h2 { (title) }
                (before)
                (self.summary())
                form.stack method="post" action=(action) id=(form) {
                    (self.csrf())
                    (inner)
                    button type="submit" { (self.ctx.t(Msg::Save)) }
                }
            }
        }
    }
}

/// The message beside an input the refusal is about: its paragraph and that paragraph's id.
struct FieldMessage {
    id: String,
    markup: Markup,
}

/// An input's attributes beyond its name, type and value, each written only when set.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Extra<'a> {
    pub required: bool,
    pub placeholder: Option<&'a str>,
    pub inputmode: Option<&'a str>,
    pub step: Option<&'a str>,
    pub min: Option<&'a str>,
    pub max: Option<&'a str>,
}

impl<'a> Extra<'a> {
    pub const NONE: Extra<'static> = Extra {
        required: false,
        placeholder: None,
        inputmode: None,
        step: None,
        min: None,
        max: None,
    };

    pub const fn required(self) -> Self {
        Extra { required: true, ..self }
    }

    pub const fn placeholder(self, text: &'a str) -> Self {
        Extra {
            placeholder: Some(text),
            ..self
        }
    }

    pub const fn inputmode(self, mode: &'a str) -> Self {
        Extra {
            inputmode: Some(mode),
            ..self
        }
    }

    pub const fn step(self, step: &'a str) -> Self {
        Extra {
            step: Some(step),
            ..self
        }
    }

    /// The least and greatest values a number or date input accepts.
    pub const fn range(self, min: &'a str, max: Option<&'a str>) -> Self {
        Extra {
            min: Some(min),
            max,
            ..self
        }
    }
}

/// The page with `body`, answered with `status` (a refused form: its refusal's).
pub(crate) fn respond_with(ctx: &Ctx, status: StatusCode, title: &str, body: Markup) -> PageResult {
    let page = html::page(ctx, title, html::NO_EXTRA_HEAD, body);
    Ok((status, Html(page.into_string())).into_response())
}

/// `(value, label)` options from words and their labels in the reader's language.
pub(crate) fn options<T: Copy>(
    ctx: &Ctx,
    all: &[T],
    word: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> Msg,
) -> Vec<(String, String)> {
    all.iter()
        .map(|&x| (word(x).to_owned(), ctx.t(label(x)).to_owned()))
        .collect()
}
