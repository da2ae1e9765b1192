//! Date and time functions: `formatdate`, `timeadd`, `timecmp`. Timestamps are RFC 3339 text,
//! as in Terraform; a result keeps the offset its input was written with.

use super::{error, Call, R};
use crate::terraform::value::Kind;

/// An instant as Terraform's timestamps carry it: seconds since the epoch in UTC, nanoseconds,
/// and the offset (in seconds east of UTC) the text was written with.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Instant {
    secs: i64,
    nanos: u32,
    offset: i32,
}

impl Instant {
    /// Local calendar fields: (year, month 1-12, day, hour, minute, second, weekday 0=Sunday).
    fn fields(&self) -> (i64, u32, u32, u32, u32, u32, u32) {
        let local = self.secs + i64::from(self.offset);
        let days = local.div_euclid(86_400);
        let rem = local.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let weekday = (days + 4).rem_euclid(7) as u32; // 1970-01-01 was a Thursday
        (
            y,
            m,
            d,
            (rem / 3600) as u32,
            (rem % 3600 / 60) as u32,
            (rem % 60) as u32,
            weekday,
        )
    }

    fn rfc3339(&self) -> String {
        let (y, mo, d, h, mi, s, _) = self.fields();
        format!(
            "{}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{}",
            year4(y),
            offset_text(self.offset, true, true)
        )
    }
}

fn year4(y: i64) -> String {
    if y < 0 {
        format!("-{:04}", -y)
    } else {
        format!("{y:04}")
    }
}

/// `Z` for UTC when `z_for_utc`, otherwise `+hh:mm` (or `+hhmm` without `colon`).
fn offset_text(offset: i32, z_for_utc: bool, colon: bool) -> String {
    if offset == 0 && z_for_utc {
        return "Z".into();
    }
    let sign = if offset < 0 { '-' } else { '+' };
    let a = offset.unsigned_abs();
    let (h, m) = (a / 3600, a % 3600 / 60);
    if colon {
        format!("{sign}{h:02}:{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}")
    }
}

// Howard Hinnant's days <-> civil date algorithms (proleptic Gregorian calendar).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// RFC 3339: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; `t` and `z` in either case.
fn parse_rfc3339(s: &str) -> Option<Instant> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(i64::from(y), mo) {
        return None;
    }
    if h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    let mut i = 19;
    let mut nanos = 0u32;
    if b[i] == b'.' {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let digits = &s[start..i];
        if digits.is_empty() || digits.len() > 9 {
            return None;
        }
        nanos = format!("{digits:0<9}").parse().ok()?;
    }
    let offset = match s.get(i..)? {
        "Z" | "z" => 0,
        zone if zone.len() == 6 && matches!(zone.as_bytes()[0], b'+' | b'-') => {
            if zone.as_bytes()[3] != b':' {
                return None;
            }
            let (oh, om) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let o = (oh * 3600 + om * 60) as i32;
            if zone.starts_with('-') {
                -o
            } else {
                o
            }
        }
        _ => return None,
    };
    let local = days_from_civil(i64::from(y), mo, d) * 86_400 + i64::from(h * 3600 + mi * 60 + sec);
    Some(Instant {
        secs: local - i64::from(offset),
        nanos,
        offset,
    })
}

fn timestamp_arg(c: &Call, v: &crate::terraform::value::Value) -> R<Instant> {
    let s = c.text(v)?;
    match parse_rfc3339(&s) {
        Some(t) => Ok(t),
        None => error(format!(
            "`{}`: not a valid RFC3339 timestamp: {s:?}",
            c.name
        )),
    }
}

/// A Go duration (`1h30m`, `-2.5s`, `300ms`) in nanoseconds.
fn parse_duration(s: &str) -> Option<i128> {
    let (neg, mut rest) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let n_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..n_end];
        if number.is_empty() || number == "." {
            return None;
        }
        let value: f64 = number.parse().ok()?;
        rest = &rest[n_end..];
        let u_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = match &rest[..u_end] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[u_end..];
        total += value * unit;
    }
    let total = total.round() as i128;
    Some(if neg { -total } else { total })
}

pub(super) fn timeadd(c: &Call) -> R<crate::terraform::value::Value> {
    let [ts, dur] = c.exactly::<2>()?;
    let t = timestamp_arg(c, ts)?;
    let d = c.text(dur)?;
    let Some(nanos) = parse_duration(&d) else {
        return error(format!("`timeadd`: invalid duration {d:?}"));
    };
    let total = i128::from(t.secs) * 1_000_000_000 + i128::from(t.nanos) + nanos;
    let out = Instant {
        secs: total.div_euclid(1_000_000_000) as i64,
        nanos: total.rem_euclid(1_000_000_000) as u32,
        offset: t.offset,
    };
    Ok(c.string(out.rfc3339()))
}

pub(super) fn timecmp(c: &Call) -> R<crate::terraform::value::Value> {
    let [a, b] = c.exactly::<2>()?;
    let (a, b) = (timestamp_arg(c, a)?, timestamp_arg(c, b)?);
    let order = (a.secs, a.nanos).cmp(&(b.secs, b.nanos)) as i8;
    Ok(c.value(Kind::Number(f64::from(order))))
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

pub(super) fn formatdate(c: &Call) -> R<crate::terraform::value::Value> {
    let [spec, ts] = c.exactly::<2>()?;
    let spec = c.text(spec)?;
    let t = timestamp_arg(c, ts)?;
    match format_spec(&spec, &t) {
        Ok(s) => Ok(c.string(s)),
        Err(m) => error(format!("`formatdate`: {m}")),
    }
}

fn format_spec(spec: &str, t: &Instant) -> Result<String, String> {
    let (y, mo, d, h, mi, s, wd) = t.fields();
    let chars: Vec<char> = spec.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let ch = chars[i];
        if ch == '\'' {
            // a quoted literal; `''` is a quote
            let mut j = i + 1;
            if chars.get(j) == Some(&'\'') {
                out.push('\'');
                i = j + 1;
                continue;
            }
            loop {
                match chars.get(j) {
                    None => return Err("unterminated literal '".into()),
                    Some('\'') if chars.get(j + 1) == Some(&'\'') => {
                        out.push('\'');
                        j += 2;
                    }
                    Some('\'') => break,
                    Some(&other) => {
                        out.push(other);
                        j += 1;
                    }
                }
            }
            i = j + 1;
            continue;
        }
        if !ch.is_ascii_alphabetic() {
            out.push(ch);
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && chars[j] == ch {
            j += 1;
        }
        let n = j - i;
        let token: String = chars[i..j].iter().collect();
        let h12 = if h % 12 == 0 { 12 } else { h % 12 };
        let piece = match (ch, n) {
            ('Y', 4) => year4(y),
            ('Y', 2) => format!("{:02}", y.rem_euclid(100)),
            ('M', 4) => MONTHS[mo as usize - 1].to_string(),
            ('M', 3) => MONTHS[mo as usize - 1][..3].to_string(),
            ('M', 2) => format!("{mo:02}"),
            ('M', 1) => mo.to_string(),
            ('D', 2) => format!("{d:02}"),
            ('D', 1) => d.to_string(),
            ('E', 4) => WEEKDAYS[wd as usize].to_string(),
            ('E', 3) => WEEKDAYS[wd as usize][..3].to_string(),
            ('h', 2) => format!("{h:02}"),
            ('h', 1) => h.to_string(),
            ('H', 2) => format!("{h12:02}"),
            ('H', 1) => h12.to_string(),
            ('A', 2) => (if h < 12 { "AM" } else { "PM" }).to_string(),
            ('a', 2) => (if h < 12 { "am" } else { "pm" }).to_string(),
            ('m', 2) => format!("{mi:02}"),
            ('m', 1) => mi.to_string(),
            ('s', 2) => format!("{s:02}"),
            ('s', 1) => s.to_string(),
            ('Z', 1) => offset_text(t.offset, true, true),
            ('Z', 3) if t.offset == 0 => "UTC".to_string(),
            ('Z', 3) | ('Z', 4) => offset_text(t.offset, false, false),
            ('Z', 5) => offset_text(t.offset, false, true),
            _ => return Err(format!("invalid date format verb {token:?}")),
        };
        out.push_str(&piece);
        i = j;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(spec: &str, ts: &str) -> String {
        format_spec(spec, &parse_rfc3339(ts).unwrap()).unwrap()
    }

    #[test]
    fn formatdate_follows_terraforms_documented_examples() {
        let ts = "2018-01-02T23:12:01Z";
        assert_eq!(fmt("DD MMM YYYY hh:mm ZZZ", ts), "02 Jan 2018 23:12 UTC");
        assert_eq!(
            fmt("EEEE, DD-MMM-YY hh:mm:ss ZZZ", ts),
            "Tuesday, 02-Jan-18 23:12:01 UTC"
        );
        assert_eq!(
            fmt("EEE, DD MMM YYYY hh:mm:ss ZZZ", "2018-01-02T23:12:01-08:00"),
            "Tue, 02 Jan 2018 23:12:01 -0800"
        );
        assert_eq!(fmt("MMM DD, YYYY", ts), "Jan 02, 2018");
        assert_eq!(fmt("HH:mmaa", ts), "11:12pm");
        assert_eq!(
            fmt("h 'o''clock' ZZZZZ Z", "2018-01-02T03:04:05+05:30"),
            "3 o'clock +05:30 +05:30"
        );
        assert!(format_spec("YYY", &parse_rfc3339(ts).unwrap()).is_err());
    }

    #[test]
    fn timestamps_parse_strictly_and_keep_their_offset() {
        let t = parse_rfc3339("2017-11-22T00:00:00+01:00").unwrap();
        assert_eq!(t.secs, 1_511_305_200);
        assert_eq!(t.rfc3339(), "2017-11-22T00:00:00+01:00");
        assert!(parse_rfc3339("2017-02-29T00:00:00Z").is_none());
        assert!(parse_rfc3339("2017-11-22 00:00:00Z").is_none());
        assert!(parse_rfc3339("2017-11-22T00:00:00").is_none());
        assert_eq!(
            parse_rfc3339("2020-02-29T12:00:00.5Z").unwrap().nanos,
            500_000_000
        );
    }

    #[test]
    fn go_durations() {
        assert_eq!(parse_duration("10m"), Some(600_000_000_000));
        assert_eq!(parse_duration("1h30m"), Some(5_400_000_000_000));
        assert_eq!(parse_duration("-1.5h"), Some(-5_400_000_000_000));
        assert_eq!(parse_duration("0"), Some(0));
        assert_eq!(parse_duration("5"), None);
        assert_eq!(parse_duration("1d"), None);
    }
}
