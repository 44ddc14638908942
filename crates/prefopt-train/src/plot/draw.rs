//! Drawing charts onto a plotters drawing area.

use super::axes::{fitted_range, format_tick, log_ticks};
use super::chart::LineChart;
use super::error::{PlotError, draw_error};
use super::markers::draw_markers;
use super::save::{FONT_FAMILY, PANEL_SIZE};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use std::ops::Range;
use std::path::Path;

/// Splits `root` into one column per panel and draws each chart into its column, every length
/// multiplied by `ratio` (device pixels per image pixel).
pub(super) fn draw_panels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    panels: &[LineChart],
    ratio: u32,
    path: &Path,
) -> Result<(), PlotError> {
    root.fill(&WHITE).map_err(|e| draw_error(path, e))?;
    let areas = root.split_evenly((1, panels.len()));
    for (area, chart) in areas.iter().zip(panels) {
        draw_chart(area, chart, ratio, path)?;
    }
    Ok(())
}

/// Draws one chart into `area`, choosing the y axis type.
pub(super) fn draw_chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &LineChart,
    ratio: u32,
    path: &Path,
) -> Result<(), PlotError> {
    let invalid = |reason: String| PlotError::InvalidChart {
        path: path.to_path_buf(),
        title: chart.title.clone(),
        reason,
    };
    let drawable =
        |&(x, y): &(f64, f64)| x.is_finite() && y.is_finite() && (!chart.log_y || y > 0.0);
    let points = || {
        chart
            .series
            .iter()
            .flat_map(|s| s.points.iter())
            .filter(|p| drawable(p))
    };
    // x fits the data exactly; y gets a 5% margin so curves do not touch the frame.
    let x_range = fitted_range(points().map(|p| p.0), false, chart.x_margin.max(0.0))
        .ok_or_else(|| invalid("no drawable points".into()))?;
    let y_range = match chart.y_range {
        Some((min, max)) => {
            let ok = min.is_finite() && max.is_finite() && min < max;
            if !ok || (chart.log_y && min <= 0.0) {
                return Err(invalid(format!("invalid y range ({min}, {max})")));
            }
            min..max
        }
        None => fitted_range(points().map(|p| p.1), chart.log_y, 0.05)
            .ok_or_else(|| invalid("no drawable points".into()))?,
    };
    let result = if chart.log_y {
        let (bold, light) = log_ticks(y_range.start, y_range.end);
        let y_spec = y_range
            .log_scale()
            .with_key_points(bold)
            .with_light_points(light);
        draw_chart_with(area, chart, ratio, x_range, y_spec, 0.0, &drawable)
    } else {
        let y_span = y_range.end - y_range.start;
        draw_chart_with(area, chart, ratio, x_range, y_range, y_span, &drawable)
    };
    result.map_err(|e| draw_error(path, e))
}

/// Draws one chart into `area` with the given axis specifications, every length multiplied by
/// `ratio`.
pub(super) fn draw_chart_with<DB, Y>(
    area: &DrawingArea<DB, Shift>,
    chart: &LineChart,
    ratio: u32,
    x_range: Range<f64>,
    y_spec: Y,
    y_span: f64,
    drawable: &dyn Fn(&(f64, f64)) -> bool,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
where
    DB: DrawingBackend,
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let (width, _) = area.dim_in_pixel();
    let ratio_f = f64::from(ratio);
    // Text scales a little with the panel width, so wide single charts stay balanced.
    let scale = (f64::from(width) / ratio_f / f64::from(PANEL_SIZE.0)).clamp(1.0, 1.3) * ratio_f;
    let px = |base: f64| base * scale;
    let legend_line = (24 * ratio) as i32;
    let x_span = x_range.end - x_range.start;
    let mut ctx = ChartBuilder::on(area)
        .caption(&chart.title, (FONT_FAMILY, px(22.0)))
        .margin(px(12.0) as u32)
        .x_label_area_size(px(48.0) as u32)
        .y_label_area_size(px(64.0) as u32)
        .build_cartesian_2d(x_range, y_spec)?;
    ctx.configure_mesh()
        .x_desc(&chart.x_label)
        .y_desc(&chart.y_label)
        .axis_desc_style((FONT_FAMILY, px(17.0)))
        .label_style((FONT_FAMILY, px(14.0)))
        .x_label_formatter(&|v| format_tick(*v, x_span))
        .y_label_formatter(&|v| format_tick(*v, y_span))
        .light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(205, 205, 205))
        .draw()?;

    let mut any_named = false;
    for series in &chart.series {
        let color = series.color.to_plotters();
        let style = ShapeStyle::from(color).stroke_width(series.width * ratio);
        let mut first = true;
        let lines = if series.line {
            segments(&series.points, drawable)
        } else {
            Vec::new()
        };
        for segment in lines {
            let drawn = if series.dashed {
                ctx.draw_series(DashedLineSeries::new(segment, 8 * ratio, 5 * ratio, style))?
            } else {
                ctx.draw_series(LineSeries::new(segment, style))?
            };
            // One legend entry per series, attached to its first drawn segment.
            if first && !series.name.is_empty() {
                any_named = true;
                let drawn = drawn.label(&series.name);
                if series.dashed {
                    drawn.legend(move |(x, y)| {
                        let line = vec![(x, y), (x + legend_line, y)];
                        DashedPathElement::new(line, 6 * ratio, 4 * ratio, style)
                    });
                } else {
                    drawn.legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + legend_line, y)], style)
                    });
                }
            }
            first = false;
        }
        if series.marker.is_some() || !series.error_bars.is_empty() {
            let label = first && series.marker.is_some();
            any_named |= label && !series.name.is_empty();
            draw_markers(&mut ctx, series, ratio, drawable, label)?;
        }
    }
    if let (true, Some(position)) = (any_named, chart.legend.to_plotters()) {
        ctx.configure_series_labels()
            .position(position)
            .label_font((FONT_FAMILY, px(15.0)))
            .legend_area_size(32 * ratio)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .margin(px(8.0) as u32)
            .draw()?;
    }
    Ok(())
}

/// The maximal runs of consecutive drawable points.
pub(super) fn segments(
    points: &[(f64, f64)],
    drawable: &dyn Fn(&(f64, f64)) -> bool,
) -> Vec<Vec<(f64, f64)>> {
    points
        .split(|p| !drawable(p))
        .filter(|run| !run.is_empty())
        .map(<[(f64, f64)]>::to_vec)
        .collect()
}
