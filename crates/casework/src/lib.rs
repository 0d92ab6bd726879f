//! Homeward's application services, between the entry points (the command line, the server) and
//! the registry: every import and export as check → plan → write ([`import::Import`]), backup and
//! restore, the `.fam` and ped-file glue that turns files into the compute crates' values
//! ([`case`], [`familias`]), and the demo's registry writer. Entry points parse their arguments,
//! call these functions and print; the rules live here once.
//!
//! Errors: bad input is an [`error::InputError`] (made with [`input_error!`]) naming the file, line
//! and field; the command line maps it to exit code 2. Everything else is an `anyhow::Error` with
//! its context.
//!
//! Features: `store` (default) is everything that reads or writes the registry (the imports' plan
//! and write steps, exports, backup and restore, the demo writer, opening a store). Without it
//! (`default-features = false`) the crate is the file side only: the CSV importers' checks
//! ([`import::Import`]), the ped/frequency and `.fam` glue, the input errors; with neither sqlx
//! nor tokio, so the fuzz targets build without a database driver.

#[cfg(feature = "store")]
pub mod anchor;
#[cfg(feature = "store")]
pub mod backup;
pub mod case;
#[cfg(feature = "store")]
pub mod demo;
pub mod error;
#[cfg(feature = "store")]
pub mod export;
pub mod familias;
pub mod import;
#[cfg(feature = "store")]
pub mod key;
#[cfg(feature = "store")]
pub mod lock;
#[cfg(feature = "store")]
pub mod store;
pub mod text_file;
