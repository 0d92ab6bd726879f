//! Scripts, styles, images and map shapes, embedded in the binary and served with long cache
//! lifetimes: every name carries its version, so a new version is a new name. Vendored files come
//! from the npm registry unchanged; their licences are in `crates/server/assets/licenses/`.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// (name under /assets/, content type, bytes). Homeward's own files are named with the crate
/// version; see [`own_name`].
const FILES: &[(&str, &str, &[u8])] = &[
    (
        "htmx-2.0.11.min.js",
        JS,
        include_bytes!("../../assets/htmx-2.0.11.min.js"),
    ),
    (
        "leaflet-1.9.4/leaflet-1.9.4.js",
        JS,
        include_bytes!("../../assets/leaflet-1.9.4/leaflet-1.9.4.js"),
    ),
    (
        "leaflet-1.9.4/leaflet-1.9.4.css",
        CSS,
        include_bytes!("../../assets/leaflet-1.9.4/leaflet-1.9.4.css"),
    ),
    (
        "leaflet-1.9.4/images/layers.png",
        PNG,
        include_bytes!("../../assets/leaflet-1.9.4/images/layers.png"),
    ),
    (
        "leaflet-1.9.4/images/layers-2x.png",
        PNG,
        include_bytes!("../../assets/leaflet-1.9.4/images/layers-2x.png"),
    ),
    (
        "leaflet-1.9.4/images/marker-icon.png",
        PNG,
        include_bytes!("../../assets/leaflet-1.9.4/images/marker-icon.png"),
    ),
    (
        "leaflet-1.9.4/images/marker-icon-2x.png",
        PNG,
        include_bytes!("../../assets/leaflet-1.9.4/images/marker-icon-2x.png"),
    ),
    (
        "leaflet-1.9.4/images/marker-shadow.png",
        PNG,
        include_bytes!("../../assets/leaflet-1.9.4/images/marker-shadow.png"),
    ),
    (
        "leaflet.markercluster-1.5.3.js",
        JS,
        include_bytes!("../../assets/leaflet.markercluster-1.5.3.js"),
    ),
    (
        "MarkerCluster-1.5.3.css",
        CSS,
        include_bytes!("../../assets/MarkerCluster-1.5.3.css"),
    ),
    (
        "topojson-client-3.1.0.min.js",
        JS,
        include_bytes!("../../assets/topojson-client-3.1.0.min.js"),
    ),
    (
        "world-atlas-2.0.2-countries-50m.json",
        JSON,
        include_bytes!("../../assets/world-atlas-2.0.2-countries-50m.json"),
    ),
];

/// Homeward's own style sheet, page script and map script, named `homeward-<version>.css`,
/// `homeward-<version>.js` and `homeward-map-<version>.js`.
const OWN: &[(&str, &str, &[u8])] = &[
    ("homeward", CSS, include_bytes!("../../assets/homeward.css")),
    ("homeward", JS, include_bytes!("../../assets/homeward.js")),
    ("homeward-map", JS, include_bytes!("../../assets/homeward-map.js")),
];

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const PNG: &str = "image/png";
const JSON: &str = "application/json";

fn own_name(stem: &str, content_type: &str) -> String {
    let ext = if content_type == CSS { "css" } else { "js" };
    format!("{stem}-{VERSION}.{ext}")
}

fn find(name: &str) -> Option<(&'static str, &'static [u8])> {
    FILES
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, t, b)| (*t, *b))
        .or_else(|| {
            OWN.iter()
                .find(|(stem, t, _)| own_name(stem, t) == name)
                .map(|(_, t, b)| (*t, *b))
        })
}

pub(crate) async fn serve(Path(file): Path<String>) -> Response {
    match find(&file) {
        Some((content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pages_assets_are_all_embedded() {
        assert!(find(&format!("homeward-{VERSION}.css")).is_some());
        assert!(find(&format!("homeward-map-{VERSION}.js")).is_some());
        assert!(find("htmx-2.0.11.min.js").is_some());
        assert!(find("../Cargo.toml").is_none());
        assert_eq!(super::super::html::CSS, format!("/assets/homeward-{VERSION}.css"));
        assert_eq!(super::super::html::JS, format!("/assets/homeward-{VERSION}.js"));
        assert!(find(&format!("homeward-{VERSION}.js")).is_some());
    }

    /// Nothing the pages load may point outside the server.
    #[test]
    fn no_style_sheet_refers_outside_the_server() {
        for (name, t, bytes) in FILES.iter().chain(OWN) {
            if *t == CSS {
                let text = std::str::from_utf8(bytes).unwrap();
                for reference in text.split("url(").skip(1) {
                    let target = reference.trim_start_matches(['"', '\'']);
                    assert!(
                        !target.starts_with("http") && !target.starts_with("//"),
                        "{name}: {}",
                        &target[..target.len().min(40)]
                    );
                }
                assert!(!text.contains("@import"), "{name}");
            }
        }
    }
}
