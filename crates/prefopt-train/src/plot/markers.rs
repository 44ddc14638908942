//! Markers and error bars: the scatter side of a [`Series`](super::Series).

use super::chart::Series;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

/// The shape drawn at each point of a series with markers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkerShape {
    /// A disc.
    Circle,
    /// A square.
    Square,
    /// A triangle pointing up.
    Triangle,
    /// A square turned 45 degrees.
    Diamond,
    /// An `x`.
    Cross,
}

impl MarkerShape {
    /// Every shape, in the order series cycle through them.
    pub const ALL: [MarkerShape; 5] = [
        MarkerShape::Circle,
        MarkerShape::Square,
        MarkerShape::Triangle,
        MarkerShape::Diamond,
        MarkerShape::Cross,
    ];
}

/// How a series marks its points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marker {
    /// The shape.
    pub shape: MarkerShape,
    /// Filled, or drawn as an outline.
    pub filled: bool,
    /// Half the marker's width in pixels (of a chart-sized image).
    pub size: u32,
}

impl Marker {
    /// A filled marker of `shape`, 5 pixels from centre to edge.
    pub fn filled(shape: MarkerShape) -> Self {
        Self {
            shape,
            filled: true,
            size: 5,
        }
    }

    /// An outlined marker of `shape`, 5 pixels from centre to edge.
    pub fn hollow(shape: MarkerShape) -> Self {
        Self {
            filled: false,
            ..Self::filled(shape)
        }
    }

    /// The corners of the marker's outline around `(0, 0)`, closed (the first corner again at
    /// the end), `s` pixels from centre to edge; a circle is a 12-gon.
    fn outline(self, s: i32) -> Vec<(i32, i32)> {
        let mut corners: Vec<(i32, i32)> = match self.shape {
            MarkerShape::Circle => (0..12)
                .map(|k| {
                    let angle = f64::from(k) * std::f64::consts::PI / 6.0;
                    let r = f64::from(s);
                    (
                        (r * angle.cos()).round() as i32,
                        (r * angle.sin()).round() as i32,
                    )
                })
                .collect(),
            MarkerShape::Square => vec![(-s, -s), (s, -s), (s, s), (-s, s)],
            MarkerShape::Triangle => vec![(0, -s - s / 3), (s, s - s / 3), (-s, s - s / 3)],
            MarkerShape::Diamond => vec![(0, -s - 1), (s + 1, 0), (0, s + 1), (-s - 1, 0)],
            MarkerShape::Cross => vec![(-s, -s), (s, s), (0, 0), (-s, s), (s, -s)],
        };
        if self.shape != MarkerShape::Cross {
            corners.push(corners[0]);
        }
        corners
    }
}

/// The chart context markers are drawn into.
pub(super) type Context<'a, DB, Y> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, Y>>;

/// Draws `series`' error bars (a whisker with caps per point whose half-widths are finite and
/// positive) and its markers, at the drawable points. With `label`, a named series' legend entry
/// is its marker.
pub(super) fn draw_markers<'a, DB, Y>(
    ctx: &mut Context<'a, DB, Y>,
    series: &Series,
    ratio: u32,
    drawable: &dyn Fn(&(f64, f64)) -> bool,
    label: bool,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
where
    DB: DrawingBackend + 'a,
    Y: Ranged<ValueType = f64>,
{
    let color = series.color.to_plotters();
    let whisker = ShapeStyle::from(color.mix(0.7)).stroke_width(ratio.max(1));
    let cap = (4 * ratio) as i32;
    for (index, &(x, y)) in series.points.iter().enumerate() {
        let Some(&(dx, dy)) = series.error_bars.get(index) else {
            break;
        };
        if !drawable(&(x, y)) {
            continue;
        }
        if dy.is_finite() && dy > 0.0 && drawable(&(x, y - dy)) && drawable(&(x, y + dy)) {
            ctx.draw_series([PathElement::new(vec![(x, y - dy), (x, y + dy)], whisker)])?;
            for end in [y - dy, y + dy] {
                ctx.draw_series([EmptyElement::at((x, end))
                    + PathElement::new(vec![(-cap, 0), (cap, 0)], whisker)])?;
            }
        }
        if dx.is_finite() && dx > 0.0 {
            ctx.draw_series([PathElement::new(vec![(x - dx, y), (x + dx, y)], whisker)])?;
            for end in [x - dx, x + dx] {
                ctx.draw_series([EmptyElement::at((end, y))
                    + PathElement::new(vec![(0, -cap), (0, cap)], whisker)])?;
            }
        }
    }
    let Some(marker) = series.marker else {
        return Ok(());
    };
    let points: Vec<(f64, f64)> = series.points.iter().copied().filter(drawable).collect();
    let s = (marker.size * ratio) as i32;
    let fill = ShapeStyle::from(color).filled();
    let outline = ShapeStyle::from(color).stroke_width(2 * ratio);
    let style = if marker.filled { fill } else { outline };
    let at = |p: (f64, f64)| EmptyElement::at(p);
    let triangle = vec![(0, -s - s / 3), (s, s - s / 3), (-s, s - s / 3)];
    let diamond = vec![(0, -s - 1), (s + 1, 0), (0, s + 1), (-s - 1, 0)];
    let closed = |mut corners: Vec<(i32, i32)>| {
        corners.push(corners[0]);
        corners
    };
    let points = points.into_iter();
    let drawn = match (marker.shape, marker.filled) {
        (MarkerShape::Circle, _) => {
            ctx.draw_series(points.map(|p| at(p) + Circle::new((0, 0), s, style)))?
        }
        (MarkerShape::Square, _) => {
            ctx.draw_series(points.map(|p| at(p) + Rectangle::new([(-s, -s), (s, s)], style)))?
        }
        (MarkerShape::Triangle, true) => {
            ctx.draw_series(points.map(|p| at(p) + Polygon::new(triangle.clone(), style)))?
        }
        (MarkerShape::Diamond, true) => {
            ctx.draw_series(points.map(|p| at(p) + Polygon::new(diamond.clone(), style)))?
        }
        (MarkerShape::Triangle, false) => ctx.draw_series(
            points.map(|p| at(p) + PathElement::new(closed(triangle.clone()), style)),
        )?,
        (MarkerShape::Diamond, false) => ctx.draw_series(
            points.map(|p| at(p) + PathElement::new(closed(diamond.clone()), style)),
        )?,
        (MarkerShape::Cross, _) => ctx.draw_series(points.map(|p| {
            at(p)
                + PathElement::new(vec![(-s, -s), (s, s)], outline)
                + PathElement::new(vec![(-s, s), (s, -s)], outline)
        }))?,
    };
    if label && !series.name.is_empty() {
        let legend_marker = Marker {
            size: marker.size.min(6),
            ..marker
        };
        let offset = (12 * ratio) as i32;
        let size = (legend_marker.size * ratio) as i32;
        let corners = legend_marker.outline(size);
        let inside = if legend_marker.filled && legend_marker.shape != MarkerShape::Cross {
            ShapeStyle::from(color).filled()
        } else {
            ShapeStyle::from(WHITE).filled()
        };
        let edge = ShapeStyle::from(color).stroke_width(2 * ratio);
        drawn.label(&series.name).legend(move |(x, y)| {
            EmptyElement::at((x + offset, y))
                + Polygon::new(corners.clone(), inside)
                + PathElement::new(corners.clone(), edge)
        });
    }
    Ok(())
}
