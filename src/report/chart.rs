//! The report's charts, drawn by plotters' SVG backend into strings that
//! the page holds inline (no script, no file, nothing fetched). Values are
//! drawn from `f64`s made from the exact decimals; the figures a person
//! reads are printed beside the bars from the decimals themselves.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

/// One bar: its label, its length and the figure printed beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub shown: String,
}

/// One line of a line chart: its name and its points (x, y).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub name: String,
    pub points: Vec<(u32, f64)>,
}

const FONT: &str = "sans-serif";
const PALETTE: [RGBColor; 6] = [
    RGBColor(33, 102, 172),
    RGBColor(214, 96, 77),
    RGBColor(77, 146, 33),
    RGBColor(153, 112, 171),
    RGBColor(224, 130, 20),
    RGBColor(90, 90, 90),
];

/// A horizontal bar chart, the first bar at the top; `colour` picks the
/// palette entry. Empty when there is nothing to draw.
pub fn bars(title: &str, bars: &[Bar], colour: usize) -> String {
    if bars.is_empty() {
        return String::new();
    }
    let height = 70 + 26 * bars.len() as u32;
    let colour = PALETTE[colour % PALETTE.len()];
    // A drawing library's panic on odd figures loses a chart, not the run.
    crate::fault::catch(|| {
        let mut svg = String::new();
        let drawn = draw_bars(&mut svg, title, bars, (1000, height), colour).is_ok();
        finish(svg, drawn)
    })
    .unwrap_or_default()
}

fn draw_bars<'a>(
    svg: &'a mut String,
    title: &str,
    bars: &[Bar],
    size: (u32, u32),
    colour: RGBColor,
) -> Result<(), Box<dyn std::error::Error + 'a>> {
    let root = SVGBackend::with_string(svg, size).into_drawing_area();
    root.fill(&WHITE)?;
    let n = bars.len() as u32;
    let (min, max) = value_range(bars.iter().map(|b| b.value), 1.25);
    let label_width = bars
        .iter()
        .map(|b| {
            b.label
                .chars()
                .map(|c| if c.is_ascii() { 8 } else { 14 })
                .sum::<u32>()
        })
        .max()
        .unwrap_or(40)
        .clamp(40, 380);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FONT, 18))
        .margin(8)
        .x_label_area_size(24)
        .y_label_area_size(label_width + 8)
        .build_cartesian_2d(min..max, (0..n).into_segmented())?;
    // Bar i from the top is segment n-1-i.
    let label_of = |v: &SegmentValue<u32>| match v {
        SegmentValue::CenterOf(i) if *i < n => bars[(n - 1 - i) as usize].label.clone(),
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(bars.len())
        .y_label_formatter(&label_of)
        .x_labels(5)
        .x_label_formatter(&|x| short_number(*x))
        .label_style((FONT, 13))
        .bold_line_style(RGBColor(225, 225, 225))
        .light_line_style(TRANSPARENT)
        .draw()?;
    chart.draw_series(bars.iter().enumerate().map(|(i, b)| {
        let at = n - 1 - i as u32;
        let mut r = Rectangle::new(
            [
                (0.0, SegmentValue::Exact(at)),
                (b.value, SegmentValue::Exact(at + 1)),
            ],
            colour.filled(),
        );
        r.set_margin(3, 3, 0, 0);
        r
    }))?;
    chart.draw_series(bars.iter().enumerate().map(|(i, b)| {
        let at = n - 1 - i as u32;
        Text::new(
            format!(" {}", b.shown),
            (b.value, SegmentValue::CenterOf(at)),
            (FONT, 13).into_font().color(&BLACK),
        )
    }))?;
    root.present()?;
    Ok(())
}

/// A line chart over months 1 to 12.
pub fn lines(title: &str, y_name: &str, lines: &[Line]) -> String {
    if lines.iter().all(|l| l.points.is_empty()) {
        return String::new();
    }
    crate::fault::catch(|| {
        let mut svg = String::new();
        let drawn = draw_lines(&mut svg, title, y_name, lines, (1000, 360)).is_ok();
        finish(svg, drawn)
    })
    .unwrap_or_default()
}

fn draw_lines<'a>(
    svg: &'a mut String,
    title: &str,
    y_name: &str,
    lines: &[Line],
    size: (u32, u32),
) -> Result<(), Box<dyn std::error::Error + 'a>> {
    let root = SVGBackend::with_string(svg, size).into_drawing_area();
    root.fill(&WHITE)?;
    let (min, max) = value_range(lines.iter().flat_map(|l| l.points.iter().map(|p| p.1)), 1.1);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FONT, 18))
        .margin(8)
        .x_label_area_size(28)
        .y_label_area_size(64)
        .build_cartesian_2d(1u32..12u32, min..max)?;
    chart
        .configure_mesh()
        .x_labels(12)
        .x_label_formatter(&|m| format!("{m}月"))
        .y_label_formatter(&|y| short_number(*y))
        .y_desc(y_name)
        .label_style((FONT, 13))
        .bold_line_style(RGBColor(225, 225, 225))
        .light_line_style(TRANSPARENT)
        .draw()?;
    for (i, l) in lines.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        chart
            .draw_series(LineSeries::new(
                l.points.iter().copied(),
                colour.stroke_width(2),
            ))?
            .label(l.name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], colour));
    }
    if lines.len() > 1 {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, 12))
            .position(SeriesLabelPosition::UpperLeft)
            .draw()?;
    }
    root.present()?;
    Ok(())
}

/// The axis of `values`: from 0 (or the least value, when one is below
/// 0) to the greatest with room for its label; never empty, never not a
/// number.
fn value_range(values: impl Iterator<Item = f64>, room: f64) -> (f64, f64) {
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if hi - lo < 1e-6 {
        hi = lo + 1.0;
    }
    (lo * room, hi * room)
}

/// The SVG to put inline in the page: without the namespace declaration
/// (an inline `<svg>` needs none, and the page names no address at all).
fn finish(svg: String, drawn: bool) -> String {
    if !drawn {
        return String::new();
    }
    svg.replace(" xmlns=\"http://www.w3.org/2000/svg\"", "")
        .replace(" xmlns:xlink=\"http://www.w3.org/1999/xlink\"", "")
}

/// An axis figure: `3.5亿`, `1.2万`, `350`, `0.5`.
fn short_number(x: f64) -> String {
    if x.abs() >= 100_000_000.0 {
        format!("{:.1}亿", x / 100_000_000.0)
    } else if x.abs() >= 10_000.0 {
        format!("{:.1}万", x / 10_000.0)
    } else if x.fract().abs() < 1e-9 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_chart_is_inline_svg_with_its_labels() {
        let svg = bars(
            "各单位预算数",
            &[
                Bar {
                    label: "762002 残联".into(),
                    value: 136.9,
                    shown: "136.90".into(),
                },
                Bar {
                    label: "762003 <服务所>".into(),
                    value: 79.61,
                    shown: "79.61".into(),
                },
            ],
            0,
        );
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(!svg.contains("http"), "nothing outside the page");
        assert!(svg.contains("136.90") && svg.contains("762002 残联"));
        assert!(!svg.contains("<服务所>"), "text escaped");
        assert!(bars("空", &[], 0).is_empty());
        // Below zero, all zero, not a number: drawn, no panic.
        for v in [-5.0, 0.0, f64::NAN, 1e300] {
            let bar = Bar {
                label: "x".into(),
                value: v,
                shown: "x".into(),
            };
            bars("t", &[bar], 0);
        }
        assert_eq!(value_range([0.0].into_iter(), 1.0), (0.0, 1.0));
        assert_eq!(value_range([-2.0, 4.0].into_iter(), 1.0), (-2.0, 4.0));
    }

    #[test]
    fn a_line_chart_draws_months() {
        let svg = lines(
            "累计支出计划",
            "万元",
            &[Line {
                name: "全部".into(),
                points: vec![(3, 10.0), (6, 40.0), (12, 216.51)],
            }],
        );
        assert!(svg.contains("12月"), "{svg}");
        assert!(!svg.contains("http"));
    }
}
