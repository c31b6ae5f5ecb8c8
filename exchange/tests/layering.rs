//! The exchange crate's modules form layers: no two modules import each other, so each can be
//! read knowing only what it imports. The data (state, reports, rejects) sits below the
//! behaviour (trading, call, block, sealed, operator) that works on it.

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

/// Every `crate::name` a text mentions, also inside `use crate::{a, b::c}` groups.
fn mentioned(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
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
    out.retain(|m| m.chars().next().is_some_and(|c| c.is_ascii_lowercase()));
    out
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

#[test]
fn no_two_modules_import_each_other() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &all {
        let module = module_of(&src, file);
        if module == "lib" {
            continue;
        }
        let text = fs::read_to_string(file).expect("readable");
        let entry = deps.entry(module.clone()).or_default();
        entry.extend(mentioned(&text).into_iter().filter(|m| *m != module));
    }
    assert!(deps.len() > 10, "found the modules: {deps:?}");
    assert!(deps["block"].contains("state"), "the scan sees imports");
    let mut cycles = Vec::new();
    for (a, uses) in &deps {
        for b in uses {
            if a < b && deps.get(b).is_some_and(|u| u.contains(a)) {
                cycles.push(format!("{a} <-> {b}"));
            }
        }
    }
    assert!(
        cycles.is_empty(),
        "modules importing each other: {cycles:?}"
    );
}

#[test]
fn the_scan_reads_groups_and_paths() {
    let found =
        mentioned("use crate::{state::Exchange, report};\nlet x = crate::ids::IdSpace::WHOLE;");
    let want: BTreeSet<String> = ["state", "report", "ids"].map(String::from).into();
    assert_eq!(found, want);
}
