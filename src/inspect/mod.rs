//! `jixiao inspect`: what was read from one file, field by field with its
//! cell, what was skipped and why; and an HTML preview of each sheet with
//! the cells that became fields coloured by field and the labels marked.
//!
//! Imports only `read`, `locate`, `parse` and `grid`.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use crate::grid::{Grid, Pos};
use crate::locate::{find_labels, Field, How, Labels, Matcher};
use crate::parse::{parse_file, RawForm};
use crate::read::{read_file, InputFile, Limits, ReadError};
use crate::vocab::kind::FormKind;

/// What inspection found in one grid.
pub struct SheetReport<'a> {
    pub grid: &'a Grid,
    pub forms: Vec<RawForm>,
}

/// Parses every grid of a file, keeping the forms of each grid with it.
pub fn inspect<'a>(grids: &'a [Grid], matcher: &Matcher) -> Vec<SheetReport<'a>> {
    let forms = parse_file(grids, matcher);
    grids
        .iter()
        .map(|g| SheetReport {
            grid: g,
            forms: forms
                .iter()
                .filter(|f| f.sheet == g.sheet)
                .cloned()
                .collect(),
        })
        .collect()
}

fn at(pos: Option<Pos>) -> String {
    pos.map_or_else(|| "(caption)".to_string(), |p| p.a1())
}

fn one_line(s: &str) -> String {
    let flat = s.replace('\n', " ⏎ ");
    if flat.chars().count() > 60 {
        format!("{}…", flat.chars().take(60).collect::<String>())
    } else {
        flat
    }
}

/// The fields a form of `kind` should have: a missing one is reported.
fn expected(kind: FormKind) -> &'static [(Field, &'static str)] {
    match kind {
        FormKind::ProjectTarget => &[
            (Field::ProjectCode, "project_code"),
            (Field::ProjectName, "project_name"),
            (Field::BudgetTotal, "budget_total"),
            (Field::BudgetFiscal, "budget_fiscal"),
            (Field::Plan, "plan"),
            (Field::Goals, "goals"),
            (Field::Level1, "indicator table"),
        ],
        FormKind::ProjectSelfEval => &[
            (Field::ProjectName, "project_name"),
            (Field::StageExecuted, "executed amounts (全年执行数)"),
            (Field::GoalsExpected, "goals_expected"),
            (Field::GoalsAchieved, "goals_achieved"),
            (Field::Level1, "indicator table"),
            (Field::Actual, "actual values (实际完成值)"),
        ],
        FormKind::DeptTarget => &[
            (Field::DeptName, "dept_name"),
            (Field::Goals, "goals"),
            (Field::Level1, "indicator table"),
        ],
        FormKind::DeptSelfEval => &[
            (Field::DeptName, "dept_name"),
            (Field::StageExecuted, "executed amounts (全年执行数)"),
            (Field::Level1, "indicator table"),
            (Field::Actual, "actual values (实际完成值)"),
        ],
    }
}

/// The plain-text report.
pub fn text(file: &str, sheets: &[SheetReport<'_>], matcher: &Matcher) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{file}");
    for s in sheets {
        if s.forms.is_empty() {
            let _ = writeln!(
                out,
                "  {}: skipped — {}",
                s.grid.sheet,
                no_form_reason(s, matcher)
            );
            if let Some(rows) = s.grid.row_span() {
                not_labels(&mut out, s.grid, rows, &[], matcher);
            }
            continue;
        }
        let _ = writeln!(out, "  {}: {} form(s)", s.grid.sheet, s.forms.len());
        for (i, f) in s.forms.iter().enumerate() {
            let _ = writeln!(
                out,
                "    form {} (anchor {}): {} {}",
                i + 1,
                f.anchor,
                f.kind.as_str(),
                f.kind.zh()
            );
            form_fields(&mut out, f);
            form_skips(&mut out, f);
            labels_read(&mut out, s.grid, f);
            let first = f.labels.iter().map(|l| l.pos.row).min();
            let rows = (first.unwrap_or(f.anchor.row), crate::parse::form_end(f));
            let used: Vec<Pos> = f.fields().iter().filter_map(|(_, v)| v.pos).collect();
            not_labels(&mut out, s.grid, rows, &used, matcher);
        }
    }
    out
}

/// Why a sheet gave no form.
fn no_form_reason(s: &SheetReport<'_>, matcher: &Matcher) -> String {
    let labels = find_labels(s.grid, matcher);
    if s.grid.is_empty() {
        "the sheet is empty".to_string()
    } else if labels.is_empty() {
        "no cell is a form label (项目编码, 项目名称, …)".to_string()
    } else {
        format!(
            "labels seen ({}) but none that starts a form (项目编码 or 项目名称)",
            labels
                .iter()
                .map(|l| format!("{} at {}", l.field.name(), l.pos))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// Each value the form was read into, with its cell.
fn form_fields(out: &mut String, f: &RawForm) {
    for (name, field) in f.fields() {
        let value = if field.is_blank() {
            "(blank)".to_string()
        } else {
            one_line(&field.text)
        };
        let _ = writeln!(out, "      {:<24} {:<8} {}", name, at(field.pos), value);
    }
}

/// What was passed over: placeholder rows, fields without a label, labels
/// without a value.
fn form_skips(out: &mut String, f: &RawForm) {
    for s in &f.skipped {
        let _ = writeln!(out, "      skipped: row {} — {}", s.pos.row + 1, s.why);
    }
    let present: Vec<Field> = f.labels.iter().map(|l| l.field).collect();
    for (field, name) in expected(f.kind) {
        if !present.contains(field) {
            let _ = writeln!(out, "      skipped: no label for {name} in this form");
        }
    }
    for l in &f.labels {
        let value_missing = match l.field {
            Field::ProjectCode => f.code.as_ref().is_some_and(|v| v.is_blank()),
            Field::ProjectName => f.name.as_ref().is_some_and(|v| v.is_blank()),
            Field::BudgetTotal => f.budget_total.as_ref().is_some_and(|v| v.is_blank()),
            Field::Goals => f.goals.as_ref().is_some_and(|v| v.is_blank()),
            _ => false,
        };
        if value_missing {
            let _ = writeln!(
                out,
                "      skipped: label {} at {} has no value beside it",
                l.field.name(),
                l.pos
            );
        }
    }
}

/// Each label the form was read by: its field, cell, the words written,
/// and what decided it: a listed word (the strongest evidence), or the
/// terms it holds (kept because a value of the field's kind stands beside
/// it, or it heads an indicator column).
fn labels_read(out: &mut String, grid: &Grid, f: &RawForm) {
    let _ = writeln!(out, "      labels read:");
    for l in &f.labels {
        let text = one_line(&grid.text(l.pos));
        let how = match l.how {
            How::Listed => "listed word".to_string(),
            How::Meaning(terms) => format!("by its terms: {terms}"),
        };
        let _ = writeln!(
            out,
            "        {:<22} {:<8} '{text}'  ({how})",
            l.field.name(),
            l.pos.a1()
        );
    }
}

/// The `[labels]` lines that would teach jixiao the labels of a file that
/// it read only by their terms, or read not at all (`inspect --suggest`):
/// each field with its words, as a pipeline file writes them.
pub fn suggest(sheets: &[SheetReport<'_>], matcher: &Matcher) -> String {
    let mut words: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let mut add = |field: &'static str, text: &str| {
        let list = words.entry(field).or_default();
        let word = text.trim().trim_end_matches([':', '：']).to_string();
        if !word.is_empty() && !list.contains(&word) {
            list.push(word);
        }
    };
    for s in sheets {
        for f in &s.forms {
            for l in f.labels.iter().filter(|l| matches!(l.how, How::Meaning(_))) {
                add(l.field.name(), &s.grid.text(l.pos));
            }
        }
        let used: Vec<Pos> = s
            .forms
            .iter()
            .flat_map(|f| {
                f.fields()
                    .into_iter()
                    .filter_map(|(_, v)| v.pos)
                    .collect::<Vec<_>>()
            })
            .collect();
        for (pos, field) in
            unread_labels(s.grid, s.grid.row_span().unwrap_or((0, 0)), &used, matcher)
        {
            add(field, &s.grid.text(pos));
        }
    }
    if words.is_empty() {
        return "# every label of this file is a listed word: nothing to teach\n".to_string();
    }
    let mut out = String::from(
        "# Add to the pipeline file; each word is added to the built-in words of its field.\n[labels]\n",
    );
    for (field, list) in words {
        let items: Vec<String> = list.iter().map(|w| format!("{w:?}")).collect();
        let _ = writeln!(out, "{field} = [{}]", items.join(", "));
    }
    out
}

/// Words that name a field, and the field a cell holding them may label.
const FIELD_WORDS: &[(&str, &str)] = &[
    ("编码", "project_code"),
    ("代码", "project_code"),
    ("名称", "project_name"),
    ("单位", "unit"),
    ("部门", "dept"),
    ("资金", "budget_total"),
    ("金额", "budget_total"),
    ("预算", "budget_total"),
    ("投资", "budget_total"),
    ("目标", "goals"),
    ("用途", "purpose"),
    ("计划", "plan"),
    ("指标值", "target"),
    ("目标值", "target"),
    ("分值", "weight"),
];

/// Text cells in `rows` that read like a label (short, with a word that
/// names a field) but matched none, and were not read as a value (`used`):
/// the synonyms a pipeline file could add, with the field they may be.
fn not_labels(out: &mut String, grid: &Grid, rows: (u32, u32), used: &[Pos], matcher: &Matcher) {
    let unread = unread_labels(grid, rows, used, matcher);
    if unread.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "      not read as labels (a synonym in [labels] teaches one; --suggest writes it):"
    );
    for (pos, field) in unread {
        let text = grid.text(pos);
        let _ = writeln!(
            out,
            "        {:<8} '{}'  (perhaps {field})",
            pos.a1(),
            one_line(&text)
        );
    }
}

/// The cells of [`not_labels`], with the field each may be.
fn unread_labels(
    grid: &Grid,
    rows: (u32, u32),
    used: &[Pos],
    matcher: &Matcher,
) -> Vec<(Pos, &'static str)> {
    let cols = grid.col_span().unwrap_or((0, 0));
    let kinds = crate::locate::Kinds::new(grid, matcher);
    let mut out = Vec::new();
    for (pos, _) in grid.cells_in(rows, cols) {
        let text = grid.text(pos);
        // Short texts only, told without reading a long one through.
        let short = text.chars().nth(12).is_none() && !text.chars().any(|c| c.is_ascii_digit());
        if !short {
            continue;
        }
        let Some((_, field)) = FIELD_WORDS.iter().find(|(w, _)| text.contains(w)) else {
            continue;
        };
        if grid.owner(pos) != pos || used.contains(&pos) || kinds.field(pos).is_some() {
            continue;
        }
        out.push((pos, *field));
    }
    out
}

/// Field colours for the preview.
fn colour(field: &str) -> &'static str {
    let key = field.split_whitespace().last().unwrap_or(field);
    match key {
        "project_code" => "#ffd54f",
        "project_name" => "#aed581",
        "unit" | "dept" => "#90caf9",
        "amount_unit" | "year" | "title" => "#ce93d8",
        "budget_total" | "budget_fiscal" | "budget_other" => "#ffab91",
        "purpose" | "func_class" => "#80cbc4",
        "goals" | "goals_expected" | "goals_achieved" => "#f48fb1",
        "level1" | "level2" | "level3" => "#c5e1a5",
        "description" | "basis" => "#e6ee9c",
        "target" => "#ffcc80",
        "actual" | "score" | "score_total" | "grade" | "deviation_note" => "#80deea",
        "executed_total" | "execution_rate" => "#ffab91",
        _ if field.starts_with("plan") => "#b39ddb",
        _ if field.starts_with("money") => "#ffab91",
        _ if field.starts_with("task") => "#bcaaa4",
        _ => "#eeeeee",
    }
}

use crate::report::escape;

/// Rows and columns shown per sheet at most.
const MAX_ROWS: u32 = 300;
const MAX_COLS: u32 = 40;

/// A self-contained HTML page previewing every sheet as a grid.
pub fn html(file: &str, sheets: &[SheetReport<'_>], matcher: &Matcher) -> String {
    let mut out = String::new();
    html_head(&mut out, file);
    for s in sheets {
        let _ = write!(
            out,
            "<h2>{} — {} form(s)</h2>",
            escape(&s.grid.sheet),
            s.forms.len()
        );
        match s.grid.row_span() {
            Some(rows) => sheet_table(&mut out, s, rows, matcher),
            None => {
                let _ = write!(out, "<p>empty sheet</p>");
            }
        }
    }
    let _ = write!(out, "</body></html>");
    out
}

/// The page's head, style, title and the legend of field colours.
fn html_head(out: &mut String, file: &str) {
    let _ = write!(
        out,
        "<!doctype html><html lang=\"zh\"><head><meta charset=\"utf-8\"><title>jixiao inspect — {}</title><style>\
body{{font-family:sans-serif;margin:16px}} table{{border-collapse:collapse;font-size:12px}}\
td,th{{border:1px solid #ccc;padding:2px 4px;vertical-align:top;max-width:220px}}\
th{{background:#f5f5f5;color:#666;font-weight:normal}} td.label{{outline:2px solid #333;outline-offset:-2px;font-weight:bold;background:#fafafa}}\
.legend span{{display:inline-block;padding:2px 6px;margin:2px;border:1px solid #999}}</style></head><body>",
        escape(file)
    );
    let _ = write!(out, "<h1>{}</h1><p class=\"legend\">", escape(file));
    for f in [
        "project_code",
        "project_name",
        "unit",
        "title",
        "budget_total",
        "purpose",
        "plan",
        "goals",
        "level1",
        "description",
        "target",
        "actual",
        "task",
    ] {
        let _ = write!(out, "<span style=\"background:{}\">{f}</span>", colour(f));
    }
    let _ = write!(
        out,
        "<span style=\"outline:2px solid #333;font-weight:bold\">label</span></p>"
    );
}

/// What a sheet's cells were read as: the field each value became, and
/// the labels.
struct Marks {
    fields: HashMap<Pos, String>,
    labels: HashMap<Pos, Field>,
}

impl Marks {
    fn of(s: &SheetReport<'_>, matcher: &Matcher) -> Marks {
        let mut fields: HashMap<Pos, String> = HashMap::new();
        for f in &s.forms {
            for (name, v) in f.fields() {
                if let Some(p) = v.pos {
                    fields.entry(p).or_insert(name);
                }
            }
        }
        let labels = find_labels(s.grid, matcher)
            .into_iter()
            .map(|l| (l.pos, l.field))
            .collect();
        Marks { fields, labels }
    }
}

/// A sheet as an HTML table (rows `r0..=r1`, at most [`MAX_ROWS`] by
/// [`MAX_COLS`]), merged ranges spanning their cells.
fn sheet_table(out: &mut String, s: &SheetReport<'_>, (r0, r1): (u32, u32), matcher: &Matcher) {
    // Columns from A, so the letters match the spreadsheet's.
    let (c0, c1) = (0, s.grid.col_span().map_or(0, |c| c.1));
    let (r1, c1) = (r1.min(r0 + MAX_ROWS - 1), c1.min(c0 + MAX_COLS - 1));
    let marks = Marks::of(s, matcher);
    let _ = write!(out, "<table><tr><th></th>");
    for c in c0..=c1 {
        let _ = write!(out, "<th>{}</th>", crate::grid::column_name(c));
    }
    let _ = write!(out, "</tr>");
    for r in r0..=r1 {
        let _ = write!(out, "<tr><th>{}</th>", r + 1);
        for c in c0..=c1 {
            let p = Pos::new(r, c);
            // A cell covered by a merged range is drawn at its first cell.
            if s.grid.owner(p) == p {
                cell_html(out, s.grid, p, (r1, c1), &marks);
            }
        }
        let _ = write!(out, "</tr>");
    }
    let _ = write!(out, "</table>");
}

/// The characters of a cell the preview shows: the first
/// [`PREVIEW_CHARS`], then `…`.
fn preview_text(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(PREVIEW_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]).into(),
        None => text.into(),
    }
}

/// Characters of one cell shown in the HTML preview.
const PREVIEW_CHARS: usize = 1_000;

/// One cell: a label outlined, a field's value coloured by its field.
fn cell_html(out: &mut String, grid: &Grid, p: Pos, (r1, c1): (u32, u32), marks: &Marks) {
    let (rows, cols) = grid.merge_at(p).map_or((1, 1), |m| {
        (
            m.last.row.min(r1) - m.first.row + 1,
            m.last.col.min(c1) - m.first.col + 1,
        )
    });
    let mut span = String::new();
    if rows > 1 {
        let _ = write!(span, " rowspan=\"{rows}\"");
    }
    if cols > 1 {
        let _ = write!(span, " colspan=\"{cols}\"");
    }
    let text = escape(&preview_text(&grid.text(p)));
    let _ = match (marks.labels.get(&p), marks.fields.get(&p)) {
        (Some(f), _) => write!(
            out,
            "<td{span} class=\"label\" title=\"label: {}\">{text}</td>",
            f.name()
        ),
        (None, Some(name)) => write!(
            out,
            "<td{span} style=\"background:{}\" title=\"{} ({})\">{text}</td>",
            colour(name),
            escape(name),
            p
        ),
        _ => write!(out, "<td{span}>{text}</td>"),
    };
}

/// What `jixiao inspect` shows of one file: the text report (with the
/// sheets that could not be read), and the HTML preview when asked for.
pub struct Inspection {
    pub text: String,
    pub html: Option<String>,
    /// The `[labels]` lines that would teach jixiao this file's labels.
    pub suggest: String,
}

/// Reads `path` (shown as its file name) and inspects it with `labels`.
pub fn inspect_file(
    path: &std::path::Path,
    labels: &Labels,
    limits: &Limits,
    with_html: bool,
) -> Result<Inspection, ReadError> {
    let display = path
        .file_name()
        .map(crate::read::name_of)
        .unwrap_or_else(|| path.display().to_string());
    let input = InputFile {
        path: path.to_path_buf(),
        display: display.clone(),
    };
    let content = read_file(&input, limits)?;
    let matcher = Matcher::new(labels);
    let sheets = inspect(&content.grids, &matcher);
    let report = text(&display, &sheets, &matcher);
    // Which reader read it, under the file's name.
    let (name, rest) = report.split_once('\n').unwrap_or((&report, ""));
    let mut report = format!("{name}\n  read by: {}\n{rest}", content.reader);
    for e in &content.sheet_errors {
        let _ = writeln!(report, "  error: {e}");
    }
    let html = with_html.then(|| html(&display, &sheets, &matcher));
    let suggest = suggest(&sheets, &matcher);
    Ok(Inspection {
        text: report,
        html,
        suggest,
    })
}
