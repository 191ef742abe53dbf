//! Where Redis is: `redis://[user:password@]host[:port][/DB]` for dedupe,
//! `redis://[user:password@]host[:port]/STREAM` for the hand-off. Passwords never appear in
//! `Debug`, `Display` or errors.

use std::fmt;

use crate::error::Error;

/// A Redis server (and database), parsed and checked; displayed with the password redacted.
#[derive(Clone)]
pub struct RedisTarget {
    /// What the redis client opens (`redis://…/DB`, password included).
    open: String,
    /// The same, password replaced by `***`.
    shown: String,
}

impl RedisTarget {
    /// `redis://[user:password@]host[:port][/DB]`. `rediss://` (TLS) is refused: this build
    /// has no TLS for Redis, so keep Redis on a trusted network (a password sent with
    /// `redis://` crosses it in the clear).
    pub fn parse(url: &str) -> Result<Self, Error> {
        let (base, path) = split(url)?;
        let db = match path {
            None => 0,
            Some(db) => db.parse::<u16>().map_err(|_| Error::Url {
                url: redact(url),
                reason: format!("the path must be a database number, not {db:?}"),
            })?,
        };
        Ok(Self::with_db(&base, db))
    }

    /// A stream target: `redis://[user:password@]host[:port]/STREAM`, the stream's name as the
    /// path (database 0).
    pub fn parse_stream(url: &str) -> Result<(Self, String), Error> {
        let (base, path) = split(url)?;
        let stream = path.filter(|p| !p.is_empty()).ok_or_else(|| Error::Url {
            url: redact(url),
            reason: "the path must name the stream: redis://HOST:PORT/STREAM".into(),
        })?;
        let stream = percent_decode(stream);
        Ok((Self::with_db(&base, 0), stream))
    }

    fn with_db(base: &url::Url, db: u16) -> Self {
        let mut open = base.clone();
        open.set_path(&db.to_string());
        let shown = redact(open.as_str());
        RedisTarget {
            open: open.into(),
            shown,
        }
    }

    pub(crate) fn client(&self) -> Result<redis::Client, Error> {
        redis::Client::open(self.open.as_str()).map_err(|e| Error::redis(self, e))
    }
}

impl fmt::Display for RedisTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl fmt::Debug for RedisTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RedisTarget({})", self.shown)
    }
}

/// The URL without its path, and the path (without the leading `/`) if it has one.
fn split(text: &str) -> Result<(url::Url, Option<String>), Error> {
    let bad = |reason: String| Error::Url {
        url: redact(text),
        reason,
    };
    let mut url = url::Url::parse(text).map_err(|e| bad(e.to_string()))?;
    match url.scheme() {
        "redis" => {}
        "rediss" => return Err(bad("TLS to Redis (rediss://) is not built in".into())),
        other => return Err(bad(format!("expected redis://, not {other}://"))),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("no host".into()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("no query or fragment is expected".into()));
    }
    let path = url.path().trim_start_matches('/').to_owned();
    url.set_path("");
    Ok((url, (!path.is_empty()).then_some(path)))
}

/// `url` with any password replaced by `***` (the user name is kept); unparseable text is
/// cut at its `@`, whatever precedes it.
pub(crate) fn redact(text: &str) -> String {
    match url::Url::parse(text) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.into()
        }
        Ok(url) => url.into(),
        Err(_) => match text.rsplit_once('@') {
            Some((_, host)) => format!("***@{host}"),
            None => text.to_owned(),
        },
    }
}

fn percent_decode(text: String) -> String {
    url::form_urlencoded::parse(format!("s={text}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn databases_streams_and_passwords_never_shown() {
        let t = RedisTarget::parse("redis://127.0.0.1:6390/3").unwrap();
        assert_eq!(
            (t.open.as_str(), t.to_string()),
            (
                "redis://127.0.0.1:6390/3",
                "redis://127.0.0.1:6390/3".into()
            )
        );
        let t = RedisTarget::parse("redis://:hunter2@localhost").unwrap();
        assert!(t.open.contains("hunter2"));
        assert!(!t.to_string().contains("hunter2") && !format!("{t:?}").contains("hunter2"));
        let (t, stream) =
            RedisTarget::parse_stream("redis://app:hunter2@10.0.0.1:6379/slack-events").unwrap();
        assert_eq!(stream, "slack-events");
        assert_eq!(t.to_string(), "redis://app:***@10.0.0.1:6379/0");
        for bad in [
            "redis://:hunter2@host/notadb",
            "http://:hunter2@host/1",
            "rediss://:hunter2@host/1",
            "redis://:hunter2@host/1?x=1",
        ] {
            let e = RedisTarget::parse(bad).unwrap_err().to_string();
            assert!(!e.contains("hunter2"), "{e}");
        }
        let e = RedisTarget::parse_stream("redis://:hunter2@host:6379")
            .unwrap_err()
            .to_string();
        assert!(e.contains("STREAM") && !e.contains("hunter2"), "{e}");
        assert!(!redact("redis://:hunter2@[bad").contains("hunter2"));
    }
}
