//! The module map's rules (README, "Architecture"), checked against the source: which core
//! module may import which, that nothing outside `src/api/` imports the HTTP layer (the CLI
//! only starts the server), and that no source file outside tests grows past 700 lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each top-level module of the library and the modules it may import (`crate::...`).
/// Keep in step with README's module map.
const RULES: &[(&str, &[&str])] = &[
    ("model", &[]),
    ("time", &[]),
    ("parallel", &[]),
    ("shared_vec", &[]),
    ("config", &[]),
    ("catalog", &[]),
    ("analysis", &["model", "parallel", "geocode"]),
    ("projection", &["analysis"]),
    ("geocode", &["config", "projection"]),
    ("boundaries", &["projection"]),
    (
        "intake",
        &[
            "model",
            "time",
            "catalog",
            "config",
            "geocode",
            "boundaries",
        ],
    ),
    (
        "demo",
        &["model", "catalog", "config", "geocode", "projection"],
    ),
    (
        "import",
        &[
            "model",
            "catalog",
            "config",
            "projection",
            "geocode",
            "boundaries",
            "intake",
            "store",
        ],
    ),
    ("index", &["model", "parallel", "shared_vec", "analysis"]),
    ("selection", &["model", "time", "catalog", "index"]),
    ("store", &["model", "selection"]),
    ("events", &["model", "store"]),
    ("layers", &["model", "index", "selection", "boundaries"]),
    ("methods", &["analysis"]),
    ("tiles", &[]),
    ("gpkg", &[]),
    (
        "hotspots",
        &["model", "time", "analysis", "index", "selection", "methods"],
    ),
    (
        "city",
        &[
            "model",
            "config",
            "catalog",
            "boundaries",
            "geocode",
            "store",
            "index",
            "events",
            "intake",
            "import",
            "demo",
        ],
    ),
    ("sync", &["model", "store", "intake", "city"]),
    (
        "trends",
        &[
            "analysis",
            "boundaries",
            "catalog",
            "index",
            "selection",
            "time",
        ],
    ),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file below `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A file's code without comments and without its `#[cfg(test)]` part.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether a file holds only tests (`tests.rs`, `*_tests.rs`).
fn is_test_file(path: &Path) -> bool {
    let name = path.file_name().unwrap().to_string_lossy();
    name == "tests.rs" || name.ends_with("_tests.rs")
}

/// The top-level module a file belongs to (`src/hotspots/query.rs` → `hotspots`).
fn module_of(path: &Path) -> String {
    let rel = path.strip_prefix(src()).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// The top-level modules named after `prefix` (`crate::` or `hotspot::`) in `text`.
fn named_modules(text: &str, prefix: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (i, _) in text.match_indices(prefix) {
        let before = text[..i].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let name: String = text[i + prefix.len()..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            found.insert(name);
        }
    }
    found
}

#[test]
fn core_modules_import_only_what_the_map_allows() {
    let rules: BTreeMap<&str, &[&str]> = RULES.iter().copied().collect();
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut broken = Vec::new();
    for path in &files {
        let module = module_of(path);
        if ["api", "main", "cli", "lib"].contains(&module.as_str()) || is_test_file(path) {
            continue;
        }
        let Some(allowed) = rules.get(module.as_str()) else {
            broken.push(format!(
                "{module}: not in the module map (add it to RULES and README)"
            ));
            continue;
        };
        for used in named_modules(&code(path), "crate::") {
            if used != module && !allowed.contains(&used.as_str()) {
                broken.push(format!("{}: {module} imports {used}", path.display()));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "imports against the module map:\n{}",
        broken.join("\n")
    );
}

#[test]
fn only_the_server_imports_the_http_layer() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    for path in files.iter().filter(|p| module_of(p) != "api") {
        let code = code(path);
        let uses: BTreeSet<String> = named_modules(&code, "crate::")
            .into_iter()
            .chain(named_modules(&code, "hotspot::"))
            .collect();
        if module_of(path) == "main" {
            // the CLI starts the server and nothing else of the HTTP layer
            let api_uses: Vec<&str> = code
                .match_indices("api::")
                .map(|(i, _)| &code[i..])
                .collect();
            assert!(
                api_uses.iter().all(|u| u.starts_with("api::serve(")),
                "main.rs uses more of api than serve"
            );
        } else {
            assert!(!uses.contains("api"), "{} imports api", path.display());
        }
    }
}

#[test]
fn no_source_file_is_longer_than_700_lines() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter(|p| !is_test_file(p))
        .filter_map(|p| {
            let lines = std::fs::read_to_string(p).unwrap().lines().count();
            (lines > 700).then(|| format!("{}: {lines} lines", p.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "split these by concept:\n{}",
        long.join("\n")
    );
}
