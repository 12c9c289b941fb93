//! Number formatting for people: units always shown.

/// Pico-dollars as dollars: cents from $1 up, four significant digits below.
pub fn usd(pico: i64) -> String {
    let dollars = pico as f64 / 1e12;
    if dollars.abs() >= 1.0 {
        format!("${}", thousands_f(dollars, 2))
    } else if dollars == 0.0 {
        "$0.00".to_string()
    } else {
        let digits = (3 - dollars.abs().log10().floor() as i32).clamp(2, 12) as usize;
        format!("${dollars:.digits$}")
    }
}

/// `text` percent-encoded for a URL query value (RFC 3986 unreserved
/// characters kept).
pub fn url_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An integer with thousands separators.
pub fn count(n: u64) -> String {
    thousands_f(n as f64, 0)
}

/// A percentage with one decimal.
pub fn pct(p: f64) -> String {
    format!("{p:.1} %")
}

/// Milliseconds, with one decimal below 100 ms.
pub fn ms(v: f64) -> String {
    if v < 100.0 {
        format!("{v:.1} ms")
    } else {
        format!("{} ms", thousands_f(v, 0))
    }
}

/// Dollars (a chart axis value) with cents from $1 up.
pub fn dollars(v: f64) -> String {
    usd((v * 1e12).round() as i64)
}

/// Change from `before` to `now` as `+12.3 %` (or a sentence when there
/// was nothing before).
pub fn change(now: f64, before: f64) -> String {
    if before == 0.0 {
        if now == 0.0 {
            "no change".into()
        } else {
            "new (nothing before)".into()
        }
    } else {
        format!("{:+.1} %", 100.0 * (now - before) / before)
    }
}

/// A measured figure with its unit: money for a unit starting with `USD`
/// (`USD / month` reads `$12.34 / month`), milliseconds for `ms`, a
/// percentage for `%`, otherwise the number (thousands separated, decimals
/// only when it has some) followed by its unit.
pub fn quantity(value: f64, unit: &str) -> String {
    if !value.is_finite() {
        return format!("– {unit}").trim_end().to_string();
    }
    if let Some(rest) = unit.strip_prefix("USD") {
        return format!("{}{rest}", dollars(value));
    }
    match unit {
        "ms" => ms(value),
        "%" => pct(value),
        _ => {
            let decimals = if value.fract() == 0.0 {
                0
            } else if value.abs() >= 100.0 {
                1
            } else {
                2
            };
            let number = thousands_f(value, decimals);
            if unit.is_empty() {
                number
            } else {
                format!("{number} {unit}")
            }
        }
    }
}

/// A length of time in days: `7 days`, `1 day`, `2.5 days`.
pub fn days(d: f64) -> String {
    if (d - 1.0).abs() < 1e-9 {
        "1 day".to_string()
    } else if (d - d.round()).abs() < 1e-9 {
        format!("{d:.0} days")
    } else {
        format!("{d:.1} days")
    }
}

/// An id shortened for a table cell (the full id is in the link).
pub fn short_id(id: &str) -> String {
    if id.chars().count() > 14 {
        format!("{}…", id.chars().take(13).collect::<String>())
    } else {
        id.to_string()
    }
}

/// Megabytes.
pub fn mb(v: u32) -> String {
    format!("{} MB", thousands_f(f64::from(v), 0))
}

/// The link of a function's page.
pub fn function_href(provider: &str, account: &str, region: &str, function: &str) -> String {
    format!(
        "/functions/{}/{}/{}/{}",
        url_component(provider),
        url_component(account),
        url_component(region),
        url_component(function)
    )
}

fn thousands_f(v: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = s
        .split_once('.')
        .map(|(i, f)| (i, Some(f)))
        .unwrap_or((&s, None));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    if v < 0.0 {
        format!("-{out}")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_units() {
        assert_eq!(usd(1_234_567_000_000_000), "$1,234.57");
        assert_eq!(usd(4_120_000_000), "$0.004120");
        assert_eq!(usd(0), "$0.00");
        assert_eq!(usd(500_000_000_000), "$0.5000");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(12), "12");
        assert_eq!(pct(12.345), "12.3 %");
        assert_eq!(ms(12.34), "12.3 ms");
        assert_eq!(ms(12345.6), "12,346 ms");
        assert_eq!(quantity(1234.0, "invocations"), "1,234 invocations");
        assert_eq!(quantity(0.5, "s"), "0.50 s");
        assert_eq!(quantity(1234.56, "GB-s"), "1,234.6 GB-s");
        assert_eq!(quantity(12.34, "USD / month"), "$12.34 / month");
        assert_eq!(quantity(3.0, "USD"), "$3.00");
        assert_eq!(quantity(250.0, "ms"), "250 ms");
        assert_eq!(quantity(42.26, "%"), "42.3 %");
        assert_eq!(quantity(7.0, ""), "7");
        assert_eq!(quantity(f64::NAN, "ms"), "– ms");
        assert_eq!(days(7.0), "7 days");
        assert_eq!(days(1.0), "1 day");
        assert_eq!(days(2.5), "2.5 days");
    }
}
