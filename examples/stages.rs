//! Where a one-thread run spends its time, stage by stage: `stages DIR`
//! reads every workbook under DIR (all in memory first), then times
//! locate+parse, normalise+validate, the batch check, building the output
//! tables, and writing CSV and Parquet into a temporary folder. A measuring
//! tool for docs/PERFORMANCE.md, not part of the product.

use std::time::Instant;

use jixiao::locate::Matcher;
use jixiao::model::Records;
use jixiao::pipeline::config::PipelineFile;
use jixiao::pipeline::Pipeline;
use jixiao::validate::{validate_form, BatchCheck};
use jixiao::write::table::TableSpec;
use jixiao::write::{tables, Format, Output};

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let dir = std::env::args().nth(1).expect("usage: stages DIR");
    let pipeline = Pipeline::from_file(PipelineFile::default(), std::path::Path::new("."))
        .expect("the default pipeline");
    let matcher = Matcher::new(&pipeline.labels);
    let (files, _) = jixiao::read::discover(&[dir.into()]).expect("the corpus folder");
    let lap = |what: &str, t: Instant| eprintln!("{what:<28} {:>6.2} s", t.elapsed().as_secs_f64());

    let t = Instant::now();
    let contents: Vec<_> = files
        .iter()
        .filter_map(|f| jixiao::read::read_file(f, &jixiao::read::Limits::default()).ok())
        .collect();
    lap("read", t);

    let t = Instant::now();
    let raws: Vec<_> = contents
        .iter()
        .map(|c| jixiao::parse::parse_file(&c.grids, &matcher))
        .collect();
    lap("locate + parse", t);
    drop(contents);

    let t = Instant::now();
    let groups = pipeline.settings.code_groups();
    let forms: Vec<Vec<Records>> = raws
        .into_iter()
        .map(|file| {
            file.into_iter()
                .map(|raw| {
                    let mut r = jixiao::normalise::normalise_form(raw, &pipeline.settings);
                    let found = validate_form(&r, &groups);
                    r.issues.extend(found);
                    r
                })
                .collect()
        })
        .collect();
    lap("normalise + validate", t);

    let t = Instant::now();
    let mut check = BatchCheck::default();
    let per_file: Vec<Records> = forms
        .into_iter()
        .map(|file| {
            let mut out = Records::default();
            for f in file {
                check.push(f, &mut out);
            }
            out
        })
        .collect();
    lap("batch check", t);

    let t = Instant::now();
    let spec = TableSpec::new(&pipeline.settings);
    let chunks: Vec<_> = per_file.iter().map(|r| tables(r, &spec)).collect();
    lap("output tables", t);

    let t = Instant::now();
    let out_dir = std::env::temp_dir().join(format!("jixiao-stages-{}", std::process::id()));
    let mut output = Output::create(
        &out_dir,
        &tables(&Records::default(), &spec),
        &[Format::Csv, Format::Parquet],
        &pipeline.write,
        &[],
    )
    .expect("output folder");
    for c in chunks {
        output.append(c).expect("append");
    }
    output.finish(&[]).expect("finish");
    lap("write CSV + Parquet", t);
    let _ = std::fs::remove_dir_all(&out_dir);
}
