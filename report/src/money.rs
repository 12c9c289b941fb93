//! Showing pico-dollar amounts as text.
//!
//! Two forms, because they serve two readers: [`usd_exact`] keeps every
//! digit, for files that a spreadsheet sums (the sum of the shown values is
//! then the sum of the amounts, to the pico-dollar); [`usd_cents`] rounds to
//! cents with a dollar sign and thousands separators, for a person reading a
//! page. Both work on integers only: a float would lose digits above
//! 2⁵³ pico-dollars (about $9,000).

/// Pico-dollars in one US dollar.
pub const PICO_PER_USD: i64 = 1_000_000_000_000;

/// Pico-dollars in one cent.
const PICO_PER_CENT: u64 = 10_000_000_000;

/// The exact decimal USD value of `pico`, without a currency sign or
/// thousands separators (so a spreadsheet reads it as a number): trailing
/// zeros are trimmed but at least two decimals are kept, a negative amount
/// has a leading `-`.
///
/// `1_234_567_890_123` → `1.234567890123`, `5_000_000_000_000` → `5.00`,
/// `-500_000_000_000` → `-0.50`.
pub fn usd_exact(pico: i64) -> String {
    let abs = pico.unsigned_abs();
    let per_usd = PICO_PER_USD.unsigned_abs();
    let whole = abs / per_usd;
    let frac = format!("{:012}", abs % per_usd);
    let frac = frac.trim_end_matches('0');
    let frac = if frac.len() < 2 {
        format!("{frac:0<2}")
    } else {
        frac.to_owned()
    };
    let sign = if pico < 0 { "-" } else { "" };
    format!("{sign}{whole}.{frac}")
}

/// `pico` for a reader: rounded half away from zero to cents, with a dollar
/// sign and thousands separators; a negative amount as `-$1.00`.
///
/// An amount that rounds to zero cents is shown as `$0.00` whatever its
/// sign, since `-$0.00` reads as a credit that is not there.
pub fn usd_cents(pico: i64) -> String {
    let cents = cents_half_away(pico.unsigned_abs());
    let sign = if pico < 0 && cents > 0 { "-" } else { "" };
    format!("{sign}${}.{:02}", group_thousands(cents / 100), cents % 100)
}

/// `pico` rounded to whole dollars for a chart's axis (`$1,235`), half away
/// from zero.
pub fn usd_whole(pico: i64) -> String {
    let per_usd = PICO_PER_USD.unsigned_abs();
    let abs = pico.unsigned_abs();
    let dollars = abs / per_usd + u64::from(abs % per_usd >= per_usd / 2);
    let sign = if pico < 0 && dollars > 0 { "-" } else { "" };
    format!("{sign}${}", group_thousands(dollars))
}

/// Cents in `abs_pico`, half a cent rounding up (away from zero, as the
/// caller strips the sign first).
fn cents_half_away(abs_pico: u64) -> u64 {
    abs_pico / PICO_PER_CENT + u64::from(abs_pico % PICO_PER_CENT >= PICO_PER_CENT / 2)
}

/// An integer with `,` between groups of three digits (`1,234,567`), the
/// way invocation counts are shown next to dollar amounts.
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_keeps_every_digit() {
        assert_eq!(usd_exact(1_234_567_890_123), "1.234567890123");
        assert_eq!(usd_exact(5_000_000_000_000), "5.00");
        assert_eq!(usd_exact(0), "0.00");
        assert_eq!(usd_exact(1), "0.000000000001");
        assert_eq!(usd_exact(-500_000_000_000), "-0.50");
        assert_eq!(usd_exact(-1_230_000_000_000_000), "-1230.00");
        assert_eq!(usd_exact(i64::MIN), "-9223372.036854775808");
        assert_eq!(usd_exact(i64::MAX), "9223372.036854775807");
    }

    #[test]
    fn cents_round_half_away_from_zero() {
        assert_eq!(usd_cents(1_234_567_890_123_456), "$1,234.57");
        assert_eq!(usd_cents(5_000_000_000), "$0.01");
        assert_eq!(usd_cents(4_999_999_999), "$0.00");
        assert_eq!(usd_cents(-5_000_000_000), "-$0.01");
        assert_eq!(usd_cents(-4_999_999_999), "$0.00");
        assert_eq!(usd_cents(-1_000_000_000_000), "-$1.00");
        assert_eq!(usd_cents(999_999_995_000_000_000), "$1,000,000.00");
        assert_eq!(usd_cents(i64::MIN), "-$9,223,372.04");
    }

    #[test]
    fn whole_dollars_and_groups() {
        assert_eq!(usd_whole(1_499_999_999_999), "$1");
        assert_eq!(usd_whole(1_500_000_000_000), "$2");
        assert_eq!(usd_whole(-2_500_000_000_000), "-$3");
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1_000), "1,000");
        assert_eq!(group_thousands(12_345_678), "12,345,678");
    }
}
