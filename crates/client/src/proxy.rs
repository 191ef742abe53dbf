//! HTTP CONNECT proxies: which connections take one, and what to send it.
//!
//! A proxy comes from the builder (`proxy(url)`) or from the environment (`HTTPS_PROXY` /
//! `https_proxy`, with `NO_PROXY` / `no_proxy`), as curl, Go and python-slack-sdk read them.
//! Every connection, WebSocket and Web API alike, goes through the tunnel with `CONNECT
//! host:port`; TLS then runs inside it to the real host, so the proxy sees neither tokens nor
//! envelopes and the certificate is checked against the real name. Bypassing the proxy only
//! changes the route: the TLS and loopback rules apply either way.
//!
//! `HTTP_PROXY` is not read: plain `http://` and `ws://` are only allowed to loopback, and a
//! loopback address seen from a proxy is the proxy's own machine, not ours. For the same reason
//! a proxy taken from the environment never applies to loopback destinations (as in Go's
//! `ProxyFromEnvironment`); an explicit `proxy(url)` applies to everything not in its
//! `NO_PROXY` list, which is what the loopback tests use.

use std::fmt;
use std::net::IpAddr;

use base64::Engine;
use http::{HeaderValue, Uri};

/// A proxy URL or `NO_PROXY` list that could not be used. Never shows credentials.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyError {
    /// Not an `http://host[:port]` URL (credentials, if any, removed from the message).
    #[error("invalid proxy URL `{0}`: expected http://[user:password@]host[:port]")]
    Invalid(String),
}

/// Where a tunnel starts, and the `Proxy-Authorization` to open it with.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyEndpoint {
    host: String,
    port: u16,
    authorization: Option<HeaderValue>,
}

impl ProxyEndpoint {
    /// The proxy's host (IPv6 without brackets), for the TCP connection.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The proxy's port (default 80).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `Basic …` from the URL's `user:password@`, marked sensitive.
    pub fn authorization(&self) -> Option<&HeaderValue> {
        self.authorization.as_ref()
    }
}

impl fmt::Debug for ProxyEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyEndpoint")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("credentials", &self.authorization.is_some())
            .finish()
    }
}

/// An HTTP CONNECT proxy and the destinations that bypass it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proxy {
    endpoint: ProxyEndpoint,
    no_proxy: NoProxy,
    /// Taken from the environment: never used for loopback destinations.
    from_env: bool,
}

impl Proxy {
    /// `http://[user:password@]host[:port]`; credentials are sent as `Proxy-Authorization:
    /// Basic`, percent-decoded. Applies to every destination, loopback included, unless
    /// [`no_proxy`](Self::no_proxy) says otherwise.
    pub fn new(url: &str) -> Result<Proxy, ProxyError> {
        Ok(Proxy {
            endpoint: parse_endpoint(url)?,
            no_proxy: NoProxy::default(),
            from_env: false,
        })
    }

    /// Destinations that connect directly, in `NO_PROXY` syntax: comma-separated host names
    /// (matching the name and its subdomains; a leading `.` or `*.` is allowed), IP addresses,
    /// CIDR ranges (`10.0.0.0/8`), any of them with `:port`, or `*` for everything.
    pub fn no_proxy(mut self, list: &str) -> Self {
        self.no_proxy = NoProxy::parse(list);
        self
    }

    /// The proxy in `HTTPS_PROXY` (or `https_proxy`) with the `NO_PROXY` (or `no_proxy`)
    /// list; `None` if unset or empty.
    pub fn from_env() -> Option<Result<Proxy, ProxyError>> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) over any variable lookup (for tests).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Option<Result<Proxy, ProxyError>> {
        let first = |names: [&str; 2]| {
            names
                .into_iter()
                .filter_map(&var)
                .find(|value| !value.trim().is_empty())
        };
        let url = first(["HTTPS_PROXY", "https_proxy"])?;
        let no_proxy = first(["NO_PROXY", "no_proxy"]).unwrap_or_default();
        Some(Proxy::new(url.trim()).map(|proxy| Proxy {
            from_env: true,
            ..proxy.no_proxy(&no_proxy)
        }))
    }

    /// The proxy to reach `host:port` through, or `None` to connect directly.
    pub fn route(&self, host: &str, port: u16) -> Option<&ProxyEndpoint> {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let ip = host.parse::<IpAddr>().ok();
        let loopback =
            host.eq_ignore_ascii_case("localhost") || ip.is_some_and(|ip| ip.is_loopback());
        if (self.from_env && loopback) || self.no_proxy.matches(host, ip, port) {
            return None;
        }
        Some(&self.endpoint)
    }
}

/// What a builder was told about proxies; resolved when it builds.
#[derive(Clone, Default)]
pub struct ProxyChoice {
    url: Option<String>,
    no_proxy: Option<String>,
    direct: bool,
}

impl ProxyChoice {
    /// Use this proxy URL (overrides the environment).
    pub fn url(&mut self, url: String) {
        self.url = Some(url);
        self.direct = false;
    }

    /// Use this `NO_PROXY` list (overrides the environment's).
    pub fn no_proxy(&mut self, list: String) {
        self.no_proxy = Some(list);
    }

    /// Connect directly, whatever the environment says.
    pub fn direct(&mut self) {
        self.direct = true;
        self.url = None;
    }

    /// The proxy to use: the explicit one, else `HTTPS_PROXY` from the environment, else none.
    pub fn resolve(&self) -> Result<Option<Proxy>, ProxyError> {
        if self.direct {
            return Ok(None);
        }
        let proxy = match &self.url {
            Some(url) => Proxy::new(url)?,
            None => match Proxy::from_env() {
                None => return Ok(None),
                Some(proxy) => proxy?,
            },
        };
        Ok(Some(match &self.no_proxy {
            Some(list) => proxy.no_proxy(list),
            None => proxy,
        }))
    }
}

impl fmt::Debug for ProxyChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyChoice")
            .field("url", &self.url.as_deref().map(without_credentials))
            .field("no_proxy", &self.no_proxy)
            .field("direct", &self.direct)
            .finish()
    }
}

fn parse_endpoint(url: &str) -> Result<ProxyEndpoint, ProxyError> {
    let invalid = || ProxyError::Invalid(without_credentials(url));
    // `host:port` without a scheme means http, as curl and Go read it.
    let uri: Uri = if url.contains("://") {
        url.parse()
    } else {
        format!("http://{url}").parse()
    }
    .map_err(|_| invalid())?;
    if uri.scheme_str() != Some("http") {
        return Err(invalid());
    }
    let authority = uri.authority().ok_or_else(invalid)?;
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    if host.is_empty() {
        return Err(invalid());
    }
    let authorization = match authority.as_str().rsplit_once('@') {
        None => None,
        Some((userinfo, _)) => Some(basic_authorization(userinfo).ok_or_else(invalid)?),
    };
    Ok(ProxyEndpoint {
        host: host.to_owned(),
        port: authority.port_u16().unwrap_or(80),
        authorization,
    })
}

/// `Basic base64(user:password)`, with the URL's percent-encoding undone first.
fn basic_authorization(userinfo: &str) -> Option<HeaderValue> {
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let decode = |part: &str| {
        percent_encoding::percent_decode_str(part)
            .decode_utf8()
            .ok()
            .map(|s| s.into_owned())
    };
    let credentials = format!("{}:{}", decode(user)?, decode(password)?);
    let encoded = base64::engine::general_purpose::STANDARD.encode(credentials);
    let mut value = HeaderValue::try_from(format!("Basic {encoded}")).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// The URL with any `user:password@` cut out, for error messages.
fn without_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return if url.contains('@') {
            "<redacted>".into()
        } else {
            url.to_owned()
        };
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://<credentials>@{host}{}", &rest[authority_end..]),
        None => url.to_owned(),
    }
}

/// A parsed `NO_PROXY` list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct NoProxy {
    everything: bool,
    rules: Vec<Rule>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Rule {
    pattern: Pattern,
    port: Option<u16>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Pattern {
    /// The name itself and every name under it.
    Domain(String),
    Net {
        ip: IpAddr,
        prefix: u8,
    },
}

impl NoProxy {
    fn parse(list: &str) -> Self {
        let mut no_proxy = NoProxy::default();
        for entry in list
            .split([',', ' ', '\t'])
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            if entry == "*" {
                no_proxy.everything = true;
            } else if let Some(rule) = Rule::parse(entry) {
                no_proxy.rules.push(rule);
            }
        }
        no_proxy
    }

    fn matches(&self, host: &str, ip: Option<IpAddr>, port: u16) -> bool {
        self.everything
            || self.rules.iter().any(|rule| {
                rule.port.is_none_or(|p| p == port)
                    && match (&rule.pattern, ip) {
                        (Pattern::Net { ip: net, prefix }, Some(ip)) => in_net(ip, *net, *prefix),
                        (Pattern::Domain(domain), None) => {
                            let host = host.trim_end_matches('.').to_ascii_lowercase();
                            host == *domain || host.ends_with(&format!(".{domain}"))
                        }
                        _ => false,
                    }
            })
    }
}

impl Rule {
    fn parse(entry: &str) -> Option<Rule> {
        // A CIDR range or a bare IP (IPv6 may be bracketed, with a port after the bracket).
        if let Some((ip, prefix)) = entry.split_once('/') {
            let ip: IpAddr = ip
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse()
                .ok()?;
            let prefix: u8 = prefix.parse().ok()?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            return (prefix <= max).then_some(Rule {
                pattern: Pattern::Net { ip, prefix },
                port: None,
            });
        }
        if let Ok(ip) = entry.parse::<IpAddr>() {
            return Some(Rule::exact_ip(ip, None));
        }
        let (host, port) = match entry.rsplit_once(':') {
            Some((host, port)) => (host, Some(port.parse::<u16>().ok()?)),
            None => (entry, None),
        };
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return Some(Rule::exact_ip(ip, port));
        }
        let domain = host
            .trim_start_matches('*')
            .trim_start_matches('.')
            .trim_end_matches('.')
            .to_ascii_lowercase();
        (!domain.is_empty()).then_some(Rule {
            pattern: Pattern::Domain(domain),
            port,
        })
    }

    fn exact_ip(ip: IpAddr, port: Option<u16>) -> Rule {
        let prefix = if ip.is_ipv4() { 32 } else { 128 };
        Rule {
            pattern: Pattern::Net { ip, prefix },
            port,
        }
    }
}

fn in_net(ip: IpAddr, net: IpAddr, prefix: u8) -> bool {
    let (ip, net, bits) = match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => (u32::from(ip).into(), u32::from(net).into(), 32),
        (IpAddr::V6(ip), IpAddr::V6(net)) => (u128::from(ip), u128::from(net), 128),
        _ => return false,
    };
    let shift = bits - u32::from(prefix);
    // A /0 matches everything; shifting a u128 by 128 would overflow.
    shift >= bits || (ip >> shift) == (net >> shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes(proxy: &Proxy, host: &str, port: u16) -> bool {
        proxy.route(host, port).is_some()
    }

    #[test]
    fn urls_with_credentials_become_basic_auth_and_never_show() {
        let proxy = Proxy::new("http://al%40ice:s3cr%3At@proxy.example:3128").unwrap();
        let endpoint = proxy.route("slack.com", 443).unwrap();
        assert_eq!((endpoint.host(), endpoint.port()), ("proxy.example", 3128));
        let auth = endpoint.authorization().unwrap();
        assert!(auth.is_sensitive());
        // base64("al@ice:s3cr:t")
        assert_eq!(auth, "Basic YWxAaWNlOnMzY3I6dA==");
        let shown = format!("{proxy:?}");
        assert!(
            !shown.contains("s3cr") && !shown.contains("YWxA"),
            "{shown}"
        );

        let error = Proxy::new("socks5://bob:hunter2@proxy:1080").unwrap_err();
        assert!(!error.to_string().contains("hunter2"), "{error}");
        assert!(error.to_string().contains("proxy:1080"), "{error}");
        assert!(Proxy::new("not a url").is_err());
        assert_eq!(
            Proxy::new("http://[::1]:8080").unwrap().endpoint.host(),
            "::1"
        );
        assert_eq!(Proxy::new("http://p").unwrap().endpoint.port(), 80);
        let bare = Proxy::new("u:pw@proxy.corp:8080").unwrap();
        assert_eq!(
            (bare.endpoint.host(), bare.endpoint.port()),
            ("proxy.corp", 8080)
        );
        assert!(bare.endpoint.authorization().is_some());
    }

    #[test]
    fn no_proxy_matches_names_suffixes_ips_ranges_and_ports() {
        let proxy = Proxy::new("http://proxy:3128").unwrap().no_proxy(
            ".internal.example, slack.test:8443, 10.0.0.0/8,192.168.1.5, [::1]:9000, *.corp",
        );
        assert!(!routes(&proxy, "a.internal.example", 443));
        assert!(!routes(&proxy, "internal.example", 443));
        assert!(routes(&proxy, "xinternal.example", 443));
        assert!(!routes(&proxy, "slack.test", 8443));
        assert!(!routes(&proxy, "api.slack.test", 8443));
        assert!(routes(&proxy, "slack.test", 443));
        assert!(!routes(&proxy, "10.2.3.4", 443));
        assert!(routes(&proxy, "11.2.3.4", 443));
        assert!(!routes(&proxy, "192.168.1.5", 1));
        assert!(!routes(&proxy, "[::1]", 9000));
        assert!(routes(&proxy, "::1", 9001));
        assert!(!routes(&proxy, "HOST.CORP", 1));
        assert!(routes(&proxy, "slack.com", 443));

        let all = Proxy::new("http://proxy:3128").unwrap().no_proxy("*");
        assert!(!routes(&all, "slack.com", 443));
        // An explicit proxy takes loopback destinations too (the tests rely on it).
        assert!(routes(
            &Proxy::new("http://proxy:1").unwrap(),
            "127.0.0.1",
            80
        ));
    }

    #[test]
    fn the_environment_is_read_like_curl_and_go_and_skips_loopback() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert!(Proxy::from_vars(vars(&[])).is_none());
        assert!(Proxy::from_vars(vars(&[("HTTPS_PROXY", " ")])).is_none());
        assert!(Proxy::from_vars(vars(&[("HTTP_PROXY", "http://p:1")])).is_none());
        let proxy = Proxy::from_vars(vars(&[
            ("https_proxy", "http://user:pw@p:1"),
            ("no_proxy", "example.org"),
        ]))
        .unwrap()
        .unwrap();
        assert!(routes(&proxy, "slack.com", 443));
        assert!(!routes(&proxy, "www.example.org", 443));
        assert!(!routes(&proxy, "127.0.0.1", 443));
        assert!(!routes(&proxy, "localhost", 443));
        assert!(!routes(&proxy, "::1", 443));
        let upper_first = Proxy::from_vars(vars(&[
            ("HTTPS_PROXY", "http://upper:1"),
            ("https_proxy", "http://lower:1"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(upper_first.endpoint.host(), "upper");
        let bad = Proxy::from_vars(vars(&[("HTTPS_PROXY", "ftp://u:topsecret@p")]))
            .unwrap()
            .unwrap_err();
        assert!(!bad.to_string().contains("topsecret"), "{bad}");
    }
}
