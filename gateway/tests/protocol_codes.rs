//! docs/PROTOCOL.md against the code: its reject table lists exactly the codes the edge and the
//! exchange can return, the exchange's list of codes is exactly what its `code()` functions
//! return, and every message the golden scenarios produce has a documented type and only
//! documented fields.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn protocol_md() -> String {
    fs::read_to_string(root().join("docs/PROTOCOL.md")).expect("docs/PROTOCOL.md")
}

/// The lines of a `## heading` section, up to the next heading of any level.
fn section<'a>(doc: &'a str, heading: &str) -> Vec<&'a str> {
    doc.lines()
        .skip_while(|l| l.trim() != heading)
        .skip(1)
        .take_while(|l| !l.starts_with('#'))
        .collect()
}

/// The `code`s in backquotes of a table row's first cell.
fn first_cell_codes(row: &str) -> Vec<String> {
    let cell = row.trim_start_matches('|').split('|').next().unwrap_or("");
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_reject_table_lists_every_code_and_no_other() {
    let doc = protocol_md();
    let documented: BTreeSet<String> = section(&doc, "## Reject codes")
        .into_iter()
        .filter(|l| l.starts_with("| `"))
        .flat_map(first_cell_codes)
        .collect();
    let known: BTreeSet<String> = ecomatch_gateway::protocol::all_codes()
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert!(
        known.len() > 80,
        "the edge's and the core's codes: {known:?}"
    );
    let undocumented: Vec<_> = known.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&known).collect();
    assert!(
        undocumented.is_empty(),
        "not in PROTOCOL.md: {undocumented:?}"
    );
    assert!(
        unknown.is_empty(),
        "documented, never returned: {unknown:?}"
    );
}

/// The `"CODE"` literals inside every `fn code(` body of a source file.
fn codes_in(file: &Path) -> Vec<String> {
    let text = fs::read_to_string(file).expect("source");
    let mut out = Vec::new();
    for (i, _) in text.match_indices("fn code(") {
        let body = &text[i..];
        let end = body.find("\n    }\n").unwrap_or(body.len());
        for lit in body[..end].split('"').skip(1).step_by(2) {
            if !lit.is_empty() && lit.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
                out.push(lit.to_owned());
            }
        }
    }
    out
}

#[test]
fn the_exchange_lists_every_code_its_errors_return() {
    let files = [
        "engine/src/book/error.rs",
        "risk/src/error.rs",
        "risk/src/gate.rs",
        "exchange/src/reject.rs",
    ];
    let returned: BTreeSet<String> = files
        .iter()
        .flat_map(|f| codes_in(&root().join(f)))
        .collect();
    let listed: BTreeSet<String> = ecomatch_exchange::reject::CODES
        .iter()
        .map(|c| (*c).to_owned())
        .collect();
    assert!(
        returned.contains("PRICE_OUTSIDE_BAND"),
        "the scan reads code()"
    );
    assert_eq!(
        listed, returned,
        "reject::CODES against the code() functions"
    );
}

/// The documented fields of each reply type: the first cell's types, the last cell's words
/// in backquotes (fields, and the names of their values, which do no harm here).
fn documented_replies(doc: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let rows = section(doc, "## Replies")
        .into_iter()
        .chain(section(doc, "### Sessions"))
        .chain(section(doc, "### Market data"))
        .filter(|l| l.starts_with("| `"));
    for row in rows {
        let fields: BTreeSet<String> = row
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect();
        for kind in first_cell_codes(row) {
            out.entry(kind).or_default().extend(fields.iter().cloned());
        }
    }
    out
}

/// The keys every message carries whatever its type.
const FRAME: [&str; 4] = ["to", "type", "req_id", "seq"];

#[test]
fn golden_messages_have_documented_types_and_fields() {
    let doc = protocol_md();
    let replies = documented_replies(&doc);
    let mut seen = BTreeSet::new();
    let dir = root().join("tests/golden");
    for entry in fs::read_dir(&dir).expect("tests/golden") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "out") {
            continue;
        }
        for line in fs::read_to_string(&path).expect("golden output").lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("JSON line");
            let kind = v["type"].as_str().expect("every message has a type");
            let fields = replies
                .get(kind)
                .unwrap_or_else(|| panic!("type {kind} is not in PROTOCOL.md's tables"));
            for key in v.as_object().expect("object").keys() {
                assert!(
                    FRAME.contains(&key.as_str()) || fields.contains(key),
                    "{kind}.{key} ({}) is not documented",
                    path.display()
                );
            }
            seen.insert(kind.to_owned());
        }
    }
    assert!(seen.len() > 15, "the goldens cover most replies: {seen:?}");
}

#[test]
fn the_pages_explain_every_code_in_both_languages_and_no_other() {
    let js = fs::read_to_string(root().join("gateway/assets/common.js")).expect("common.js");
    let table: Vec<&str> = js
        .lines()
        .skip_while(|l| !l.starts_with("const REJECTS = {"))
        .skip(1)
        .take_while(|l| !l.starts_with("};"))
        .collect();
    let explained: BTreeSet<String> = table
        .iter()
        .filter_map(|l| {
            let (code, rest) = l.trim().split_once(": [")?;
            // Chinese, then English: two non-empty strings.
            let texts: Vec<&str> = rest.split('\'').skip(1).step_by(2).collect();
            assert!(
                texts.len() >= 2 && texts.iter().all(|t| !t.is_empty()),
                "{code}: {l}"
            );
            Some(code.to_owned())
        })
        .collect();
    let known: BTreeSet<String> = ecomatch_gateway::protocol::all_codes()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let missing: Vec<_> = known.difference(&explained).collect();
    let extra: Vec<_> = explained.difference(&known).collect();
    assert!(
        missing.is_empty(),
        "not explained in common.js: {missing:?}"
    );
    assert!(extra.is_empty(), "explained but not a code: {extra:?}");
}
