//! VADER's word lists and constants, as in vaderSentiment 3.3.2 (`vaderSentiment.py`; Hutto &
//! Gilbert 2014, "VADER: A Parsimonious Rule-based Model for Sentiment Analysis of Social Media
//! Text", ICWSM-14, MIT licence).

/// Empirically derived mean increase of a booster word's rating.
pub(super) const B_INCR: f64 = 0.293;
/// Empirically derived mean decrease of a dampener word's rating.
pub(super) const B_DECR: f64 = -0.293;
/// Increase for a word in ALL CAPS among words that are not.
pub(super) const C_INCR: f64 = 0.733;
/// The factor of a negated word's valence.
pub(super) const N_SCALAR: f64 = -0.74;
/// `alpha` of the compound score's normalization `x / sqrt(x^2 + alpha)`.
pub(super) const NORMALIZE_ALPHA: f64 = 15.0;

/// Negation words (`NEGATE`).
pub(super) const NEGATE: &[&str] = &[
    "aint",
    "arent",
    "cannot",
    "cant",
    "couldnt",
    "darent",
    "didnt",
    "doesnt",
    "ain't",
    "aren't",
    "can't",
    "couldn't",
    "daren't",
    "didn't",
    "doesn't",
    "dont",
    "hadnt",
    "hasnt",
    "havent",
    "isnt",
    "mightnt",
    "mustnt",
    "neither",
    "don't",
    "hadn't",
    "hasn't",
    "haven't",
    "isn't",
    "mightn't",
    "mustn't",
    "neednt",
    "needn't",
    "never",
    "none",
    "nope",
    "nor",
    "not",
    "nothing",
    "nowhere",
    "oughtnt",
    "shant",
    "shouldnt",
    "uhuh",
    "wasnt",
    "werent",
    "oughtn't",
    "shan't",
    "shouldn't",
    "uh-uh",
    "wasn't",
    "weren't",
    "without",
    "wont",
    "wouldnt",
    "won't",
    "wouldn't",
    "rarely",
    "seldom",
    "despite",
];

/// Booster and dampener words with their increments (`BOOSTER_DICT`).
pub(super) fn booster(word: &str) -> Option<f64> {
    const INCREASING: &[&str] = &[
        "absolutely",
        "amazingly",
        "awfully",
        "completely",
        "considerable",
        "considerably",
        "decidedly",
        "deeply",
        "effing",
        "enormous",
        "enormously",
        "entirely",
        "especially",
        "exceptional",
        "exceptionally",
        "extreme",
        "extremely",
        "fabulously",
        "flipping",
        "flippin",
        "frackin",
        "fracking",
        "fricking",
        "frickin",
        "frigging",
        "friggin",
        "fully",
        "fuckin",
        "fucking",
        "fuggin",
        "fugging",
        "greatly",
        "hella",
        "highly",
        "hugely",
        "incredible",
        "incredibly",
        "intensely",
        "major",
        "majorly",
        "more",
        "most",
        "particularly",
        "purely",
        "quite",
        "really",
        "remarkably",
        "so",
        "substantially",
        "thoroughly",
        "total",
        "totally",
        "tremendous",
        "tremendously",
        "uber",
        "unbelievably",
        "unusually",
        "utter",
        "utterly",
        "very",
    ];
    const DECREASING: &[&str] = &[
        "almost",
        "barely",
        "hardly",
        "just enough",
        "kind of",
        "kinda",
        "kindof",
        "kind-of",
        "less",
        "little",
        "marginal",
        "marginally",
        "occasional",
        "occasionally",
        "partly",
        "scarce",
        "scarcely",
        "slight",
        "slightly",
        "somewhat",
        "sort of",
        "sorta",
        "sortof",
        "sort-of",
    ];
    if INCREASING.contains(&word) {
        Some(B_INCR)
    } else if DECREASING.contains(&word) {
        Some(B_DECR)
    } else {
        None
    }
}

/// Idioms and phrases containing lexicon words, with the valence they take (`SPECIAL_CASES`).
pub(super) fn special_case(phrase: &str) -> Option<f64> {
    const CASES: &[(&str, f64)] = &[
        ("the shit", 3.0),
        ("the bomb", 3.0),
        ("bad ass", 1.5),
        ("badass", 1.5),
        ("bus stop", 0.0),
        ("yeah right", -2.0),
        ("kiss of death", -1.5),
        ("to die for", 3.0),
        ("beating heart", 3.5),
    ];
    CASES
        .iter()
        .find(|(case, _)| *case == phrase)
        .map(|&(_, valence)| valence)
}

/// Python's `string.punctuation`: the characters stripped from both ends of a word.
pub(super) fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
}

/// Python's `str.isupper()`: at least one cased character, and no lowercase one.
pub(super) fn is_upper(word: &str) -> bool {
    let mut cased = false;
    for c in word.chars() {
        if c.is_lowercase() {
            return false;
        }
        cased |= c.is_uppercase();
    }
    cased
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_lists_and_python_string_rules() {
        assert_eq!(booster("very"), Some(B_INCR));
        assert_eq!(booster("sort of"), Some(B_DECR));
        assert_eq!(booster("film"), None);
        assert_eq!(special_case("kiss of death"), Some(-1.5));
        assert_eq!(special_case("kiss"), None);
        assert!(NEGATE.contains(&"won't"));
        assert!(is_upper("VERY") && is_upper("SUX!") && is_upper("A1"));
        assert!(!is_upper("Very") && !is_upper("123") && !is_upper(":)"));
        assert!(is_punctuation('!') && is_punctuation('`') && !is_punctuation('a'));
    }
}
