//! The scanners' state: [`Run`], the spans found and the name tokens known.

use std::collections::HashSet;

use super::{
    doc::{fold, fold_chars, is_cjk, is_letter, Doc, Span},
    lists::{in_list, is_in, lists, NAME_SKIP, PARTICLES},
    Kind,
};

pub(super) struct Run<'a> {
    pub(super) doc: &'a Doc,
    pub(super) spans: Vec<Span>,
    /// Folded name tokens.
    pub(super) tokens: HashSet<String>,
    /// Name tokens in CJK script, matched as substrings.
    pub(super) cjk_tokens: Vec<String>,
    /// Lines with a personal-details label.
    pub(super) personal: Vec<bool>,
}

impl Run<'_> {
    pub(super) fn push(&mut self, s: usize, e: usize, kind: Kind) {
        if s < e && e <= self.doc.len() {
            self.spans.push(Span { s, e, kind });
        }
    }

    pub(super) fn add_name_tokens(&mut self, name: &str) {
        let name = name.split('@').next().unwrap_or("");
        let chars: Vec<char> = name.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            if !chars.get(i).copied().is_some_and(is_letter) {
                i += 1;
                continue;
            }
            let s = i;
            while chars.get(i).copied().is_some_and(is_letter) {
                i += 1;
            }
            let run = chars.get(s..i).unwrap_or(&[]);
            if run.iter().any(|&c| is_cjk(c)) {
                if run.len() >= 2 {
                    let t: String = run.iter().collect();
                    if !self.cjk_tokens.contains(&t) {
                        self.cjk_tokens.push(t);
                    }
                }
                continue;
            }
            let t = fold_chars(run);
            if t.chars().count() >= 2 && !in_list(NAME_SKIP, &t) {
                self.tokens.insert(t);
            }
        }
    }

    /// Adds the tokens of a name found in the text (not the words no name has).
    pub(super) fn add_found_name(&mut self, s: usize, e: usize) {
        let doc = self.doc;
        let text = doc.string(s, e);
        if text.chars().all(is_cjk) {
            if text.chars().count() >= 2 && !self.cjk_tokens.contains(&text) {
                self.cjk_tokens.push(text);
            }
            return;
        }
        for w in text.split(|c: char| !is_letter(c)) {
            let t = fold(w);
            if t.chars().count() >= 2
                && !is_in(&lists().not_name, &t)
                && !in_list(PARTICLES, &t)
                && !in_list(NAME_SKIP, &t)
            {
                self.tokens.insert(t);
            }
        }
    }
}
