//! Tests of the plot module.

use super::axes::*;
use super::draw::*;
use super::save::*;
use super::*;
use plotters::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A fresh, empty directory under the system temp dir.
fn temp_dir(name: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("prefopt-plot-{name}-{}-{n}", std::process::id()));
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
    assert_eq!(format_tick(5e-324, 0.0), "5e-324");
    assert_eq!(format_tick(f64::MAX, 0.0), "1.79769e308");
    assert_eq!(format_tick(-1e300, 0.0), "-1e300");
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

/// Ranges at and beyond the ends of f64, and ones that are not ranges at all.
const EXTREME_RANGES: [(f64, f64); 8] = [
    (5e-324, f64::MAX),
    (f64::MIN_POSITIVE, 1e308),
    (1e-300, 1e300),
    (0.0, 1.0),
    (1.0, f64::INFINITY),
    (f64::NAN, 1.0),
    (2.0, 1.0),
    (1e308, 1e308),
];

#[test]
fn log_ticks_are_bounded_for_any_range() {
    for (lo, hi) in EXTREME_RANGES {
        let (bold, light) = log_ticks(lo, hi);
        assert!(bold.len() <= 20, "({lo}, {hi}): {} bold ticks", bold.len());
        assert!(
            light.len() <= 60,
            "({lo}, {hi}): {} light ticks",
            light.len()
        );
        assert!(bold.iter().chain(&light).all(|v| v.is_finite() && *v > 0.0));
    }
    let (bold, _) = log_ticks(5e-324, f64::MAX);
    assert!(bold.len() >= 5, "{bold:?}");
}

/// Series whose values span more than f64 can hold, or sit at its edges.
fn extreme_series() -> Vec<Vec<f64>> {
    vec![
        vec![1e-300, 1e300],
        vec![5e-324, 1.7e308],
        vec![1e308],
        vec![5e-324],
        vec![-1e308, 1e308],
        vec![-f64::MAX, f64::MAX],
        vec![f64::MAX, f64::MAX],
        vec![0.0, f64::NAN, f64::INFINITY, 1e-310],
    ]
}

#[test]
fn fitted_ranges_are_drawable_for_any_data() {
    for values in extreme_series() {
        for log in [false, true] {
            let Some(range) = fitted_range(values.iter().copied(), log, 0.05) else {
                continue;
            };
            assert!(
                range.start.is_finite() && range.end.is_finite() && range.start < range.end,
                "{values:?} log {log}: {range:?}"
            );
            assert!(
                (range.end - range.start).is_finite(),
                "{values:?}: {range:?}"
            );
            if log {
                assert!(range.start > 0.0, "{values:?}: {range:?}");
            }
        }
    }
}

#[test]
fn extreme_charts_are_drawn_in_bounded_time() {
    let dir = temp_dir("extreme");
    let started = std::time::Instant::now();
    for (i, values) in extreme_series().into_iter().enumerate() {
        for log in [false, true] {
            let points = values
                .iter()
                .enumerate()
                .map(|(step, v)| (step as f64 * 10.0, *v))
                .collect();
            let mut chart = LineChart::new("Extreme", "step", "KL").with_series(Series::new(
                "kl",
                Rgb::RED,
                points,
            ));
            chart.log_y = log;
            // Drawn, or refused as a chart with no drawable points: never a panic.
            match save_chart(&chart, &dir, &format!("extreme-{i}-{log}")) {
                Ok(paths) => assert!(paths[0].is_file()),
                Err(error) => assert!(matches!(error, PlotError::InvalidChart { .. }), "{error}"),
            }
        }
    }
    assert!(
        started.elapsed().as_secs() < 60,
        "extreme charts took {:?}",
        started.elapsed()
    );
    let _ = fs::remove_dir_all(&dir);
}
