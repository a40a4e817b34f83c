//! The documents say what the code declares.

use jixiao::model::schema::{self, BUILT_IN_SUMMARIES, RECORD_TABLES, RUN_SUMMARY};

fn readme() -> String {
    std::fs::read_to_string(crate::common::repo().join("README.md")).unwrap()
}

#[test]
fn the_readme_contract_table_is_the_schema() {
    let readme = readme();
    let start = readme
        .find("| table | one row per | columns |")
        .expect("contract table");
    let rows: Vec<&str> = readme[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect();
    let declared: Vec<String> = RECORD_TABLES
        .into_iter()
        .chain([&RUN_SUMMARY])
        .map(schema::Table::contract_row)
        .collect();
    assert_eq!(
        rows, declared,
        "README.md's contract table vs src/model/schema.rs"
    );
}

#[test]
fn the_readme_built_in_summaries_are_the_schema() {
    let readme = readme();
    let start = readme
        .find("| summary | one row per | columns |")
        .expect("built-in summaries table");
    let rows: Vec<&str> = readme[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect();
    let declared: Vec<String> = BUILT_IN_SUMMARIES
        .into_iter()
        .map(schema::Table::contract_row)
        .collect();
    assert_eq!(
        rows, declared,
        "README.md's built-in summaries vs src/model/schema.rs"
    );
}

#[test]
fn the_pipeline_guide_lists_every_label_field_with_its_defaults() {
    let guide = std::fs::read_to_string(crate::common::repo().join("pipelines/README.md")).unwrap();
    let labels = jixiao::locate::Labels::default();
    let fields = jixiao::locate::Field::ALL
        .iter()
        .map(|f| (f.name(), labels.of(*f).to_vec()))
        .chain([("title_suffix", labels.title_suffix.clone())]);
    for (name, defaults) in fields {
        let row = format!("| `{name}` | {}", defaults.join(", "));
        assert!(
            guide
                .lines()
                .any(|l| l == format!("{row} |") || l.starts_with(&format!("{row} ("))),
            "pipelines/README.md lacks the row of {name}: {row} |"
        );
    }
}
