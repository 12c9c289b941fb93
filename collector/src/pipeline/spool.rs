//! The on-disk spool: every batch the collector acknowledges, until it is
//! in ClickHouse.
//!
//! Segments `NNNNNNNNNNNNNNNN.seg` hold records appended in order, each
//! `"FSP4" | length u32 LE | CRC-32 u32 LE | payload`, the CRC over the
//! length's bytes and the payload, which is the batch in bincode (standard
//! configuration, through serde). Records of earlier versions are still
//! read: `"FSP3"` (same layout, a batch without metric rows: bincode is not
//! self-describing, so every change of the batch's or a row's fields needs
//! a new magic and the old layout kept as a type of its own,
//! [`SpooledBatchV3`]), `"FSP2"` (same layout, JSON payload; fields added
//! since read as empty through `#[serde(default)]`) and `"FSPL"` (JSON, the
//! CRC over the payload only). Every append is fsynced before the batch is
//! acknowledged. A `cursor` file (replaced atomically) remembers how far
//! the writer got. After a crash the last record of the newest segment may
//! be torn; it was never acknowledged, so opening the spool cuts it off. A
//! record whose checksum does not match is skipped with an error count
//! rather than replayed corrupt.
//!
//! A failed append (disk full, I/O error) is cut off again at once, so the
//! next acknowledged record never lands behind garbage that replay would
//! stop at. A failed *fsync* is different: the kernel may have dropped the
//! dirty pages and cleared the error, so nothing later written to the file
//! can be trusted — the spool refuses every further append until the
//! collector is restarted (and reopening validates the file).

use faasight_store::{InvocationRow, LogRow, MetricRow, SpanRow};
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 4] = b"FSP4";
/// Records with a bincode payload of a [`SpooledBatchV3`].
const MAGIC_V3: &[u8; 4] = b"FSP3";
/// Records with a JSON payload.
const MAGIC_V2: &[u8; 4] = b"FSP2";
/// Records with a JSON payload whose CRC covers only the payload.
const MAGIC_V1: &[u8; 4] = b"FSPL";
const HEADER: u64 = 12;
/// A new segment is started past this size, so finished ones can be deleted.
const SEGMENT_BYTES: u64 = 64 * 1024 * 1024;

/// What is spooled: one write batch with its id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SpooledBatch {
    /// The id written on every row, used to skip batches ClickHouse already has.
    pub batch_id: String,
    /// Invocation rows.
    pub invocations: Vec<InvocationRow>,
    /// Span rows.
    pub spans: Vec<SpanRow>,
    /// Log rows.
    pub logs: Vec<LogRow>,
    /// Metric data point rows (absent from records before `"FSP4"`).
    #[serde(default)]
    pub metrics: Vec<MetricRow>,
    /// Which tables hold rows of a request that was not faasight's own
    /// telemetry: only their INSERTs get a span. Not spooled (a replayed
    /// batch has none: replay has its own span).
    #[serde(skip)]
    pub traced: TracedTables,
}

/// Per table, whether an INSERT is traced (see [`SpooledBatch::traced`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct TracedTables {
    pub invocations: bool,
    pub spans: bool,
    pub logs: bool,
    pub metrics: bool,
}

impl SpooledBatch {
    /// Rows of all kinds.
    pub fn rows(&self) -> usize {
        self.invocations.len() + self.spans.len() + self.logs.len() + self.metrics.len()
    }
}

/// A batch as `"FSP3"` records hold it, before metric rows: the field
/// order and types bincode wrote then. Never changed; read and converted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SpooledBatchV3 {
    /// See [`SpooledBatch::batch_id`].
    pub batch_id: String,
    /// Invocation rows.
    pub invocations: Vec<InvocationRow>,
    /// Span rows.
    pub spans: Vec<SpanRow>,
    /// Log rows.
    pub logs: Vec<LogRow>,
}

impl From<SpooledBatchV3> for SpooledBatch {
    fn from(b: SpooledBatchV3) -> SpooledBatch {
        SpooledBatch {
            batch_id: b.batch_id,
            invocations: b.invocations,
            spans: b.spans,
            logs: b.logs,
            metrics: Vec::new(),
            traced: TracedTables::default(),
        }
    }
}

/// An open spool directory.
#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    /// Segment being appended to.
    active_seq: u64,
    active: File,
    active_len: u64,
    /// Replay position: segment and byte offset of the next record.
    cursor: (u64, u64),
    pending: u64,
    corrupt: u64,
    /// Set by a failed fsync: why no append is accepted any more.
    failed: Option<String>,
}

fn segment_path(dir: &Path, seq: u64) -> PathBuf {
    dir.join(format!("{seq:016}.seg"))
}

fn segments(dir: &Path) -> io::Result<Vec<u64>> {
    let mut seqs: Vec<u64> = fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.strip_suffix(".seg")?.parse().ok())
        .collect();
    seqs.sort_unstable();
    Ok(seqs)
}

fn checksum(length: &[u8], payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(length);
    h.update(payload);
    h.finalize()
}

/// How a record's payload is encoded.
#[derive(Debug, Clone, Copy)]
enum Encoding {
    /// A [`SpooledBatch`] in bincode (`"FSP4"`).
    Bincode,
    /// A [`SpooledBatchV3`] in bincode (`"FSP3"`).
    BincodeV3,
    /// A [`SpooledBatch`] in JSON (`"FSP2"`, `"FSPL"`).
    Json,
}

/// The whole record of `batch`: header and bincode payload, encoded in
/// place into one buffer sized from the rows' memory (an upper bound of
/// their encoding), so that it is neither grown nor copied.
fn encode_record(batch: &SpooledBatch) -> io::Result<Vec<u8>> {
    let estimate = super::approx_bytes(
        &batch.invocations,
        &batch.spans,
        &batch.logs,
        &batch.metrics,
    );
    let mut record = Vec::with_capacity(HEADER as usize + estimate + 64);
    record.extend_from_slice(&[0; HEADER as usize]);
    bincode::serde::encode_into_std_write(batch, &mut record, bincode::config::standard())
        .map_err(io::Error::other)?;
    let len = u32::try_from(record.len() - HEADER as usize)
        .map_err(|_| io::Error::other("batch too large to spool"))?
        .to_le_bytes();
    let crc = checksum(&len, &record[HEADER as usize..]).to_le_bytes();
    record[0..4].copy_from_slice(MAGIC);
    record[4..8].copy_from_slice(&len);
    record[8..12].copy_from_slice(&crc);
    Ok(record)
}

fn decode(payload: &[u8], encoding: Encoding) -> io::Result<SpooledBatch> {
    match encoding {
        Encoding::Bincode => {
            bincode::serde::decode_from_slice(payload, bincode::config::standard())
                .map(|(batch, _)| batch)
                .map_err(io::Error::other)
        }
        Encoding::BincodeV3 => bincode::serde::decode_from_slice::<SpooledBatchV3, _>(
            payload,
            bincode::config::standard(),
        )
        .map(|(batch, _)| batch.into())
        .map_err(io::Error::other),
        Encoding::Json => serde_json::from_slice(payload).map_err(io::Error::other),
    }
}

/// A place in the spool: a segment and a byte offset in it.
pub type Position = (u64, u64);

/// What lies at an offset of a segment.
enum Record {
    /// A whole record: its payload, how it is encoded, and its total size.
    Whole(Vec<u8>, Encoding, u64),
    /// A whole record whose checksum does not match: its total size.
    Corrupt(u64),
    /// The end of the data, or a torn tail.
    End,
}

fn read_record(file: &mut File, offset: u64, file_len: u64) -> io::Result<Record> {
    if offset + HEADER > file_len {
        return Ok(Record::End);
    }
    file.seek(SeekFrom::Start(offset))?;
    let mut header = [0u8; HEADER as usize];
    file.read_exact(&mut header)?;
    let (covers_length, encoding) = match &header[0..4] {
        m if m == MAGIC => (true, Encoding::Bincode),
        m if m == MAGIC_V3 => (true, Encoding::BincodeV3),
        m if m == MAGIC_V2 => (true, Encoding::Json),
        m if m == MAGIC_V1 => (false, Encoding::Json),
        _ => return Ok(Record::End),
    };
    let len = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as u64;
    let crc = u32::from_le_bytes([header[8], header[9], header[10], header[11]]);
    if offset + HEADER + len > file_len {
        return Ok(Record::End);
    }
    let mut payload = vec![0u8; len as usize];
    file.read_exact(&mut payload)?;
    let expected = if covers_length {
        checksum(&header[4..8], &payload)
    } else {
        crc32fast::hash(&payload)
    };
    if expected != crc {
        return Ok(Record::Corrupt(HEADER + len));
    }
    Ok(Record::Whole(payload, encoding, HEADER + len))
}

impl Spool {
    /// Opens (or creates) the spool in `dir`, cutting off a torn tail and
    /// counting the batches still to replay.
    pub fn open(dir: &Path) -> io::Result<Spool> {
        fs::create_dir_all(dir)?;
        let cursor = match fs::read_to_string(dir.join("cursor")) {
            Ok(text) => {
                let mut parts = text.split_whitespace().map(|p| p.parse::<u64>());
                match (parts.next(), parts.next()) {
                    (Some(Ok(seq)), Some(Ok(off))) => (seq, off),
                    _ => (0, 0),
                }
            }
            Err(_) => (0, 0),
        };
        let seqs = segments(dir)?;
        let active_seq = seqs.last().copied().unwrap_or(1);
        // Validate the newest segment and cut off a torn tail.
        let path = segment_path(dir, active_seq);
        let mut active = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)?;
        let file_len = active.metadata()?.len();
        let mut good = 0;
        while let Record::Whole(_, _, n) | Record::Corrupt(n) =
            read_record(&mut active, good, file_len)?
        {
            good += n;
        }
        if good < file_len {
            tracing::warn!(segment = %path.display(), kept = good, cut = file_len - good, "Cut a torn record off the spool.");
            active.set_len(good)?;
            active.sync_all()?;
        }
        let mut spool = Spool {
            dir: dir.to_path_buf(),
            active_seq,
            active,
            active_len: good,
            cursor: if cursor.0 == 0 {
                (seqs.first().copied().unwrap_or(active_seq), 0)
            } else {
                cursor
            },
            pending: 0,
            corrupt: 0,
            failed: None,
        };
        spool.pending = spool.count_pending()?;
        Ok(spool)
    }

    fn count_pending(&mut self) -> io::Result<u64> {
        let mut n = 0;
        for seq in segments(&self.dir)?
            .into_iter()
            .filter(|s| *s >= self.cursor.0)
        {
            let mut file = File::open(segment_path(&self.dir, seq))?;
            let len = file.metadata()?.len();
            let mut off = if seq == self.cursor.0 {
                self.cursor.1
            } else {
                0
            };
            while let Record::Whole(_, _, size) | Record::Corrupt(size) =
                read_record(&mut file, off, len)?
            {
                n += 1;
                off += size;
            }
        }
        Ok(n)
    }

    /// Batches acknowledged and not yet stored.
    pub fn pending(&self) -> u64 {
        self.pending
    }

    /// Records skipped because their checksum did not match.
    pub fn corrupt(&self) -> u64 {
        self.corrupt
    }

    /// Why the spool refuses appends (after a failed fsync), if it does.
    pub fn failed(&self) -> Option<&str> {
        self.failed.as_deref()
    }

    /// Appends a batch durably (written and fsynced when this returns) and
    /// returns the position just past it (see [`Spool::advance_to`]). On
    /// an error nothing of the batch stays in the spool.
    pub fn append(&mut self, batch: &SpooledBatch) -> io::Result<Position> {
        if let Some(why) = &self.failed {
            return Err(io::Error::other(format!(
                "the spool refuses writes since an fsync failed ({why}); restart the collector"
            )));
        }
        if self.active_len >= SEGMENT_BYTES {
            let next = OpenOptions::new()
                .create(true)
                .read(true)
                .append(true)
                .open(segment_path(&self.dir, self.active_seq + 1))?;
            File::open(&self.dir)?.sync_all()?;
            self.active_seq += 1;
            self.active = next;
            self.active_len = 0;
        }
        let record = encode_record(batch)?;
        if let Err(e) = self.active.write_all(&record) {
            // Cut off what was written of it; if even that fails, the file
            // is in an unknown state.
            if let Err(cut) = self.active.set_len(self.active_len) {
                self.failed = Some(format!(
                    "write failed ({e}), then truncating failed ({cut})"
                ));
            }
            return Err(e);
        }
        if let Err(e) = self.active.sync_data() {
            self.failed = Some(e.to_string());
            return Err(e);
        }
        self.active_len += record.len() as u64;
        self.pending += 1;
        Ok((self.active_seq, self.active_len))
    }

    /// The oldest batch not yet replayed, if any (corrupt records are
    /// skipped and counted).
    pub fn peek(&mut self) -> io::Result<Option<SpooledBatch>> {
        loop {
            if self.pending == 0 {
                return Ok(None);
            }
            let (seq, off) = self.cursor;
            let path = segment_path(&self.dir, seq);
            let mut file = match File::open(&path) {
                Ok(f) => f,
                Err(e) if e.kind() == io::ErrorKind::NotFound && seq < self.active_seq => {
                    self.move_cursor((seq + 1, 0))?;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let len = file.metadata()?.len();
            match read_record(&mut file, off, len)? {
                Record::Whole(payload, encoding, _) => return decode(&payload, encoding).map(Some),
                Record::End if seq < self.active_seq => self.move_cursor((seq + 1, 0))?,
                Record::End => {
                    self.pending = 0;
                    return Ok(None);
                }
                Record::Corrupt(_) => {
                    tracing::error!(segment = %path.display(), offset = off, "Skipping a spooled batch whose checksum does not match.");
                    self.corrupt += 1;
                    self.advance()?;
                }
            }
        }
    }

    /// The oldest pending batches, in order, holding at most `max_rows`
    /// rows (but at least one batch), and the position just past the last
    /// of them — without moving the cursor. Stops before a corrupt record
    /// ([`Spool::peek`] skips it), so the result may be empty.
    pub fn read_ahead(&mut self, max_rows: usize) -> io::Result<(Vec<SpooledBatch>, Position)> {
        let mut out = Vec::new();
        let mut rows = 0;
        let (mut seq, mut off) = self.cursor;
        let mut open: Option<(u64, File, u64)> = None;
        while (out.len() as u64) < self.pending {
            if open.as_ref().is_none_or(|(s, _, _)| *s != seq) {
                match File::open(segment_path(&self.dir, seq)) {
                    Ok(f) => {
                        let len = f.metadata()?.len();
                        open = Some((seq, f, len));
                    }
                    Err(e) if e.kind() == io::ErrorKind::NotFound && seq < self.active_seq => {
                        (seq, off) = (seq + 1, 0);
                        continue;
                    }
                    Err(e) => return Err(e),
                }
            }
            let Some((_, file, len)) = open.as_mut() else {
                break;
            };
            match read_record(file, off, *len)? {
                Record::Whole(payload, encoding, size) => {
                    let batch = decode(&payload, encoding)?;
                    let n = batch.rows();
                    if !out.is_empty() && rows + n > max_rows {
                        break;
                    }
                    rows += n;
                    out.push(batch);
                    off += size;
                }
                Record::End if seq < self.active_seq => (seq, off) = (seq + 1, 0),
                Record::End | Record::Corrupt(_) => break,
            }
        }
        Ok((out, (seq, off)))
    }

    /// Marks the batch returned by [`Spool::peek`] as replayed.
    pub fn advance(&mut self) -> io::Result<()> {
        let (seq, off) = self.cursor;
        let mut file = File::open(segment_path(&self.dir, seq))?;
        let len = file.metadata()?.len();
        let size = match read_record(&mut file, off, len)? {
            Record::Whole(_, _, size) | Record::Corrupt(size) => size,
            Record::End => len.saturating_sub(off),
        };
        self.move_cursor((seq, off + size))?;
        self.pending = self.pending.saturating_sub(1);
        Ok(())
    }

    /// Marks the `records` oldest pending batches as stored, the last of
    /// them ending at `end` (as [`Spool::append`] returned it): one cursor
    /// write for a whole group, without reading the records back.
    pub fn advance_to(&mut self, end: Position, records: u64) -> io::Result<()> {
        self.move_cursor(end)?;
        self.pending = self.pending.saturating_sub(records);
        Ok(())
    }

    fn move_cursor(&mut self, to: (u64, u64)) -> io::Result<()> {
        let tmp = self.dir.join("cursor.tmp");
        fs::write(&tmp, format!("{} {}\n", to.0, to.1))?;
        File::open(&tmp)?.sync_all()?;
        fs::rename(&tmp, self.dir.join("cursor"))?;
        File::open(&self.dir)?.sync_all()?;
        // Whole segments behind the cursor are done.
        for seq in segments(&self.dir)?.into_iter().filter(|s| *s < to.0) {
            fs::remove_file(segment_path(&self.dir, seq))?;
        }
        self.cursor = to;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(id: &str, n: usize) -> SpooledBatch {
        SpooledBatch {
            batch_id: id.into(),
            invocations: (0..n)
                .map(|i| InvocationRow {
                    function: format!("f{i}"),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn replays_in_order_across_reopen_and_forgets_what_was_replayed() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = Spool::open(dir.path()).unwrap();
        for i in 0..3 {
            spool.append(&batch(&format!("b{i}"), i + 1)).unwrap();
        }
        assert_eq!(spool.pending(), 3);
        assert_eq!(spool.peek().unwrap().unwrap().batch_id, "b0");
        spool.advance().unwrap();
        drop(spool);
        let mut spool = Spool::open(dir.path()).unwrap();
        assert_eq!(spool.pending(), 2);
        let b = spool.peek().unwrap().unwrap();
        assert_eq!((b.batch_id.as_str(), b.invocations.len()), ("b1", 2));
        spool.advance().unwrap();
        assert_eq!(spool.peek().unwrap().unwrap().batch_id, "b2");
        spool.advance().unwrap();
        assert_eq!(spool.peek().unwrap(), None);
        assert_eq!(spool.pending(), 0);
    }

    /// bincode is not self-describing: a field it wrote out of step would
    /// shift every later one. Every field of every row kind, none at its
    /// default, comes back equal.
    #[test]
    fn every_field_of_every_row_survives_the_spool() {
        use chrono::TimeZone;
        let at = chrono::Utc.with_ymd_and_hms(2026, 3, 1, 12, 30, 5).unwrap();
        let batch = SpooledBatch {
            batch_id: "0123456789abcdef-0000000042".into(),
            invocations: vec![InvocationRow {
                tenant: "acme".into(),
                provider: "aws_lambda".into(),
                account: "123456789012".into(),
                region: "eu-west-1".into(),
                function: "checkout".into(),
                version: "$LATEST".into(),
                runtime: "nodejs20.x".into(),
                arch: "arm64".into(),
                memory_mb: 1769,
                timeout_ms: 30_000,
                request_id: "8f5e2c1a-4d3b".into(),
                instance_id: "2026/03/01/[$LATEST]ab".into(),
                trace_id: "1-65e1-abcdef".into(),
                start_time: at,
                start_time_ms: 1_772_368_205_123,
                duration_ms: 123.45,
                billed_duration_ms: 124,
                init_duration_ms: 456.7,
                restore_duration_ms: 8.9,
                billed_restore_duration_ms: 9,
                cpu_time_ms: 101.5,
                start_type: "cold".into(),
                max_memory_used_mb: 180,
                status: "error".into(),
                error_type: "Runtime.ExitError".into(),
                trigger: "http".into(),
                cost_usd: faasight_store::PicoUsd(2_083_334),
                source: "ndjson".into(),
                batch_id: "0123456789abcdef-0000000042".into(),
                batch_row: 1,
                ingested_at: at + chrono::Duration::seconds(3),
            }],
            spans: vec![SpanRow {
                tenant: "acme".into(),
                timestamp: at,
                start_time_unix_nano: 1,
                end_time_unix_nano: 5,
                duration_ns: 4,
                trace_id: "t".into(),
                span_id: "s".into(),
                parent_span_id: "p".into(),
                trace_state: "k=v".into(),
                name: "GET /".into(),
                kind: 2,
                status_code: -1,
                status_message: "boom".into(),
                service_name: "checkout".into(),
                resource_keys: vec!["cloud.region".into()],
                resource_values: vec!["eu-west-1".into()],
                scope_name: "scope".into(),
                scope_version: "1.0".into(),
                attribute_keys: vec!["a".into(), "b".into()],
                attribute_values: vec!["1".into(), "2".into()],
                event_time_unix_nano: vec![3],
                event_names: vec!["exception".into()],
                event_attributes: vec!["{}".into()],
                link_trace_ids: vec!["lt".into()],
                link_span_ids: vec!["ls".into()],
                batch_id: "0123456789abcdef-0000000042".into(),
                batch_row: 1,
            }],
            logs: vec![LogRow {
                tenant: "acme".into(),
                timestamp: at,
                time_unix_nano: 7,
                observed_time_unix_nano: 8,
                trace_id: "t".into(),
                span_id: "s".into(),
                severity_number: 17,
                severity_text: "ERROR".into(),
                body: "it broke".into(),
                service_name: "checkout".into(),
                function: "checkout".into(),
                request_id: "8f5e2c1a-4d3b".into(),
                resource_keys: vec!["faas.name".into()],
                resource_values: vec!["checkout".into()],
                scope_name: "scope".into(),
                attribute_keys: vec!["code".into()],
                attribute_values: vec!["500".into()],
                source: "otlp".into(),
                batch_id: "0123456789abcdef-0000000042".into(),
                batch_row: 1,
            }],
            metrics: vec![MetricRow {
                tenant: "acme".into(),
                timestamp: at,
                time_unix_nano: 9,
                start_time_unix_nano: 10,
                service_name: "checkout".into(),
                metric_name: "http.server.duration".into(),
                metric_description: "How long requests took".into(),
                metric_unit: "ms".into(),
                metric_type: "histogram".into(),
                temporality: 2,
                is_monotonic: 1,
                resource_keys: vec!["service.name".into()],
                resource_values: vec!["checkout".into()],
                scope_name: "meter".into(),
                scope_version: "2.0".into(),
                attribute_keys: vec!["route".into()],
                attribute_values: vec!["/pay".into()],
                value: -1.5,
                count: 11,
                sum: 12.25,
                min: 0.5,
                max: 9.75,
                bucket_counts: vec![1, 2, 3],
                explicit_bounds: vec![1.0, 5.0],
                exp_scale: -3,
                exp_zero_count: 13,
                exp_positive_offset: -14,
                exp_positive_counts: vec![15, 16],
                exp_negative_offset: 17,
                exp_negative_counts: vec![18],
                quantiles: vec![0.5, 0.99],
                quantile_values: vec![19.0, 20.5],
                flags: 1,
                exemplar_time_unix_nano: vec![21],
                exemplar_values: vec![22.5],
                exemplar_trace_ids: vec!["et".into()],
                exemplar_span_ids: vec!["es".into()],
                batch_id: "0123456789abcdef-0000000042".into(),
                batch_row: 1,
            }],
            // Not spooled (`#[serde(skip)]`): read back as the default.
            traced: Default::default(),
        };
        let dir = tempfile::tempdir().unwrap();
        let mut spool = Spool::open(dir.path()).unwrap();
        spool.append(&batch).unwrap();
        drop(spool);
        let mut spool = Spool::open(dir.path()).unwrap();
        assert_eq!(spool.peek().unwrap(), Some(batch));
    }

    /// A record written before metric rows existed (`"FSP3"`, the batch
    /// without its last field, as bincode laid it out then) is read with
    /// its rows intact and no metric rows, before and after new records.
    #[test]
    fn an_fsp3_record_of_the_layout_before_metrics_still_replays() {
        let old = SpooledBatchV3 {
            batch_id: "old".into(),
            invocations: vec![InvocationRow {
                function: "f".into(),
                memory_mb: 512,
                batch_row: 1,
                ..Default::default()
            }],
            spans: vec![SpanRow {
                name: "GET /".into(),
                attribute_keys: vec!["a".into()],
                attribute_values: vec!["1".into()],
                batch_row: 1,
                ..Default::default()
            }],
            logs: vec![LogRow {
                body: "hello".into(),
                batch_row: 1,
                ..Default::default()
            }],
        };
        let payload = bincode::serde::encode_to_vec(&old, bincode::config::standard()).unwrap();
        let len = (payload.len() as u32).to_le_bytes();
        let mut record = Vec::new();
        record.extend_from_slice(b"FSP3");
        record.extend_from_slice(&len);
        record.extend_from_slice(&checksum(&len, &payload).to_le_bytes());
        record.extend_from_slice(&payload);
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            segment_path(dir.path(), 1),
            [record.clone(), record].concat(),
        )
        .unwrap();

        let mut spool = Spool::open(dir.path()).unwrap();
        assert_eq!(spool.pending(), 2, "both old records are whole");
        let new = SpooledBatch {
            batch_id: "new".into(),
            metrics: vec![MetricRow {
                metric_name: "m".into(),
                value: 2.5,
                min: f64::NAN,
                batch_row: 1,
                ..Default::default()
            }],
            ..Default::default()
        };
        spool.append(&new).unwrap();
        let expected: SpooledBatch = old.clone().into();
        assert!(expected.metrics.is_empty());
        assert_eq!(spool.peek().unwrap(), Some(expected.clone()));
        spool.advance().unwrap();
        drop(spool);

        let mut spool = Spool::open(dir.path()).unwrap();
        let (batches, _) = spool.read_ahead(100).unwrap();
        assert_eq!(batches.len(), 2);
        assert_eq!(batches[0], expected);
        let back = &batches[1].metrics[0];
        assert_eq!((back.metric_name.as_str(), back.value), ("m", 2.5));
        assert!(back.min.is_nan(), "NaN survives bincode");
        assert_eq!(batches[1].rows(), 1);
    }

    /// Reading ahead leaves the cursor alone and stops at the row limit
    /// (a first batch larger than it still comes alone).
    #[test]
    fn reads_ahead_up_to_a_row_limit_without_moving() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = Spool::open(dir.path()).unwrap();
        let ends: Vec<Position> = [3, 4, 5, 1]
            .iter()
            .enumerate()
            .map(|(i, n)| spool.append(&batch(&format!("b{i}"), *n)).unwrap())
            .collect();
        let (got, end) = spool.read_ahead(8).unwrap();
        let ids: Vec<&str> = got.iter().map(|b| b.batch_id.as_str()).collect();
        assert_eq!((ids, end), (vec!["b0", "b1"], ends[1]));
        let (got, _) = spool.read_ahead(2).unwrap();
        assert_eq!(got.len(), 1, "one batch even above the limit");
        spool.advance_to(ends[1], 2).unwrap();
        let (got, end) = spool.read_ahead(100).unwrap();
        let ids: Vec<&str> = got.iter().map(|b| b.batch_id.as_str()).collect();
        assert_eq!((ids, end), (vec!["b2", "b3"], ends[3]));
        assert_eq!(spool.peek().unwrap().unwrap().batch_id, "b2");
    }

    /// A group written in one INSERT moves the cursor once, past its last
    /// record, and a reopened spool starts after it.
    #[test]
    fn advancing_past_a_group_keeps_what_follows_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = Spool::open(dir.path()).unwrap();
        let ends: Vec<Position> = (0..4)
            .map(|i| spool.append(&batch(&format!("b{i}"), 1)).unwrap())
            .collect();
        assert!(ends.windows(2).all(|w| w[0] < w[1]));
        spool.advance_to(ends[2], 3).unwrap();
        assert_eq!(spool.pending(), 1);
        assert_eq!(spool.peek().unwrap().unwrap().batch_id, "b3");
        drop(spool);
        let mut spool = Spool::open(dir.path()).unwrap();
        assert_eq!(spool.pending(), 1);
        assert_eq!(spool.peek().unwrap().unwrap().batch_id, "b3");
    }

    #[test]
    fn a_torn_tail_is_cut_and_a_corrupt_record_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = Spool::open(dir.path()).unwrap();
        spool.append(&batch("good", 1)).unwrap();
        spool.append(&batch("flipped", 1)).unwrap();
        spool.append(&batch("torn", 1)).unwrap();
        drop(spool);
        let seg = segment_path(dir.path(), 1);
        let mut bytes = fs::read(&seg).unwrap();
        // Flip a payload byte of the second record, tear the third.
        let first_len =
            HEADER as usize + u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
        bytes[first_len + HEADER as usize + 5] ^= 0x55;
        bytes.truncate(bytes.len() - 7);
        fs::write(&seg, &bytes).unwrap();

        let mut spool = Spool::open(dir.path()).unwrap();
        assert_eq!(spool.pending(), 2, "the torn record was never acknowledged");
        assert_eq!(spool.peek().unwrap().unwrap().batch_id, "good");
        spool.advance().unwrap();
        assert_eq!(spool.peek().unwrap(), None);
        assert_eq!(spool.corrupt(), 1);
        spool.append(&batch("after", 1)).unwrap();
        assert_eq!(spool.peek().unwrap().unwrap().batch_id, "after");
    }

    #[test]
    fn records_of_the_earlier_formats_are_still_read_and_the_crc_covers_the_length() {
        let dir = tempfile::tempdir().unwrap();
        // A JSON record whose CRC covers the payload only, then a JSON one
        // whose CRC covers the length too, as earlier versions wrote them.
        let mut old = Vec::new();
        // As they wrote it: without the metric rows added since.
        let json = |b: SpooledBatch| {
            let mut v = serde_json::to_value(b).unwrap();
            v.as_object_mut().unwrap().remove("metrics").unwrap();
            serde_json::to_vec(&v).unwrap()
        };
        let payload = json(batch("v1", 2));
        old.extend_from_slice(MAGIC_V1);
        old.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        old.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        old.extend_from_slice(&payload);
        let payload = json(batch("v2", 3));
        let len = (payload.len() as u32).to_le_bytes();
        old.extend_from_slice(MAGIC_V2);
        old.extend_from_slice(&len);
        old.extend_from_slice(&checksum(&len, &payload).to_le_bytes());
        old.extend_from_slice(&payload);
        fs::write(segment_path(dir.path(), 1), &old).unwrap();
        let mut spool = Spool::open(dir.path()).unwrap();
        spool.append(&batch("v3", 1)).unwrap();
        assert_eq!(spool.pending(), 3);
        let v1 = spool.peek().unwrap().unwrap();
        assert_eq!(
            (v1.batch_id.as_str(), v1.invocations[1].function.as_str()),
            ("v1", "f1")
        );
        spool.advance().unwrap();
        let v2 = spool.peek().unwrap().unwrap();
        assert_eq!((v2.batch_id.as_str(), v2.invocations.len()), ("v2", 3));
        spool.advance().unwrap();
        assert_eq!(spool.peek().unwrap().unwrap().batch_id, "v3");
        drop(spool);

        // A flipped bit in the length of a new record: the length still
        // fits the file (the record is shortened), and only a CRC over the
        // length notices.
        let seg = segment_path(dir.path(), 1);
        let mut bytes = fs::read(&seg).unwrap();
        let at = old.len() + 4;
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
        bytes[at..at + 4].copy_from_slice(&(len - 1).to_le_bytes());
        fs::write(&seg, &bytes).unwrap();
        let mut file = File::open(&seg).unwrap();
        let file_len = bytes.len() as u64;
        assert!(matches!(
            read_record(&mut file, old.len() as u64, file_len).unwrap(),
            Record::Corrupt(_)
        ));
    }

    /// Disk full under the spool, for real: a 512 KiB tmpfs (the tests run
    /// as root, as CI does). Before the fix, the failed append left a torn
    /// record behind which the next, acknowledged append landed; reopening
    /// the spool cut both off.
    #[test]
    fn a_failed_append_leaves_nothing_behind_and_later_appends_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        #[allow(unsafe_code)]
        // SAFETY: geteuid(2) has no preconditions.
        let root = unsafe { libc::geteuid() } == 0;
        if !root {
            // CI and the project's machines run as root; a developer's
            // non-root shell cannot mount, so the check runs there.
            eprintln!("skipped: mounting a tmpfs needs root");
            return;
        }
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=512k", "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("mount runs");
        assert!(status.success(), "mounting a tmpfs needs root");
        struct Unmount<'a>(&'a Path);
        impl Drop for Unmount<'_> {
            fn drop(&mut self) {
                let _ = std::process::Command::new("umount").arg(self.0).status();
            }
        }
        let _unmount = Unmount(dir.path());
        let filler = dir.path().join("filler");
        fs::write(&filler, vec![0u8; 64 * 1024]).unwrap();
        let spool_dir = dir.path().join("spool");
        let mut spool = Spool::open(&spool_dir).unwrap();
        let mut acknowledged = Vec::new();
        let mut failed = false;
        for i in 0..100 {
            let id = format!("b{i}");
            match spool.append(&batch(&id, 200)) {
                Ok(_) => acknowledged.push(id),
                Err(e) => {
                    assert_eq!(e.kind(), io::ErrorKind::StorageFull, "{e}");
                    failed = true;
                    break;
                }
            }
        }
        assert!(failed, "the tmpfs filled up");
        assert!(
            spool.failed().is_none(),
            "a failed write is not a failed fsync"
        );
        // Room again (an operator deleted something); the next batch is
        // acknowledged.
        let used: u64 = fs::metadata(segment_path(&spool_dir, 1)).unwrap().len();
        assert_eq!(used, spool.active_len, "the torn record was cut off");
        fs::remove_file(&filler).unwrap();
        spool.append(&batch("small", 1)).unwrap();
        acknowledged.push("small".into());
        drop(spool);

        let mut spool = Spool::open(&spool_dir).unwrap();
        let mut replayed = Vec::new();
        while let Some(b) = spool.peek().unwrap() {
            replayed.push(b.batch_id);
            spool.advance().unwrap();
        }
        assert_eq!(replayed, acknowledged);
        assert_eq!(spool.corrupt(), 0);
    }
}
