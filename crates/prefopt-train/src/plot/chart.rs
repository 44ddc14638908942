//! What a chart is: colours, series, legend position, the chart.

use super::markers::Marker;
use plotters::prelude::*;

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

    pub(super) fn to_plotters(self) -> RGBColor {
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
    /// Join the points with a line (the default; off for a scatter of markers).
    pub line: bool,
    /// A marker at every point (none by default).
    pub marker: Option<Marker>,
    /// Per point, the half-widths `(dx, dy)` of its horizontal and vertical error bars (a
    /// non-finite or zero half-width draws no bar); empty by default.
    pub error_bars: Vec<(f64, f64)>,
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
            line: true,
            marker: None,
            error_bars: Vec::new(),
        }
    }

    /// The same series with `marker` at every point.
    pub fn markers(mut self, marker: Marker) -> Self {
        self.marker = Some(marker);
        self
    }

    /// The same series without the line joining its points (a scatter of its markers).
    pub fn without_line(mut self) -> Self {
        self.line = false;
        self
    }

    /// The same series with error bars: `(dx, dy)` half-widths per point.
    pub fn error_bars(mut self, half_widths: Vec<(f64, f64)>) -> Self {
        self.error_bars = half_widths;
        self
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
    pub(super) fn to_plotters(self) -> Option<SeriesLabelPosition> {
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
    /// The x range is fitted to the data widened by this fraction of its length on each side
    /// (0 by default: the data touches the frame; markers want some room).
    pub x_margin: f64,
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
