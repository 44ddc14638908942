//! VADER's compound sentiment score (Hutto & Gilbert 2014, "VADER: A Parsimonious Rule-based
//! Model for Sentiment Analysis of Social Media Text", ICWSM-14), ported rule for rule from
//! vaderSentiment 3.3.2's `SentimentIntensityAnalyzer.polarity_scores` (MIT licence), reading
//! the lexicon files that package ships.

use super::vader_rules::{
    but_check, negation_check, punctuation_emphasis, scalar_inc_dec, special_idioms_check,
    strip_punctuation,
};
use super::vader_words::{C_INCR, N_SCALAR, NORMALIZE_ALPHA, booster, is_upper};
use prefopt_core::PrefoptError;
use std::collections::HashMap;
use std::path::Path;

/// VADER's lexicon (word to mean human valence rating in [-4, 4]) and its emoji descriptions.
/// The score is a fixed, deterministic function of the text.
#[derive(Debug, Clone, PartialEq)]
pub struct Vader {
    lexicon: HashMap<String, f64>,
    emojis: HashMap<char, String>,
}

/// The lines of a tab-separated file as `(line number, first field, second field)`, with Python's
/// `line.strip().split('\t')[0:2]`; empty lines are skipped.
fn tab_pairs<'t>(
    text: &'t str,
    path: &'t Path,
) -> impl Iterator<Item = Result<(usize, &'t str, &'t str), PrefoptError>> + 't {
    text.trim_end_matches('\n')
        .split('\n')
        .enumerate()
        .filter(|(_, line)| !line.is_empty())
        .map(move |(index, line)| {
            let mut fields = line.trim().split('\t');
            match (fields.next(), fields.next()) {
                (Some(first), Some(second)) => Ok((index + 1, first, second)),
                _ => Err(PrefoptError::Data(format!(
                    "{}:{}: expected two tab-separated fields (a token and its value), got {line:?}",
                    path.display(),
                    index + 1
                ))),
            }
        })
}

fn read(path: &Path) -> Result<String, PrefoptError> {
    std::fs::read_to_string(path).map_err(|source| PrefoptError::Io {
        path: path.to_owned(),
        source,
    })
}

impl Vader {
    /// Reads `vader_lexicon.txt` (`word<TAB>mean rating<TAB>...` per line) and, when given,
    /// `emoji_utf8_lexicon.txt` (`emoji<TAB>description`).
    ///
    /// # Errors
    /// A file that cannot be read, or a line without two fields or with a rating that is not a
    /// number, naming the file and line.
    pub fn from_files(lexicon: &Path, emojis: Option<&Path>) -> Result<Self, PrefoptError> {
        let text = read(lexicon)?;
        let mut words = HashMap::new();
        for entry in tab_pairs(&text, lexicon) {
            let (line, word, rating) = entry?;
            let rating: f64 = rating.parse().map_err(|_| {
                PrefoptError::Data(format!(
                    "{}:{line}: the rating of {word:?} is {rating:?}, expected a number",
                    lexicon.display()
                ))
            })?;
            words.insert(word.to_owned(), rating);
        }
        let mut emoji_map = HashMap::new();
        if let Some(path) = emojis {
            let text = read(path)?;
            for entry in tab_pairs(&text, path) {
                let (_, emoji, description) = entry?;
                // Python compares one character of the text at a time: only single-character
                // emojis can ever match.
                let mut chars = emoji.chars();
                if let (Some(c), None) = (chars.next(), chars.next()) {
                    emoji_map.insert(c, description.to_owned());
                }
            }
        }
        Ok(Self::new(words, emoji_map))
    }

    /// A scorer from a lexicon (lowercase words to ratings) and single-character emojis with
    /// their descriptions.
    pub fn new(lexicon: HashMap<String, f64>, emojis: HashMap<char, String>) -> Self {
        Self { lexicon, emojis }
    }

    /// The number of lexicon entries.
    pub fn lexicon_len(&self) -> usize {
        self.lexicon.len()
    }

    fn in_lexicon(&self, lower: &str) -> bool {
        self.lexicon.contains_key(lower)
    }

    /// VADER's compound score of `text`, in [-1, 1]: the valences of the lexicon words, adjusted
    /// by the rules (negation, boosters, ALL CAPS, "but", "least", idioms) and the `!`/`?`
    /// emphasis, summed and normalized, `s / sqrt(s^2 + 15)` (Hutto & Gilbert 2014, section
    /// 3.2). Unrounded (vaderSentiment prints it rounded to 4 decimals).
    pub fn compound(&self, text: &str) -> f64 {
        let mut described = String::with_capacity(text.len());
        let mut previous_space = true;
        for c in text.chars() {
            match self.emojis.get(&c) {
                Some(description) => {
                    if !previous_space {
                        described.push(' ');
                    }
                    described.push_str(description);
                    previous_space = false;
                }
                None => {
                    described.push(c);
                    previous_space = c == ' ';
                }
            }
        }
        let text = described.trim();
        let words: Vec<&str> = text.split_whitespace().map(strip_punctuation).collect();
        let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
        let capitals = words.iter().filter(|w| is_upper(w)).count();
        let cap_differential = (1..words.len()).contains(&(words.len() - capitals));
        let mut sentiments = Vec::with_capacity(words.len());
        for (i, word) in words.iter().enumerate() {
            let kind_of = i + 1 < words.len() && lower[i] == "kind" && lower[i + 1] == "of";
            if booster(&lower[i]).is_some() || kind_of {
                sentiments.push(0.0);
            } else {
                sentiments.push(self.valence(word, &words, &lower, i, cap_differential));
            }
        }
        but_check(&lower, &mut sentiments);
        if sentiments.is_empty() {
            return 0.0;
        }
        let mut sum: f64 = sentiments.iter().sum();
        let emphasis = punctuation_emphasis(text);
        if sum > 0.0 {
            sum += emphasis;
        } else if sum < 0.0 {
            sum -= emphasis;
        }
        (sum / (sum * sum + NORMALIZE_ALPHA).sqrt()).clamp(-1.0, 1.0)
    }

    /// `sentiment_valence`: the valence of word `i` after the rules.
    fn valence(
        &self,
        item: &str,
        words: &[&str],
        lower: &[String],
        i: usize,
        cap_differential: bool,
    ) -> f64 {
        let Some(&rating) = self.lexicon.get(&lower[i]) else {
            return 0.0;
        };
        let mut valence = rating;
        if lower[i] == "no" && i + 1 != words.len() && self.in_lexicon(&lower[i + 1]) {
            valence = 0.0;
        }
        if (i > 0 && lower[i - 1] == "no")
            || (i > 1 && lower[i - 2] == "no")
            || (i > 2 && lower[i - 3] == "no" && ["or", "nor"].contains(&lower[i - 1].as_str()))
        {
            valence = rating * N_SCALAR;
        }
        if is_upper(item) && cap_differential {
            valence += if valence > 0.0 { C_INCR } else { -C_INCR };
        }
        for start in 0..3 {
            if i > start && !self.in_lexicon(&lower[i - start - 1]) {
                let mut s = scalar_inc_dec(words[i - start - 1], valence, cap_differential);
                if start == 1 && s != 0.0 {
                    s *= 0.95;
                }
                if start == 2 && s != 0.0 {
                    s *= 0.9;
                }
                valence += s;
                valence = negation_check(valence, lower, start, i);
                if start == 2 {
                    valence = special_idioms_check(valence, lower, i);
                }
            }
        }
        self.least_check(valence, lower, i)
    }

    /// `_least_check`: "least" before a word negates it, unless "at least" or "very least".
    fn least_check(&self, valence: f64, lower: &[String], i: usize) -> f64 {
        let least_before = |i: usize| !self.in_lexicon(&lower[i - 1]) && lower[i - 1] == "least";
        if i > 1 && least_before(i) {
            if lower[i - 2] != "at" && lower[i - 2] != "very" {
                return valence * N_SCALAR;
            }
            valence
        } else if i > 0 && least_before(i) {
            valence * N_SCALAR
        } else {
            valence
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Vader {
        let lexicon = [("good", 1.9), ("bad", -2.5), ("no", -1.2), ("least", -0.5)]
            .into_iter()
            .map(|(w, v)| (w.to_owned(), v))
            .collect();
        Vader::new(lexicon, HashMap::from([('☺', "smiling face".to_owned())]))
    }

    #[test]
    fn rules_by_hand() {
        let vader = tiny();
        let normalized = |s: f64| s / (s * s + 15.0).sqrt();
        assert_eq!(vader.compound(""), 0.0);
        assert_eq!(vader.compound("a film"), 0.0);
        assert!((vader.compound("good film") - normalized(1.9)).abs() < 1e-12);
        // Negation: -0.74 times.
        assert!((vader.compound("not good") - normalized(1.9 * -0.74)).abs() < 1e-12);
        // Booster: +0.293 (the booster itself scores 0).
        assert!((vader.compound("very good") - normalized(1.9 + 0.293)).abs() < 1e-12);
        // "but": halves before, 1.5 times after.
        let mixed = 0.5 * 1.9 + 1.5 * -2.5;
        assert!((vader.compound("good but bad") - normalized(mixed)).abs() < 1e-12);
        // Two exclamation marks add 2 * 0.292 away from zero.
        assert!((vader.compound("bad!!") - normalized(-2.5 - 0.584)).abs() < 1e-12);
        // One question mark adds nothing, two add 0.36.
        assert!((vader.compound("good?") - normalized(1.9)).abs() < 1e-12);
        assert!((vader.compound("good??") - normalized(1.9 + 0.36)).abs() < 1e-12);
        // ALL CAPS among other words: +0.733.
        assert!((vader.compound("GOOD film") - normalized(1.9 + 0.733)).abs() < 1e-12);
        // "no" before a lexicon word scores 0 and negates the word.
        assert!((vader.compound("no good") - normalized(1.9 * -0.74)).abs() < 1e-12);
        assert!(vader.compound("no").abs() > 0.0);
    }

    #[test]
    fn python_list_index_quirk_of_but() {
        let lower: Vec<String> = ["x", "but", "y", "z"].map(String::from).to_vec();
        let mut sentiments = vec![2.0, 0.0, 1.0, 1.0];
        but_check(&lower, &mut sentiments);
        // k = 0: 2.0 -> 1.0 at 0; k = 2: value 1.0 first found at 0 (< but): 0.5 at 0;
        // k = 3: value 1.0 first found at 2: 1.5 at 2. Index 3 stays 1.0.
        assert_eq!(sentiments, vec![0.5, 0.0, 1.5, 1.0]);
    }

    #[test]
    fn emojis_become_their_descriptions_and_punctuation_is_stripped() {
        let vader = tiny();
        assert_eq!(strip_punctuation("good!!!"), "good");
        assert_eq!(strip_punctuation(":)"), ":)");
        assert_eq!(strip_punctuation("(ok)"), "(ok)");
        let lexicon = HashMap::from([("smiling".to_owned(), 1.6)]);
        let with_emoji = Vader::new(lexicon, vader.emojis.clone());
        assert!(with_emoji.compound("fine☺") > 0.0);
    }

    #[test]
    fn lexicon_errors_name_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lexicon.txt");
        std::fs::write(&path, "good\t1.9\t0.9\t[2]\nbad\tworse\n").unwrap();
        let error = Vader::from_files(&path, None).unwrap_err().to_string();
        assert!(error.contains("lexicon.txt:2"), "{error}");
        assert!(error.contains("\"worse\""), "{error}");
        std::fs::write(&path, "good\t1.9\n\nlonely\n").unwrap();
        let error = Vader::from_files(&path, None).unwrap_err().to_string();
        assert!(error.contains("lexicon.txt:3"), "{error}");
    }
}
