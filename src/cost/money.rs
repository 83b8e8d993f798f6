//! Exact money: amounts in integer micro-dollars, unit prices in integer nano-dollars.
//!
//! Prices such as $0.0000004 per request need more than micro-dollars, so a [`UnitPrice`] counts
//! nano-dollars (10⁻⁹ USD) per unit; an amount of money ([`Money`]) counts micro-dollars (10⁻⁶ USD).
//! Both are parsed exactly from their decimal text (`"0.0952"` is 95,200,000 nano-dollars), never
//! through a float.
//!
//! **Rounding.** A cost line is `quantity × unit price`; [`Money::from_quantity`] computes it
//! exactly from the binary value of the `f64` quantity and rounds once, half to even, to whole
//! micro-dollars. Lines are then added as integers, so every total is the exact sum of the lines
//! it shows, whatever the order of addition. [`Money`]'s display rounds to cents (half to even)
//! for people; its serde form keeps all six decimals so JSON round-trips losslessly.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};

/// Micro-dollars in one dollar.
const MICROS_PER_DOLLAR: i64 = 1_000_000;
/// Nano-dollars in one dollar.
const NANOS_PER_DOLLAR: i64 = 1_000_000_000;

/// Why a decimal text is not a price or an amount; every variant names the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("`{0}` is empty; expected a decimal number of dollars such as 0.0952")]
    Empty(String),
    #[error("`{0}` is negative; prices are zero or more")]
    Negative(String),
    #[error("`{0}` uses an exponent; write the decimal out in full (e.g. 0.0000004, not 4e-7)")]
    Exponent(String),
    #[error("`{value}` has {decimals} decimals; at most {max} are representable")]
    TooManyDecimals {
        value: String,
        decimals: usize,
        max: usize,
    },
    #[error("`{0}` is not a decimal number (digits with an optional `.` and fraction)")]
    NotANumber(String),
    #[error("`{0}` is too large to represent")]
    TooLarge(String),
}

/// Parse `text` (optionally signed when `allow_negative`) as a decimal with at most `scale`
/// fraction digits, returning the value × 10^scale.
fn parse_decimal(text: &str, scale: u32, allow_negative: bool) -> Result<i64, MoneyError> {
    let value = text.to_string();
    if text.is_empty() {
        return Err(MoneyError::Empty(value));
    }
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if negative && !allow_negative {
        return Err(MoneyError::Negative(value));
    }
    if body.contains(['e', 'E']) {
        return Err(MoneyError::Exponent(value));
    }
    let (int_part, frac_part) = match body.split_once('.') {
        Some((i, f)) => (i, f),
        None => (body, ""),
    };
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int_part.is_empty() && frac_part.is_empty())
        || !digits_only(int_part)
        || !digits_only(frac_part)
    {
        return Err(MoneyError::NotANumber(value));
    }
    // Trailing zeros carry no precision: "0.10000000000" is still representable.
    let frac_trimmed = frac_part.trim_end_matches('0');
    if frac_trimmed.len() > scale as usize {
        return Err(MoneyError::TooManyDecimals {
            value,
            decimals: frac_part.len(),
            max: scale as usize,
        });
    }
    let too_large = || MoneyError::TooLarge(text.to_string());
    let mut whole: i64 = 0;
    for b in int_part.bytes() {
        whole = whole
            .checked_mul(10)
            .and_then(|w| w.checked_add(i64::from(b - b'0')))
            .ok_or_else(too_large)?;
    }
    let mut frac: i64 = 0;
    for b in frac_trimmed.bytes() {
        frac = frac * 10 + i64::from(b - b'0');
    }
    frac *= 10_i64.pow(scale - frac_trimmed.len() as u32);
    let magnitude = whole
        .checked_mul(10_i64.pow(scale))
        .and_then(|w| w.checked_add(frac))
        .ok_or_else(too_large)?;
    Ok(if negative { -magnitude } else { magnitude })
}

/// `value / 10^scale` as a decimal text with exactly `decimals` fraction digits (no rounding:
/// `decimals` must be ≥ the digits needed), or trimmed of trailing zeros when `trim`.
fn format_decimal(value: i64, scale: u32, trim: bool) -> String {
    let unit = 10_u64.pow(scale);
    let magnitude = value.unsigned_abs();
    let sign = if value < 0 { "-" } else { "" };
    let whole = magnitude / unit;
    let frac = magnitude % unit;
    let mut frac_text = format!("{frac:0width$}", width = scale as usize);
    if trim {
        while frac_text.ends_with('0') {
            frac_text.pop();
        }
    }
    if frac_text.is_empty() {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{frac_text}")
    }
}

/// `numerator / denominator` rounded half to even; `denominator` > 0.
fn div_round_half_even(numerator: i128, denominator: i128) -> i128 {
    let negative = numerator < 0;
    let magnitude = numerator.unsigned_abs();
    let d = denominator.unsigned_abs();
    let mut q = magnitude / d;
    let r = magnitude % d;
    let twice_r_vs_d = r.cmp(&(d - r)); // compares 2r with d without overflow
    if twice_r_vs_d == std::cmp::Ordering::Greater
        || (twice_r_vs_d == std::cmp::Ordering::Equal && q % 2 == 1)
    {
        q += 1;
    }
    let q = q as i128;
    if negative { -q } else { q }
}

/// Thousands separators for a non-negative integer: `1234567` → `1,234,567`.
fn group_thousands(n: u64) -> String {
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

/// A price per unit (per instance-hour, per GB-month, per request, ...), in integer
/// nano-dollars. Never negative when parsed from a price book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct UnitPrice(i64);

impl UnitPrice {
    /// Decimals a unit price can carry (nano-dollars).
    pub const DECIMALS: u32 = 9;
    pub const ZERO: UnitPrice = UnitPrice(0);

    pub const fn from_nanos(nanos: i64) -> UnitPrice {
        UnitPrice(nanos)
    }

    pub const fn nanos(self) -> i64 {
        self.0
    }

    /// Parse a price-book decimal such as `0.0952` or `20` exactly. Rejects negatives,
    /// exponents, more than nine decimals (trailing zeros excepted) and anything that is not a
    /// plain decimal; the error names the text.
    pub fn parse(text: &str) -> Result<UnitPrice, MoneyError> {
        parse_decimal(text, Self::DECIMALS, false).map(UnitPrice)
    }

    /// Dollars as a float, for charts and ratios only (never summed into money).
    pub fn as_dollars_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_DOLLAR as f64
    }

    /// The price as a plain decimal without trailing zeros: `0.0952`, `20`.
    pub fn to_decimal_string(self) -> String {
        format_decimal(self.0, Self::DECIMALS, true)
    }
}

impl fmt::Display for UnitPrice {
    /// `$0.0952`: every significant decimal, no rounding.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.to_decimal_string();
        match text.strip_prefix('-') {
            Some(rest) => write!(f, "-${rest}"),
            None => write!(f, "${text}"),
        }
    }
}

impl std::str::FromStr for UnitPrice {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        UnitPrice::parse(s)
    }
}

/// An amount of money in integer micro-dollars (10⁻⁶ USD). Sums are exact; see the module
/// documentation for where rounding happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

impl Money {
    /// Decimals an amount carries (micro-dollars); also the decimals of its serde form.
    pub const DECIMALS: u32 = 6;
    pub const ZERO: Money = Money(0);

    pub const fn from_micros(micros: i64) -> Money {
        Money(micros)
    }

    pub const fn micros(self) -> i64 {
        self.0
    }

    /// Whole dollars (`Money::from_dollars(73)` = $73.00).
    pub const fn from_dollars(dollars: i64) -> Money {
        Money(dollars * MICROS_PER_DOLLAR)
    }

    /// Parse an amount such as `1234.56` or `-0.000001` exactly (at most six decimals).
    pub fn parse(text: &str) -> Result<Money, MoneyError> {
        parse_decimal(text, Self::DECIMALS, true).map(Money)
    }

    /// The cost of `quantity` units at `price`: `quantity × price`, computed exactly from the
    /// binary value of `quantity` and rounded once, half to even, to whole micro-dollars.
    /// `None` when `quantity` is not finite or the amount does not fit (beyond ±$9.2 trillion).
    pub fn checked_from_quantity(quantity: f64, price: UnitPrice) -> Option<Money> {
        if !quantity.is_finite() {
            return None;
        }
        if quantity == 0.0 || price.0 == 0 {
            return Some(Money::ZERO);
        }
        // quantity = ± mantissa × 2^exponent exactly (IEEE 754 binary64).
        let bits = quantity.to_bits();
        let negative = bits >> 63 == 1;
        let biased = ((bits >> 52) & 0x7ff) as i32;
        let fraction = bits & ((1_u64 << 52) - 1);
        let (mantissa, exponent) = if biased == 0 {
            (fraction, -1074)
        } else {
            (fraction | (1_u64 << 52), biased - 1075)
        };
        // micro-dollars = mantissa × 2^exponent × nanos / 1000
        let mut numerator = i128::from(mantissa).checked_mul(i128::from(price.0))?;
        if negative {
            numerator = -numerator;
        }
        let micros = if exponent >= 0 {
            // mantissa ≥ 2^52, so 2^64 × mantissa nano-dollars is far beyond an i64 of µ$.
            if exponent >= 64 {
                return None;
            }
            let scaled = numerator.checked_mul(1_i128 << exponent)?;
            div_round_half_even(scaled, 1000)
        } else {
            let shift = (-exponent) as u32;
            // |numerator| < 2^117, so a denominator of 1000 × 2^118 or more rounds to zero.
            if shift >= 118 {
                0
            } else {
                div_round_half_even(numerator, 1000_i128 << shift)
            }
        };
        i64::try_from(micros).ok().map(Money)
    }

    /// [`Money::checked_from_quantity`] for quantities a simulation produces.
    ///
    /// # Panics
    /// When `quantity` is NaN or infinite, or the amount exceeds ±$9.2 trillion: both mean a
    /// broken usage computation, not a price.
    pub fn from_quantity(quantity: f64, price: UnitPrice) -> Money {
        Money::checked_from_quantity(quantity, price).unwrap_or_else(|| {
            panic!("cost of {quantity} units at {price} per unit is not a representable amount")
        })
    }

    /// Cents, rounded half to even (what [`Display`](fmt::Display) shows).
    pub fn to_cents(self) -> i64 {
        div_round_half_even(i128::from(self.0), 10_000) as i64
    }

    /// Dollars as a float, for charts only (never summed into money).
    pub fn as_dollars_f64(self) -> f64 {
        self.0 as f64 / MICROS_PER_DOLLAR as f64
    }

    /// The exact amount as a decimal with six decimals: `1234.560000`.
    pub fn to_decimal_string(self) -> String {
        format_decimal(self.0, Self::DECIMALS, false)
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }
}

impl fmt::Display for Money {
    /// `$1,234.56`, `-$0.05`: cents, rounded half to even.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cents = self.to_cents();
        let sign = if cents < 0 { "-" } else { "" };
        let magnitude = cents.unsigned_abs();
        let text = format!(
            "{sign}${}.{:02}",
            group_thousands(magnitude / 100),
            magnitude % 100
        );
        f.pad(&text)
    }
}

impl std::str::FromStr for Money {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Money::parse(s)
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, other: Money) -> Money {
        self.checked_add(other).expect("money overflow in addition")
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, other: Money) {
        *self = *self + other;
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, other: Money) -> Money {
        self.checked_sub(other)
            .expect("money overflow in subtraction")
    }
}

impl SubAssign for Money {
    fn sub_assign(&mut self, other: Money) {
        *self = *self - other;
    }
}

impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

impl<'a> Sum<&'a Money> for Money {
    fn sum<I: Iterator<Item = &'a Money>>(iter: I) -> Money {
        iter.copied().sum()
    }
}

/// Serialized as a decimal string with six decimals (`"1234.560000"`): exact, and a JSON
/// number would lose precision past 2^53 micro-dollars and invite float sums downstream.
impl serde::Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_decimal_string())
    }
}

/// Accepts the decimal string form (any number of decimals up to six).
impl<'de> serde::Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Money::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Serialized as a decimal string without trailing zeros (`"0.0952"`).
impl serde::Serialize for UnitPrice {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_decimal_string())
    }
}

impl<'de> serde::Deserialize<'de> for UnitPrice {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        UnitPrice::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> UnitPrice {
        UnitPrice::parse(text).unwrap()
    }

    #[test]
    fn unit_prices_parse_exactly() {
        assert_eq!(p("0.0952").nanos(), 95_200_000);
        assert_eq!(p("20").nanos(), 20_000_000_000);
        assert_eq!(p("0.0000004").nanos(), 400);
        assert_eq!(p("0.907714004").nanos(), 907_714_004);
        assert_eq!(p("0.10").nanos(), 100_000_000);
        assert_eq!(p(".5").nanos(), 500_000_000);
        assert_eq!(p("7.").nanos(), 7_000_000_000);
        assert_eq!(p("0").nanos(), 0);
        // Trailing zeros beyond nine decimals carry no precision.
        assert_eq!(p("0.1000000000000").nanos(), 100_000_000);
        // 0.1 + 0.2 is exactly 0.3 here.
        assert_eq!(p("0.1").nanos() + p("0.2").nanos(), p("0.3").nanos());
    }

    #[test]
    fn unit_price_errors_name_the_value() {
        let cases = [
            ("-0.1", "negative"),
            ("1e-7", "exponent"),
            ("4E2", "exponent"),
            ("0.0000000001", "decimals"),
            ("", "empty"),
            ("abc", "not a decimal"),
            ("1.2.3", "not a decimal"),
            ("$1", "not a decimal"),
            (" 1", "not a decimal"),
            (".", "not a decimal"),
            ("99999999999", "too large"),
        ];
        for (text, what) in cases {
            let err = UnitPrice::parse(text).unwrap_err().to_string();
            assert!(err.contains(what), "{text}: {err}");
            assert!(err.contains(&format!("`{text}`")), "{text}: {err}");
        }
    }

    #[test]
    fn unit_price_display() {
        assert_eq!(p("0.0952").to_string(), "$0.0952");
        assert_eq!(p("20").to_string(), "$20");
        assert_eq!(p("0.0000004").to_decimal_string(), "0.0000004");
        assert_eq!(p("0.0000004").as_dollars_f64(), 4e-7);
    }

    #[test]
    fn money_parse_and_decimal_string() {
        assert_eq!(Money::parse("1234.56").unwrap().micros(), 1_234_560_000);
        assert_eq!(Money::parse("-0.000001").unwrap().micros(), -1);
        assert!(Money::parse("0.0000001").is_err());
        assert_eq!(
            Money::from_micros(1_234_560_000).to_decimal_string(),
            "1234.560000"
        );
        assert_eq!(Money::from_micros(-5).to_decimal_string(), "-0.000005");
        assert_eq!(Money::from_dollars(73), Money::parse("73").unwrap());
    }

    #[test]
    fn from_quantity_is_exact_and_rounds_half_even() {
        // 730 h × $0.10 = $73 exactly.
        assert_eq!(
            Money::from_quantity(730.0, p("0.10")),
            Money::from_dollars(73)
        );
        // 730 h × $0.192 = $140.16.
        assert_eq!(
            Money::from_quantity(730.0, p("0.192")).micros(),
            140_160_000
        );
        // 1 request × $0.0000004 = 0.4 µ$ → 0; 2 requests = 0.8 µ$ → 1.
        assert_eq!(Money::from_quantity(1.0, p("0.0000004")).micros(), 0);
        assert_eq!(Money::from_quantity(2.0, p("0.0000004")).micros(), 1);
        // Exactly half a micro-dollar rounds to even: 0.5 → 0, 1.5 → 2, 2.5 → 2.
        assert_eq!(
            Money::from_quantity(1.0, UnitPrice::from_nanos(500)).micros(),
            0
        );
        assert_eq!(
            Money::from_quantity(3.0, UnitPrice::from_nanos(500)).micros(),
            2
        );
        assert_eq!(
            Money::from_quantity(5.0, UnitPrice::from_nanos(500)).micros(),
            2
        );
        assert_eq!(
            Money::from_quantity(-3.0, UnitPrice::from_nanos(500)).micros(),
            -2
        );
        // 0.5 h (exact in binary) × $0.0952 = $0.0476.
        assert_eq!(Money::from_quantity(0.5, p("0.0952")).micros(), 47_600);
        // 0.1 is not exact in binary (0.1000000000000000055...): 0.1 × $1 rounds to 100,000 µ$.
        assert_eq!(Money::from_quantity(0.1, p("1")).micros(), 100_000);
        // Tiny quantities round to zero; subnormals are handled.
        assert_eq!(Money::from_quantity(1e-300, p("1000")).micros(), 0);
        assert_eq!(
            Money::from_quantity(f64::MIN_POSITIVE / 4.0, p("1")).micros(),
            0
        );
        // Large quantities stay exact: 2^40 GB × $0.0912.
        let q = (1_u64 << 40) as f64;
        assert_eq!(
            Money::from_quantity(q, p("0.0912")).micros(),
            ((1_i128 << 40) * 91_200_000 / 1000) as i64
        );
        assert_eq!(Money::from_quantity(0.0, p("5")), Money::ZERO);
        assert_eq!(Money::from_quantity(123.0, UnitPrice::ZERO), Money::ZERO);
    }

    #[test]
    fn from_quantity_refuses_what_it_cannot_represent() {
        assert_eq!(Money::checked_from_quantity(f64::NAN, p("1")), None);
        assert_eq!(Money::checked_from_quantity(f64::INFINITY, p("1")), None);
        assert_eq!(Money::checked_from_quantity(1e20, p("1000")), None);
        assert_eq!(Money::checked_from_quantity(f64::MAX, p("1")), None);
    }

    #[test]
    #[should_panic(expected = "not a representable amount")]
    fn from_quantity_panics_on_nan() {
        let _ = Money::from_quantity(f64::NAN, p("1"));
    }

    #[test]
    fn totals_are_exact_sums_of_lines() {
        // 730 one-hour lines at $0.0952 add up to exactly the one 730-hour line.
        let lines: Vec<Money> = (0..730)
            .map(|_| Money::from_quantity(1.0, p("0.0952")))
            .collect();
        let total: Money = lines.iter().sum();
        assert_eq!(total, Money::from_quantity(730.0, p("0.0952")));
        assert_eq!(total.to_string(), "$69.50");
        let owned: Money = lines.into_iter().sum();
        assert_eq!(owned, total);
        let mut m = Money::from_dollars(10);
        m += Money::from_dollars(5);
        m -= Money::from_dollars(20);
        assert_eq!(m, Money::from_dollars(-5));
        assert_eq!(-m, Money::from_dollars(5));
        assert_eq!(
            Money::from_dollars(3) - Money::from_dollars(1),
            Money::from_dollars(2)
        );
    }

    #[test]
    fn display_in_cents_half_even() {
        assert_eq!(Money::parse("1234.56").unwrap().to_string(), "$1,234.56");
        assert_eq!(
            Money::parse("1234567.891").unwrap().to_string(),
            "$1,234,567.89"
        );
        assert_eq!(Money::parse("0.005").unwrap().to_string(), "$0.00");
        assert_eq!(Money::parse("0.015").unwrap().to_string(), "$0.02");
        assert_eq!(Money::parse("0.025").unwrap().to_string(), "$0.02");
        assert_eq!(Money::parse("0.025001").unwrap().to_string(), "$0.03");
        assert_eq!(Money::parse("-0.05").unwrap().to_string(), "-$0.05");
        assert_eq!(Money::parse("-1000").unwrap().to_string(), "-$1,000.00");
        assert_eq!(Money::ZERO.to_string(), "$0.00");
        assert_eq!(Money::parse("999.999").unwrap().to_string(), "$1,000.00");
        assert_eq!(format!("{:>10}", Money::from_dollars(5)), "     $5.00");
        assert_eq!(Money::parse("12.345").unwrap().to_cents(), 1234);
        assert_eq!(Money::parse("12.3451").unwrap().to_cents(), 1235);
        assert_eq!(Money::parse("1234.5").unwrap().as_dollars_f64(), 1234.5);
    }

    #[test]
    fn serde_is_a_six_decimal_string() {
        let m = Money::parse("1234.56").unwrap();
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, "\"1234.560000\"");
        let back: Money = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
        let short: Money = serde_json::from_str("\"-3.5\"").unwrap();
        assert_eq!(short, Money::parse("-3.5").unwrap());
        assert!(serde_json::from_str::<Money>("\"1e3\"").is_err());
        assert!(serde_json::from_str::<Money>("12.5").is_err());
        let price = p("0.0952");
        assert_eq!(serde_json::to_string(&price).unwrap(), "\"0.0952\"");
        let back: UnitPrice = serde_json::from_str("\"0.0952\"").unwrap();
        assert_eq!(back, price);
        assert!(serde_json::from_str::<UnitPrice>("\"-1\"").is_err());
    }
}
