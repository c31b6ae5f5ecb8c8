//! `docs/asyncapi.json` is the protocol's `AsyncAPI` 3.0 document. This checks that it is
//! well-formed, that its examples match their schemas, and that every request and every
//! message of the golden scenarios matches the schema its `op` or `type` names, so the document
//! cannot drift from what the server really speaks.
//!
//! The validator covers the JSON Schema subset the document uses (`$ref`, `type`, `const`,
//! `enum`, `pattern` for decimals, `minimum`/`maximum`, `items`, `minItems`/`maxItems`,
//! `properties`, `required`, `additionalProperties: false`, `oneOf`) and refuses any other
//! keyword, so a schema it cannot check fails loudly instead of passing silently.

use std::path::Path;

use serde_json::{Map, Value};

const DECIMAL_PATTERN: &str = "^-?[0-9]+(\\.[0-9]+)?$";

fn doc() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/asyncapi.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("docs/asyncapi.json")).expect("JSON")
}

fn resolve<'a>(doc: &'a Value, reference: &str) -> &'a Value {
    let pointer = reference.strip_prefix('#').expect("local reference");
    doc.pointer(pointer)
        .unwrap_or_else(|| panic!("dangling reference {reference}"))
}

fn is_decimal(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = s.split_once('.').unwrap_or((s, "0"));
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
}

fn type_matches(t: &str, v: &Value) -> bool {
    match t {
        "string" => v.is_string(),
        "integer" => v.is_u64() || v.is_i64(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "null" => v.is_null(),
        other => panic!("unsupported type {other}"),
    }
}

/// Checks `v` against `schema`; the error names the path.
fn validate(doc: &Value, schema: &Value, v: &Value, path: &str) -> Result<(), String> {
    let s = schema.as_object().expect("schema object");
    if let Some(r) = s.get("$ref") {
        return validate(doc, resolve(doc, r.as_str().expect("ref")), v, path);
    }
    for (k, rule) in s {
        match k.as_str() {
            "type" if !type_matches(rule.as_str().expect("type"), v) => {
                return Err(format!("{path}: not {rule}: {v}"));
            }
            "const" if rule != v => return Err(format!("{path}: {v} is not {rule}")),
            "enum" if !rule.as_array().expect("enum").contains(v) => {
                return Err(format!("{path}: {v} not in {rule}"));
            }
            "pattern" => {
                assert_eq!(
                    rule, DECIMAL_PATTERN,
                    "only the decimal pattern is supported"
                );
                if !v.as_str().is_some_and(is_decimal) {
                    return Err(format!("{path}: {v} is not a decimal string"));
                }
            }
            "minimum" if v.as_f64() < rule.as_f64() => return Err(format!("{path}: {v} < {rule}")),
            "maximum" if v.as_f64() > rule.as_f64() => return Err(format!("{path}: {v} > {rule}")),
            "minItems" | "maxItems" => {
                let n = v.as_array().map_or(0, Vec::len) as u64;
                let bound = rule.as_u64().expect("bound");
                if (k == "minItems" && n < bound) || (k == "maxItems" && n > bound) {
                    return Err(format!("{path}: {n} items, {k} {bound}"));
                }
            }
            "items" => {
                for (i, item) in v.as_array().into_iter().flatten().enumerate() {
                    validate(doc, rule, item, &format!("{path}[{i}]"))?;
                }
            }
            "properties" => object(doc, s, rule.as_object().expect("properties"), v, path)?,
            "oneOf" => {
                let n = rule
                    .as_array()
                    .expect("oneOf")
                    .iter()
                    .filter(|alt| validate(doc, alt, v, path).is_ok())
                    .count();
                if n != 1 {
                    return Err(format!("{path}: {v} matches {n} alternatives of oneOf"));
                }
            }
            "description"
            | "required"
            | "additionalProperties"
            | "type"
            | "const"
            | "enum"
            | "minimum"
            | "maximum" => {}
            other => panic!("unsupported schema keyword {other} at {path}"),
        }
    }
    Ok(())
}

fn object(
    doc: &Value,
    s: &Map<String, Value>,
    props: &Map<String, Value>,
    v: &Value,
    path: &str,
) -> Result<(), String> {
    let Some(o) = v.as_object() else {
        return Err(format!("{path}: not an object"));
    };
    for r in s
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let r = r.as_str().expect("name");
        if !o.contains_key(r) {
            return Err(format!("{path}: missing {r} in {v}"));
        }
    }
    for (k, field) in o {
        match props.get(k) {
            Some(p) => validate(doc, p, field, &format!("{path}.{k}"))?,
            None if s.get("additionalProperties") == Some(&Value::Bool(false)) => {
                return Err(format!("{path}: undocumented field {k} in {v}"));
            }
            None => {}
        }
    }
    Ok(())
}

/// The payload schema of the message named `name` (an `op` or a `type`).
fn message<'a>(doc: &'a Value, name: &str, request: bool) -> Option<&'a Value> {
    let prefix = if request { "req" } else { "msg" };
    doc["components"]["messages"]
        .as_object()
        .expect("messages")
        .iter()
        .find(|(k, m)| k.starts_with(prefix) && m["name"] == name)
        .map(|(_, m)| &m["payload"])
}

#[test]
fn the_document_is_asyncapi_3_and_its_references_resolve() {
    let d = doc();
    assert_eq!(d["asyncapi"], "3.0.0");
    for m in d["channels"]["ws"]["messages"]
        .as_object()
        .expect("channel messages")
        .values()
    {
        resolve(&d, m["$ref"].as_str().expect("ref"));
    }
    for op in d["operations"].as_object().expect("operations").values() {
        assert!(matches!(op["action"].as_str(), Some("send" | "receive")));
        resolve(&d, op["channel"]["$ref"].as_str().expect("channel ref"));
        for m in op["messages"].as_array().expect("messages") {
            resolve(&d, m["$ref"].as_str().expect("ref"));
        }
    }
}

#[test]
fn every_example_matches_its_schema() {
    let d = doc();
    let messages = d["components"]["messages"].as_object().expect("messages");
    assert!(messages.len() > 40, "requests and replies are all there");
    for (key, m) in messages {
        let examples = m["examples"]
            .as_array()
            .unwrap_or_else(|| panic!("{key} has no example"));
        for ex in examples {
            validate(&d, &m["payload"], &ex["payload"], key).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

#[test]
fn every_golden_request_and_message_matches_the_document() {
    let d = doc();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/golden");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("golden dir")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    let mut checked = 0;
    for path in files {
        let request = match path.extension().and_then(|e| e.to_str()) {
            Some("jsonl") => true,
            Some("out") => false,
            _ => continue,
        };
        let text = std::fs::read_to_string(&path).expect("golden file");
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let mut v: Value = serde_json::from_str(line).expect("JSON line");
            let key = if request { "op" } else { "type" };
            let name = v[key].as_str().unwrap_or_default().to_owned();
            if request {
                // `as` and `at` belong to `ecomatch script` only.
                let o = v.as_object_mut().expect("object");
                o.remove("as");
                o.remove("at");
            }
            let where_ = format!("{}:{}", path.display(), n + 1);
            let schema = message(&d, &name, request)
                .unwrap_or_else(|| panic!("{where_}: {key} {name:?} is not in docs/asyncapi.json"));
            if request && v.as_object().is_some_and(|o| o.len() <= 2) && name.is_empty() {
                continue;
            }
            validate(&d, schema, &v, &where_).unwrap_or_else(|e| panic!("{e}"));
            checked += 1;
        }
    }
    assert!(checked > 150, "only {checked} messages checked");
}

/// The JSON object that follows `marker` in docs/PROTOCOL.md (a fenced example).
fn protocol_example(marker: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/PROTOCOL.md");
    let text = std::fs::read_to_string(path).expect("docs/PROTOCOL.md");
    let after = &text[text.find(marker).expect("marker") + marker.len()..];
    let start = after.find("```json\n").expect("an example") + 8;
    let end = start + after[start..].find("```").expect("its end");
    serde_json::from_str(&after[start..end]).expect("the example is JSON")
}

/// The examples are worked examples: their figures follow the rules the page states, for the
/// demo instrument they name.
#[test]
fn the_examples_follow_their_own_rules() {
    let d = doc();
    let demo = ecomatch_exchange::demo::exchange();
    let snapshot = protocol_example("It starts with a snapshot:");
    validate(
        &d,
        message(&d, "book", false).expect("book"),
        &snapshot,
        "PROTOCOL snapshot",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let alert = protocol_example("## Surveillance alerts (operator channel)");
    validate(
        &d,
        message(&d, "alert", false).expect("alert"),
        &alert,
        "PROTOCOL alert",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut books = vec![snapshot];
    let mut fills = Vec::new();
    for m in d["components"]["messages"]
        .as_object()
        .expect("messages")
        .values()
    {
        for ex in m["examples"].as_array().into_iter().flatten() {
            let p = &ex["payload"];
            match (p["type"].as_str(), p["action"].as_str()) {
                (Some("book"), Some("snapshot")) => books.push(p.clone()),
                (Some("fill" | "sealed_fill"), _) => fills.push(p.clone()),
                _ => {}
            }
        }
    }
    // Kraken's checksum of the levels shown; cash with two places.
    for b in &books {
        let mut text = String::new();
        let side = |s: &str| b[s].as_array().expect("levels").clone();
        for level in side("asks").iter().chain(side("bids").iter()) {
            for field in level.as_array().expect("level") {
                let digits: String = field.as_str().expect("decimal").replace('.', "");
                text.push_str(digits.trim_start_matches('0'));
            }
        }
        assert_eq!(b["checksum"], crc32fast::hash(text.as_bytes()), "{b}");
        let turnover = b["turnover"].as_str().expect("turnover");
        assert_eq!(
            turnover.split_once('.').map(|(_, f)| f.len()),
            Some(2),
            "{b}"
        );
    }
    // A fill's fee: the instrument's fee_bps of price × qty, rounded up to the fen.
    for f in &fills {
        let id = ecomatch_engine::id::InstrumentId::new(f["instrument"].as_str().expect("id"))
            .expect("instrument");
        let bps = demo.listing(id).expect("a demo instrument").fee_bps;
        let dec = |k: &str| f[k].as_str().expect(k).parse::<f64>().expect(k);
        let fen = (dec("price") * dec("qty") * 100.0).round() as u64;
        let fee = (fen * u64::from(bps)).div_ceil(10_000);
        assert_eq!(f["fee"], format!("{}.{:02}", fee / 100, fee % 100), "{f}");
    }
    assert!(!fills.is_empty() && books.len() >= 2);
}
