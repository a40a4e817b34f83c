//! The shape of the code, checked: data flows one way, so a module imports
//! only the modules below it; and functions stay short enough to read at
//! once. (`docs/ARCHITECTURE.md` explains the layers.)

use std::path::{Path, PathBuf};

/// The library's modules, lowest first: each may import only those before
/// it. `fault` (panics caught quietly), `vocab` (shared words of the forms), `grid` (cells) and `model`
/// (records, issue codes, table schemas) are below every stage; then the
/// stages in the order data flows; `pipeline` runs them all.
const LAYERS: &[&str] = &[
    "fault",
    "vocab",
    "grid",
    "model",
    "read",
    "locate",
    "parse",
    "normalise",
    "validate",
    "write",
    "aggregate",
    "report",
    "inspect",
    "pipeline",
];

/// The longest a function outside tests may be, in lines.
const MAX_FN_LINES: usize = 80;

fn src() -> PathBuf {
    crate::common::repo().join("src")
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The text of a source file without its unit tests and line comments.
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => &text[..],
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(at) if !l[..at].contains('"') => &l[..at],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules named after `crate::` in `code`, including the
/// names inside `use crate::{a::…, b};`.
fn imported(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let end = group
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => return true,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    false
                })
                .map_or(group.len(), |(i, _)| i);
            let mut depth = 0;
            let mut start = 0;
            for (i, c) in group[..end].char_indices().chain([(end, ',')]) {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.push(module_name(&group[start..i]));
                        start = i + 1;
                    }
                    _ => {}
                }
            }
        } else {
            out.push(module_name(rest));
        }
    }
    out.retain(|m| !m.is_empty());
    out
}

fn module_name(path: &str) -> String {
    path.trim_start()
        .chars()
        .take_while(|c| c.is_ascii_lowercase() || *c == '_')
        .collect()
}

/// The layer a source file belongs to (`src/write/csv.rs` → `write`).
fn layer_of(path: &Path) -> Option<String> {
    let rel = path.strip_prefix(src()).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.trim_end_matches(".rs");
    (name != "main" && name != "lib").then(|| name.to_string())
}

#[test]
fn every_module_imports_only_the_layers_below_it() {
    let mut wrong = Vec::new();
    for path in rust_files(&src()) {
        let Some(layer) = layer_of(&path) else {
            continue;
        };
        let rank = |m: &str| LAYERS.iter().position(|l| *l == m);
        let own = rank(&layer).unwrap_or_else(|| panic!("{layer} is not in LAYERS"));
        for m in imported(&code_of(&path)) {
            match rank(&m) {
                Some(r) if r <= own => {}
                _ => wrong.push(format!("{} imports crate::{m}", path.display())),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the flow:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_import_check_sees_grouped_and_nested_imports() {
    let code = "use crate::model::{Issue, Records};\nuse crate::{grid::Pos, vocab::{text, year}};\nlet x = crate::write::tables(y);";
    assert_eq!(imported(code), ["model", "grid", "vocab", "write"]);
    assert_eq!(
        layer_of(&src().join("write/csv.rs")).as_deref(),
        Some("write")
    );
    assert_eq!(layer_of(&src().join("model.rs")).as_deref(), Some("model"));
}

/// The functions of `code` longer than [`MAX_FN_LINES`]: (line, name, lines).
fn long_functions(code: &str) -> Vec<(usize, String, usize)> {
    let lines: Vec<&str> = code.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let indent = line.len() - line.trim_start().len();
        let head = line.trim_start();
        let is_fn = head.starts_with("fn ")
            || head.starts_with("pub fn ")
            || head.starts_with("pub(crate) fn ")
            || head.starts_with("pub(super) fn ")
            || head.starts_with("const fn ");
        if !is_fn {
            i += 1;
            continue;
        }
        let name: String = head
            .split("fn ")
            .nth(1)
            .unwrap_or("")
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        // The body ends at the first `}` back at the function's indent.
        let mut j = i;
        while j < lines.len() && !lines[j].trim_end().ends_with('{') {
            if lines[j].trim_end().ends_with(';') {
                break;
            }
            j += 1;
        }
        let end = (j + 1..lines.len()).find(|&k| {
            let l = lines[k];
            l.len() - l.trim_start().len() == indent && l.trim_start().starts_with('}')
        });
        if let Some(end) = end {
            let n = end - i + 1;
            if n > MAX_FN_LINES {
                out.push((i + 1, name, n));
            }
        }
        i += 1;
    }
    out
}

#[test]
fn no_function_outside_tests_is_longer_than_a_screen() {
    let mut long = Vec::new();
    for path in rust_files(&src()) {
        for (line, name, n) in long_functions(&code_of(&path)) {
            long.push(format!("{}:{line} {name}: {n} lines", path.display()));
        }
    }
    assert!(
        long.is_empty(),
        "functions over {MAX_FN_LINES} lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_length_check_measures_a_long_function() {
    let body = "    x += 1;\n".repeat(MAX_FN_LINES);
    let code = format!("fn short() {{\n}}\n\nfn long() {{\n{body}}}\n");
    let found = long_functions(&code);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].1, "long");
    assert_eq!(found[0].2, MAX_FN_LINES + 2);
}
