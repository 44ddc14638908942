//! Writing the figure and the table.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use prefopt_train::plot::{PlotError, save_panels};

use crate::figure::charts;
use crate::model::{Row, table};

/// File stem of the outputs: `partition_function.{svg,png,csv}`.
pub const FIGURE_STEM: &str = "partition_function";

/// Header line of the CSV table.
pub const CSV_HEADER: &str = "x,pi_ref0,pi_ref1,scaled0,scaled1,Z,pistar0,pistar1";

/// Why the example could not write its outputs.
#[derive(Debug, thiserror::Error)]
pub enum ExampleError {
    /// The figure could not be drawn or written.
    #[error(transparent)]
    Plot(#[from] PlotError),
    /// The output directory could not be created.
    #[error("cannot create output directory {path}: {source}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The CSV table could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
}

/// Writes `rows` to `path` as CSV ([`CSV_HEADER`], then one line per row, every number in the
/// shortest form that reads back to the same `f64`, in scientific notation when tiny or huge),
/// atomically: into a temporary file beside
/// `path`, then renamed onto it.
pub fn write_csv(rows: &[Row], path: &Path) -> Result<(), ExampleError> {
    let mut text = String::with_capacity(160 * (rows.len() + 1));
    text.push_str(CSV_HEADER);
    text.push('\n');
    for r in rows {
        let values = [
            r.x,
            r.reference[0],
            r.reference[1],
            r.scaled[0],
            r.scaled[1],
            r.partition,
            r.optimal[0],
            r.optimal[1],
        ];
        for (i, v) in values.iter().enumerate() {
            let sep = if i == 0 { "" } else { "," };
            // Writing into a String cannot fail.
            let _ = write!(text, "{sep}{v:?}");
        }
        text.push('\n');
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("table");
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let result = fs::write(&tmp, text).and_then(|()| fs::rename(&tmp, path));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(|source| ExampleError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Computes the table, then writes `partition_function.svg`, `.png` (three panels side by side)
/// and `.csv` into `out_dir` (created if needed); returns the three paths in that order.
pub fn run(out_dir: &Path) -> Result<Vec<PathBuf>, ExampleError> {
    fs::create_dir_all(out_dir).map_err(|source| ExampleError::CreateDir {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let rows = table();
    let mut paths = save_panels(&charts(&rows), out_dir, FIGURE_STEM)?;
    let csv = out_dir.join(format!("{FIGURE_STEM}.csv"));
    write_csv(&rows, &csv)?;
    paths.push(csv);
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BETA, row};

    #[test]
    fn csv_round_trips() {
        let dir = std::env::temp_dir().join(format!("partition-csv-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.csv");
        let rows = [row(-1.0, BETA), row(0.5, BETA)];
        write_csv(&rows, &path).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some(CSV_HEADER));
        let second: Vec<f64> = lines
            .nth(1)
            .unwrap()
            .split(',')
            .map(|v| v.parse().unwrap())
            .collect();
        assert_eq!(second.len(), 8);
        assert_eq!(second[0], 0.5);
        assert_eq!(second[5], rows[1].partition);
        assert_eq!(second[7], rows[1].optimal[1]);
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary file left"
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
