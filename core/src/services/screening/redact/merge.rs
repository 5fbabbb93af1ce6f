//! Merging the spans found and writing the redacted text.

use std::collections::BTreeMap;

use super::{
    doc::{Doc, Span},
    Kind, Redacted,
};

pub(super) fn merge(doc: &Doc, mut spans: Vec<Span>) -> Vec<Span> {
    spans.retain(|s| s.s < s.e && s.e <= doc.len());
    // at equal spans the more specific kind names it (`NY 10001-1234` is a postcode)
    let rank = |k: Kind| match k {
        Kind::Phone => 2,
        Kind::Name | Kind::Handle => 1,
        _ => 0,
    };
    spans.sort_by(|a, b| {
        a.s.cmp(&b.s)
            .then(b.e.cmp(&a.e))
            .then(rank(a.kind).cmp(&rank(b.kind)))
            .then(a.kind.cmp(&b.kind))
    });
    let mut out: Vec<(Span, usize)> = Vec::with_capacity(spans.len());
    for sp in spans {
        if let Some((last, width)) = out.last_mut() {
            if sp.s < last.e {
                if sp.e - sp.s > *width {
                    *width = sp.e - sp.s;
                    last.kind = sp.kind;
                }
                last.e = last.e.max(sp.e);
                continue;
            }
        }
        out.push((sp, sp.e - sp.s));
    }
    // `Jean-Luc Picard` is one name, not three
    let mut merged: Vec<Span> = Vec::with_capacity(out.len());
    for (sp, _) in out {
        if let Some(last) = merged.last_mut() {
            if last.kind == Kind::Name && sp.kind == Kind::Name {
                let gap = doc.slice(last.e, sp.s);
                if gap.len() <= 3
                    && gap
                        .iter()
                        .all(|&c| matches!(c, ' ' | '-' | '\'' | '’' | '.' | '\u{a0}'))
                {
                    last.e = sp.e;
                    continue;
                }
            }
        }
        merged.push(sp);
    }
    merged
}

pub(super) fn build(text: &str, doc: &Doc, spans: &[Span]) -> Redacted {
    let mut out = String::with_capacity(text.len());
    let mut counts = BTreeMap::new();
    let mut at = 0;
    for sp in spans {
        let (bs, be) = (doc.byte(sp.s), doc.byte(sp.e));
        if bs < at {
            continue;
        }
        out.push_str(text.get(at..bs).unwrap_or(""));
        out.push_str(sp.kind.placeholder());
        *counts.entry(sp.kind).or_insert(0) += 1;
        at = be;
    }
    out.push_str(text.get(at..).unwrap_or(""));
    Redacted { text: out, counts }
}
