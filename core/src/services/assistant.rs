//! The second seed's assistant features, code completion and code generation: their prompts
//! and limits, on the caller's resolved key (`services/ai.rs`). The HTTP handlers in
//! `http/ai_routes.rs` only translate requests and answers.
use crate::{
    error::{ServiceError, ServiceResult},
    providers::ChatMessage,
    services::ai::{self, AiAnswer, Feature},
    session::Member,
    state::AppState,
};

/// The longest code or prompt sent to a provider, in bytes.
pub const MAX_PROMPT_CHARS: usize = 200_000;

/// The language as the prompt names it: the caller's, or `fallback` when none was given.
fn language_or<'a>(language: &'a str, fallback: &'a str) -> &'a str {
    match language.trim() {
        "" => fallback,
        named => named,
    }
}

/// The messages that ask for the code at `cursor` (a byte offset, moved back to a character
/// boundary; the end of the code when absent or past it).
pub fn completion_messages(
    code: &str,
    language: &str,
    cursor: Option<usize>,
) -> ServiceResult<Vec<ChatMessage>> {
    if code.trim().is_empty() {
        return Err(ServiceError::Validation("code must not be empty".into()));
    }
    if code.len() > MAX_PROMPT_CHARS {
        return Err(ServiceError::Validation("code is too long".into()));
    }
    let cursor = cursor.unwrap_or(code.len()).min(code.len());
    let cursor = (0..=cursor)
        .rev()
        .find(|i| code.is_char_boundary(*i))
        .unwrap_or(0);
    let (before, after) = code.split_at(cursor);
    let language = language_or(language, "the same language");
    Ok(vec![
        ChatMessage::new(
            "system",
            format!(
                "You complete {language} code. Answer with only the code that goes at the \
                 cursor, no explanations, no code fences."
            ),
        ),
        ChatMessage::new(
            "user",
            format!("Code before the cursor:\n{before}\n<CURSOR>\nCode after the cursor:\n{after}"),
        ),
    ])
}

/// The messages that ask for code that does what `prompt` says.
pub fn generation_messages(prompt: &str, language: &str) -> ServiceResult<Vec<ChatMessage>> {
    if prompt.trim().is_empty() {
        return Err(ServiceError::Validation("prompt must not be empty".into()));
    }
    if prompt.len() > MAX_PROMPT_CHARS {
        return Err(ServiceError::Validation("prompt is too long".into()));
    }
    let language = language_or(language, "the most suitable language");
    Ok(vec![
        ChatMessage::new(
            "system",
            format!("You write {language} code. Answer with the code only, in one fenced block."),
        ),
        ChatMessage::new("user", prompt.to_owned()),
    ])
}

/// Code completion on the caller's key: up to 512 tokens.
pub async fn complete_code(
    state: &AppState,
    user: &Member,
    code: &str,
    language: &str,
    cursor: Option<usize>,
) -> ServiceResult<AiAnswer> {
    let messages = completion_messages(code, language, cursor)?;
    ai::complete(state, user, Feature::CodeCompletion, &messages, Some(512)).await
}

/// Code generation on the caller's key: up to 2,048 tokens.
pub async fn generate_code(
    state: &AppState,
    user: &Member,
    prompt: &str,
    language: &str,
) -> ServiceResult<AiAnswer> {
    let messages = generation_messages(prompt, language)?;
    ai::complete(state, user, Feature::CodeGeneration, &messages, Some(2048)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cursor_splits_the_code_on_a_character_boundary() -> ServiceResult<()> {
        // Byte 2 is inside "é": the cursor moves back to before it.
        let messages = completion_messages("aé b", "rust", Some(2))?;
        let text = &messages[1].content;
        assert!(text.contains("before the cursor:\na\n<CURSOR>"), "{text}");
        assert!(text.ends_with("after the cursor:\né b"), "{text}");
        assert!(messages[0].content.contains("You complete rust code"));
        // Past the end: the end; no language: "the same language".
        let end = completion_messages("fn x()", " ", Some(99))?;
        assert!(end[1]
            .content
            .contains("fn x()\n<CURSOR>\nCode after the cursor:\n"));
        assert!(end[0].content.contains("the same language"));
        Ok(())
    }

    #[test]
    fn empty_and_oversized_input_is_refused() {
        assert!(completion_messages("  ", "rust", None).is_err());
        assert!(generation_messages("", "rust").is_err());
        let huge = "x".repeat(MAX_PROMPT_CHARS + 1);
        assert!(completion_messages(&huge, "rust", None).is_err());
        assert!(generation_messages(&huge, "").is_err());
    }
}
