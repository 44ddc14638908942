//! Saving the GGUF tokenizer as tokenizer.json + tokenizer_config.json and loading it back.

use crate::common;

use common::{golden_cases, smollm2};
use prefopt_core::ChatMessage;
use prefopt_tokenizer::{TOKENIZER_CONFIG_FILE, TOKENIZER_FILE, Tokenizer};

const TEXTS: &[&str] = &[
    "What is the capital of France?",
    " The capital of France is Paris.",
    "in 2024, 3.14159 and 1,000,000",
    "naïve café — Ünïcödé 日本語 Здравствуйте",
    "emoji 🤗🚀 and 👩\u{200d}💻!",
    "a  b   c    d\n\n\nend  ",
    "<|im_start|>user\nHi<|im_end|>\n",
];

#[test]
fn a_saved_tokenizer_loads_back_with_identical_ids() {
    let original = smollm2();
    let dir = tempfile::tempdir().unwrap();
    original.save(dir.path()).unwrap();
    assert!(dir.path().join(TOKENIZER_FILE).is_file());
    assert!(dir.path().join(TOKENIZER_CONFIG_FILE).is_file());

    let loaded = Tokenizer::from_file(dir.path().join(TOKENIZER_FILE)).unwrap();
    assert_eq!(loaded.vocab_size(), original.vocab_size());
    for text in TEXTS {
        for add_special_tokens in [false, true] {
            let ids = original.encode(text, add_special_tokens).unwrap();
            assert_eq!(
                loaded.encode(text, add_special_tokens).unwrap(),
                ids,
                "{text:?}"
            );
            assert_eq!(loaded.decode(&ids, false).unwrap(), *text);
            assert_eq!(
                loaded.decode(&ids, true).unwrap(),
                original.decode(&ids, true).unwrap()
            );
        }
    }
    for case in golden_cases() {
        assert_eq!(loaded.encode(&case.prompt, false).unwrap(), case.prompt_ids);
        assert_eq!(
            loaded.encode(&case.completion, false).unwrap(),
            case.completion_ids
        );
    }
    assert_eq!(loaded.special_tokens(), original.special_tokens());
    assert_eq!(loaded.eos_token_ids(), [2]);
    assert_eq!(loaded.pad_token_id(), Some(2));
    assert_eq!(loaded.add_bos(), original.add_bos());
    assert_eq!(loaded.chat_template(), original.chat_template());
    let messages = [ChatMessage::new("user", "What is the capital of France?")];
    assert_eq!(
        loaded.apply_chat_template(&messages, true).unwrap(),
        original.apply_chat_template(&messages, true).unwrap()
    );
}

#[test]
fn the_saved_files_are_what_transformers_reads() {
    let dir = tempfile::tempdir().unwrap();
    smollm2().save(dir.path()).unwrap();
    let config: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join(TOKENIZER_CONFIG_FILE)).unwrap(),
    )
    .unwrap();
    assert_eq!(config["tokenizer_class"], "PreTrainedTokenizerFast");
    assert_eq!(config["eos_token"], "<|im_end|>");
    assert_eq!(config["bos_token"], "<|im_start|>");
    assert_eq!(config["pad_token"], "<|im_end|>");
    assert_eq!(config["add_bos_token"], false);
    assert!(
        config["chat_template"]
            .as_str()
            .unwrap()
            .contains("<|im_start|>")
    );

    let tokenizer: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(TOKENIZER_FILE)).unwrap())
            .unwrap();
    assert_eq!(tokenizer["model"]["type"], "BPE");
    assert_eq!(
        tokenizer["model"]["merges"].as_array().unwrap().len(),
        48900
    );
    assert_eq!(tokenizer["pre_tokenizer"]["type"], "Sequence");
    let added = tokenizer["added_tokens"].as_array().unwrap();
    assert_eq!(added.len(), 17, "the 17 control tokens of the GGUF");
    assert!(added.iter().all(|t| t["special"] == true));
}
