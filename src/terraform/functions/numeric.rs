//! Numeric functions.

use super::*;

pub(super) fn map_number(c: &Call, f: impl Fn(f64) -> f64) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    c.number(f(c.num(v)?))
}

pub(super) fn signum(c: &Call) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    let n = c.num(v)?;
    if n.fract() != 0.0 {
        return error(
            "value must be a whole number, between -9223372036854775808 and 9223372036854775807",
        );
    }
    c.number(if n == 0.0 { 0.0 } else { n.signum() })
}

/// Terraform adds and multiplies decimal numbers at high precision before rounding to a double:
/// `0.1 + 0.2` is `0.3`. A double result one or two units in the last place away from a number
/// with 15 significant digits is taken to be that number.
pub fn decimal_tidy(n: f64) -> f64 {
    if !n.is_finite() || n == 0.0 {
        return n;
    }
    let tidy: f64 = format!("{n:.14e}").parse().unwrap_or(n);
    let ulp = f64::EPSILON * n.abs();
    if (tidy - n).abs() <= 2.0 * ulp {
        tidy
    } else {
        n
    }
}

/// `max`/`min`: the argument itself is returned, keeping its span.
pub(super) fn min_max(c: &Call, max: bool) -> R<Value> {
    if c.args.is_empty() {
        return error("must pass at least one number");
    }
    let mut best: Option<(f64, &Value)> = None;
    for a in c.args {
        let n = c.num(a)?;
        let better = match best {
            None => true,
            Some((b, _)) => (max && n > b) || (!max && n < b),
        };
        if better {
            best = Some((n, a));
        }
    }
    match best {
        Some((_, v)) if matches!(v.kind, Kind::Number(_)) => Ok(v.clone()),
        Some((n, v)) => Ok(Value::new(Kind::Number(n), v.span)),
        None => error("must pass at least one number"),
    }
}

pub(super) fn sum(c: &Call) -> R<Value> {
    let [list] = c.exactly::<1>()?;
    let items = c.items(list)?;
    if items.is_empty() {
        return error("cannot sum an empty list");
    }
    let mut total = 0.0;
    for item in items {
        if item.is_null() {
            return error("argument must be list, set, or tuple of number values");
        }
        total = decimal_tidy(total + c.num(item)?);
    }
    c.number(total)
}

pub(super) fn pow(c: &Call) -> R<Value> {
    let [base, exp] = c.exactly::<2>()?;
    c.number(c.num(base)?.powf(c.num(exp)?))
}

pub(super) fn log(c: &Call) -> R<Value> {
    let [n, base] = c.exactly::<2>()?;
    c.number(c.num(n)?.ln() / c.num(base)?.ln())
}

/// `parseint`: Go's digits for bases 2 to 62 (letters case-insensitive up to base 36).
pub(super) fn parseint(c: &Call) -> R<Value> {
    let [s, base] = c.exactly::<2>()?;
    let s = c.text(s)?;
    let base = c.int(base, "base")?;
    if !(2..=62).contains(&base) {
        return error("base must be a whole number between 2 and 62 inclusive");
    }
    let fail = || Fail::Error(format!("cannot parse {s:?} as a base {base} integer"));
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s.as_str()),
    };
    if body.is_empty() {
        return Err(fail());
    }
    // Exact while it fits in i128, then as near as f64 allows (numbers are f64 here anyway).
    let (mut n, mut big): (i128, Option<f64>) = (0, None);
    for b in body.bytes() {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'z' => b - b'a' + 10,
            b'A'..=b'Z' if base <= 36 => b - b'A' + 10,
            b'A'..=b'Z' => b - b'A' + 36,
            _ => return Err(fail()),
        };
        if i64::from(d) >= base {
            return Err(fail());
        }
        match big {
            Some(f) => big = Some(f * base as f64 + f64::from(d)),
            None => match n
                .checked_mul(i128::from(base))
                .and_then(|n| n.checked_add(i128::from(d)))
            {
                Some(next) => n = next,
                None => big = Some(n as f64 * base as f64 + f64::from(d)),
            },
        }
    }
    let n = big.unwrap_or(n as f64);
    c.number(if negative { -n } else { n })
}

#[cfg(test)]
mod tests {
    use crate::terraform::functions::tests::*;

    #[test]
    fn numeric_functions() {
        assert_eq!(
            ok("max", vec![n(1.0), n(5.0), n(3.0)]).as_number(),
            Some(5.0)
        );
        assert_eq!(js("max", vec![s("3"), n(2.0)]), "3");
        assert_eq!(ok("min", vec![n(1.0), n(-1.0)]).as_number(), Some(-1.0));
        assert_eq!(err("max", vec![]), "must pass at least one number");
        assert_eq!(js("sum", vec![nums(&[1.0, 2.5])]), "3.5");
        assert_eq!(js("sum", vec![list(vec![s("1"), n(2.0)])]), "3");
        assert_eq!(err("sum", vec![list(vec![])]), "cannot sum an empty list");
        assert_eq!(js("abs", vec![n(-3.5)]), "3.5");
        assert_eq!(js("abs", vec![s("-2")]), "2");
        assert_eq!(js("ceil", vec![n(1.2)]), "2");
        assert_eq!(js("floor", vec![n(-1.2)]), "-2");
        assert_eq!(js("signum", vec![n(-2.0)]), "-1");
        assert_eq!(js("signum", vec![n(0.0)]), "0");
        assert_eq!(js("log", vec![n(8.0), n(2.0)]), "3");
        assert_eq!(js("pow", vec![n(2.0), n(10.0)]), "1024");
        assert!(err("log", vec![n(0.0), n(10.0)]).contains("finite"));
        assert_eq!(unknown_reason("abs", vec![unk("n")]), "n");
    }

    #[test]
    fn parseint_bases() {
        let p = |x: &str, base: f64| js("parseint", vec![s(x), n(base)]);
        assert_eq!(p("ff", 16.0), "255");
        assert_eq!(p("-ZZ", 36.0), "-1295");
        assert_eq!(p("zz", 62.0), "2205");
        assert_eq!(p("Zz", 62.0), "3817");
        assert_eq!(
            err("parseint", vec![s("1_0"), n(10.0)]),
            "cannot parse \"1_0\" as a base 10 integer"
        );
        assert_eq!(
            err("parseint", vec![s("12"), n(1.0)]),
            "base must be a whole number between 2 and 62 inclusive"
        );
        assert!(err("parseint", vec![s("-"), n(10.0)]).starts_with("cannot parse"));
    }
}
