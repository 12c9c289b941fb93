//! The one capped decompression helper: every gzip payload the collector
//! opens (CloudWatch subscription data, Firehose records) goes through it,
//! so a small compressed body cannot expand without limit.

use std::io::Read;

/// Why a payload could not be decompressed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GzipError {
    /// Not gzip, or corrupt.
    #[error("not valid gzip data: {0}")]
    Invalid(String),
    /// Decompresses to more than the limit.
    #[error("decompresses to more than {0} bytes")]
    TooLarge(usize),
}

/// Whether `bytes` starts with the gzip magic number.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

/// Decompresses gzip data (several members allowed, as CloudWatch writes
/// them), failing once the output would pass `limit` bytes.
pub fn decompress(bytes: &[u8], limit: usize) -> Result<Vec<u8>, GzipError> {
    let decoder = flate2::read::MultiGzDecoder::new(bytes);
    let mut out = Vec::new();
    decoder
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| GzipError::Invalid(e.to_string()))?;
    if out.len() > limit {
        return Err(GzipError::TooLarge(limit));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn round_trips_and_caps_bombs() {
        assert_eq!(decompress(&gz(b"hello"), 5).unwrap(), b"hello");
        let bomb = gz(&vec![0u8; 10_000_000]);
        assert!(bomb.len() < 20_000);
        assert_eq!(
            decompress(&bomb, 1_000_000),
            Err(GzipError::TooLarge(1_000_000))
        );
        assert!(matches!(
            decompress(b"not gzip", 100),
            Err(GzipError::Invalid(_))
        ));
        assert!(is_gzip(&gz(b"")) && !is_gzip(b"{}"));
    }
}
