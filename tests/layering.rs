//! The modules of the exchange crate and of the gateway's protocol form layers: no two modules
//! import each other, so each can be read knowing only what it imports. In the exchange the
//! data (catalogue, genesis, state, reports, rejects) sits below the behaviour (trading, call,
//! block, sealed, operator) that works on it; in the protocol, codes and formats sit below
//! requests and replies.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The top-level module a source file belongs to (`sealed/bid.rs` belongs to `sealed`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src");
    let first = rel.components().next().expect("a file");
    let name = first.as_os_str().to_string_lossy();
    name.trim_end_matches(".rs").to_owned()
}

/// Every `{prefix}name` a text mentions, for each of the prefixes that name a sibling module,
/// also inside `use crate::{a, b::c}` groups.
fn mentioned(text: &str, prefixes: &[&str]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for prefix in prefixes {
        for (i, _) in text.match_indices(prefix) {
            mention(&text[i + prefix.len()..], &mut out);
        }
    }
    out.retain(|m| m.chars().next().is_some_and(|c| c.is_ascii_lowercase()));
    out
}

/// The module names at the start of what follows a prefix: one name, or a `{...}` group.
fn mention(rest: &str, out: &mut BTreeSet<String>) {
    if let Some(group) = rest.strip_prefix('{') {
        let end = group.find('}').unwrap_or(group.len());
        for part in group[..end].split(',') {
            let head = part.trim().split("::").next().unwrap_or("");
            out.insert(head.to_owned());
        }
    } else {
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        out.insert(rest[..end].to_owned());
    }
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).expect("readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The modules under `dir` (a `mod.rs` or `lib.rs` only declares them) and the sibling
/// modules each one names.
fn dependencies(dir: &Path, prefixes: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let mut all = Vec::new();
    files(dir, &mut all);
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &all {
        let module = module_of(dir, file);
        if module == "lib" || module == "mod" {
            continue;
        }
        let text = fs::read_to_string(file).expect("readable");
        let entry = deps.entry(module.clone()).or_default();
        entry.extend(
            mentioned(&text, prefixes)
                .into_iter()
                .filter(|m| *m != module),
        );
    }
    deps
}

/// The pairs of modules that import each other.
fn cycles(deps: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let mut found = Vec::new();
    for (a, uses) in deps {
        for b in uses {
            if a < b && deps.get(b).is_some_and(|u| u.contains(a)) {
                found.push(format!("{a} <-> {b}"));
            }
        }
    }
    found
}

#[test]
fn no_two_exchange_modules_import_each_other() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("exchange/src");
    let deps = dependencies(&src, &["crate::"]);
    assert!(deps.len() > 10, "found the modules: {deps:?}");
    assert!(deps["block"].contains("state"), "the scan sees imports");
    let cycles = cycles(&deps);
    assert!(
        cycles.is_empty(),
        "modules importing each other: {cycles:?}"
    );
}

#[test]
fn no_two_protocol_modules_import_each_other() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("gateway/src/protocol");
    let deps = dependencies(&src, &["super::", "crate::protocol::"]);
    assert!(deps.len() > 6, "found the modules: {deps:?}");
    assert!(deps["convert"].contains("request"), "the scan sees imports");
    let cycles = cycles(&deps);
    assert!(
        cycles.is_empty(),
        "modules importing each other: {cycles:?}"
    );
}

#[test]
fn the_scan_reads_groups_and_paths() {
    let text = "use crate::{state::Exchange, report};\nlet x = crate::ids::IdSpace::WHOLE;";
    let found = mentioned(text, &["crate::"]);
    let want: BTreeSet<String> = ["state", "report", "ids"].map(String::from).into();
    assert_eq!(found, want);
    let deps = BTreeMap::from([
        ("a".to_owned(), BTreeSet::from(["b".to_owned()])),
        ("b".to_owned(), BTreeSet::from(["a".to_owned()])),
    ]);
    assert_eq!(cycles(&deps), ["a <-> b"]);
}
