//! VADER's compound sentiment score (Hutto & Gilbert 2014, "VADER: A Parsimonious Rule-based
//! Model for Sentiment Analysis of Social Media Text", ICWSM-14), ported rule for rule from
//! vaderSentiment 3.3.2's `SentimentIntensityAnalyzer.polarity_scores` (MIT licence), reading
//! the lexicon files that package ships.

use super::vader_words::{
    C_INCR, N_SCALAR, NEGATE, NORMALIZE_ALPHA, booster, is_punctuation, is_upper, special_case,
};
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

/// `_strip_punc_if_word`: leading and trailing punctuation removed, unless that leaves two
/// characters or fewer (an emoticon such as `:)` stays whole).
fn strip_punctuation(token: &str) -> &str {
    let stripped = token.trim_matches(is_punctuation);
    if stripped.chars().count() <= 2 {
        token
    } else {
        stripped
    }
}

/// `negated` of one lowercase word: a negation word, or one containing "n't".
fn negated(word: &str) -> bool {
    NEGATE.contains(&word) || word.contains("n't")
}

/// `scalar_inc_dec`: the increment a booster or dampener before a word adds to its valence.
fn scalar_inc_dec(word: &str, valence: f64, cap_differential: bool) -> f64 {
    let Some(mut scalar) = booster(&word.to_lowercase()) else {
        return 0.0;
    };
    if valence < 0.0 {
        scalar = -scalar;
    }
    if is_upper(word) && cap_differential {
        scalar += if valence > 0.0 { C_INCR } else { -C_INCR };
    }
    scalar
}

/// `_negation_check`: a negation `start + 1` words before word `i` flips and damps its valence
/// (`N_SCALAR`); "never so/this" amplifies it and "without doubt" keeps it.
fn negation_check(valence: f64, lower: &[String], start: usize, i: usize) -> f64 {
    let w = |back: usize| lower[i - back].as_str();
    match start {
        0 if negated(w(1)) => valence * N_SCALAR,
        1 if w(2) == "never" && (w(1) == "so" || w(1) == "this") => valence * 1.25,
        1 if w(2) == "without" && w(1) == "doubt" => valence,
        1 if negated(w(2)) => valence * N_SCALAR,
        2 if (w(3) == "never" && (w(2) == "so" || w(2) == "this"))
            || (w(1) == "so" || w(1) == "this") =>
        {
            valence * 1.25
        }
        2 if w(3) == "without" && (w(2) == "doubt" || w(1) == "doubt") => valence,
        2 if negated(w(3)) => valence * N_SCALAR,
        _ => valence,
    }
}

/// `_special_idioms_check` (word `i`, `i >= 3`): an idiom around the word replaces its valence;
/// a two- or three-word booster before it adds to it.
fn special_idioms_check(mut valence: f64, lower: &[String], i: usize) -> f64 {
    let join = |range: std::ops::Range<usize>| lower[range].join(" ");
    let (one_zero, two_one_zero, two_one) =
        (join(i - 1..i + 1), join(i - 2..i + 1), join(i - 2..i));
    let (three_two_one, three_two) = (join(i - 3..i), join(i - 3..i - 1));
    for sequence in [
        &one_zero,
        &two_one_zero,
        &two_one,
        &three_two_one,
        &three_two,
    ] {
        if let Some(value) = special_case(sequence) {
            valence = value;
            break;
        }
    }
    if lower.len() - 1 > i
        && let Some(value) = special_case(&join(i..i + 2))
    {
        valence = value;
    }
    if lower.len() - 1 > i + 1
        && let Some(value) = special_case(&join(i..i + 3))
    {
        valence = value;
    }
    for n_gram in [&three_two_one, &three_two, &two_one] {
        if let Some(increment) = booster(n_gram) {
            valence += increment;
        }
    }
    valence
}

/// `_but_check`, with its list-index lookup kept: each sentiment before the first "but" is
/// halved and each after it is multiplied by 1.5, where vaderSentiment finds a sentiment's
/// position as the first equal value in the list (`sentiments.index`).
fn but_check(lower: &[String], sentiments: &mut [f64]) {
    let Some(but) = lower.iter().position(|w| w == "but") else {
        return;
    };
    for k in 0..sentiments.len() {
        let sentiment = sentiments[k];
        let at = sentiments.iter().position(|&s| s == sentiment).unwrap_or(k);
        if at < but {
            sentiments[at] = sentiment * 0.5;
        } else if at > but {
            sentiments[at] = sentiment * 1.5;
        }
    }
}

/// `_punctuation_emphasis`: 0.292 per `!` (at most 4), and for 2 or 3 `?` 0.18 each, for more
/// 0.96.
fn punctuation_emphasis(text: &str) -> f64 {
    let exclamations = text.matches('!').count().min(4);
    let questions = text.matches('?').count();
    let question_emphasis = match questions {
        0 | 1 => 0.0,
        2 | 3 => questions as f64 * 0.18,
        _ => 0.96,
    };
    exclamations as f64 * 0.292 + question_emphasis
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
