//! The tokenizer: saving, loading, bad input and the SmolLM2 vocabulary: one test binary.

mod common;

mod bad_input;
mod save_load;
mod smollm2_gguf;
