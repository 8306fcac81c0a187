//! The layering of `../shared/architecture.md`, checked on the source: which top-level modules of
//! `src/` each one names (`crate::x`, `use crate::{x, …}`, `$crate::x`). No cycle among them, and
//! the bottom layers (configuration, domain) and the repository name nothing above them.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
};

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The identifiers right after `crate::` (and, for a `use crate::{…}` group, each top-level item).
fn named(source: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let ident = |rest: &str| -> String {
        rest.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    for (at, _) in source.match_indices("crate::") {
        let rest = &source[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        names.insert(ident(item.trim()));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            names.insert(ident(item.trim()));
        } else {
            names.insert(ident(rest));
        }
    }
    names.retain(|name| !name.is_empty());
    names
}

fn graph() -> Graph {
    fn walk(dir: &Path, top: Option<&str>, graph: &mut Graph) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
            let module = top.map_or(name.clone(), str::to_owned);
            if path.is_dir() {
                walk(&path, Some(&module), graph);
            } else if path.extension().is_some_and(|e| e == "rs")
                && !["lib", "main"].contains(&module.as_str())
            {
                let mut names = named(&std::fs::read_to_string(&path).unwrap());
                names.remove(&module);
                graph.entry(module).or_default().extend(names);
            }
        }
    }
    let mut graph = Graph::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        None,
        &mut graph,
    );
    graph
}

/// A cycle through `from`, if there is one.
fn cycle(graph: &Graph, from: &str) -> Option<Vec<String>> {
    fn visit(
        graph: &Graph,
        node: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        if let Some(at) = path.iter().position(|n| n == node) {
            path.drain(..at);
            return true;
        }
        if !seen.insert(node.to_owned()) {
            return false;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if visit(graph, next, path, seen) {
                return true;
            }
        }
        path.pop();
        false
    }
    let mut path = Vec::new();
    visit(graph, from, &mut path, &mut BTreeSet::new()).then_some(path)
}

#[test]
fn the_parser_sees_every_form_of_import() {
    let names = named("use crate::{a::b, c::{d, e}, f};\nlet x = crate::g::h(); $crate::i!();");
    let expected: BTreeSet<String> = ["a", "c", "f", "g", "i"].map(String::from).into();
    assert_eq!(names, expected);
    let graph: Graph = [("a", "b"), ("b", "c"), ("c", "a")]
        .map(|(from, to)| (from.to_owned(), BTreeSet::from([to.to_owned()])))
        .into();
    assert_eq!(cycle(&graph, "a").unwrap(), ["a", "b", "c"]);
}

#[test]
fn modules_import_one_way() {
    let graph = graph();
    assert!(
        graph.contains_key("service") && graph.contains_key("http"),
        "{graph:?}"
    );
    for module in graph.keys() {
        assert_eq!(cycle(&graph, module), None, "an import cycle: {graph:#?}");
    }
    // What each lower layer may name; anything else is a layer above it.
    let allowed: [(&str, &[&str]); 4] = [
        ("config", &["domain"]),
        ("domain", &["config"]),
        (
            "repository",
            &["db", "domain", "config", "dispatch", "clock"],
        ),
        ("db", &["config", "telemetry"]),
    ];
    for (module, may) in allowed {
        let above: Vec<_> = graph[module]
            .iter()
            .filter(|name| !may.contains(&name.as_str()))
            .collect();
        assert!(above.is_empty(), "{module} names {above:?}");
    }
    for (module, never) in [
        ("service", ["http", "state", "startup"]),
        ("http", ["repository", "startup", "seeding"]),
    ] {
        let bad: Vec<_> = never
            .iter()
            .filter(|n| graph[module].contains(**n))
            .collect();
        assert!(bad.is_empty(), "{module} names {bad:?}");
    }
}

/// Services, the repository and the error type below them know no HTTP framework: `http::error`
/// turns their outcomes into answers.
#[test]
fn only_http_and_the_wiring_know_axum() {
    fn walk(path: &Path, found: &mut Vec<String>) {
        if path.is_dir() {
            for entry in std::fs::read_dir(path).unwrap() {
                walk(&entry.unwrap().path(), found);
            }
        } else if std::fs::read_to_string(path).unwrap().contains("axum") {
            found.push(path.display().to_string());
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    for below in [
        "service",
        "repository",
        "domain",
        "config",
        "db",
        "error.rs",
    ] {
        walk(&src.join(below), &mut found);
    }
    assert!(found.is_empty(), "{found:?}");
}
