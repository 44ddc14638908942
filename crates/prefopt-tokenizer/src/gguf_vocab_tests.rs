//! A small synthetic byte-level vocabulary through [`GgufVocab::build`].

use super::*;

/// Bytes `a`, `b`, `c`, `Ġ` (space), merges `a b`, `Ġ ab`, and two control tokens.
fn tiny() -> GgufVocab {
    let tokens = ["<s>", "</s>", "a", "b", "c", "Ġ", "ab", "Ġab", "<eot>"];
    GgufVocab {
        model: "gpt2".into(),
        pre: Some("gpt-2".into()),
        tokens: tokens.iter().map(|t| t.to_string()).collect(),
        token_types: Some(vec![3, 3, 1, 1, 1, 1, 1, 1, 3]),
        merges: vec!["a b".into(), "Ġ ab".into()],
        bos_id: Some(0),
        eos_id: Some(1),
        eot_id: Some(8),
        unknown_id: None,
        padding_id: None,
        add_bos: Some(false),
        chat_template: None,
    }
}

fn ids(vocab: &GgufVocab, text: &str, add_special_tokens: bool) -> Vec<u32> {
    let built = vocab.build().unwrap();
    built
        .tokenizer
        .encode(text, add_special_tokens)
        .unwrap()
        .get_ids()
        .to_vec()
}

fn error(vocab: GgufVocab) -> VocabError {
    vocab.build().unwrap_err()
}

#[test]
fn merges_apply_and_control_tokens_stay_whole() {
    let vocab = tiny();
    assert_eq!(ids(&vocab, "ab ab", false), [6, 7]);
    assert_eq!(ids(&vocab, "c<eot>ab</s>", false), [4, 8, 6, 1]);
    let built = vocab.build().unwrap();
    assert_eq!(built.special.bos.as_deref(), Some("<s>"));
    assert_eq!(built.special.extra_eos, ["<eot>"]);
    assert!(!built.add_bos);
    assert_eq!(built.tokenizer.decode(&[6, 8, 7], true).unwrap(), "ab ab");
}

#[test]
fn bos_is_prepended_when_the_file_asks() {
    let vocab = GgufVocab {
        add_bos: Some(true),
        ..tiny()
    };
    assert_eq!(ids(&vocab, "ab", true), [0, 6]);
    assert_eq!(ids(&vocab, "ab", false), [6]);
}

#[test]
fn llama3_adds_bos_by_default_and_other_names_do_not() {
    let llama3 = GgufVocab {
        pre: Some("llama-bpe".into()),
        add_bos: None,
        ..tiny()
    };
    assert!(llama3.build().unwrap().add_bos);
    let smollm = GgufVocab {
        pre: Some("smollm".into()),
        add_bos: None,
        ..tiny()
    };
    assert!(!smollm.build().unwrap().add_bos);
}

#[test]
fn an_unsupported_model_is_named() {
    let e = error(GgufVocab {
        model: "llama".into(),
        ..tiny()
    });
    assert_eq!(e.key, KEY_MODEL);
    assert!(
        e.message.contains("`llama`") && e.message.contains("gpt2"),
        "{}",
        e.message
    );
}

#[test]
fn an_unknown_pre_tokenizer_is_named_with_the_supported_ones() {
    let e = error(GgufVocab {
        pre: Some("deepseek-coder".into()),
        ..tiny()
    });
    assert_eq!(e.key, KEY_PRE);
    assert!(e.message.contains("`deepseek-coder`"), "{}", e.message);
    assert!(
        e.message.contains("smollm") && e.message.contains("llama3") && e.message.contains("gpt-2"),
        "{}",
        e.message
    );
}

#[test]
fn broken_tokens_and_merges_are_refused() {
    let mut duplicate = tiny();
    duplicate.tokens[4] = "a".into();
    let e = error(duplicate);
    assert_eq!(e.key, KEY_TOKENS);
    assert!(e.message.contains("ids 2 and 4"), "{}", e.message);

    let e = error(GgufVocab {
        merges: vec!["a b".into(), "ab".into()],
        ..tiny()
    });
    assert_eq!(e.key, KEY_MERGES);
    assert!(e.message.contains("merge 1"), "{}", e.message);

    let e = error(GgufVocab {
        merges: vec!["a x".into()],
        ..tiny()
    });
    assert_eq!(e.key, KEY_MERGES);

    let e = error(GgufVocab {
        token_types: Some(vec![1, 1]),
        ..tiny()
    });
    assert_eq!(e.key, KEY_TOKEN_TYPE);
    assert!(
        e.message.contains("2 token types for 9 tokens"),
        "{}",
        e.message
    );

    let e = error(GgufVocab {
        tokens: Vec::new(),
        ..tiny()
    });
    assert_eq!(e.key, KEY_TOKENS);
}

#[test]
fn special_ids_outside_the_vocabulary_are_refused() {
    let e = error(GgufVocab {
        eos_id: Some(900),
        ..tiny()
    });
    assert_eq!(e.key, KEY_EOS_ID);
    assert!(
        e.message.contains("900") && e.message.contains("9 tokens"),
        "{}",
        e.message
    );

    let e = error(GgufVocab {
        bos_id: None,
        add_bos: Some(true),
        ..tiny()
    });
    assert_eq!(e.key, KEY_ADD_BOS);
}
