//! Line charts, written as SVG and PNG.
//!
//! A [`LineChart`] is a title, two axis labels and a list of [`Series`] (one polyline each, in
//! one colour, solid or dashed). [`save_chart`] writes one chart as `STEM.svg` and `STEM.png`;
//! [`save_panels`] writes several charts side by side in one figure. Every file is written
//! atomically: rendered into a temporary file in the target directory, then renamed.
//!
//! Text is drawn with DejaVu Sans, compiled into the crate (`assets/fonts/`, Bitstream Vera
//! licence), so rendering needs no font installed on the machine.
//!
//! Points with a non-finite coordinate (and, on a logarithmic y axis, points with `y <= 0`) are
//! not drawn: they split their series into separate polylines.

use std::fs;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::FontStyle;

/// Size in pixels of the image written by [`save_chart`].
pub const CHART_SIZE: (u32, u32) = (1024, 640);

/// Size in pixels of one panel in the image written by [`save_panels`].
pub const PANEL_SIZE: (u32, u32) = (640, 560);

/// The PNG is drawn this many times larger, then averaged down, which smooths (anti-aliases)
/// its lines.
const SUPERSAMPLE: u32 = 2;

/// The font family name under which the embedded font is registered with plotters.
const FONT_FAMILY: &str = "sans-serif";

/// DejaVu Sans 2.37 (Debian `fonts-dejavu-core`); licence in `assets/fonts/LICENSE-DejaVu.txt`.
static FONT_BYTES: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");

/// An RGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// Blue (matplotlib's `tab:blue`).
    pub const BLUE: Rgb = Rgb(31, 119, 180);
    /// Red (matplotlib's `tab:red`).
    pub const RED: Rgb = Rgb(214, 39, 40);
    /// Green (matplotlib's `tab:green`).
    pub const GREEN: Rgb = Rgb(44, 160, 44);
    /// Orange (matplotlib's `tab:orange`).
    pub const ORANGE: Rgb = Rgb(255, 127, 14);
    /// Purple (matplotlib's `tab:purple`).
    pub const PURPLE: Rgb = Rgb(148, 103, 189);
    /// Grey (matplotlib's `tab:gray`).
    pub const GREY: Rgb = Rgb(127, 127, 127);
    /// Black.
    pub const BLACK: Rgb = Rgb(0, 0, 0);

    fn to_plotters(self) -> RGBColor {
        RGBColor(self.0, self.1, self.2)
    }
}

/// One named polyline of a [`LineChart`].
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend entry; an empty name leaves the series out of the legend.
    pub name: String,
    /// Line colour.
    pub color: Rgb,
    /// The `(x, y)` points, joined in order.
    pub points: Vec<(f64, f64)>,
    /// Draw the line dashed instead of solid.
    pub dashed: bool,
    /// Line width in pixels (of a [`CHART_SIZE`] or [`PANEL_SIZE`] image); 2 by default.
    pub width: u32,
}

impl Series {
    /// A solid series.
    pub fn new(name: impl Into<String>, color: Rgb, points: Vec<(f64, f64)>) -> Self {
        Self {
            name: name.into(),
            color,
            points,
            dashed: false,
            width: 2,
        }
    }

    /// The same series, drawn dashed.
    pub fn dashed(mut self) -> Self {
        self.dashed = true;
        self
    }

    /// The same series, drawn `width` pixels wide.
    pub fn width(mut self, width: u32) -> Self {
        self.width = width;
        self
    }
}

/// Where the legend sits inside the plotting area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LegendPosition {
    /// Top left corner.
    UpperLeft,
    /// Top, centred.
    UpperMiddle,
    /// Top right corner.
    #[default]
    UpperRight,
    /// Middle of the left edge.
    MiddleLeft,
    /// Middle of the right edge.
    MiddleRight,
    /// Bottom left corner.
    LowerLeft,
    /// Bottom, centred.
    LowerMiddle,
    /// Bottom right corner.
    LowerRight,
    /// No legend.
    Hidden,
}

impl LegendPosition {
    fn to_plotters(self) -> Option<SeriesLabelPosition> {
        Some(match self {
            LegendPosition::UpperLeft => SeriesLabelPosition::UpperLeft,
            LegendPosition::UpperMiddle => SeriesLabelPosition::UpperMiddle,
            LegendPosition::UpperRight => SeriesLabelPosition::UpperRight,
            LegendPosition::MiddleLeft => SeriesLabelPosition::MiddleLeft,
            LegendPosition::MiddleRight => SeriesLabelPosition::MiddleRight,
            LegendPosition::LowerLeft => SeriesLabelPosition::LowerLeft,
            LegendPosition::LowerMiddle => SeriesLabelPosition::LowerMiddle,
            LegendPosition::LowerRight => SeriesLabelPosition::LowerRight,
            LegendPosition::Hidden => return None,
        })
    }
}

/// A line chart: title, axis labels and series.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LineChart {
    /// Caption above the plotting area.
    pub title: String,
    /// Label under the x axis.
    pub x_label: String,
    /// Label left of the y axis.
    pub y_label: String,
    /// The polylines, drawn in order (later ones on top).
    pub series: Vec<Series>,
    /// Logarithmic (base 10) y axis; points with `y <= 0` are then skipped.
    pub log_y: bool,
    /// Fixed y range `(min, max)`; `None` fits the data with a 5% margin.
    pub y_range: Option<(f64, f64)>,
    /// Where the legend goes.
    pub legend: LegendPosition,
}

impl LineChart {
    /// A chart with no series, a linear y axis fitted to the data and the legend top right.
    pub fn new(
        title: impl Into<String>,
        x_label: impl Into<String>,
        y_label: impl Into<String>,
    ) -> Self {
        Self {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            ..Self::default()
        }
    }

    /// The same chart with one more series.
    pub fn with_series(mut self, series: Series) -> Self {
        self.series.push(series);
        self
    }
}

/// Why a chart could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The output directory could not be created.
    #[error("cannot create plot directory {path}: {source}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A file could not be written or moved into place.
    #[error("cannot write plot {path}: {source}")]
    Write {
        /// The file that was being written.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// Rendering failed inside the drawing backend.
    #[error("cannot draw plot {path}: {message}")]
    Draw {
        /// The file that was being drawn.
        path: PathBuf,
        /// The backend's message.
        message: String,
    },
    /// The chart cannot be drawn as given.
    #[error("cannot draw plot {path}: chart {title:?}: {reason}")]
    InvalidChart {
        /// The file that was to be drawn.
        path: PathBuf,
        /// The chart's title.
        title: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The file stem is empty or contains a path separator.
    #[error("invalid plot file stem {stem:?} in {dir}: must be a non-empty file name")]
    InvalidStem {
        /// The output directory.
        dir: PathBuf,
        /// The stem given.
        stem: String,
    },
    /// The embedded font could not be registered.
    #[error("cannot load the embedded plot font (assets/fonts/DejaVuSans.ttf)")]
    Font,
}

/// Writes `chart` as `dir/STEM.svg` and `dir/STEM.png` ([`CHART_SIZE`] pixels), creating `dir`
/// if needed, and returns the two paths (SVG first).
pub fn save_chart(chart: &LineChart, dir: &Path, stem: &str) -> Result<Vec<PathBuf>, PlotError> {
    save_figure(std::slice::from_ref(chart), CHART_SIZE, dir, stem)
}

/// Writes `panels` side by side, left to right, in one figure `dir/STEM.svg` and
/// `dir/STEM.png` (each panel [`PANEL_SIZE`] pixels), creating `dir` if needed, and returns the
/// two paths (SVG first).
pub fn save_panels(
    panels: &[LineChart],
    dir: &Path,
    stem: &str,
) -> Result<Vec<PathBuf>, PlotError> {
    let count = u32::try_from(panels.len()).unwrap_or(u32::MAX);
    save_figure(
        panels,
        (PANEL_SIZE.0.saturating_mul(count), PANEL_SIZE.1),
        dir,
        stem,
    )
}

/// Renders `panels` in a row into an image of `size` pixels, as SVG and PNG.
fn save_figure(
    panels: &[LineChart],
    size: (u32, u32),
    dir: &Path,
    stem: &str,
) -> Result<Vec<PathBuf>, PlotError> {
    if stem.is_empty() || stem.contains(['/', '\\']) || stem == "." || stem == ".." {
        return Err(PlotError::InvalidStem {
            dir: dir.to_path_buf(),
            stem: stem.to_string(),
        });
    }
    register_embedded_font()?;
    fs::create_dir_all(dir).map_err(|source| PlotError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let svg_path = dir.join(format!("{stem}.svg"));
    let png_path = dir.join(format!("{stem}.png"));
    if panels.is_empty() {
        return Err(PlotError::InvalidChart {
            path: svg_path,
            title: String::new(),
            reason: "a figure needs at least one panel".into(),
        });
    }

    // SVG: render into a string, then write it atomically.
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        draw_panels(&root, panels, 1, &svg_path)?;
        root.present().map_err(|e| draw_error(&svg_path, e))?;
    }
    write_atomic(&svg_path, svg.as_bytes())?;

    // PNG: drawn SUPERSAMPLE times larger into memory and averaged down. The bitmap backend
    // encodes to a path (format from the extension), so the result goes into a temporary `.png`
    // beside the target, which is then renamed.
    let (width, height) = size;
    let (big_width, big_height) = (width * SUPERSAMPLE, height * SUPERSAMPLE);
    let mut big = vec![0u8; 3 * big_width as usize * big_height as usize];
    {
        let root =
            BitMapBackend::with_buffer(&mut big, (big_width, big_height)).into_drawing_area();
        draw_panels(&root, panels, SUPERSAMPLE, &png_path)?;
        root.present().map_err(|e| draw_error(&png_path, e))?;
    }
    let small = downsample(&big, big_width, big_height, SUPERSAMPLE);
    let tmp = temp_path(&png_path);
    let drawn = (|| {
        let mut backend = BitMapBackend::new(&tmp, size);
        backend
            .blit_bitmap((0, 0), size, &small)
            .map_err(|e| draw_error(&png_path, e))?;
        backend.present().map_err(|e| draw_error(&png_path, e))
    })();
    let moved = drawn.and_then(|()| {
        fs::rename(&tmp, &png_path).map_err(|source| PlotError::Write {
            path: png_path.clone(),
            source,
        })
    });
    if moved.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    moved?;
    Ok(vec![svg_path, png_path])
}

/// Registers the embedded font with plotters, once per process.
fn register_embedded_font() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT_BYTES).is_ok()
    });
    if ok { Ok(()) } else { Err(PlotError::Font) }
}

/// The RGB image `pixels` (`width` x `height`) shrunk by `factor` in each direction, each output
/// pixel the mean of a `factor` x `factor` block.
fn downsample(pixels: &[u8], width: u32, height: u32, factor: u32) -> Vec<u8> {
    let (width, height, factor) = (width as usize, height as usize, factor as usize);
    let (small_width, small_height) = (width / factor, height / factor);
    let mut small = vec![0u8; 3 * small_width * small_height];
    let block = (factor * factor) as u32;
    for y in 0..small_height {
        for x in 0..small_width {
            for channel in 0..3 {
                let mut sum = 0u32;
                for dy in 0..factor {
                    for dx in 0..factor {
                        let index = 3 * ((y * factor + dy) * width + x * factor + dx) + channel;
                        sum += u32::from(pixels[index]);
                    }
                }
                let mean = (sum + block / 2) / block;
                small[3 * (y * small_width + x) + channel] = mean as u8;
            }
        }
    }
    small
}

/// Splits `root` into one column per panel and draws each chart into its column, every length
/// multiplied by `ratio` (device pixels per image pixel).
fn draw_panels<DB: DrawingBackend>(
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
fn draw_chart<DB: DrawingBackend>(
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
    let x_range = fitted_range(points().map(|p| p.0), false, 0.0)
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
fn draw_chart_with<DB, Y>(
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
        for segment in segments(&series.points, drawable) {
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
fn segments(points: &[(f64, f64)], drawable: &dyn Fn(&(f64, f64)) -> bool) -> Vec<Vec<(f64, f64)>> {
    points
        .split(|p| !drawable(p))
        .filter(|run| !run.is_empty())
        .map(<[(f64, f64)]>::to_vec)
        .collect()
}

/// The range `[min, max]` of `values` widened by `margin` times its length on each side (in
/// log space when `log`); a single value is widened by 1 on each side (a factor of 2 when
/// `log`). `None` when there are no values.
fn fitted_range(values: impl Iterator<Item = f64>, log: bool, margin: f64) -> Option<Range<f64>> {
    let (min, max) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if min > max {
        return None;
    }
    Some(if log {
        if min == max {
            min / 2.0..max * 2.0
        } else {
            let pad = (max / min).powf(margin);
            min / pad..max * pad
        }
    } else if min == max {
        min - 1.0..max + 1.0
    } else {
        let pad = margin * (max - min);
        min - pad..max + pad
    })
}

/// Tick marks of a base-10 logarithmic axis over `[lo, hi]` (`0 < lo < hi`): labelled (bold)
/// ticks at `m * 10^k` for mantissas `m` chosen by the number of decades spanned (1 to 9 within a
/// decade, then 1-2-5, then powers of ten, then every n-th power), and unlabelled (light) grid
/// lines at the remaining integer mantissas while that stays readable.
fn log_ticks(lo: f64, hi: f64) -> (Vec<f64>, Vec<f64>) {
    let first = lo.log10().floor() as i32;
    let last = hi.log10().ceil() as i32;
    let decades = last - first;
    let (mantissas, every): (&[f64], i32) = match decades {
        ..=1 => (&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], 1),
        2..=3 => (&[1.0, 2.0, 5.0], 1),
        4..=8 => (&[1.0], 1),
        _ => (&[1.0], (decades + 7) / 8),
    };
    let in_range = |v: &f64| *v >= lo * (1.0 - 1e-12) && *v <= hi * (1.0 + 1e-12);
    let mut bold = Vec::new();
    let mut light = Vec::new();
    for k in first..=last {
        let power = 10f64.powi(k);
        for m in 1..=9 {
            let m = f64::from(m);
            let value = m * power;
            if !in_range(&value) {
                continue;
            }
            if mantissas.contains(&m) && k.rem_euclid(every) == 0 {
                bold.push(value);
            } else if decades <= 6 {
                light.push(value);
            }
        }
    }
    (bold, light)
}

/// A tick label on an axis whose visible range is `span` long: `value` rounded to 6 significant
/// digits, printed in its shortest form (so `0.30000000000000004` reads `0.3`), `0` when it is
/// zero up to rounding noise (`|value| < 1e-9 span`), in scientific notation when it is very
/// large or very small.
fn format_tick(value: f64, span: f64) -> String {
    if value.abs() < 1e-9 * span || value == 0.0 || !value.is_finite() {
        return if value.is_finite() {
            "0".into()
        } else {
            value.to_string()
        };
    }
    let magnitude = value.abs().log10().floor() as i32;
    let scale = 10f64.powi(5 - magnitude);
    let rounded = (value * scale).round() / scale;
    if rounded == 0.0 {
        "0".into()
    } else if !(-4..6).contains(&magnitude) {
        format!("{rounded:e}")
    } else {
        format!("{rounded}")
    }
}

/// A [`PlotError::Draw`] for `path`.
fn draw_error(path: &Path, error: impl std::fmt::Display) -> PlotError {
    PlotError::Draw {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}

/// A fresh temporary path beside `path`, keeping its extension: `.NAME.PID-N.tmp.EXT`.
fn temp_path(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("plot");
    let ext = path.extension().and_then(|s| s.to_str()).unwrap_or("tmp");
    path.with_file_name(format!(".{name}.{}-{n}.tmp.{ext}", std::process::id()))
}

/// Writes `bytes` to a temporary file beside `path`, then renames it onto `path`.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), PlotError> {
    let tmp = temp_path(path);
    let result = fs::write(&tmp, bytes).and_then(|()| fs::rename(&tmp, path));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(|source| PlotError::Write {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh, empty directory under the system temp dir.
    fn temp_dir(name: &str) -> PathBuf {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("prefopt-plot-{name}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn sine_chart() -> LineChart {
        let xs = (0..=100).map(|i| f64::from(i) / 10.0);
        LineChart::new("Waves", "x", "value")
            .with_series(Series::new(
                "sine wave",
                Rgb::BLUE,
                xs.clone().map(|x| (x, x.sin())).collect(),
            ))
            .with_series(
                Series::new("cosine wave", Rgb::RED, xs.map(|x| (x, x.cos())).collect()).dashed(),
            )
    }

    fn check_outputs(paths: &[PathBuf], dir: &Path, stem: &str, names: &[&str]) {
        assert_eq!(
            paths,
            &[
                dir.join(format!("{stem}.svg")),
                dir.join(format!("{stem}.png"))
            ]
        );
        let svg = fs::read_to_string(&paths[0]).unwrap();
        assert!(svg.starts_with("<svg"), "{svg:.80}");
        for name in names {
            assert!(svg.contains(name), "SVG lacks {name:?}");
        }
        let png = fs::read(&paths[1]).unwrap();
        assert!(png.len() > 1000);
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        // Only the two outputs are left: no temporary files.
        assert_eq!(fs::read_dir(dir).unwrap().count(), 2);
    }

    #[test]
    fn save_chart_writes_svg_and_png() {
        let dir = temp_dir("chart");
        let paths = save_chart(&sine_chart(), &dir, "waves").unwrap();
        check_outputs(
            &paths,
            &dir,
            "waves",
            &["sine wave", "cosine wave", "Waves"],
        );
        // Overwriting an existing figure works.
        save_chart(&sine_chart(), &dir, "waves").unwrap();
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn save_panels_writes_one_wide_figure() {
        let dir = temp_dir("panels");
        let mut log = LineChart::new("Decay", "step", "loss").with_series(Series::new(
            "loss",
            Rgb::GREEN,
            (1..50)
                .map(|i| (f64::from(i), 1.0 / f64::from(i)))
                .collect(),
        ));
        log.log_y = true;
        log.legend = LegendPosition::LowerLeft;
        let paths = save_panels(&[sine_chart(), log], &dir, "two").unwrap();
        check_outputs(&paths, &dir, "two", &["sine wave", "loss", "Decay"]);
        let svg = fs::read_to_string(&paths[0]).unwrap();
        let width = format!("width=\"{}\"", 2 * PANEL_SIZE.0);
        assert!(svg.contains(&width), "{svg:.200}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bitmap_text_is_drawn_with_the_embedded_font() {
        // Dark pixels in the caption strip at the top of the image: the title's glyphs. With no
        // usable font plotters would draw nothing there (or fail).
        register_embedded_font().unwrap();
        let dark_in_caption = |title: &str| {
            let chart = LineChart::new(title, "x", "y").with_series(Series::new(
                "",
                Rgb::BLUE,
                vec![(0.0, 0.0), (1.0, 1.0)],
            ));
            let (width, height) = CHART_SIZE;
            let mut pixels = vec![0u8; 3 * (width * height) as usize];
            {
                let root = BitMapBackend::with_buffer(&mut pixels, CHART_SIZE).into_drawing_area();
                draw_panels(&root, &[chart], 1, Path::new("test.png")).unwrap();
                root.present().unwrap();
            }
            pixels[..3 * (width * 36) as usize]
                .chunks(3)
                .filter(|p| p.iter().all(|&c| c < 100))
                .count()
        };
        assert_eq!(dark_in_caption(""), 0);
        assert!(dark_in_caption("A TITLE") > 100);
    }

    #[test]
    fn non_finite_points_split_the_line() {
        let points = [
            (0.0, 1.0),
            (1.0, f64::NAN),
            (2.0, 2.0),
            (3.0, 3.0),
            (4.0, -1.0),
        ];
        let finite = |p: &(f64, f64)| p.0.is_finite() && p.1.is_finite();
        assert_eq!(
            segments(&points, &finite),
            vec![vec![(0.0, 1.0)], vec![(2.0, 2.0), (3.0, 3.0), (4.0, -1.0)]]
        );
        let positive = |p: &(f64, f64)| finite(p) && p.1 > 0.0;
        assert_eq!(segments(&points, &positive).len(), 2);
        assert_eq!(segments(&points, &positive)[1].len(), 2);
    }

    #[test]
    fn fitted_range_pads_by_five_percent() {
        let r = fitted_range([0.0, 10.0, 5.0].into_iter(), false, 0.05).unwrap();
        assert!((r.start + 0.5).abs() < 1e-12 && (r.end - 10.5).abs() < 1e-12);
        assert_eq!(
            fitted_range([0.0, 10.0].into_iter(), false, 0.0),
            Some(0.0..10.0)
        );
        let r = fitted_range([1.0, 100.0].into_iter(), true, 0.05).unwrap();
        assert!((r.start - 10f64.powf(-0.1)).abs() < 1e-12);
        assert!((r.end - 10f64.powf(2.1)).abs() < 1e-9);
        assert_eq!(fitted_range([3.0].into_iter(), false, 0.05), Some(2.0..4.0));
        assert_eq!(fitted_range([3.0].into_iter(), true, 0.05), Some(1.5..6.0));
        assert_eq!(fitted_range(std::iter::empty(), false, 0.05), None);
    }

    #[test]
    fn downsample_averages_blocks() {
        // A 4x2 image: left block black and white, right block all 200.
        let px = |v: u8| [v, v, v];
        let row0 = [px(0), px(255), px(200), px(200)].concat();
        let row1 = [px(255), px(0), px(200), px(200)].concat();
        let small = downsample(&[row0, row1].concat(), 4, 2, 2);
        assert_eq!(small, [128, 128, 128, 200, 200, 200]);
    }

    #[test]
    fn tick_labels_are_short() {
        assert_eq!(format_tick(0.1 + 0.2, 1.0), "0.3");
        assert_eq!(format_tick(-0.0, 1.0), "0");
        assert_eq!(format_tick(-2.220446049250313e-16, 2.0), "0");
        assert_eq!(format_tick(1e-17, 0.0), "1e-17");
        assert_eq!(format_tick(5.0, 0.0), "5");
        assert_eq!(format_tick(-2.5, 0.0), "-2.5");
        assert_eq!(format_tick(0.7000000000000001, 0.0), "0.7");
        assert_eq!(format_tick(1234.5, 0.0), "1234.5");
        assert_eq!(format_tick(2e6, 0.0), "2e6");
        assert_eq!(format_tick(0.0001, 0.0), "0.0001");
        assert_eq!(format_tick(0.00002, 0.0), "2e-5");
    }

    #[test]
    fn log_ticks_follow_the_span() {
        let (bold, light) = log_ticks(0.02, 1.2);
        assert_eq!(bold, vec![0.02, 0.05, 0.1, 0.2, 0.5, 1.0]);
        assert!(light.contains(&0.03) && light.contains(&0.9) && !light.contains(&0.01));
        let (bold, _) = log_ticks(1.5, 9.0);
        assert_eq!(bold.len(), 8); // 2, 3, ..., 9
        let (bold, light) = log_ticks(1e-3, 1e5);
        assert_eq!(
            bold,
            vec![1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1e3, 1e4, 1e5]
        );
        assert!(light.is_empty());
        let (bold, _) = log_ticks(1e-20, 1e20);
        assert!(bold.len() <= 9, "{bold:?}");
    }

    #[test]
    fn errors_name_the_file() {
        let dir = temp_dir("errors");
        let empty = LineChart::new("Empty", "x", "y");
        let err = save_chart(&empty, &dir, "empty").unwrap_err();
        assert!(matches!(err, PlotError::InvalidChart { .. }));
        assert!(err.to_string().contains("empty.svg"), "{err}");
        let err = save_chart(&sine_chart(), &dir, "a/b").unwrap_err();
        assert!(matches!(err, PlotError::InvalidStem { .. }), "{err}");
        let err = save_panels(&[], &dir, "none").unwrap_err();
        assert!(err.to_string().contains("none.svg"), "{err}");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn write_failure_names_the_path() {
        // A regular file where the directory should be.
        let file = temp_dir("blocked");
        fs::write(&file, b"x").unwrap();
        let err = save_chart(&sine_chart(), &file, "waves").unwrap_err();
        assert!(matches!(err, PlotError::CreateDir { .. }), "{err}");
        assert!(
            err.to_string().contains(&file.display().to_string()),
            "{err}"
        );
        fs::remove_file(&file).unwrap();
    }
}
