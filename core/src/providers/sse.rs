//! A Server-Sent Events parser for provider streams: bytes in, `data` payloads out.
//! Handles `\n`, `\r\n` and `\r` line ends, multi-line data, comments and split chunks.

/// One event's data (the `data:` lines joined with `\n`).
#[derive(Debug, PartialEq, Eq)]
pub struct SseEvent {
    pub event: Option<String>,
    pub data: String,
}

#[derive(Default)]
pub struct SseParser {
    buffer: Vec<u8>,
    data: Vec<String>,
    event: Option<String>,
    /// A `\r` ended the last chunk; a `\n` starting the next belongs to it.
    pending_cr: bool,
}

/// Events longer than this are refused, so a hostile provider cannot grow memory without bound.
const MAX_EVENT_BYTES: usize = 4 * 1024 * 1024;

impl SseParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes; returns every event completed by them.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<SseEvent>, String> {
        let mut events = Vec::new();
        for &byte in chunk {
            if self.pending_cr {
                self.pending_cr = false;
                if byte == b'\n' {
                    continue;
                }
            }
            match byte {
                b'\n' | b'\r' => {
                    self.pending_cr = byte == b'\r';
                    let line = std::mem::take(&mut self.buffer);
                    if let Some(event) = self.line(&line) {
                        events.push(event);
                    }
                }
                _ => {
                    self.buffer.push(byte);
                    if self.buffer.len() > MAX_EVENT_BYTES {
                        return Err("stream event too large".into());
                    }
                }
            }
        }
        Ok(events)
    }

    /// Whatever an unterminated last event holds, at the end of the stream.
    pub fn finish(&mut self) -> Option<SseEvent> {
        let line = std::mem::take(&mut self.buffer);
        if !line.is_empty() {
            self.line(&line);
        }
        self.dispatch()
    }

    fn line(&mut self, line: &[u8]) -> Option<SseEvent> {
        if line.is_empty() {
            return self.dispatch();
        }
        if line[0] == b':' {
            return None;
        }
        let text = String::from_utf8_lossy(line);
        let (field, value) = match text.find(':') {
            Some(i) => (
                &text[..i],
                text[i + 1..].strip_prefix(' ').unwrap_or(&text[i + 1..]),
            ),
            None => (&text[..], ""),
        };
        match field {
            "data" => {
                if self.data.iter().map(String::len).sum::<usize>() + value.len() > MAX_EVENT_BYTES
                {
                    self.data.clear();
                } else {
                    self.data.push(value.to_owned());
                }
            }
            "event" => self.event = Some(value.to_owned()),
            _ => {}
        }
        None
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        if self.data.is_empty() {
            self.event = None;
            return None;
        }
        let data = std::mem::take(&mut self.data).join("\n");
        Some(SseEvent {
            event: self.event.take(),
            data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_chunks_and_line_ends() -> Result<(), String> {
        let mut p = SseParser::new();
        let mut all = p.push(b"data: {\"a\"")?;
        all.extend(p.push(b":1}\r\n\r\n: comment\n\ndata: x\ndata: y\n\ndata: [DONE]\r\r")?);
        let data: Vec<_> = all.into_iter().map(|e| e.data).collect();
        assert_eq!(data, vec!["{\"a\":1}", "x\ny", "[DONE]"]);
        Ok(())
    }

    #[test]
    fn unterminated_event_at_the_end() -> Result<(), String> {
        let mut p = SseParser::new();
        assert!(p.push(b"event: error\ndata: boom")?.is_empty());
        assert_eq!(
            p.finish(),
            Some(SseEvent {
                event: Some("error".into()),
                data: "boom".into()
            })
        );
        Ok(())
    }
}
