//! The SSRF guard: which URLs a webhook may point at, and which addresses a
//! delivery may connect to.
//!
//! Two checks, at two moments:
//!
//! 1. [`UrlPolicy::validate_url`] when a webhook is created or changed:
//!    syntax, scheme, no credentials, and, for IP-literal hosts and
//!    `localhost` names, the address rules below.
//! 2. [`UrlPolicy::resolve_and_check`] (or [`UrlPolicy::resolve_url`]) at
//!    **every** delivery attempt: resolves the host and keeps only the
//!    addresses [`UrlPolicy::check_ip`] allows. The delivery client must
//!    connect to exactly these addresses (sending the original host name in
//!    `Host` and TLS SNI) and must not resolve the name again: a second
//!    resolution is a DNS-rebinding window, where a name answers with a
//!    public address to the check and with `127.0.0.1` to the connection.
//!    The client must not follow redirects either (a 3xx is an ordinary
//!    failed attempt, see [`Disposition`](crate::Disposition)).
//!
//! Addresses refused by every policy: unspecified (`0.0.0.0`, `::`),
//! "this network" `0.0.0.0/8`, link-local (`169.254/16`, `fe80::/10`), cloud
//! metadata services (`169.254.169.254`, `169.254.170.2`, `169.254.170.23`,
//! `100.100.100.200`, `fd00:ec2::254`), broadcast, multicast, documentation
//! ranges (`192.0.2/24`, `198.51.100/24`, `203.0.113/24`, `2001:db8::/32`,
//! `3fff::/20`), benchmarking, IETF-reserved and other non-global ranges,
//! and IPv6 outside `2000::/3`. Addresses refused unless
//! [`UrlPolicy::allow_private`]: loopback (`127/8`, `::1`), private
//! (`10/8`, `172.16/12`, `192.168/16`, `fc00::/7`, `fec0::/10`) and shared
//! (CGNAT `100.64/10`). IPv6 forms that embed an IPv4 address (mapped
//! `::ffff:a.b.c.d`, compatible `::a.b.c.d`, translated, NAT64
//! `64:ff9b::/96`, 6to4 `2002::/16`) are judged by the embedded address.
//!
//! ```
//! use triggers_webhooks::{UrlError, UrlPolicy};
//! let strict = UrlPolicy::default();
//! assert!(strict.validate_url("https://hooks.example.com/in").is_ok());
//! assert!(matches!(strict.validate_url("https://127.0.0.1/"), Err(UrlError::Blocked { .. })));
//! assert_eq!(strict.validate_url("http://hooks.example.com/"), Err(UrlError::HttpNotAllowed));
//!
//! let dev = UrlPolicy::local_dev();
//! assert!(dev.validate_url("http://127.0.0.1:8080/hook").is_ok());
//! ```

use core::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use url::{Host, Url};

/// Longest accepted webhook URL, in bytes.
pub const MAX_URL_LEN: usize = 2048;

/// Why an address is not a public unicast address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BlockReason {
    /// `127.0.0.0/8`, `::1`. Allowed by [`UrlPolicy::allow_private`].
    Loopback,
    /// RFC 1918, unique-local and site-local IPv6. Allowed by
    /// [`UrlPolicy::allow_private`].
    Private,
    /// CGNAT `100.64.0.0/10`. Allowed by [`UrlPolicy::allow_private`].
    SharedAddressSpace,
    /// A cloud instance-metadata service. Never allowed.
    CloudMetadata,
    /// Link-local. Never allowed.
    LinkLocal,
    /// `0.0.0.0`, `::`. Never allowed.
    Unspecified,
    /// `0.0.0.0/8` ("this network"). Never allowed.
    ThisNetwork,
    /// `255.255.255.255`. Never allowed.
    Broadcast,
    /// Multicast. Never allowed.
    Multicast,
    /// Documentation ranges. Never allowed.
    Documentation,
    /// Benchmarking ranges. Never allowed.
    Benchmarking,
    /// Reserved or special-purpose, not globally routable. Never allowed.
    Reserved,
}

impl BlockReason {
    /// True for the ranges [`UrlPolicy::allow_private`] opens.
    pub fn is_private_use(self) -> bool {
        matches!(
            self,
            BlockReason::Loopback | BlockReason::Private | BlockReason::SharedAddressSpace
        )
    }

    /// A short description.
    pub fn as_str(self) -> &'static str {
        match self {
            BlockReason::Loopback => "loopback",
            BlockReason::Private => "private network",
            BlockReason::SharedAddressSpace => "shared (CGNAT) address space",
            BlockReason::CloudMetadata => "cloud metadata service",
            BlockReason::LinkLocal => "link-local",
            BlockReason::Unspecified => "unspecified address",
            BlockReason::ThisNetwork => "\"this network\" range",
            BlockReason::Broadcast => "broadcast",
            BlockReason::Multicast => "multicast",
            BlockReason::Documentation => "documentation range",
            BlockReason::Benchmarking => "benchmarking range",
            BlockReason::Reserved => "reserved range",
        }
    }
}

impl fmt::Display for BlockReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a webhook URL or address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    /// Not an absolute URL.
    #[error("invalid URL: {0}")]
    Parse(#[from] url::ParseError),
    /// Longer than [`MAX_URL_LEN`].
    #[error("the URL is {len} bytes long; at most {MAX_URL_LEN} are allowed")]
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// Neither `https` nor `http`.
    #[error("unsupported URL scheme `{0}`; use https")]
    Scheme(String),
    /// `http` while the policy requires `https`.
    #[error("plain http is not allowed; use https")]
    HttpNotAllowed,
    /// A user name or password in the URL.
    #[error("the URL must not contain credentials (user:password@)")]
    UserInfo,
    /// No host.
    #[error("the URL has no host")]
    MissingHost,
    /// Port 0.
    #[error("invalid port 0")]
    InvalidPort,
    /// A `#fragment` (never sent over HTTP, so almost certainly a mistake).
    #[error("the URL must not contain a #fragment")]
    Fragment,
    /// `localhost` or a `*.localhost` name, refused unless
    /// [`UrlPolicy::allow_private`].
    #[error("`{0}` is a local host name")]
    LocalHostname(String),
    /// An address the policy refuses (an IP literal, or every address the
    /// host resolved to: this is the first refused one).
    #[error("address {ip} is not allowed ({reason})")]
    Blocked {
        /// The refused address.
        ip: IpAddr,
        /// Its range.
        reason: BlockReason,
    },
    /// The host name did not resolve.
    #[error("could not resolve the host: {0}")]
    Resolve(String),
    /// The host name resolved to no address at all.
    #[error("the host resolved to no address")]
    NoAddresses,
    /// The host is not in the deployment's allowlist of webhook hosts.
    #[error("the host `{0}` is not in this deployment's list of allowed webhook hosts")]
    HostNotAllowed(String),
}

impl UrlError {
    /// The stable machine code: `invalid_url`, `url_not_allowed` (the
    /// destination is refused by the policy) or `dns_failure`.
    pub fn code(&self) -> &'static str {
        match self {
            UrlError::LocalHostname(_) | UrlError::Blocked { .. } | UrlError::HostNotAllowed(_) => {
                "url_not_allowed"
            }
            UrlError::Resolve(_) | UrlError::NoAddresses => "dns_failure",
            _ => "invalid_url",
        }
    }
}

/// What webhook destinations are allowed. The default refuses plain http
/// and every non-public address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UrlPolicy {
    /// Accept `http://` URLs. Default `false`.
    pub allow_http: bool,
    /// Accept loopback, private and CGNAT addresses and `localhost` names
    /// (local development and tests). Default `false`. Link-local, metadata
    /// and the other special ranges stay refused.
    pub allow_private: bool,
}

impl UrlPolicy {
    /// The production policy (the default): https only, public addresses
    /// only.
    pub const fn strict() -> Self {
        UrlPolicy {
            allow_http: false,
            allow_private: false,
        }
    }

    /// Local development and tests: http and loopback/private addresses
    /// allowed.
    pub const fn local_dev() -> Self {
        UrlPolicy {
            allow_http: true,
            allow_private: true,
        }
    }

    /// Parses and checks a webhook URL: absolute, at most [`MAX_URL_LEN`]
    /// bytes, `https` (or `http` when allowed), no credentials, a host, no
    /// port 0, no fragment; an IP-literal host must pass
    /// [`check_ip`](Self::check_ip) and a `localhost` name needs
    /// `allow_private`. Host names are not resolved here: see
    /// [`resolve_and_check`](Self::resolve_and_check).
    pub fn validate_url(&self, s: &str) -> Result<Url, UrlError> {
        if s.len() > MAX_URL_LEN {
            return Err(UrlError::TooLong { len: s.len() });
        }
        let url = Url::parse(s)?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_http => {}
            "http" => return Err(UrlError::HttpNotAllowed),
            other => return Err(UrlError::Scheme(other.to_owned())),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(UrlError::UserInfo);
        }
        if url.port() == Some(0) {
            return Err(UrlError::InvalidPort);
        }
        if url.fragment().is_some() {
            return Err(UrlError::Fragment);
        }
        match url.host() {
            None => return Err(UrlError::MissingHost),
            Some(Host::Domain("")) => return Err(UrlError::MissingHost),
            Some(Host::Domain(d)) => self.check_hostname(d)?,
            Some(Host::Ipv4(ip)) => self.check_ip(IpAddr::V4(ip))?,
            Some(Host::Ipv6(ip)) => self.check_ip(IpAddr::V6(ip))?,
        }
        Ok(url)
    }

    /// Refuses an address this policy does not allow.
    ///
    /// ```
    /// use std::net::IpAddr;
    /// use triggers_webhooks::{BlockReason, UrlError, UrlPolicy};
    /// let ip: IpAddr = "::ffff:169.254.169.254".parse().unwrap();
    /// assert_eq!(
    ///     UrlPolicy::local_dev().check_ip(ip),
    ///     Err(UrlError::Blocked { ip, reason: BlockReason::CloudMetadata })
    /// );
    /// assert!(UrlPolicy::default().check_ip("93.184.215.14".parse().unwrap()).is_ok());
    /// ```
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), UrlError> {
        match classify(ip) {
            None => Ok(()),
            Some(reason) if self.allow_private && reason.is_private_use() => Ok(()),
            Some(reason) => Err(UrlError::Blocked { ip, reason }),
        }
    }

    fn check_hostname(&self, host: &str) -> Result<(), UrlError> {
        if self.allow_private {
            return Ok(());
        }
        let h = host.trim_end_matches('.').to_ascii_lowercase();
        if h == "localhost" || h.ends_with(".localhost") {
            return Err(UrlError::LocalHostname(host.to_owned()));
        }
        Ok(())
    }

    /// Resolves `host` (a name, an IP literal, or a bracketed IPv6 literal
    /// as in URLs) and returns the allowed addresses, without duplicates, in
    /// resolver order. Fails when the name does not resolve, or when no
    /// address is allowed (with the first refused one).
    ///
    /// The delivery client must connect only to these addresses and must not
    /// resolve the name again (see the [module docs](self)). Wrap the call in
    /// a timeout: resolution runs on a blocking thread and obeys only the
    /// system resolver's own timeouts.
    pub async fn resolve_and_check(
        &self,
        host: &str,
        port: u16,
    ) -> Result<Vec<SocketAddr>, UrlError> {
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if host.is_empty() {
            return Err(UrlError::MissingHost);
        }
        if let Ok(ip) = host.parse::<IpAddr>() {
            self.check_ip(ip)?;
            return Ok(vec![SocketAddr::new(ip, port)]);
        }
        self.check_hostname(host)?;
        let resolved = tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| UrlError::Resolve(e.to_string()))?;
        self.filter(resolved)
    }

    /// [`resolve_and_check`](Self::resolve_and_check) for a URL's host and
    /// port (or the scheme's default port).
    pub async fn resolve_url(&self, url: &Url) -> Result<Vec<SocketAddr>, UrlError> {
        let port = url.port_or_known_default().ok_or(UrlError::InvalidPort)?;
        match url.host() {
            None => Err(UrlError::MissingHost),
            Some(Host::Domain(d)) => self.resolve_and_check(d, port).await,
            Some(Host::Ipv4(ip)) => self.resolve_and_check(&ip.to_string(), port).await,
            Some(Host::Ipv6(ip)) => self.resolve_and_check(&ip.to_string(), port).await,
        }
    }

    /// Keeps the allowed addresses; none allowed is the first refusal.
    fn filter(
        &self,
        addrs: impl IntoIterator<Item = SocketAddr>,
    ) -> Result<Vec<SocketAddr>, UrlError> {
        let mut allowed: Vec<SocketAddr> = Vec::new();
        let mut first_refusal = None;
        for addr in addrs {
            match self.check_ip(addr.ip()) {
                Ok(()) if !allowed.contains(&addr) => allowed.push(addr),
                Ok(()) => {}
                Err(e) => {
                    first_refusal.get_or_insert(e);
                }
            }
        }
        if allowed.is_empty() {
            return Err(first_refusal.unwrap_or(UrlError::NoAddresses));
        }
        Ok(allowed)
    }
}

/// The range an address belongs to, or `None` for a public unicast address.
///
/// ```
/// use triggers_webhooks::{classify, BlockReason};
/// assert_eq!(classify("10.1.2.3".parse().unwrap()), Some(BlockReason::Private));
/// assert_eq!(classify("2002:7f00:1::".parse().unwrap()), Some(BlockReason::Loopback));
/// assert_eq!(classify("2606:4700::1111".parse().unwrap()), None);
/// ```
pub fn classify(ip: IpAddr) -> Option<BlockReason> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

/// `(network, prefix length, reason)`, most specific first; first match wins.
const V4_RANGES: &[(u32, u32, BlockReason)] = &[
    (0xA9FE_A9FE, 32, BlockReason::CloudMetadata), // 169.254.169.254: AWS, GCP, Azure, OCI…
    (0xA9FE_AA02, 32, BlockReason::CloudMetadata), // 169.254.170.2: ECS task metadata
    (0xA9FE_AA17, 32, BlockReason::CloudMetadata), // 169.254.170.23: EKS pod identity
    (0x6464_64C8, 32, BlockReason::CloudMetadata), // 100.100.100.200: Alibaba Cloud
    (0xFFFF_FFFF, 32, BlockReason::Broadcast),     // 255.255.255.255
    (0x0000_0000, 32, BlockReason::Unspecified),   // 0.0.0.0
    (0x0000_0000, 8, BlockReason::ThisNetwork),    // 0.0.0.0/8
    (0x0A00_0000, 8, BlockReason::Private),        // 10.0.0.0/8
    (0x6440_0000, 10, BlockReason::SharedAddressSpace), // 100.64.0.0/10
    (0x7F00_0000, 8, BlockReason::Loopback),       // 127.0.0.0/8
    (0xA9FE_0000, 16, BlockReason::LinkLocal),     // 169.254.0.0/16
    (0xAC10_0000, 12, BlockReason::Private),       // 172.16.0.0/12
    (0xC000_0000, 24, BlockReason::Reserved),      // 192.0.0.0/24: IETF protocol assignments
    (0xC000_0200, 24, BlockReason::Documentation), // 192.0.2.0/24: TEST-NET-1
    (0xC058_6300, 24, BlockReason::Reserved),      // 192.88.99.0/24: 6to4 relay anycast
    (0xC0A8_0000, 16, BlockReason::Private),       // 192.168.0.0/16
    (0xC612_0000, 15, BlockReason::Benchmarking),  // 198.18.0.0/15
    (0xC633_6400, 24, BlockReason::Documentation), // 198.51.100.0/24: TEST-NET-2
    (0xCB00_7100, 24, BlockReason::Documentation), // 203.0.113.0/24: TEST-NET-3
    (0xE000_0000, 4, BlockReason::Multicast),      // 224.0.0.0/4
    (0xF000_0000, 4, BlockReason::Reserved),       // 240.0.0.0/4
];

fn classify_v4(ip: Ipv4Addr) -> Option<BlockReason> {
    let n = u32::from(ip);
    V4_RANGES
        .iter()
        .find(|(net, len, _)| n >> (32 - len) == net >> (32 - len))
        .map(|&(_, _, reason)| reason)
}

/// How an IPv6 range is judged.
#[derive(Clone, Copy)]
enum V6Rule {
    Block(BlockReason),
    /// By the IPv4 address in the low 32 bits.
    EmbeddedLow32,
    /// By the IPv4 address in bits 16..48 (6to4).
    Embedded6to4,
}

const fn v6(segments: [u16; 8]) -> u128 {
    let mut n = 0u128;
    let mut i = 0;
    while i < 8 {
        n = (n << 16) | segments[i] as u128;
        i += 1;
    }
    n
}

/// `(network, prefix length, rule)`, most specific first; first match wins.
const V6_RANGES: &[(u128, u32, V6Rule)] = &[
    (0, 128, V6Rule::Block(BlockReason::Unspecified)), // ::
    (1, 128, V6Rule::Block(BlockReason::Loopback)),    // ::1
    (
        v6([0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254]),
        128,
        V6Rule::Block(BlockReason::CloudMetadata), // fd00:ec2::254: AWS IMDS over IPv6
    ),
    (v6([0, 0, 0, 0, 0, 0xffff, 0, 0]), 96, V6Rule::EmbeddedLow32), // ::ffff:a.b.c.d mapped
    (v6([0, 0, 0, 0, 0xffff, 0, 0, 0]), 96, V6Rule::EmbeddedLow32), // ::ffff:0:a.b.c.d translated
    (0, 96, V6Rule::EmbeddedLow32), // ::a.b.c.d compatible (deprecated)
    (
        v6([0x64, 0xff9b, 0, 0, 0, 0, 0, 0]),
        96,
        V6Rule::EmbeddedLow32,
    ), // NAT64 well-known
    (
        v6([0x64, 0xff9b, 1, 0, 0, 0, 0, 0]),
        48,
        V6Rule::Block(BlockReason::Reserved), // local-use NAT64
    ),
    (
        v6([0x100, 0, 0, 0, 0, 0, 0, 0]),
        64,
        V6Rule::Block(BlockReason::Reserved), // discard-only
    ),
    (
        v6([0x2001, 0x2, 0, 0, 0, 0, 0, 0]),
        48,
        V6Rule::Block(BlockReason::Benchmarking),
    ),
    (
        v6([0x2001, 0x0db8, 0, 0, 0, 0, 0, 0]),
        32,
        V6Rule::Block(BlockReason::Documentation),
    ),
    (
        v6([0x2001, 0, 0, 0, 0, 0, 0, 0]),
        23,
        V6Rule::Block(BlockReason::Reserved), // IETF protocol assignments (Teredo, ORCHID…)
    ),
    (v6([0x2002, 0, 0, 0, 0, 0, 0, 0]), 16, V6Rule::Embedded6to4),
    (
        v6([0x3fff, 0, 0, 0, 0, 0, 0, 0]),
        20,
        V6Rule::Block(BlockReason::Documentation),
    ),
    (
        v6([0xfc00, 0, 0, 0, 0, 0, 0, 0]),
        7,
        V6Rule::Block(BlockReason::Private), // unique local
    ),
    (
        v6([0xfe80, 0, 0, 0, 0, 0, 0, 0]),
        10,
        V6Rule::Block(BlockReason::LinkLocal),
    ),
    (
        v6([0xfec0, 0, 0, 0, 0, 0, 0, 0]),
        10,
        V6Rule::Block(BlockReason::Private), // site-local (deprecated)
    ),
    (
        v6([0xff00, 0, 0, 0, 0, 0, 0, 0]),
        8,
        V6Rule::Block(BlockReason::Multicast),
    ),
];

fn classify_v6(ip: Ipv6Addr) -> Option<BlockReason> {
    let n = u128::from(ip);
    let rule = V6_RANGES
        .iter()
        .find(|(net, len, _)| n >> (128 - len) == net >> (128 - len))
        .map(|&(_, _, rule)| rule);
    match rule {
        Some(V6Rule::Block(reason)) => Some(reason),
        // Truncation intended: the embedded address is exactly these bits.
        Some(V6Rule::EmbeddedLow32) => classify_v4(Ipv4Addr::from(n as u32)),
        Some(V6Rule::Embedded6to4) => classify_v4(Ipv4Addr::from((n >> 80) as u32)),
        // Only 2000::/3 holds global unicast addresses.
        None if n >> 125 != 1 => Some(BlockReason::Reserved),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        match s.parse() {
            Ok(ip) => ip,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    #[test]
    fn classification_table() {
        use BlockReason::*;
        let cases: &[(&str, Option<BlockReason>)] = &[
            ("127.0.0.1", Some(Loopback)),
            ("127.255.255.254", Some(Loopback)),
            ("10.0.0.1", Some(Private)),
            ("172.16.0.1", Some(Private)),
            ("172.31.255.255", Some(Private)),
            ("172.32.0.1", None),
            ("192.168.1.1", Some(Private)),
            ("100.64.0.1", Some(SharedAddressSpace)),
            ("100.127.255.255", Some(SharedAddressSpace)),
            ("100.128.0.1", None),
            ("100.100.100.200", Some(CloudMetadata)),
            ("169.254.169.254", Some(CloudMetadata)),
            ("169.254.170.2", Some(CloudMetadata)),
            ("169.254.1.1", Some(LinkLocal)),
            ("0.0.0.0", Some(Unspecified)),
            ("0.1.2.3", Some(ThisNetwork)),
            ("255.255.255.255", Some(Broadcast)),
            ("240.0.0.1", Some(Reserved)),
            ("224.0.0.1", Some(Multicast)),
            ("239.255.255.250", Some(Multicast)),
            ("192.0.2.1", Some(Documentation)),
            ("198.51.100.7", Some(Documentation)),
            ("203.0.113.9", Some(Documentation)),
            ("198.18.0.1", Some(Benchmarking)),
            ("198.19.255.255", Some(Benchmarking)),
            ("192.0.0.8", Some(Reserved)),
            ("8.8.8.8", None),
            ("1.1.1.1", None),
            ("93.184.215.14", None),
            ("::", Some(Unspecified)),
            ("::1", Some(Loopback)),
            ("::ffff:127.0.0.1", Some(Loopback)),
            ("::ffff:7f00:1", Some(Loopback)),
            ("::127.0.0.1", Some(Loopback)),
            ("::ffff:0:127.0.0.1", Some(Loopback)),
            ("::ffff:169.254.169.254", Some(CloudMetadata)),
            ("::ffff:10.0.0.1", Some(Private)),
            ("::ffff:0.0.0.0", Some(Unspecified)),
            ("::ffff:8.8.8.8", None),
            ("64:ff9b::127.0.0.1", Some(Loopback)),
            ("64:ff9b::8.8.8.8", None),
            ("64:ff9b:1::1", Some(Reserved)),
            ("2002:a9fe:a9fe::1", Some(CloudMetadata)),
            ("2002:0808:0808::1", None),
            ("2001::1", Some(Reserved)),
            ("2001:db8::1", Some(Documentation)),
            ("3fff::1", Some(Documentation)),
            ("fd00:ec2::254", Some(CloudMetadata)),
            ("fd00::1", Some(Private)),
            ("fc00::1", Some(Private)),
            ("fe80::1", Some(LinkLocal)),
            ("febf::1", Some(LinkLocal)),
            ("fec0::1", Some(Private)),
            ("ff02::1", Some(Multicast)),
            ("100::1", Some(Reserved)),
            ("4000::1", Some(Reserved)),
            ("2606:4700:4700::1111", None),
            ("2a00:1450:4001::200e", None),
        ];
        for (s, want) in cases {
            assert_eq!(classify(ip(s)), *want, "{s}");
        }
    }

    #[test]
    fn default_policy_refuses_local_and_special_addresses() {
        let strict = UrlPolicy::default();
        for s in [
            "127.0.0.1",
            "::1",
            "169.254.169.254",
            "10.0.0.1",
            "::ffff:127.0.0.1",
            "fd00:ec2::254",
            "0.0.0.0",
            "100.64.0.1",
        ] {
            assert!(
                matches!(strict.check_ip(ip(s)), Err(UrlError::Blocked { .. })),
                "{s}"
            );
        }
        assert_eq!(strict.check_ip(ip("8.8.8.8")), Ok(()));
    }

    #[test]
    fn dev_policy_opens_only_private_use_ranges() {
        let dev = UrlPolicy::local_dev();
        for s in [
            "127.0.0.1",
            "::1",
            "::ffff:127.0.0.1",
            "10.0.0.1",
            "fd12::1",
            "100.64.0.1",
        ] {
            assert_eq!(dev.check_ip(ip(s)), Ok(()), "{s}");
        }
        for s in [
            "169.254.169.254",
            "fd00:ec2::254",
            "fe80::1",
            "0.0.0.0",
            "::",
            "224.0.0.1",
        ] {
            assert!(dev.check_ip(ip(s)).is_err(), "{s}");
        }
    }

    #[test]
    fn url_validation() {
        let strict = UrlPolicy::default();
        let blocked = |s: &str| matches!(strict.validate_url(s), Err(UrlError::Blocked { .. }));
        assert!(
            strict
                .validate_url("https://hooks.example.com/a?b=c")
                .is_ok()
        );
        assert!(
            strict
                .validate_url("https://hooks.example.com:8443/")
                .is_ok()
        );
        assert!(strict.validate_url("https://8.8.8.8/").is_ok());
        for s in [
            "https://127.0.0.1/",
            "https://[::1]/",
            "https://169.254.169.254/latest/meta-data/",
            "https://10.0.0.1/",
            "https://[::ffff:127.0.0.1]/",
            "https://[fd00:ec2::254]/",
            "https://0x7f.1/",
            "https://2130706433/",
            "https://0177.0.0.1/",
            "https://0/",
        ] {
            assert!(blocked(s), "{s}: {:?}", strict.validate_url(s));
        }
        let cases: &[(&str, UrlError)] = &[
            ("http://hooks.example.com/", UrlError::HttpNotAllowed),
            ("file:///etc/passwd", UrlError::Scheme("file".into())),
            ("ftp://example.com/", UrlError::Scheme("ftp".into())),
            ("gopher://example.com/", UrlError::Scheme("gopher".into())),
            ("javascript:alert(1)", UrlError::Scheme("javascript".into())),
            ("https://user:pw@example.com/", UrlError::UserInfo),
            ("https://user@example.com/", UrlError::UserInfo),
            ("https://example.com:0/", UrlError::InvalidPort),
            ("https://example.com/#x", UrlError::Fragment),
            (
                "https://localhost/",
                UrlError::LocalHostname("localhost".into()),
            ),
            (
                "https://LOCALHOST./",
                UrlError::LocalHostname("localhost.".into()),
            ),
            (
                "https://api.localhost/",
                UrlError::LocalHostname("api.localhost".into()),
            ),
        ];
        for (s, want) in cases {
            assert_eq!(strict.validate_url(s).as_ref(), Err(want), "{s}");
        }
        for s in [
            "",
            "example.com/hook",
            "https://",
            "https://exa mple.com/",
            "https://example.com:99999/",
        ] {
            assert!(
                matches!(strict.validate_url(s), Err(UrlError::Parse(_))),
                "{s}: {:?}",
                strict.validate_url(s)
            );
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
        assert!(matches!(
            strict.validate_url(&long),
            Err(UrlError::TooLong { .. })
        ));
        assert_eq!(UrlError::HttpNotAllowed.code(), "invalid_url");
        assert_eq!(
            UrlError::LocalHostname("x".into()).code(),
            "url_not_allowed"
        );
        assert_eq!(UrlError::NoAddresses.code(), "dns_failure");
    }

    #[test]
    fn dev_policy_urls() {
        let dev = UrlPolicy::local_dev();
        for s in [
            "http://127.0.0.1:8080/hook",
            "http://localhost:3000/",
            "http://[::1]:9/",
            "https://10.0.0.5/",
        ] {
            assert!(dev.validate_url(s).is_ok(), "{s}");
        }
        assert!(dev.validate_url("http://169.254.169.254/").is_err());
        assert!(dev.validate_url("file:///etc/passwd").is_err());
        let https_only = UrlPolicy {
            allow_http: false,
            allow_private: true,
        };
        assert_eq!(
            https_only.validate_url("http://127.0.0.1/"),
            Err(UrlError::HttpNotAllowed)
        );
    }

    #[test]
    fn filter_keeps_allowed_addresses_only() {
        let strict = UrlPolicy::default();
        let sa = |s: &str| SocketAddr::new(ip(s), 443);
        assert_eq!(
            strict.filter([
                sa("127.0.0.1"),
                sa("8.8.8.8"),
                sa("8.8.8.8"),
                sa("::1"),
                sa("2606:4700::1")
            ]),
            Ok(vec![sa("8.8.8.8"), sa("2606:4700::1")])
        );
        assert_eq!(
            strict.filter([sa("10.0.0.1"), sa("127.0.0.1")]),
            Err(UrlError::Blocked {
                ip: ip("10.0.0.1"),
                reason: BlockReason::Private
            })
        );
        assert_eq!(strict.filter([]), Err(UrlError::NoAddresses));
    }

    #[tokio::test]
    async fn resolution() {
        let strict = UrlPolicy::default();
        let dev = UrlPolicy::local_dev();
        // IP literals never reach the resolver.
        assert!(matches!(
            strict.resolve_and_check("127.0.0.1", 80).await,
            Err(UrlError::Blocked { .. })
        ));
        assert!(matches!(
            strict.resolve_and_check("[::ffff:127.0.0.1]", 80).await,
            Err(UrlError::Blocked { .. })
        ));
        assert_eq!(
            dev.resolve_and_check("[::1]", 8080).await,
            Ok(vec![SocketAddr::new(ip("::1"), 8080)])
        );
        assert_eq!(
            strict.resolve_and_check("8.8.8.8", 443).await,
            Ok(vec![SocketAddr::new(ip("8.8.8.8"), 443)])
        );
        assert_eq!(
            strict.resolve_and_check("", 443).await,
            Err(UrlError::MissingHost)
        );
        // `localhost` is refused before resolution by the strict policy…
        assert_eq!(
            strict.resolve_and_check("localhost", 80).await,
            Err(UrlError::LocalHostname("localhost".into()))
        );
        // …and resolved (to loopback only) by the dev policy.
        let addrs = dev
            .resolve_and_check("localhost", 8080)
            .await
            .expect("localhost resolves");
        assert!(!addrs.is_empty());
        assert!(
            addrs
                .iter()
                .all(|a| a.ip().is_loopback() && a.port() == 8080),
            "{addrs:?}"
        );
        let url = dev.validate_url("http://localhost:8081/x").expect("valid");
        let addrs = dev.resolve_url(&url).await.expect("localhost resolves");
        assert!(addrs.iter().all(|a| a.port() == 8081));
        let url = dev.validate_url("https://[::1]/").expect("valid");
        assert_eq!(
            dev.resolve_url(&url).await,
            Ok(vec![SocketAddr::new(ip("::1"), 443)])
        );
    }
}
