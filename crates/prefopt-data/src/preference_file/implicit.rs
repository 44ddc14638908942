//! TRL's implicit prompt: the prompt is what `chosen` and `rejected` share at their start.

use prefopt_core::ChatMessage;

/// Splits two texts into `(prompt, chosen, rejected)` at their longest common prefix, on a
/// character boundary. As TRL's `extract_prompt` does, a space just before the split goes to the
/// completions, so that the prompt does not end with it.
pub fn split_implicit_text(chosen: &str, rejected: &str) -> (String, String, String) {
    let mut split = chosen
        .char_indices()
        .zip(rejected.chars())
        .find(|((_, a), b)| a != b)
        .map(|((index, _), _)| index)
        .unwrap_or_else(|| chosen.len().min(rejected.len()));
    if chosen[..split].ends_with(' ') {
        split -= 1;
    }
    (
        chosen[..split].to_string(),
        chosen[split..].to_string(),
        rejected[split..].to_string(),
    )
}

/// Splits two conversations into `(prompt, chosen, rejected)`: the prompt is their shared
/// leading messages (same role and content), the completions the messages after them.
pub fn split_implicit_messages(
    chosen: &[ChatMessage],
    rejected: &[ChatMessage],
) -> (Vec<ChatMessage>, Vec<ChatMessage>, Vec<ChatMessage>) {
    let shared = chosen
        .iter()
        .zip(rejected)
        .take_while(|(a, b)| a == b)
        .count();
    (
        chosen[..shared].to_vec(),
        chosen[shared..].to_vec(),
        rejected[shared..].to_vec(),
    )
}
