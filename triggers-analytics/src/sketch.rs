//! [`LatencySketch`]: latencies in microseconds, in a DDSketch
//! (`sketches-ddsketch`) with exact count, sum, min and max beside it.
//!
//! ## Error bound
//!
//! The sketch's relative accuracy is [`RELATIVE_ACCURACY`] (1%): for every
//! `q` in (0, 1), [`quantile(q)`](LatencySketch::quantile) returns a value
//! `v̂` with `|v̂ − v| ≤ 0.01 · v`, where `v` is the exact sample of rank
//! `⌊q · (n − 1)⌋` (0-based, ascending) among all `n` samples the sketch (or
//! every sketch merged into it) received, provided `v ≤`
//! [`MAX_TRACKED_US`]. Larger samples are recorded as `MAX_TRACKED_US`
//! (35.7 years: never a real latency); [`max`](LatencySketch::max) stays
//! exact. Quantiles 0 and 1 are the exact min and max; a zero latency is
//! counted exactly (DDSketch's zero bin).
//!
//! The guarantee holds after any number of merges: merging adds bin counts,
//! and with the default 2048 bins the sketch covers 1 µs to
//! `MAX_TRACKED_US` (keys 0..=1733) without ever collapsing a bin.
//!
//! ## Serialized form
//!
//! `{"count","sum","min","max","zero","bins":[[key,count],…]}`: the
//! non-empty bins (DDSketch keys, ascending) and the exact statistics.
//! Deserialization checks every invariant and rebuilds the DDSketch bin by
//! bin.

use core::fmt;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sketches_ddsketch::{Config, DDSketch};

/// The relative accuracy `α` of every percentile: 1%.
pub const RELATIVE_ACCURACY: f64 = 0.01;

/// Latencies above this (2^50 µs, about 35.7 years) are recorded at this
/// value; the relative-error guarantee holds up to it.
pub const MAX_TRACKED_US: u64 = 1 << 50;

/// The largest DDSketch key of a tracked value (that of
/// [`MAX_TRACKED_US`]), with margin.
const MAX_KEY: i32 = 1800;

fn config() -> Config {
    // α = 0.01, 2048 bins, values below 1e-9 in the zero bin.
    Config::defaults()
}

/// A mergeable latency distribution (microseconds).
#[derive(Clone)]
pub struct LatencySketch {
    dd: DDSketch,
    count: u64,
    sum: u64,
    min: u64,
    max: u64,
    /// The zero bin and the non-empty bins, kept while the sketch does not
    /// change (after deserialization or [`freeze`](Self::freeze)): range
    /// queries add these few bins instead of merging the whole DDSketch
    /// store (see [`SketchSum`]). One allocation of `(key + 1, count)`
    /// pairs, slot 0 being the zero bin.
    frozen: Option<Box<[(u32, u64)]>>,
}

/// The frozen form of `(zero, bins)`.
fn freeze_parts(zero: u64, bins: &[(i32, u64)]) -> Box<[(u32, u64)]> {
    let zero = (zero > 0).then_some((0, zero));
    zero.into_iter()
        .chain(bins.iter().map(|&(k, n)| ((k + 1) as u32, n)))
        .collect()
}

impl Default for LatencySketch {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencySketch {
    /// An empty sketch.
    pub fn new() -> Self {
        LatencySketch {
            dd: DDSketch::new(config()),
            count: 0,
            sum: 0,
            min: u64::MAX,
            max: 0,
            frozen: None,
        }
    }

    /// Records one latency.
    #[inline]
    pub fn add(&mut self, us: u64) {
        self.frozen = None;
        self.dd.add(us.min(MAX_TRACKED_US) as f64);
        self.count += 1;
        self.sum = self.sum.saturating_add(us);
        self.min = self.min.min(us);
        self.max = self.max.max(us);
    }

    /// Adds every sample of `other`.
    pub fn merge(&mut self, other: &LatencySketch) {
        if other.count == 0 {
            return;
        }
        self.frozen = None;
        // Every sketch of this crate has the same configuration (built here
        // or rebuilt by deserialization), so the merge cannot fail.
        let merged = self.dd.merge(&other.dd);
        debug_assert!(merged.is_ok(), "sketch configurations differ");
        self.count += other.count;
        self.sum = self.sum.saturating_add(other.sum);
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// Samples recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// True when no sample was recorded.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Exact sum of the samples (saturating at `u64::MAX` µs).
    pub fn sum(&self) -> u64 {
        self.sum
    }

    /// Exact smallest sample.
    pub fn min(&self) -> Option<u64> {
        (self.count > 0).then_some(self.min)
    }

    /// Exact largest sample.
    pub fn max(&self) -> Option<u64> {
        (self.count > 0).then_some(self.max)
    }

    /// Exact mean.
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum as f64 / self.count as f64)
    }

    /// The `q`-quantile (`q` in 0..=1, clamped; NaN is treated as 0) within
    /// [`RELATIVE_ACCURACY`] of the exact sample of rank `⌊q·(n−1)⌋`; exact
    /// for `q` = 0 and 1. `None` when empty.
    ///
    /// ```
    /// use triggers_analytics::{LatencySketch, RELATIVE_ACCURACY};
    /// let mut s = LatencySketch::new();
    /// for us in 1..=1000 { s.add(us); }
    /// let p99 = s.quantile(0.99).unwrap();
    /// assert!((p99 - 990.0).abs() <= RELATIVE_ACCURACY * 990.0);
    /// assert_eq!(s.quantile(1.0), Some(1000.0));
    /// ```
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let q = if q.is_nan() { 0.0 } else { q.clamp(0.0, 1.0) };
        if q == 0.0 {
            return Some(self.min as f64);
        }
        if q == 1.0 {
            return Some(self.max as f64);
        }
        self.dd.quantile(q).ok().flatten()
    }

    /// Keeps a compact copy of the bins until the next change, so that
    /// range queries read it instead of merging the DDSketch store (done by
    /// [`Bucket::seal`](crate::Bucket::seal); deserialized sketches are
    /// frozen already).
    pub fn freeze(&mut self) {
        if self.frozen.is_none() {
            if let Ok((zero, bins)) = self.bins() {
                self.frozen = Some(freeze_parts(zero, &bins));
            }
        }
    }

    /// The zero bin and the non-empty bins `(key, count)`, keys ascending:
    /// the frozen copy, or read through the sketch's standard (DataDog)
    /// binary encoding, the one public view of its bins.
    fn bins(&self) -> Result<(u64, Vec<(i32, u64)>), String> {
        if self.count == 0 {
            return Ok((0, Vec::new()));
        }
        if let Some(f) = &self.frozen {
            let zero = f.iter().filter(|(k, _)| *k == 0).map(|(_, n)| n).sum();
            let bins = f
                .iter()
                .filter(|(k, _)| *k > 0)
                .map(|&(k, n)| (k as i32 - 1, n))
                .collect();
            return Ok((zero, bins));
        }
        read_bins(&self.dd.to_java_bytes())
    }

    /// Rebuilds a sketch from its parts, checking every invariant.
    fn from_parts(
        count: u64,
        sum: u64,
        min: u64,
        max: u64,
        zero: u64,
        bins: &[(i32, u64)],
    ) -> Result<Self, String> {
        let mut s = LatencySketch::new();
        if count == 0 {
            if sum != 0 || zero != 0 || !bins.is_empty() {
                return Err("an empty sketch has no samples".into());
            }
            return Ok(s);
        }
        if min > max {
            return Err("min is above max".into());
        }
        if (zero > 0) != (min == 0) {
            return Err("the zero bin disagrees with min".into());
        }
        let mut total = zero;
        let mut prev = None;
        let cfg = config();
        for &(key, n) in bins {
            if !(0..=MAX_KEY).contains(&key) || n == 0 || prev.is_some_and(|p| p >= key) {
                return Err(format!("invalid bin ({key}, {n})"));
            }
            prev = Some(key);
            total = total
                .checked_add(n)
                .ok_or_else(|| "bin counts overflow".to_owned())?;
            // The representative value of a key maps back to that key.
            s.dd.add_with_count(cfg.value(key), n);
        }
        if zero > 0 {
            s.dd.add_with_count(0.0, zero);
        }
        if total != count {
            return Err(format!("bins hold {total} samples, count says {count}"));
        }
        if sum < max {
            return Err("sum is below max".into());
        }
        s.count = count;
        s.sum = sum;
        s.min = min;
        s.max = max;
        s.frozen = Some(freeze_parts(zero, bins));
        Ok(s)
    }
}

/// Sums many sketches fast: frozen ones bin by bin into a dense array,
/// the others by DDSketch merge; [`finish`](SketchSum::finish) gives the
/// merged sketch (the same bins, hence the same quantiles, as merging them
/// all). Reusable: `finish` resets it.
pub(crate) struct SketchSum {
    dense: Vec<u64>,
    lo: usize,
    hi: usize,
    count: u64,
    sum: u64,
    min: u64,
    max: u64,
    rest: LatencySketch,
}

impl SketchSum {
    pub(crate) fn new() -> Self {
        SketchSum {
            dense: vec![0; MAX_KEY as usize + 2],
            lo: usize::MAX,
            hi: 0,
            count: 0,
            sum: 0,
            min: u64::MAX,
            max: 0,
            rest: LatencySketch::new(),
        }
    }

    #[inline]
    pub(crate) fn add(&mut self, s: &LatencySketch) {
        if s.count == 0 {
            return;
        }
        let Some(f) = &s.frozen else {
            self.rest.merge(s);
            return;
        };
        for &(slot, n) in f.iter() {
            // Keys are checked when frozen (0..=MAX_KEY, slot = key + 1).
            let k = slot as usize;
            if let Some(c) = self.dense.get_mut(k) {
                *c += n;
                self.lo = self.lo.min(k);
                self.hi = self.hi.max(k);
            }
        }
        self.count += s.count;
        self.sum = self.sum.saturating_add(s.sum);
        self.min = self.min.min(s.min);
        self.max = self.max.max(s.max);
    }

    /// The merged sketch; resets the sum.
    pub(crate) fn finish(&mut self) -> LatencySketch {
        let mut out = std::mem::take(&mut self.rest);
        if self.count > 0 {
            let cfg = config();
            if self.lo <= self.hi {
                for (i, n) in self.dense[self.lo..=self.hi].iter_mut().enumerate() {
                    if *n > 0 {
                        let slot = self.lo + i;
                        let value = if slot == 0 {
                            0.0
                        } else {
                            cfg.value(slot as i32 - 1)
                        };
                        out.dd.add_with_count(value, *n);
                        *n = 0;
                    }
                }
            }
            out.frozen = None;
            out.count += self.count;
            out.sum = out.sum.saturating_add(self.sum);
            out.min = out.min.min(self.min);
            out.max = out.max.max(self.max);
        }
        self.lo = usize::MAX;
        self.hi = 0;
        self.count = 0;
        self.sum = 0;
        self.min = u64::MAX;
        self.max = 0;
        out
    }
}

impl PartialEq for LatencySketch {
    fn eq(&self, other: &Self) -> bool {
        self.count == other.count
            && self.sum == other.sum
            && self.min() == other.min()
            && self.max() == other.max()
            && match (self.bins(), other.bins()) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            }
    }
}

impl fmt::Debug for LatencySketch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LatencySketch")
            .field("count", &self.count)
            .field("min", &self.min())
            .field("max", &self.max())
            .field("p50", &self.quantile(0.5))
            .field("p99", &self.quantile(0.99))
            .finish()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Repr {
    count: u64,
    sum: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    min: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max: Option<u64>,
    zero: u64,
    bins: Vec<(i32, u64)>,
}

impl Serialize for LatencySketch {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (zero, bins) = self.bins().map_err(serde::ser::Error::custom)?;
        Repr {
            count: self.count,
            sum: self.sum,
            min: self.min(),
            max: self.max(),
            zero,
            bins,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for LatencySketch {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = Repr::deserialize(d)?;
        let (min, max) = match (r.count, r.min, r.max) {
            (0, None, None) => (u64::MAX, 0),
            (n, Some(min), Some(max)) if n > 0 => (min, max),
            _ => return Err(D::Error::custom("sketch: min and max go with a count")),
        };
        LatencySketch::from_parts(r.count, r.sum, min, max, r.zero, &r.bins)
            .map_err(|e| D::Error::custom(format!("invalid latency sketch: {e}")))
    }
}

// --- Reading the bins out of the DDSketch binary encoding -----------------
//
// The format (DataDog sketches-java `DDSketchWithExactSummaryStatistics`) as
// `sketches_ddsketch::encoding::encode_to_java_bytes` writes it: flag bytes
// followed by their payload. Only what that encoder writes is accepted.

const FLAG_INDEX_MAPPING_LOG: u8 = 0x02;
const FLAG_ZERO_COUNT: u8 = 0x04;
const FLAG_COUNT: u8 = 0xA0;
const FLAG_SUM: u8 = 0x84;
const FLAG_MIN: u8 = 0x88;
const FLAG_MAX: u8 = 0x8C;
/// Positive store, `IndexDeltasAndCounts` bin encoding.
const FLAG_POSITIVE_BINS: u8 = (1 << 2) | 1;

fn read_byte(input: &mut &[u8]) -> Result<u8, String> {
    let (&b, rest) = input
        .split_first()
        .ok_or_else(|| "truncated sketch encoding".to_owned())?;
    *input = rest;
    Ok(b)
}

fn skip(input: &mut &[u8], n: usize) -> Result<(), String> {
    if input.len() < n {
        return Err("truncated sketch encoding".into());
    }
    *input = &input[n..];
    Ok(())
}

fn read_uvarint(input: &mut &[u8]) -> Result<u64, String> {
    let mut value = 0u64;
    let mut shift = 0u32;
    loop {
        let b = read_byte(input)?;
        if b < 0x80 || shift == 56 {
            return Ok(value | (u64::from(b) << shift));
        }
        value |= (u64::from(b) & 0x7f) << shift;
        shift += 7;
    }
}

fn read_svarint(input: &mut &[u8]) -> Result<i64, String> {
    let e = read_uvarint(input)?;
    Ok(((e >> 1) as i64) ^ -((e & 1) as i64))
}

fn read_var_double(input: &mut &[u8]) -> Result<f64, String> {
    let mut bits = 0u64;
    let mut shift: i32 = 57;
    loop {
        let b = read_byte(input)?;
        if shift == 1 {
            bits |= u64::from(b);
            break;
        }
        if b < 0x80 {
            bits |= u64::from(b) << shift;
            break;
        }
        bits |= (u64::from(b) & 0x7f) << shift;
        shift -= 7;
    }
    Ok(f64::from_bits(bits.rotate_right(6).wrapping_add(1f64.to_bits())) - 1.0)
}

fn read_count(input: &mut &[u8]) -> Result<u64, String> {
    let c = read_var_double(input)?;
    if c >= 0.0 && c.fract() == 0.0 && c < 9_007_199_254_740_992.0 {
        Ok(c as u64)
    } else {
        Err(format!("invalid bin count {c}"))
    }
}

fn read_bins(bytes: &[u8]) -> Result<(u64, Vec<(i32, u64)>), String> {
    let mut input = bytes;
    let mut zero = 0;
    let mut bins = Vec::new();
    while !input.is_empty() {
        match read_byte(&mut input)? {
            FLAG_COUNT => {
                read_var_double(&mut input)?;
            }
            FLAG_SUM | FLAG_MIN | FLAG_MAX => skip(&mut input, 8)?,
            FLAG_INDEX_MAPPING_LOG => skip(&mut input, 16)?,
            FLAG_ZERO_COUNT => zero = read_count(&mut input)?,
            FLAG_POSITIVE_BINS => {
                let n = read_uvarint(&mut input)?;
                let mut index: i64 = 0;
                for _ in 0..n {
                    index = index
                        .checked_add(read_svarint(&mut input)?)
                        .ok_or_else(|| "bin index overflow".to_owned())?;
                    let key = i32::try_from(index).map_err(|_| "bin index overflow")?;
                    bins.push((key, read_count(&mut input)?));
                }
            }
            other => return Err(format!("unexpected sketch encoding flag 0x{other:02x}")),
        }
    }
    Ok((zero, bins))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_round_trip_through_parts() {
        let mut s = LatencySketch::new();
        for v in [0, 0, 1, 2, 3, 1000, 1001, 5_000_000, u64::MAX] {
            s.add(v);
        }
        let (zero, bins) = s.bins().expect("bins");
        assert_eq!(zero, 2);
        assert_eq!(bins.iter().map(|b| b.1).sum::<u64>(), 7);
        assert!(bins.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(bins.last().expect("bins").0 <= MAX_KEY);
        let r = LatencySketch::from_parts(s.count, s.sum, s.min, s.max, zero, &bins)
            .expect("valid parts");
        assert_eq!(r, s);
        for q in [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1.0] {
            assert_eq!(r.quantile(q), s.quantile(q), "{q}");
        }
        assert_eq!(s.max(), Some(u64::MAX));
        assert_eq!(s.sum(), u64::MAX);
    }

    #[test]
    fn sums_equal_merges_frozen_or_not() {
        let mut x = 12345u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut sketches = Vec::new();
        for i in 0..40 {
            let mut s = LatencySketch::new();
            for _ in 0..(next() % 50) {
                let v = next() % 10_000_000;
                s.add(if v % 17 == 0 { 0 } else { v });
            }
            if i % 3 != 0 {
                s.freeze();
            }
            sketches.push(s);
        }
        let mut merged = LatencySketch::new();
        let mut sum = SketchSum::new();
        for s in &sketches {
            merged.merge(s);
            sum.add(s);
        }
        let summed = sum.finish();
        assert_eq!(summed, merged);
        for q in [0.0, 0.001, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0] {
            assert_eq!(summed.quantile(q), merged.quantile(q), "{q}");
        }
        // Reusable after finish.
        sum.add(&sketches[1]);
        assert_eq!(sum.finish(), sketches[1]);
        assert!(sum.finish().is_empty());
        // A change drops the frozen copy.
        let mut s = sketches[1].clone();
        assert!(s.frozen.is_some());
        s.add(77);
        assert!(s.frozen.is_none());
        let mut expect = sketches[1].clone();
        expect.frozen = None;
        expect.add(77);
        assert_eq!(s, expect);
        assert_eq!(s.count(), sketches[1].count() + 1);
    }

    #[test]
    fn key_of_max_tracked_fits() {
        let cfg = config();
        assert!(cfg.key(MAX_TRACKED_US as f64) < MAX_KEY);
        assert!(cfg.key(MAX_TRACKED_US as f64) < 2048);
        assert_eq!(cfg.key(1.0), 0);
        for k in [0, 1, 500, 1733, MAX_KEY] {
            assert_eq!(cfg.key(cfg.value(k)), k);
        }
    }

    #[test]
    fn invalid_parts_are_refused() {
        assert!(LatencySketch::from_parts(1, 5, 5, 5, 0, &[]).is_err());
        assert!(LatencySketch::from_parts(1, 5, 5, 5, 0, &[(80, 2)]).is_err());
        assert!(LatencySketch::from_parts(2, 5, 5, 5, 0, &[(80, 1), (80, 1)]).is_err());
        assert!(LatencySketch::from_parts(1, 5, 6, 5, 0, &[(80, 1)]).is_err());
        assert!(LatencySketch::from_parts(1, 5, 5, 5, 0, &[(-1, 1)]).is_err());
        assert!(LatencySketch::from_parts(1, 5, 5, 5, 0, &[(MAX_KEY + 1, 1)]).is_err());
        assert!(LatencySketch::from_parts(0, 1, 0, 0, 0, &[]).is_err());
        assert!(LatencySketch::from_parts(1, 0, 0, 0, 0, &[(0, 1)]).is_err());
        assert!(LatencySketch::from_parts(1, 5, 5, 5, 0, &[(80, 1)]).is_ok());
    }

    #[test]
    fn garbage_encodings_are_errors() {
        assert!(read_bins(&[0xff]).is_err());
        assert!(read_bins(&[FLAG_SUM, 1, 2]).is_err());
        assert!(read_bins(&[FLAG_POSITIVE_BINS, 2, 0]).is_err());
        assert_eq!(read_bins(&[]), Ok((0, vec![])));
    }
}
