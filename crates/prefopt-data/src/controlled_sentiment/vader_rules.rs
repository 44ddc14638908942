//! VADER's word-level rules (vaderSentiment 3.3.2's module functions and the
//! `SentiText`/`SentimentIntensityAnalyzer` helpers they come from): punctuation stripping,
//! negation, boosters and dampeners, idioms, "but", and punctuation emphasis.

use super::vader_words::{
    C_INCR, N_SCALAR, NEGATE, booster, is_punctuation, is_upper, special_case,
};

/// `_strip_punc_if_word`: leading and trailing punctuation removed, unless that leaves two
/// characters or fewer (an emoticon such as `:)` stays whole).
pub(super) fn strip_punctuation(token: &str) -> &str {
    let stripped = token.trim_matches(is_punctuation);
    if stripped.chars().count() <= 2 {
        token
    } else {
        stripped
    }
}

/// `negated` of one lowercase word: a negation word, or one containing "n't".
pub(super) fn negated(word: &str) -> bool {
    NEGATE.contains(&word) || word.contains("n't")
}

/// `scalar_inc_dec`: the increment a booster or dampener before a word adds to its valence.
pub(super) fn scalar_inc_dec(word: &str, valence: f64, cap_differential: bool) -> f64 {
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
pub(super) fn negation_check(valence: f64, lower: &[String], start: usize, i: usize) -> f64 {
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
pub(super) fn special_idioms_check(mut valence: f64, lower: &[String], i: usize) -> f64 {
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
pub(super) fn but_check(lower: &[String], sentiments: &mut [f64]) {
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
pub(super) fn punctuation_emphasis(text: &str) -> f64 {
    let exclamations = text.matches('!').count().min(4);
    let questions = text.matches('?').count();
    let question_emphasis = match questions {
        0 | 1 => 0.0,
        2 | 3 => questions as f64 * 0.18,
        _ => 0.96,
    };
    exclamations as f64 * 0.292 + question_emphasis
}
