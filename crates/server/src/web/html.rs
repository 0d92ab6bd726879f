//! Building HTML safely: pages are maud templates, checked when the crate compiles, and every
//! value they interpolate is escaped by construction. The page shell (head, navigation shaped by
//! the role, language switch) is here once.
//!
//! `PreEscaped` wraps only markup that maud built itself or a fixed constant of this crate (an
//! asset link, a map symbol), never a value from the registry; the one exception is
//! [`json_block`], whose JSON is raw text to the browser (see there).

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::i18n::{Lang, Msg};
use super::Ctx;
use crate::Permission;

pub const CSS: &str = concat!("/assets/homeward-", env!("CARGO_PKG_VERSION"), ".css");
pub const HTMX: &str = "/assets/htmx-2.0.11.min.js";
/// The pages' own behaviour (what would otherwise be `onclick=` attributes, which the
/// Content-Security-Policy forbids).
pub const JS: &str = concat!("/assets/homeward-", env!("CARGO_PKG_VERSION"), ".js");

/// htmx's configuration, read from a `<meta>` (JSON, not code). Its indicator styles would be an
/// inline `<style>` the Content-Security-Policy refuses: they are in `homeward.css` instead.
const HTMX_CONFIG: &str = r#"{"includeIndicatorStyles":false}"#;

/// The navigation: only the pages the role may open.
const NAV: &[(&str, Msg, Permission)] = &[
    ("/", Msg::Dashboard, Permission::ReadSites),
    ("/map", Msg::Map, Permission::ReadSites),
    ("/persons", Msg::Persons, Permission::ReadPersons),
    ("/families", Msg::Families, Permission::ReadFamilies),
    ("/samples", Msg::Samples, Permission::ReadSamples),
    ("/jobs", Msg::Jobs, Permission::ReadJobs),
    ("/missions", Msg::Missions, Permission::ReadMissions),
];

/// Nothing more in a page's `<head>`.
pub const NO_EXTRA_HEAD: PreEscaped<&str> = PreEscaped("");

/// The `<head>` of every page; `extra_head` is further links (a map page's style sheets), a
/// constant of this crate.
fn head(title: &str, extra_head: PreEscaped<&'static str>) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · Homeward" }
            link rel="stylesheet" href=(CSS);
            (extra_head)
            meta name="htmx-config" content=(HTMX_CONFIG);
            script src=(HTMX) defer {}
            script src=(JS) defer {}
        }
    }
}

/// A whole page for a signed-in user. `extra_head` goes into the `<head>` ([`NO_EXTRA_HEAD`] for
/// most pages).
pub fn page(ctx: &Ctx, title: &str, extra_head: PreEscaped<&'static str>, body: Markup) -> Markup {
    let lang = ctx.lang;
    // htmx sends the token of every request it makes in this header (JSON, read by htmx).
    let csrf_header = serde_json::json!({ "X-CSRF-Token": ctx.csrf }).to_string();
    let chosen = |l: Lang| !ctx.follows_browser && lang == l;
    html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            (head(title, extra_head))
            body hx-headers=(csrf_header) {
                a.skip href="#main" { (lang.t(Msg::SkipToContent)) }
                header.top {
                    a.brand href="/" { "Homeward" }
                    nav aria-label=(lang.t(Msg::Dashboard)) {
                        ul {
                            @for (href, label, permission) in NAV {
                                @if ctx.may(*permission) {
                                    li { a href=(href) { (lang.t(*label)) } }
                                }
                            }
                        }
                    }
                    div.account {
                        span.who { (ctx.user.username) " (" (ctx.user.role.as_str()) ")" }
                        " "
                        a href="/settings" id="settings" { (lang.t(Msg::Settings)) }
                        form.inline method="post" action="/settings/locale" {
                            (csrf_field(ctx))
                            label for="locale" { (lang.t(Msg::Language)) }
                            " "
                            select id="locale" name="locale" {
                                option value="auto" selected[ctx.follows_browser] { (lang.t(Msg::FollowBrowser)) }
                                option value="en" selected[chosen(Lang::En)] { "English" }
                                option value="ja" selected[chosen(Lang::Ja)] { "日本語" }
                            }
                            " "
                            button type="submit" { (lang.t(Msg::Save)) }
                        }
                        form.inline method="post" action="/signout" {
                            (csrf_field(ctx))
                            button type="submit" { (lang.t(Msg::SignOut)) }
                        }
                    }
                }
                main id="main" tabindex="-1" {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// A page without navigation: sign-in and errors.
pub fn bare_page(lang: Lang, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            (head(title, NO_EXTRA_HEAD))
            body {
                main.narrow id="main" {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// A table from a caption, a header row and rows of cells.
pub fn table(caption: &str, header: &[&str], rows: &[Vec<Markup>]) -> Markup {
    html! {
        div.scroll {
            table {
                caption { (caption) }
                thead { tr { @for h in header { th scope="col" { (h) } } } }
                tbody {
                    @for row in rows {
                        tr { @for cell in row { td { (cell) } } }
                    }
                }
            }
        }
    }
}

/// A record's facts as a definition list (`<dl class="facts">`), one `<dt>`/`<dd>` per row: a
/// label in the reader's language (`Msg`, or "ID") and the value.
pub fn facts<'a>(rows: impl IntoIterator<Item = (&'a str, Markup)>) -> Markup {
    html! {
        dl.facts {
            @for (label, value) in rows {
                dt { (label) }
                dd { (value) }
            }
        }
    }
}

/// A link.
pub fn link(href: &str, text: &str) -> Markup {
    html! { a href=(href) { (text) } }
}

/// A hidden CSRF field for a form.
pub fn csrf_field(ctx: &Ctx) -> Markup {
    html! { input type="hidden" name="csrf" value=(ctx.csrf); }
}

/// A `<script type="application/json">` data block for the pages' scripts (never run: the CSP
/// allows it). Its content is raw text to an HTML parser, which decodes no entities there, so the
/// JSON is written as it is (the one `PreEscaped` of data), with every `<` as `\u003c` (only
/// inside JSON strings, where it means the same) so that no text in it can close the element.
pub fn json_block(id: &str, value: &serde_json::Value) -> Markup {
    let json = value.to_string().replace('<', "\\u003c");
    html! { script type="application/json" id=(id) { (PreEscaped(json)) } }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        // maud writes every attribute in double quotes, so a single quote needs no escape.
        let value = r#"<script>"a" & 'b'</script>"#;
        assert_eq!(
            html! { (value) }.into_string(),
            "&lt;script&gt;&quot;a&quot; &amp; 'b'&lt;/script&gt;"
        );
        assert_eq!(
            html! { span title=(value) {} }.into_string(),
            r#"<span title="&lt;script&gt;&quot;a&quot; &amp; 'b'&lt;/script&gt;"></span>"#
        );
        assert_eq!(html! { ("山田太郎") }.into_string(), "山田太郎");
    }

    #[test]
    fn script_json_cannot_close_its_script_block() {
        let v = serde_json::json!({ "name": "</script><script>alert(1)</script>" });
        let out = json_block("d", &v).into_string();
        let inner = out
            .strip_prefix(r#"<script type="application/json" id="d">"#)
            .and_then(|rest| rest.strip_suffix("</script>"))
            .expect("one script element");
        assert!(!inner.contains("</script>") && !inner.contains('<'));
        let back: serde_json::Value = serde_json::from_str(inner).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn templates_escape_values_in_text_and_attributes() {
        let drawn = link(r#"/x"><script>"#, "<b>&").into_string();
        assert_eq!(drawn, r#"<a href="/x&quot;&gt;&lt;script&gt;">&lt;b&gt;&amp;</a>"#);
        let cells = table("<c>", &["<h>"], &[vec![html! { "<v>" }]]).into_string();
        assert!(cells.contains("<caption>&lt;c&gt;</caption>") && cells.contains("<td>&lt;v&gt;</td>"));
    }
}
