//! Scanning JSON text without parsing it: the bytes that lie outside string
//! literals, for the repairs and estimates that run before a parser does.

/// The bytes of `text` outside string literals (quotes excluded), with
/// their positions. Escapes inside strings are honoured, so `"a\"{"`
/// yields nothing.
pub(crate) fn outside_strings(text: &[u8]) -> impl Iterator<Item = (usize, u8)> + '_ {
    let (mut in_string, mut escaped) = (false, false);
    text.iter().enumerate().filter_map(move |(i, &b)| {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            return None;
        }
        if b == b'"' {
            in_string = true;
            return None;
        }
        Some((i, b))
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn strings_and_their_escapes_are_skipped() {
        let text = br#"{"a\"{,":[1, "x\\"],"b":{}}"#;
        let seen: String = super::outside_strings(text)
            .map(|(_, b)| b as char)
            .collect();
        assert_eq!(seen, "{:[1, ],:{}}");
        let positions: Vec<usize> = super::outside_strings(br#"[1,"",2]"#)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(positions, [0, 1, 2, 5, 6, 7]);
    }
}
