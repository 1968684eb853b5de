//! `tracewire users …`: accounts from the command line, and the first
//! account a new instance makes for itself.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use tracewire_store::{NewUser, Store};
use tracewire_web::auth;

use crate::commands::{Setup, open_store};

/// The name of the account a new instance makes.
pub const FIRST_USER: &str = "admin";

/// Reads a password: prompted twice without echo on a terminal, else the
/// first line of standard input (`echo "$PW" | tracewire users add NAME`).
fn read_password(prompt: &str) -> Result<String> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(prompt).context("cannot read the password from the terminal")?;
        let again = rpassword::prompt_password("Again: ").context("cannot read the password from the terminal")?;
        if first != again {
            bail!("the two passwords differ; nothing was changed");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    check_password_rules(&password)?;
    Ok(password)
}

fn check_password_rules(password: &str) -> Result<()> {
    if password.chars().count() < auth::MIN_PASSWORD_CHARS {
        bail!(
            "the password is too short: use at least {} characters",
            auth::MIN_PASSWORD_CHARS
        );
    }
    Ok(())
}

fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if !ok {
        bail!("{name:?} is not a usable name: use 1 to 64 letters, digits and . _ - @");
    }
    Ok(())
}

fn new_user(name: &str, password: &str, is_admin: bool) -> Result<NewUser> {
    Ok(NewUser {
        name: name.to_string(),
        password_hash: auth::hash_password(password)?,
        fever_key: Some(auth::fever_key(name, password)),
        is_admin,
    })
}

pub async fn add(ctx: &Setup, name: &str, is_admin: bool) -> Result<ExitCode> {
    check_name(name)?;
    let store = open_store(ctx).await?;
    if store.user_by_name(name).await?.is_some() {
        bail!("there is already an account named {name}");
    }
    let password = read_password(&format!("Password for {name}: "))?;
    match store.add_user(&new_user(name, &password, is_admin)?).await? {
        Some(user) => {
            println!(
                "added {}{name} (#{}); log in on the web, or point a Google Reader or Fever app at this server",
                if is_admin { "administrator " } else { "" },
                user.id
            );
            Ok(ExitCode::SUCCESS)
        }
        None => bail!("there is already an account named {name}"),
    }
}

pub async fn list(ctx: &Setup) -> Result<ExitCode> {
    let store = open_store(ctx).await?;
    let users = store.users().await?;
    if users.is_empty() {
        println!("No accounts. Add one with: tracewire users add NAME --admin");
    }
    for u in users {
        let subscriptions = store.subscriptions(u.id).await?.len();
        println!(
            "#{}\t{}{}\t{} subscriptions\tsince {}",
            u.id,
            u.name,
            if u.is_admin { " (admin)" } else { "" },
            subscriptions,
            u.created_at.format("%Y-%m-%d")
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn find(store: &dyn Store, name: &str) -> Result<tracewire_model::User> {
    match store.user_by_name(name).await? {
        Some((user, _)) => Ok(user),
        None => bail!("there is no account named {name} (see: tracewire users list)"),
    }
}

pub async fn passwd(ctx: &Setup, name: &str) -> Result<ExitCode> {
    let store = open_store(ctx).await?;
    let user = find(store.as_ref(), name).await?;
    let password = read_password(&format!("New password for {name}: "))?;
    store
        .set_password(
            user.id,
            &auth::hash_password(&password)?,
            Some(&auth::fever_key(name, &password)),
        )
        .await?;
    println!("changed the password of {name}; their web sessions have ended");
    Ok(ExitCode::SUCCESS)
}

pub async fn remove(ctx: &Setup, name: &str) -> Result<ExitCode> {
    let store = open_store(ctx).await?;
    let user = find(store.as_ref(), name).await?;
    store.remove_user(user.id).await?;
    println!("removed {name} with their subscriptions, marks and tokens (the feeds stay)");
    Ok(ExitCode::SUCCESS)
}

/// Makes an API token and prints it (the only time it is shown).
pub async fn token(ctx: &Setup, name: &str, label: &str) -> Result<ExitCode> {
    let store = open_store(ctx).await?;
    let user = find(store.as_ref(), name).await?;
    let secret = auth::new_secret()?;
    store
        .add_token(user.id, "api", label, &auth::secret_hash(&secret))
        .await?;
    println!("{secret}");
    eprintln!("an API token for {name} ({label}); send it as: Authorization: Bearer <token>. It is not shown again.");
    Ok(ExitCode::SUCCESS)
}

/// On an instance without accounts, makes the first one, an administrator
/// named [`FIRST_USER`] with a random password; returns the password to show.
pub async fn ensure_first_user(store: &dyn Store) -> Result<Option<String>> {
    if !store.users().await?.is_empty() {
        return Ok(None);
    }
    // 16 hex characters of a random secret: 64 bits, easy to type once.
    let password: String = auth::new_secret()?.chars().take(16).collect();
    match store.add_user(&new_user(FIRST_USER, &password, true)?).await? {
        Some(_) => Ok(Some(password)),
        // Another process made it first.
        None => Ok(None),
    }
}

/// What `serve` and `demo` print after making the first account.
pub fn first_user_note(base: &str, password: &str) -> String {
    format!(
        "Created the first account: log in at {base}/login as {FIRST_USER} with password {password}\n  \
         (change it with: tracewire users passwd {FIRST_USER}; add people with: tracewire users add NAME)"
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_and_passwords_are_checked() {
        assert!(check_name("alice").is_ok());
        assert!(check_name("a.b-c_d@example.org").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("with space").is_err());
        assert!(check_name(&"x".repeat(65)).is_err());
        assert!(check_password_rules("short").is_err());
        assert!(check_password_rules("long enough").is_ok());
    }
}
