-- A function's cold starts (on-demand INITs and SnapStart restores: what
-- the caller waited for) per INIT-duration bin: the function page's
-- histogram. Read from invocation_hours (migration 0008), whose INIT
-- histogram has 0.5 %-wide logarithmic buckets (bucket k ≥ 1 holds
-- 0.001 ms × 1.005^(k−1) up to × 1.005^k); bin j merges `per_bin`
-- consecutive buckets, so its counts are exact and its edges are
-- 0.001 ms × 1.005^(j·per_bin) and × 1.005^((j+1)·per_bin). Bucket 0 (no
-- INIT reported, as Cloudflare Workers) is left out.
-- params: per_bin = 20; provider = 'aws_lambda'; account = '1'; region = 'us-east-1'; function = 'f'; tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    toUInt32(intDiv(toUInt32(bucket) - 1, per_bin)) AS bin,
    toUInt64(sum(bucket_count)) AS cold_starts
FROM
(
    SELECT toUInt32(?) AS per_bin, bucket, bucket_count
    FROM invocation_hours
    ARRAY JOIN init_buckets AS bucket, init_counts AS bucket_count
    WHERE provider = ? AND account = ? AND region = ? AND function = ?
      AND tenant = ? AND hour >= toDateTime(?) AND hour < toDateTime(?)
      AND bucket > 0
)
GROUP BY bin
ORDER BY bin
