//! Which events a webhook receives: [`EventPattern`] and [`EventFilter`].
//!
//! A pattern is one of:
//!
//! - `*`: every event type;
//! - an exact type, `order.created`: that type only (case-sensitive, byte
//!   for byte);
//! - a prefix, `order.*`: every type that starts with `order.` and has at
//!   least one more character: `order.created`, `order.line.added`; not
//!   `order`, not `order.`, not `orders.created`.
//!
//! Grammar: `*`, or dot-separated non-empty segments, the last of which may be
//! `*`. At most [`MAX_PATTERN_LEN`] bytes, no whitespace or control
//! characters. Event types themselves may contain characters patterns refuse
//! (the ingestion API only refuses control characters); such types are
//! reachable through `*` or a prefix pattern only.
//!
//! ```
//! use triggers_webhooks::{EventFilter, EventPattern};
//! let p: EventPattern = "order.*".parse()?;
//! assert!(p.matches("order.line.added"));
//! assert!(!p.matches("orders.created"));
//!
//! let filter = EventFilter::parse(["invoice.paid", "order.*"])?;
//! assert!(filter.matches("order.created"));
//! assert!(!filter.matches("invoice.created"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest pattern, in bytes (the longest event type the API accepts).
pub const MAX_PATTERN_LEN: usize = 255;
/// Most patterns in one [`EventFilter`].
pub const MAX_FILTER_PATTERNS: usize = 100;

/// Why a pattern string was refused. Positions are byte offsets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PatternError {
    /// The empty string.
    #[error("event pattern must not be empty")]
    Empty,
    /// Longer than [`MAX_PATTERN_LEN`] bytes.
    #[error("event pattern is {len} bytes long; at most {MAX_PATTERN_LEN} are allowed")]
    TooLong {
        /// The pattern's length in bytes.
        len: usize,
    },
    /// A whitespace or control character.
    #[error(
        "event pattern contains {ch:?} at byte {at}; whitespace and control characters are not allowed"
    )]
    InvalidChar {
        /// The character.
        ch: char,
        /// Its byte offset.
        at: usize,
    },
    /// A `*` that is not the whole last segment (`order*`, `*.created`,
    /// `order.*.x`).
    #[error("`*` at byte {at} must be the whole last segment (`*` or `prefix.*`)")]
    MisplacedWildcard {
        /// The byte offset of the offending `*`.
        at: usize,
    },
    /// Two consecutive dots, or a dot at the start or the end.
    #[error("event pattern has an empty segment at byte {at}")]
    EmptySegment {
        /// The byte offset where the empty segment starts.
        at: usize,
    },
}

/// An event-type pattern. Parse it with [`str::parse`] or
/// [`EventPattern::parse`]; serialized as its string form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EventPattern {
    /// `*`: every event.
    All,
    /// One exact event type.
    Exact(String),
    /// `prefix.*`: holds the prefix without the trailing `.*`.
    Prefix(String),
}

impl EventPattern {
    /// Parses and validates a pattern.
    ///
    /// ```
    /// use triggers_webhooks::{EventPattern, PatternError};
    /// assert_eq!(EventPattern::parse("*"), Ok(EventPattern::All));
    /// assert_eq!(EventPattern::parse("a.*"), Ok(EventPattern::Prefix("a".into())));
    /// assert_eq!(EventPattern::parse("a*"), Err(PatternError::MisplacedWildcard { at: 1 }));
    /// ```
    pub fn parse(s: &str) -> Result<Self, PatternError> {
        if s.is_empty() {
            return Err(PatternError::Empty);
        }
        if s.len() > MAX_PATTERN_LEN {
            return Err(PatternError::TooLong { len: s.len() });
        }
        if let Some((at, ch)) = s
            .char_indices()
            .find(|(_, c)| c.is_whitespace() || c.is_control())
        {
            return Err(PatternError::InvalidChar { ch, at });
        }
        if s == "*" {
            return Ok(EventPattern::All);
        }
        let (body, prefix) = match s.strip_suffix(".*") {
            Some(p) => (p, true),
            None => (s, false),
        };
        if let Some(at) = body.find('*') {
            return Err(PatternError::MisplacedWildcard { at });
        }
        let mut offset = 0;
        for segment in body.split('.') {
            if segment.is_empty() {
                return Err(PatternError::EmptySegment { at: offset });
            }
            offset += segment.len() + 1;
        }
        Ok(if prefix {
            EventPattern::Prefix(body.to_owned())
        } else {
            EventPattern::Exact(body.to_owned())
        })
    }

    /// True when this pattern selects `event_type`.
    ///
    /// ```
    /// use triggers_webhooks::EventPattern;
    /// let p = EventPattern::parse("order.*").unwrap();
    /// assert!(p.matches("order.created"));
    /// assert!(!p.matches("order"));
    /// ```
    pub fn matches(&self, event_type: &str) -> bool {
        match self {
            EventPattern::All => true,
            EventPattern::Exact(t) => t == event_type,
            EventPattern::Prefix(p) => event_type
                .strip_prefix(p.as_str())
                .and_then(|rest| rest.strip_prefix('.'))
                .is_some_and(|rest| !rest.is_empty()),
        }
    }
}

impl fmt::Display for EventPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventPattern::All => f.write_str("*"),
            EventPattern::Exact(t) => f.write_str(t),
            EventPattern::Prefix(p) => write!(f, "{p}.*"),
        }
    }
}

impl FromStr for EventPattern {
    type Err = PatternError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventPattern::parse(s)
    }
}

impl Serialize for EventPattern {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for EventPattern {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        EventPattern::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Why a list of patterns was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FilterError {
    /// No pattern at all (use `*` for every event).
    #[error("at least one event pattern is required (use \"*\" for every event)")]
    NoPatterns,
    /// More than [`MAX_FILTER_PATTERNS`].
    #[error("{count} event patterns given; at most {MAX_FILTER_PATTERNS} are allowed")]
    TooMany {
        /// How many were given.
        count: usize,
    },
    /// One pattern is invalid.
    #[error("event pattern #{index}: {source}")]
    Pattern {
        /// Its 0-based position in the list.
        index: usize,
        /// What is wrong with it.
        #[source]
        source: PatternError,
    },
}

/// A webhook's subscription: 1 to [`MAX_FILTER_PATTERNS`] patterns, matching
/// an event when any pattern does. Serialized as a list of strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFilter(Vec<EventPattern>);

impl EventFilter {
    /// Every event (`["*"]`).
    pub fn all() -> Self {
        EventFilter(vec![EventPattern::All])
    }

    /// A filter of already parsed patterns, in the given order.
    pub fn new(patterns: Vec<EventPattern>) -> Result<Self, FilterError> {
        match patterns.len() {
            0 => Err(FilterError::NoPatterns),
            n if n > MAX_FILTER_PATTERNS => Err(FilterError::TooMany { count: n }),
            _ => Ok(EventFilter(patterns)),
        }
    }

    /// Parses each string; the first invalid one is reported with its index.
    ///
    /// ```
    /// use triggers_webhooks::{EventFilter, FilterError, PatternError};
    /// let err = EventFilter::parse(["a.b", ""]).unwrap_err();
    /// assert_eq!(err, FilterError::Pattern { index: 1, source: PatternError::Empty });
    /// ```
    pub fn parse<I>(patterns: I) -> Result<Self, FilterError>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let mut parsed = Vec::new();
        let mut iter = patterns.into_iter().enumerate();
        while let Some((index, p)) = iter.next() {
            if index >= MAX_FILTER_PATTERNS {
                return Err(FilterError::TooMany {
                    count: index + 1 + iter.count(),
                });
            }
            parsed.push(
                EventPattern::parse(p.as_ref())
                    .map_err(|source| FilterError::Pattern { index, source })?,
            );
        }
        EventFilter::new(parsed)
    }

    /// True when any pattern matches `event_type`.
    pub fn matches(&self, event_type: &str) -> bool {
        self.0.iter().any(|p| p.matches(event_type))
    }

    /// The patterns, in order.
    pub fn patterns(&self) -> &[EventPattern] {
        &self.0
    }
}

impl Serialize for EventFilter {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for EventFilter {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let patterns = Vec::<EventPattern>::deserialize(deserializer)?;
        EventFilter::new(patterns).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> EventPattern {
        match EventPattern::parse(s) {
            Ok(p) => p,
            Err(e) => panic!("{s:?}: {e}"),
        }
    }

    #[test]
    fn parses_the_three_forms() {
        assert_eq!(p("*"), EventPattern::All);
        assert_eq!(
            p("order.created"),
            EventPattern::Exact("order.created".into())
        );
        assert_eq!(p("order"), EventPattern::Exact("order".into()));
        assert_eq!(p("order.*"), EventPattern::Prefix("order".into()));
        assert_eq!(p("a.b.*"), EventPattern::Prefix("a.b".into()));
        for s in ["*", "order.created", "order.*", "a.b.*", "ünïcödé.*"] {
            assert_eq!(p(s).to_string(), s);
        }
    }

    #[test]
    fn refuses_with_precise_errors() {
        use PatternError::*;
        let cases: &[(&str, PatternError)] = &[
            ("", Empty),
            ("order created", InvalidChar { ch: ' ', at: 5 }),
            ("order\t", InvalidChar { ch: '\t', at: 5 }),
            (
                "a\u{7f}",
                InvalidChar {
                    ch: '\u{7f}',
                    at: 1,
                },
            ),
            (
                "a\u{a0}b",
                InvalidChar {
                    ch: '\u{a0}',
                    at: 1,
                },
            ),
            ("order*", MisplacedWildcard { at: 5 }),
            ("*.created", MisplacedWildcard { at: 0 }),
            ("order.*.x", MisplacedWildcard { at: 6 }),
            ("order.**", MisplacedWildcard { at: 6 }),
            ("**", MisplacedWildcard { at: 0 }),
            (".*", EmptySegment { at: 0 }),
            (".a", EmptySegment { at: 0 }),
            ("a.", EmptySegment { at: 2 }),
            ("a..b", EmptySegment { at: 2 }),
            ("a..*", EmptySegment { at: 2 }),
        ];
        for (s, want) in cases {
            assert_eq!(EventPattern::parse(s).as_ref(), Err(want), "{s:?}");
        }
        let long = "a".repeat(MAX_PATTERN_LEN + 1);
        assert_eq!(
            EventPattern::parse(&long),
            Err(TooLong {
                len: MAX_PATTERN_LEN + 1
            })
        );
        assert!(EventPattern::parse(&long[1..]).is_ok());
    }

    #[test]
    fn prefix_semantics() {
        let pat = p("order.*");
        assert!(pat.matches("order.created"));
        assert!(pat.matches("order.line.added"));
        for no in [
            "order",
            "order.",
            "orders.created",
            "orders",
            "xorder.created",
            "",
        ] {
            assert!(!pat.matches(no), "{no:?}");
        }
    }

    #[test]
    fn filter_bounds_and_serde() {
        assert_eq!(
            EventFilter::parse(Vec::<String>::new()),
            Err(FilterError::NoPatterns)
        );
        let many: Vec<String> = (0..=MAX_FILTER_PATTERNS).map(|i| format!("t{i}")).collect();
        assert_eq!(
            EventFilter::parse(&many),
            Err(FilterError::TooMany {
                count: MAX_FILTER_PATTERNS + 1
            })
        );
        assert!(EventFilter::parse(&many[1..]).is_ok());
        let more: Vec<String> = (0..150).map(|i| format!("t{i}")).collect();
        assert_eq!(
            EventFilter::parse(&more),
            Err(FilterError::TooMany { count: 150 })
        );
        assert_eq!(EventFilter::new(Vec::new()), Err(FilterError::NoPatterns));

        let f = EventFilter::parse(["order.*", "invoice.paid"]).expect("valid");
        let json = serde_json::to_string(&f).expect("serialize");
        assert_eq!(json, r#"["order.*","invoice.paid"]"#);
        let back: EventFilter = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, f);
        assert!(serde_json::from_str::<EventFilter>("[]").is_err());
        assert!(serde_json::from_str::<EventFilter>(r#"["a*"]"#).is_err());
        assert_eq!(EventFilter::all().patterns(), &[EventPattern::All]);
    }

    /// One valid segment: no dots, stars, whitespace or control characters.
    fn segment() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9_\\-é]{1,8}"
    }

    fn event_type() -> impl Strategy<Value = String> {
        prop::collection::vec(segment(), 1..5).prop_map(|s| s.join("."))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn star_matches_everything(t in any::<String>()) {
            prop_assert!(EventPattern::All.matches(&t));
            prop_assert!(EventFilter::all().matches(&t));
        }

        #[test]
        fn exact_matches_only_itself(t in event_type(), other in event_type()) {
            let pat = EventPattern::parse(&t).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&pat, &EventPattern::Exact(t.clone()));
            prop_assert!(pat.matches(&t));
            prop_assert_eq!(pat.matches(&other), other == t);
            prop_assert_eq!(pat.to_string(), t);
        }

        #[test]
        fn prefix_matches_exactly_the_longer_types(prefix in event_type(), t in event_type(), tail in event_type()) {
            let pat = EventPattern::parse(&format!("{prefix}.*"))
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let below = format!("{prefix}.{tail}");
            prop_assert!(pat.matches(&below));
            prop_assert!(!pat.matches(&prefix));
            let dotted = format!("{prefix}.");
            let glued = format!("{prefix}{tail}.x");
            prop_assert!(!pat.matches(&dotted));
            prop_assert!(!pat.matches(&glued));
            let expected = t.len() > dotted.len() && t.starts_with(&dotted);
            prop_assert_eq!(pat.matches(&t), expected);
        }

        #[test]
        fn parse_never_panics_and_round_trips(s in any::<String>()) {
            if let Ok(pat) = EventPattern::parse(&s) {
                prop_assert_eq!(pat.to_string(), s);
            }
        }
    }
}
