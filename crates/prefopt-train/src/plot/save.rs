//! Rendering figures and writing them as SVG and PNG files.

use super::chart::LineChart;
use super::draw::draw_panels;
use super::error::{PlotError, draw_error};
use plotters::prelude::*;
use plotters::style::FontStyle;
use prefopt_core::PrefoptError;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// Size in pixels of the image written by [`save_chart`].
pub const CHART_SIZE: (u32, u32) = (1024, 640);

/// Size in pixels of one panel in the image written by [`save_panels`].
pub const PANEL_SIZE: (u32, u32) = (640, 560);

/// The PNG is drawn this many times larger, then averaged down, which smooths (anti-aliases)
/// its lines.
pub(super) const SUPERSAMPLE: u32 = 2;

/// The font family name under which the embedded font is registered with plotters.
pub(super) const FONT_FAMILY: &str = "sans-serif";

/// DejaVu Sans 2.37 (Debian `fonts-dejavu-core`); licence in `assets/fonts/LICENSE-DejaVu.txt`.
pub(super) static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

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
pub(super) fn save_figure(
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
pub(super) fn register_embedded_font() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT_BYTES).is_ok()
    });
    if ok { Ok(()) } else { Err(PlotError::Font) }
}

/// The RGB image `pixels` (`width` x `height`) shrunk by `factor` in each direction, each output
/// pixel the mean of a `factor` x `factor` block.
pub(super) fn downsample(pixels: &[u8], width: u32, height: u32, factor: u32) -> Vec<u8> {
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

/// A fresh temporary path beside `path`, keeping its extension: `.NAME.PID-N.tmp.EXT`.
pub(super) fn temp_path(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("plot");
    let ext = path.extension().and_then(|s| s.to_str()).unwrap_or("tmp");
    path.with_file_name(format!(".{name}.{}-{n}.tmp.{ext}", std::process::id()))
}

/// Writes `bytes` atomically ([`prefopt_core::fs::write_atomic`]), as a [`PlotError`].
pub(super) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), PlotError> {
    prefopt_core::fs::write_atomic(path, bytes).map_err(|error| match error {
        PrefoptError::Io { path, source } => PlotError::Write { path, source },
        other => PlotError::Write {
            path: path.to_path_buf(),
            source: std::io::Error::other(other.to_string()),
        },
    })
}
