//! Enums stored and shown as fixed words (statuses, kinds, roles): [`words!`] declares the enum with
//! each variant's word beside it, and writes `as_str`, `Display` and, where the type is read from
//! text, `FromStr`, so that no word is written twice and every such type reads its words the same
//! way. Part of the model-only build: the model's enums use it too.

/// Declares an enum whose variants are words: `Variant = "word"`, then `parse: MODE, "what";`.
/// The enum is a plain value (`Debug`, `Clone`, `Copy`, `PartialEq`, `Eq`, `Hash`) and its serde
/// form is its word too; further derives (an order) go on the enum as usual.
///
/// `MODE` is how `FromStr` reads its input: `exact` (the stored word only), `trimmed` (around
/// white space too) or `folded` (trimmed and any case: words people type); the error is
/// "'input' is not what". `parse: none;` writes no `FromStr`, for types that read aliases too.
macro_rules! words {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident = $word:literal),+ $(,)?
        }
        parse: $($parse:tt)+
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
        $vis enum $name {
            $($(#[$vmeta])* #[serde(rename = $word)] $variant),+
        }

        impl $name {
            pub fn as_str(&self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        words!(@parse $name [$($variant = $word),+] $($parse)+);
    };
    (@parse $name:ident [$($variant:ident = $word:literal),+] none;) => {};
    (@parse $name:ident [$($variant:ident = $word:literal),+] $mode:ident, $what:literal;) => {
        impl ::std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match $crate::words::$mode(s).as_str() {
                    $($word => Ok($name::$variant),)+
                    _ => Err(format!("'{s}' is not {}", $what)),
                }
            }
        }
    };
}

/// The stored word only.
// Only the store's enums read exact or trimmed words: unused in a model-only build.
#[cfg_attr(not(feature = "store"), allow(dead_code))]
pub(crate) fn exact(s: &str) -> String {
    s.to_owned()
}

/// The word with white space around it.
#[cfg_attr(not(feature = "store"), allow(dead_code))]
pub(crate) fn trimmed(s: &str) -> String {
    s.trim().to_owned()
}

/// The word in any case, with white space around it.
pub(crate) fn folded(s: &str) -> String {
    s.trim().to_ascii_lowercase()
}
