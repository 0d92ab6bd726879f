//! Building HTML safely: every value from the registry goes through [`esc`]; the page shell (head,
//! navigation shaped by the role, language switch) is here once.

use std::fmt::Write;

use super::i18n::{Lang, Msg};
use super::Ctx;
use crate::Permission;

/// Text made safe for HTML element content and double-quoted attributes.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

pub const CSS: &str = concat!("/assets/homeward-", env!("CARGO_PKG_VERSION"), ".css");
pub const HTMX: &str = "/assets/htmx-2.0.11.min.js";
/// The pages' own behaviour (what would otherwise be `onclick=` attributes, which the
/// Content-Security-Policy forbids).
pub const JS: &str = concat!("/assets/homeward-", env!("CARGO_PKG_VERSION"), ".js");

/// htmx's configuration, read from a `<meta>` (JSON, not code). Its indicator styles would be an
/// inline `<style>` the Content-Security-Policy refuses: they are in `homeward.css` instead.
const HTMX_CONFIG: &str = r#"<meta name="htmx-config" content='{"includeIndicatorStyles":false}'>"#;

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

fn head(out: &mut String, lang: Lang, title: &str, extra_head: &str) {
    let _ = write!(
        out,
        r#"<!doctype html><html lang="{}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{} · Homeward</title><link rel="stylesheet" href="{CSS}">{extra_head}{HTMX_CONFIG}<script src="{HTMX}" defer></script><script src="{JS}" defer></script></head>"#,
        lang.tag(),
        esc(title)
    );
}

/// A whole page for a signed-in user.
pub fn page(ctx: &Ctx, title: &str, extra_head: &str, body: &str) -> String {
    let lang = ctx.lang;
    let mut out = String::with_capacity(body.len() + 4096);
    head(&mut out, lang, title, extra_head);
    let _ = write!(
        out,
        r##"<body hx-headers='{{"X-CSRF-Token": "{csrf}"}}'><a class="skip" href="#main">{skip}</a><header class="top"><a class="brand" href="/">Homeward</a><nav aria-label="{nav}"><ul>"##,
        csrf = esc(&ctx.csrf),
        skip = lang.t(Msg::SkipToContent),
        nav = lang.t(Msg::Dashboard),
    );
    for (href, label, permission) in NAV {
        if ctx.may(*permission) {
            let _ = write!(out, r#"<li><a href="{href}">{}</a></li>"#, lang.t(*label));
        }
    }
    let _ = write!(
        out,
        r#"</ul></nav><div class="account"><span class="who">{user} ({role})</span> <a href="/settings" id="settings">{settings}</a><form method="post" action="/settings/locale" class="inline"><input type="hidden" name="csrf" value="{csrf}"><label for="locale">{language}</label> <select id="locale" name="locale"><option value="auto"{auto}>{browser}</option><option value="en"{en}>English</option><option value="ja"{ja}>日本語</option></select> <button type="submit">{save}</button></form><form method="post" action="/signout" class="inline"><input type="hidden" name="csrf" value="{csrf}"><button type="submit">{signout}</button></form></div></header><main id="main" tabindex="-1"><h1>{title}</h1>"#,
        user = esc(&ctx.user.username),
        role = ctx.user.role.as_str(),
        csrf = esc(&ctx.csrf),
        language = lang.t(Msg::Language),
        auto = if ctx.follows_browser { " selected" } else { "" },
        browser = lang.t(Msg::FollowBrowser),
        en = if !ctx.follows_browser && lang == Lang::En {
            " selected"
        } else {
            ""
        },
        ja = if !ctx.follows_browser && lang == Lang::Ja {
            " selected"
        } else {
            ""
        },
        save = lang.t(Msg::Save),
        settings = lang.t(Msg::Settings),
        signout = lang.t(Msg::SignOut),
        title = esc(title),
    );
    out.push_str(body);
    out.push_str("</main></body></html>");
    out
}

/// A page without navigation: sign-in and errors.
pub fn bare_page(lang: Lang, title: &str, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 1024);
    head(&mut out, lang, title, "");
    let _ = write!(
        out,
        r#"<body><main id="main" class="narrow"><h1>{}</h1>{body}</main></body></html>"#,
        esc(title)
    );
    out
}

/// A table from a header row and rows of ready-made (already escaped) cells.
pub fn table(caption: &str, header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = format!(
        r#"<div class="scroll"><table><caption>{}</caption><thead><tr>"#,
        esc(caption)
    );
    for h in header {
        let _ = write!(out, r#"<th scope="col">{}</th>"#, esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{cell}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    out
}

/// A record's facts as a definition list (`<dl class="facts">`), one `<dt>`/`<dd>` per row. The
/// labels are the interface's own text (`Msg`, or "ID"), written as they are; the values are
/// ready-made HTML, escaped by the caller.
pub fn facts<'a>(rows: impl IntoIterator<Item = (&'a str, String)>) -> String {
    let mut out = String::from(r#"<dl class="facts">"#);
    for (label, value) in rows {
        let _ = write!(out, "<dt>{label}</dt><dd>{value}</dd>");
    }
    out.push_str("</dl>");
    out
}

/// A link with escaped text.
pub fn link(href: &str, text: &str) -> String {
    format!(r#"<a href="{}">{}</a>"#, esc(href), esc(text))
}

/// A hidden CSRF field for a form.
pub fn csrf_field(ctx: &Ctx) -> String {
    format!(r#"<input type="hidden" name="csrf" value="{}">"#, esc(&ctx.csrf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            esc(r#"<script>"a" & 'b'</script>"#),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
        assert_eq!(esc("山田太郎"), "山田太郎");
    }
}
