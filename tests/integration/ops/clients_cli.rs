//! `employees clients add|list|remove`, run as an operator runs them, on a fresh SQLite file.

use std::{path::Path, process::Output};

use crate::ops::binary::command;

fn clients(dir: &Path, args: &[&str]) -> Output {
    command(dir)
        .arg("clients")
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The value of a `name: value` line.
fn field(text: &str, name: &str) -> Option<String> {
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{name}: ")))
        .map(str::to_owned)
}

#[test]
fn clients_are_added_listed_and_removed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let added = clients(
        dir.path(),
        &[
            "add",
            "--name",
            "Payroll portal",
            "--redirect-uri",
            "https://payroll.example.com/callback",
            "--redirect-uri",
            "http://127.0.0.1:3000/callback",
            "--confidential",
            "--scope",
            "openid",
            "--scope",
            "directory",
            "--grant",
            "authorization_code",
            "--grant",
            "client_credentials",
            "--id-token-alg",
            "RS256",
        ],
    );
    assert!(added.status.success(), "{added:?}");
    let text = stdout(&added);
    let id = field(&text, "client_id").expect("a client_id");
    let secret = field(&text, "client_secret").expect("a secret, once");
    assert_eq!(secret.len(), 43);

    let public = clients(
        dir.path(),
        &[
            "add",
            "--name",
            "SPA",
            "--redirect-uri",
            "https://spa.example.com/cb",
            "--scope",
            "openid",
        ],
    );
    assert!(public.status.success(), "{public:?}");
    assert_eq!(field(&stdout(&public), "client_secret"), None);
    let public_id = field(&stdout(&public), "client_id").unwrap();

    // Refusals name the option and register nothing.
    let refused = clients(
        dir.path(),
        &[
            "add",
            "--name",
            "Bad",
            "--redirect-uri",
            "http://app.example.com/cb",
            "--scope",
            "openid",
        ],
    );
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("--redirect-uri") && stderr.contains("https"),
        "{stderr}"
    );

    let listed = clients(dir.path(), &["list"]);
    assert!(listed.status.success(), "{listed:?}");
    let list = stdout(&listed);
    assert_eq!(list.lines().count(), 2, "{list}");
    assert!(
        list.lines()
            .any(|l| l.starts_with(&format!("{id}\tconfidential\tPayroll portal\t"))),
        "{list}"
    );
    assert!(
        list.contains(&format!("{public_id}\tpublic\tSPA")),
        "{list}"
    );
    assert!(
        !list.contains(&secret),
        "the secret is shown once only: {list}"
    );

    let removed = clients(dir.path(), &["remove", &id]);
    assert!(removed.status.success(), "{removed:?}");
    let list = stdout(&clients(dir.path(), &["list"]));
    assert!(!list.contains(&id) && list.contains(&public_id), "{list}");
    let again = clients(dir.path(), &["remove", &id]);
    assert!(!again.status.success(), "an unknown client is an error");
}
