//! Any model answer as a resume analysis: the JSON repair and validation never panic, and what
//! they accept is a valid analysis.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::services::resumes::{parse_analysis, repair_json, validate_analysis};

fuzz_target!(|answer: &str| {
    if let Some(value) = repair_json(answer) {
        let _ = validate_analysis(&value);
    }
    if let Ok(analysis) = parse_analysis(answer) {
        assert!(analysis.skills.iter().all(|s| !s.is_empty()));
    }
});
