//! Running the example writes the figure and the table.

use std::fs;
use std::path::PathBuf;

use partition_function_example::{CSV_HEADER, X_POINTS, run};

/// A fresh directory under the system temp dir.
fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("partition-function-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

#[test]
fn run_writes_svg_png_and_csv() {
    let dir = temp_dir("run").join("nested");
    let paths = run(&dir).unwrap();
    let names: Vec<_> = paths
        .iter()
        .map(|p| p.file_name().unwrap().to_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "partition_function.svg",
            "partition_function.png",
            "partition_function.csv"
        ]
    );
    for path in &paths {
        assert!(path.starts_with(&dir));
        assert!(
            fs::metadata(path).unwrap().len() > 0,
            "{} is empty",
            path.display()
        );
    }

    let svg = fs::read_to_string(&paths[0]).unwrap();
    assert!(svg.starts_with("<svg"));
    for text in ["Z(x)", "π*(y=0|x)", "π_ref(y=1|x)"] {
        assert!(svg.contains(text), "SVG lacks {text:?}");
    }
    // The partition function is drawn in green (tab:green, #2CA02C).
    assert!(
        svg.to_ascii_uppercase().contains("#2CA02C"),
        "no green curve"
    );

    let png = fs::read(&paths[1]).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");

    let csv = fs::read_to_string(&paths[2]).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some(CSV_HEADER));
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), X_POINTS);
    assert!(rows.iter().all(|r| r.len() == 8));
    assert!(rows.iter().all(|r| (r[6] + r[7] - 1.0).abs() < 1e-12));

    // Nothing else is left in the directory (no temporary files).
    assert_eq!(fs::read_dir(&dir).unwrap().count(), 3);
    fs::remove_dir_all(dir.parent().unwrap()).unwrap();
}
