//! Unit parsing: durations (`250ms`, `5s`, `1.5h`) and Kubernetes resource quantities (`250m`, `512Mi`).

/// Milliseconds in one unit of each duration suffix.
const DURATION_UNITS: &[(&str, f64)] = &[
    ("ms", 1.0),
    ("s", 1_000.0),
    ("m", 60_000.0),
    ("min", 60_000.0),
    ("h", 3_600_000.0),
    ("d", 86_400_000.0),
    ("w", 604_800_000.0),
];

/// Parse `<number><unit>` (ms, s, m/min, h, d, w) into whole milliseconds. A bare `0` is allowed.
pub fn parse_duration_ms(text: &str) -> Result<i64, String> {
    let t = text.trim();
    if t == "0" {
        return Ok(0);
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let unit = unit.trim();
    let Some((_, scale)) = DURATION_UNITS.iter().find(|(u, _)| *u == unit) else {
        return Err("expected a duration with a unit (ms, s, m, h, d or w)".to_string());
    };
    let value: f64 = num
        .parse()
        .map_err(|_| "expected a duration such as 30s".to_string())?;
    let ms = value * scale;
    if !ms.is_finite() || ms > 1e15 {
        return Err("duration is too long".to_string());
    }
    Ok(ms.round() as i64)
}

/// Parse a Kubernetes `resource.Quantity` into milli-units (`Quantity.MilliValue()`, rounded up
/// as Kubernetes does). Decimal SI suffixes (m, k, M, G, T), binary suffixes (Ki, Mi, Gi, Ti) and
/// exponents (`1e3`) are accepted; negative quantities are rejected because no capsim quantity can
/// be negative.
pub fn parse_quantity_milli(text: &str) -> Result<i64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("expected a quantity".to_string());
    }
    if t.starts_with('-') {
        return Err("a quantity must not be negative".to_string());
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+'))
        .unwrap_or(t.len());
    let (num, suffix) = t.split_at(split);
    let (num_f, mult): (f64, f64) = match suffix {
        "" => (num.parse().map_err(|_| bad())?, 1.0),
        "m" => (num.parse().map_err(|_| bad())?, 1e-3),
        "k" => (num.parse().map_err(|_| bad())?, 1e3),
        "M" => (num.parse().map_err(|_| bad())?, 1e6),
        "G" => (num.parse().map_err(|_| bad())?, 1e9),
        "T" => (num.parse().map_err(|_| bad())?, 1e12),
        "Ki" => (num.parse().map_err(|_| bad())?, 1024.0),
        "Mi" => (num.parse().map_err(|_| bad())?, 1024.0 * 1024.0),
        "Gi" => (num.parse().map_err(|_| bad())?, 1024.0 * 1024.0 * 1024.0),
        "Ti" => (num.parse().map_err(|_| bad())?, 1024f64.powi(4)),
        s if s.starts_with(['e', 'E']) => {
            let exp: i32 = s[1..].parse().map_err(|_| bad())?;
            (num.parse().map_err(|_| bad())?, 10f64.powi(exp))
        }
        _ => return Err(bad()),
    };
    let milli = num_f * mult * 1000.0;
    if !milli.is_finite() || milli > 9.0e18 {
        return Err("quantity is too large".to_string());
    }
    // MilliValue rounds up; the 1e-9 guard keeps 0.1*1000 from becoming 101.
    Ok((milli - 1e-9).ceil().max(0.0) as i64)
}

fn bad() -> String {
    "expected a Kubernetes quantity (a number with an optional suffix m, k, M, G, Ki, Mi, Gi)"
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("250ms"), Ok(250));
        assert_eq!(parse_duration_ms("5s"), Ok(5_000));
        assert_eq!(parse_duration_ms("1.5h"), Ok(5_400_000));
        assert_eq!(parse_duration_ms("10m"), Ok(600_000));
        assert_eq!(parse_duration_ms("0"), Ok(0));
        assert!(parse_duration_ms("5").is_err());
        assert!(parse_duration_ms("-5s").is_err());
        assert!(parse_duration_ms("5 parsecs").is_err());
    }

    /// Values from the Kubernetes `resource.Quantity` documentation
    /// (kubernetes.io, "Resource Management for Pods and Containers": 0.1 CPU = 100m; 128974848,
    /// 129e6, 129M, 123Mi are about the same memory).
    #[test]
    fn quantities_as_kubernetes_documents_them() {
        assert_eq!(parse_quantity_milli("250m"), Ok(250));
        assert_eq!(parse_quantity_milli("0.1"), Ok(100));
        assert_eq!(parse_quantity_milli("2"), Ok(2_000));
        assert_eq!(parse_quantity_milli("128974848"), Ok(128_974_848_000));
        assert_eq!(parse_quantity_milli("129e6"), Ok(129_000_000_000));
        assert_eq!(parse_quantity_milli("129M"), Ok(129_000_000_000));
        assert_eq!(parse_quantity_milli("123Mi"), Ok(128_974_848_000));
        assert_eq!(parse_quantity_milli("1k"), Ok(1_000_000));
        assert!(parse_quantity_milli("-1").is_err());
        assert!(parse_quantity_milli("12 apples").is_err());
    }
}
