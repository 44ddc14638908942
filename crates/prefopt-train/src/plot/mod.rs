//! Line charts, written as SVG and PNG.
//!
//! A [`LineChart`] is a title, two axis labels and a list of [`Series`] (one polyline each, in
//! one colour, solid or dashed, with [`Marker`]s and error bars if asked, or markers alone). [`save_chart`] writes one chart as `STEM.svg` and `STEM.png`;
//! [`save_panels`] writes several charts side by side in one figure. Every file is written
//! atomically: rendered into a temporary file in the target directory, then renamed.
//!
//! Text is drawn with DejaVu Sans, compiled into the crate (`assets/fonts/`, Bitstream Vera
//! licence), so rendering needs no font installed on the machine.
//!
//! Points with a non-finite coordinate (and, on a logarithmic y axis, points with `y <= 0`) are
//! not drawn: they split their series into separate polylines.

mod axes;
mod chart;
mod draw;
mod error;
mod markers;
mod save;
#[cfg(test)]
mod tests;

pub use chart::{LegendPosition, LineChart, Rgb, Series};
pub use error::PlotError;
pub use markers::{Marker, MarkerShape};
pub use save::{CHART_SIZE, PANEL_SIZE, save_chart, save_panels};
