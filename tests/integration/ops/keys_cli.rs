//! `employees keys rotate|list`, as an operator runs them: a successor published, waiting for
//! its turn; JWT_SECRET required, since it seals the keys.

use std::{path::Path, process::Output};

use crate::ops::binary::command;

const SECRET: &str = "a-secret-of-the-keys-cli-test-0123456789";

fn keys(dir: &Path, secret: Option<&str>, args: &[&str]) -> Output {
    let mut command = command(dir);
    if let Some(secret) = secret {
        command.env("JWT_SECRET", secret);
    }
    command
        .env("JWKS_MAX_AGE_SECONDS", "600")
        .arg("keys")
        .args(args)
        .output()
        .expect("the binary runs")
}

fn lines(output: &Output) -> Vec<Vec<String>> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| line.split('\t').map(str::to_owned).collect())
        .collect()
}

#[test]
fn keys_rotate_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let refused = keys(dir.path(), None, &["rotate"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("JWT_SECRET"));

    let listed = keys(dir.path(), Some(SECRET), &["list"]);
    assert!(listed.status.success(), "{listed:?}");
    let first = lines(&listed);
    let statuses: Vec<(&str, &str)> = first
        .iter()
        .map(|l| (l[1].as_str(), l[2].as_str()))
        .collect();
    assert_eq!(
        statuses,
        [("ES256", "active"), ("RS256", "active")],
        "made at first start"
    );

    let rotated = keys(dir.path(), Some(SECRET), &["rotate"]);
    assert!(rotated.status.success(), "{rotated:?}");
    let made = lines(&rotated);
    assert_eq!(made.len(), 2, "{made:?}");
    let again = keys(dir.path(), Some(SECRET), &["rotate"]);
    assert_eq!(lines(&again), made, "a successor waiting is kept");

    let after = lines(&keys(dir.path(), Some(SECRET), &["list"]));
    assert_eq!(after.len(), 4);
    for key in &made {
        let row = after.iter().find(|row| row[0] == key[0]).expect("listed");
        assert_eq!(
            row[2], "next",
            "published, not signing before JWKS_MAX_AGE_SECONDS"
        );
    }
}
