//! The tokenizer of the real SmolLM2-135M-Instruct GGUF against ids computed by Hugging Face.

use crate::common;

use common::{golden_cases, smollm2};
use prefopt_core::{ChatMessage, TextTokenizer};

#[test]
fn golden_prompt_and_completion_ids_match_transformers() {
    let tokenizer = smollm2();
    for case in golden_cases() {
        assert_eq!(
            tokenizer.encode(&case.prompt, false).unwrap(),
            case.prompt_ids,
            "prompt {:?}",
            case.prompt
        );
        assert_eq!(
            tokenizer.encode(&case.completion, false).unwrap(),
            case.completion_ids,
            "completion {:?}",
            case.completion
        );
    }
}

#[test]
fn golden_texts_decode_back_exactly() {
    let tokenizer = smollm2();
    for case in golden_cases() {
        assert_eq!(
            tokenizer.decode(&case.prompt_ids, false).unwrap(),
            case.prompt
        );
        assert_eq!(
            tokenizer.decode(&case.completion_ids, false).unwrap(),
            case.completion
        );
        let mut both = case.prompt_ids.clone();
        both.extend(&case.completion_ids);
        assert_eq!(
            tokenizer.decode(&both, false).unwrap(),
            format!("{}{}", case.prompt, case.completion)
        );
    }
}

#[test]
fn greedy_text_is_the_decoding_of_greedy_ids() {
    let tokenizer = smollm2();
    for case in golden_cases() {
        assert_eq!(
            tokenizer.decode(&case.greedy_ids, false).unwrap(),
            case.greedy_text
        );
    }
}

#[test]
fn special_tokens_and_ids_come_from_the_gguf_metadata() {
    let tokenizer = smollm2();
    assert_eq!(tokenizer.vocab_size(), 49152);
    assert_eq!(tokenizer.bos_token_id(), Some(1));
    assert_eq!(tokenizer.eos_token_id(), Some(2));
    assert_eq!(tokenizer.eos_token_ids(), [2]);
    assert_eq!(tokenizer.pad_token_id(), Some(2));
    assert_eq!(
        tokenizer.special_tokens().unk.as_deref(),
        Some("<|endoftext|>")
    );
    assert!(
        !tokenizer.add_bos(),
        "SmolLM2's GGUF sets tokenizer.ggml.add_bos_token = false"
    );
    // add_bos_token is false, so adding special tokens adds nothing.
    assert_eq!(
        tokenizer.encode("Hi", true).unwrap(),
        tokenizer.encode("Hi", false).unwrap()
    );
}

#[test]
fn special_tokens_in_text_are_single_ids() {
    let tokenizer = smollm2();
    for (token, id) in [
        ("<|endoftext|>", 0),
        ("<|im_start|>", 1),
        ("<|im_end|>", 2),
        ("<empty_output>", 16),
    ] {
        assert_eq!(tokenizer.token_id(token), Some(id));
        assert_eq!(tokenizer.encode(token, false).unwrap(), [id], "{token}");
    }
    // "user" = 4093, "\n" = 198 ("Ċ"), "Hi" = 26843.
    let ids = tokenizer
        .encode("<|im_start|>user\nHi<|im_end|>\n", false)
        .unwrap();
    assert_eq!(ids, [1, 4093, 198, 26843, 2, 198]);
    assert_eq!(tokenizer.decode(&ids, true).unwrap(), "user\nHi\n");
    assert_eq!(
        tokenizer.decode(&ids, false).unwrap(),
        "<|im_start|>user\nHi<|im_end|>\n"
    );
}

#[test]
fn digits_are_split_one_by_one() {
    // The vocabulary's only tokens with a digit are "0".."9" (ids 32..41): no token holds two
    // digits, so every digit is its own id, as the `smollm` pre-tokenizer's `\p{N}` split makes it.
    let tokenizer = smollm2();
    let digit_ids: Vec<u32> = (0..10)
        .map(|d| tokenizer.token_id(&d.to_string()).unwrap())
        .collect();
    assert_eq!(digit_ids, (32..42).collect::<Vec<u32>>());
    assert_eq!(tokenizer.encode("2024", false).unwrap(), [34, 32, 34, 36]);
    // "in" = 254, " " = 216 ("Ġ"): the space before a number stays on its own.
    assert_eq!(
        tokenizer
            .encode("in 2024, 3.14159 and 1,000,000", false)
            .unwrap(),
        [
            254, 216, 34, 32, 34, 36, 28, 216, 35, 30, 33, 36, 33, 37, 41, 284, 216, 33, 28, 32,
            32, 32, 28, 32, 32, 32
        ]
    );
}

/// Texts and the ids Hugging Face `tokenizers` 0.23.3 gives with SmolLM2's own tokenizer.json
/// layout (`Digits(individual_digits)` then `ByteLevel`) over this GGUF's vocabulary and merges.
const REFERENCE_IDS: &[(&str, &[u32])] = &[
    (
        "naïve café — Ünïcödé 日本語 Здравствуйте",
        &[
            3546, 46494, 37366, 1841, 5549, 246, 94, 25972, 83, 7466, 84, 2756, 17097, 241, 115,
            40993, 179, 120, 248, 5470, 241, 19263, 23728, 16464, 24674, 16464, 14714, 24958, 8355,
            6643,
        ],
    ),
    (
        "emoji 🤗🚀 and 👩\u{200d}💻!",
        &[
            391, 33777, 15107, 114, 241, 10813, 244, 218, 284, 15107, 235, 119, 321, 231, 10813,
            236, 136, 17,
        ],
    ),
    ("a  b   c    d", &[81, 216, 278, 256, 265, 333, 287]),
    (
        "line one\nline two\n\n\nend\n",
        &[1311, 582, 198, 1311, 827, 1116, 198, 486, 198],
    ),
    ("  leading and trailing  ", &[216, 2899, 284, 35079, 256]),
    (
        "\ttab\tseparated\r\nwindows",
        &[197, 15999, 197, 19509, 483, 201, 198, 37066],
    ),
    (
        "it's we'll they're I'd",
        &[269, 506, 392, 3060, 502, 2316, 339, 6737],
    ),
];

#[test]
fn unicode_emoji_spaces_and_newlines_match_the_reference_ids() {
    let tokenizer = smollm2();
    for (text, ids) in REFERENCE_IDS {
        assert_eq!(tokenizer.encode(text, false).unwrap(), *ids, "{text:?}");
        assert_eq!(tokenizer.decode(ids, false).unwrap(), *text, "{text:?}");
    }
}

#[test]
fn ids_outside_the_vocabulary_are_an_error() {
    let error = smollm2()
        .decode(&[5, 49152], false)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("49152") && error.contains("SmolLM2-135M-Instruct.Q4_1.gguf"),
        "{error}"
    );
}

#[test]
fn chat_template_renders_smollm2_chatml() {
    let tokenizer = smollm2();
    let messages = [ChatMessage::new("user", "What is the capital of France?")];
    let text = tokenizer.apply_chat_template(&messages, true).unwrap();
    assert_eq!(
        text,
        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n\
         <|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n"
    );
    let without_prompt = tokenizer.apply_chat_template(&messages, false).unwrap();
    assert_eq!(format!("{without_prompt}<|im_start|>assistant\n"), text);

    let with_system = [
        ChatMessage::new("system", "Be brief."),
        ChatMessage::new("user", "Hi"),
    ];
    assert_eq!(
        tokenizer.apply_chat_template(&with_system, true).unwrap(),
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    );
}

#[test]
fn chat_text_round_trips_through_ids() {
    let tokenizer = smollm2();
    let messages = [ChatMessage::new("user", "Name 3 colours 🎨")];
    let text = tokenizer.apply_chat_template(&messages, true).unwrap();
    let ids = tokenizer.encode(&text, false).unwrap();
    assert_eq!(
        ids.iter().filter(|&&id| id == 1).count(),
        3,
        "three <|im_start|> tokens"
    );
    assert_eq!(tokenizer.decode(&ids, false).unwrap(), text);
}

#[test]
fn the_text_tokenizer_trait_gives_the_same_answers() {
    let tokenizer: &dyn TextTokenizer = smollm2();
    assert_eq!(
        tokenizer.encode("The movie was", false).unwrap(),
        [504, 7704, 436]
    );
    assert_eq!(
        tokenizer.decode(&[504, 7704, 436], false).unwrap(),
        "The movie was"
    );
    assert_eq!(tokenizer.vocab_size(), 49152);
    assert_eq!(tokenizer.token_id("<|im_end|>"), Some(2));
    assert_eq!(tokenizer.eos_token_ids(), [2]);
    assert_eq!(tokenizer.pad_token_id(), Some(2));
    let text = tokenizer
        .apply_chat_template(&[ChatMessage::new("user", "Hi")], true)
        .unwrap();
    assert!(text.ends_with("<|im_start|>assistant\n"), "{text}");
    let error = tokenizer.decode(&[u32::MAX], false).unwrap_err();
    assert!(
        matches!(error, prefopt_core::PrefoptError::Data(_)),
        "{error}"
    );
}
