//! `homeward user add|list|disable|enable|set-role|unlock|assign` and `homeward token
//! create|list|revoke`: the registry's accounts and API tokens, the same store methods the API's
//! administrators call (each change audited by the registry under the user of `--as`). Account
//! commands need `ManageUsers`; a user lists, creates and revokes their own tokens. On a registry
//! without users the first one added must be an administrator.

use std::io::Read;

use anyhow::{Context, Result};
use clap::Subcommand;
use registry::{Role, StoreError, TokenInfo};

use crate::db::RegistryArg;
use casework::input_error;
use server::Permission::ManageUsers;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is read from standard input (at least 12 characters, not a common
    /// password, not containing the user name).
    Add {
        #[arg(long)]
        username: String,
        /// admin, family-liaison, lab-analyst, reviewer, mission-planner or viewer.
        #[arg(long)]
        role: String,
        /// Read the password from standard input (the only way: never on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
        #[command(flatten)]
        db: RegistryArg,
    },
    /// Every user: role, disabled, locked by failed sign-ins.
    List {
        #[command(flatten)]
        db: RegistryArg,
    },
    /// Disable a user: every session and token of theirs stops at once.
    Disable {
        #[arg(long)]
        username: String,
        #[command(flatten)]
        db: RegistryArg,
    },
    /// Enable a disabled user (who signs in afresh: their old tokens are gone).
    Enable {
        #[arg(long)]
        username: String,
        #[command(flatten)]
        db: RegistryArg,
    },
    /// Change a user's role.
    SetRole {
        #[arg(long)]
        username: String,
        /// admin, family-liaison, lab-analyst, reviewer, mission-planner or viewer.
        #[arg(long)]
        role: String,
        #[command(flatten)]
        db: RegistryArg,
    },
    /// Unlock an account locked by failed sign-ins.
    Unlock {
        #[arg(long)]
        username: String,
        #[command(flatten)]
        db: RegistryArg,
    },
    /// Assign families to a family liaison, who then sees them (and only the families assigned
    /// to them); with `--remove`, end the assignments.
    Assign {
        /// A user with the role family-liaison.
        #[arg(long)]
        username: String,
        /// A family's external id (repeat for several).
        #[arg(long = "family", value_name = "EXTERNAL_ID", required = true)]
        families: Vec<String>,
        #[arg(long)]
        remove: bool,
        #[command(flatten)]
        db: RegistryArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a named API token for a user and print it (shown once; stored only as a hash).
    Create {
        #[arg(long)]
        username: String,
        /// What the token is for.
        #[arg(long, default_value = "command line")]
        name: String,
        /// Days until it expires [default: `token_days` of the configuration, 90].
        #[arg(long)]
        days: Option<u32>,
        #[command(flatten)]
        db: RegistryArg,
    },
    /// API tokens and sessions (never the tokens themselves): one user's, or everyone's.
    List {
        #[arg(long)]
        username: Option<String>,
        #[command(flatten)]
        db: RegistryArg,
    },
    /// Revoke a token or session by its id (from `token list`).
    Revoke {
        #[arg(long)]
        id: i64,
        #[command(flatten)]
        db: RegistryArg,
    },
}

/// Refusals the user can act on are bad input (exit 2); the rest are failures.
fn refused(e: StoreError) -> anyhow::Error {
    match e {
        e @ (StoreError::Invalid(_)
        | StoreError::Duplicate { .. }
        | StoreError::NotFound { .. }
        | StoreError::NotAllowed(_)) => input_error!("{e}"),
        other => other.into(),
    }
}

fn role(text: &str) -> Result<Role> {
    text.parse().map_err(|e: String| input_error!("--role: {e}"))
}

pub fn user(cmd: &UserCommand) -> Result<()> {
    match cmd {
        UserCommand::Add {
            username,
            role: r,
            password_stdin: _,
            db,
        } => {
            let role = role(r)?;
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            let u = db.run_as(&[], |store, acting| async move {
                if acting.setting_up() {
                    if role != Role::Admin {
                        return Err(input_error!(
                            "--role: the registry has no users yet; the first one must be an admin"
                        ));
                    }
                } else {
                    acting.require(ManageUsers)?;
                }
                store
                    .add_user(&acting.name, username, role, &password)
                    .await
                    .map_err(refused)
            })?;
            eprintln!("user '{}' added with role {}", u.username, u.role);
            Ok(())
        }
        UserCommand::List { db } => {
            let accounts = db.run_as(&[ManageUsers], |store, _| async move {
                store.user_accounts().await.map_err(refused)
            })?;
            println!(
                "{:<24} {:<16} {:<9} {:<7} created",
                "username", "role", "disabled", "locked"
            );
            for a in accounts {
                println!(
                    "{:<24} {:<16} {:<9} {:<7} {}",
                    a.username,
                    a.role.as_str(),
                    yes_no(a.disabled),
                    yes_no(a.locked),
                    a.created_at
                );
            }
            Ok(())
        }
        UserCommand::Disable { username, db } | UserCommand::Enable { username, db } => {
            let disable = matches!(cmd, UserCommand::Disable { .. });
            db.run_as(&[ManageUsers], |store, acting| async move {
                store
                    .set_user_disabled(&acting.name, username, disable)
                    .await
                    .map_err(refused)
            })?;
            let done = if disable {
                "disabled; every session and token of theirs is revoked"
            } else {
                "enabled"
            };
            eprintln!("user '{username}' {done}");
            Ok(())
        }
        UserCommand::SetRole { username, role: r, db } => {
            let role = role(r)?;
            db.run_as(&[ManageUsers], |store, acting| async move {
                store.set_user_role(&acting.name, username, role).await.map_err(refused)
            })?;
            eprintln!("user '{username}' now has role {role}");
            Ok(())
        }
        UserCommand::Unlock { username, db } => {
            let was_locked = db.run_as(&[ManageUsers], |store, acting| async move {
                store.unlock_user(&acting.name, username).await.map_err(refused)
            })?;
            if was_locked {
                eprintln!("user '{username}' unlocked");
            } else {
                eprintln!("user '{username}' was not locked; failed sign-ins cleared");
            }
            Ok(())
        }
        UserCommand::Assign {
            username,
            families,
            remove,
            db,
        } => {
            let remove = *remove;
            db.run_as(&[ManageUsers], |store, acting| async move {
                // Every family is looked up before anything changes: an unknown id changes nothing.
                let mut ids = Vec::with_capacity(families.len());
                for external_id in families {
                    let family = store
                        .get_family_by_external_id(external_id)
                        .await?
                        .ok_or_else(|| input_error!("--family: there is no family '{external_id}'"))?;
                    ids.push(family.id);
                }
                if remove {
                    for id in ids {
                        store
                            .unassign_family(&acting.name, id, username)
                            .await
                            .map_err(refused)?;
                    }
                } else {
                    store
                        .assign_families(&acting.name, &ids, username)
                        .await
                        .map_err(refused)?;
                }
                Ok(())
            })?;
            let done = if remove { "no longer assigned" } else { "assigned" };
            eprintln!(
                "{} famil{} {done} to '{username}'",
                families.len(),
                if families.len() == 1 { "y" } else { "ies" }
            );
            Ok(())
        }
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

pub fn token(cmd: &TokenCommand) -> Result<()> {
    match cmd {
        TokenCommand::Create {
            username,
            name,
            days,
            db,
        } => {
            let max = db.settings()?.token_days.min(u64::from(u32::MAX)) as u32;
            let days = days.unwrap_or(max);
            if days == 0 || days > max {
                return Err(input_error!("--days: a token lasts 1 to {max} days (token_days)"));
            }
            let (info, token) = db.run_as(&[], |store, acting| async move {
                if acting.name != *username {
                    acting.require(ManageUsers)?;
                }
                store
                    .create_api_token(&acting.name, username, name, days)
                    .await
                    .map_err(refused)
            })?;
            println!("{token}");
            eprintln!(
                "token {} '{}' for {} expires {}",
                info.id,
                info.name.as_deref().unwrap_or(""),
                info.username,
                info.expires_at.as_deref().unwrap_or("never")
            );
            Ok(())
        }
        TokenCommand::List { username, db } => {
            let tokens = db.run_as(&[], |store, acting| async move {
                if username.as_deref() != Some(acting.name.as_str()) {
                    acting.require(ManageUsers)?;
                }
                store.list_tokens(username.as_deref()).await.map_err(refused)
            })?;
            println!(
                "{:<6} {:<24} {:<8} {:<24} {:<25} expires",
                "id", "username", "kind", "name", "created"
            );
            for t in tokens {
                print_token(&t);
            }
            Ok(())
        }
        TokenCommand::Revoke { id, db } => {
            // An administrator revokes anyone's; a user only their own (another's is not found).
            let info = db.run_as(&[], |store, acting| async move {
                let owner = (!acting.may(ManageUsers)).then_some(acting.name.as_str());
                store.revoke_token_id(&acting.name, *id, owner).await.map_err(refused)
            })?;
            eprintln!("token {} of {} ({}) revoked", info.id, info.username, info.kind);
            Ok(())
        }
    }
}

fn print_token(t: &TokenInfo) {
    let expires = match (&t.expires_at, t.expired) {
        (Some(e), true) => format!("{e} (expired)"),
        (Some(e), false) => e.clone(),
        (None, _) => "never".to_owned(),
    };
    println!(
        "{:<6} {:<24} {:<8} {:<24} {:<25} {}",
        t.id,
        t.username,
        t.kind,
        t.name.as_deref().unwrap_or("-"),
        t.created_at,
        expires
    );
}
