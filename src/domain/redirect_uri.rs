//! The redirect-URI rule of registered clients (RFC 9700 §4.1.3 and §2.6, RFC 8252 §7.3).

/// The longest redirect URI a client registers.
pub const MAX_URI_LEN: usize = 512;

/// Why a redirect URI cannot be registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RedirectUriError {
    #[error("must be an absolute URL (scheme://host/path)")]
    NotAbsolute,
    #[error("must use https (http only on a loopback host: 127.0.0.1, [::1], localhost)")]
    Scheme,
    #[error("must not have a fragment (#…)")]
    Fragment,
    #[error("must have a host, without user name or password, and a numeric port if any")]
    Authority,
    #[error("must be at most {MAX_URI_LEN} characters without spaces or control characters")]
    Text,
}

/// The redirect-URI rule: an absolute `https` URL (`http` on a loopback host only, where no one
/// else can listen, RFC 8252 §7.3), no fragment (RFC 6749 §3.1.2), no user info. Registered
/// URIs are then compared exactly, so nothing here normalises.
pub fn check_redirect_uri(uri: &str) -> Result<(), RedirectUriError> {
    if uri.is_empty()
        || uri.len() > MAX_URI_LEN
        || uri.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(RedirectUriError::Text);
    }
    let (scheme, rest) = uri
        .split_once("://")
        .filter(|(scheme, _)| is_scheme(scheme))
        .ok_or(RedirectUriError::NotAbsolute)?;
    if uri.contains('#') {
        return Err(RedirectUriError::Fragment);
    }
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return Err(RedirectUriError::Authority);
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (inner, after) = v6.split_once(']').ok_or(RedirectUriError::Authority)?;
            (&authority[..inner.len() + 2], after)
        }
        None => authority.split_at(authority.find(':').unwrap_or(authority.len())),
    };
    let port_ok = port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()));
    if host.is_empty() || host == "[]" || !port_ok {
        return Err(RedirectUriError::Authority);
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(()),
        "http" if is_loopback(host) => Ok(()),
        _ => Err(RedirectUriError::Scheme),
    }
}

/// RFC 3986 §3.1: a letter, then letters, digits, `+`, `-` and `.`.
fn is_scheme(scheme: &str) -> bool {
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
}

fn is_loopback(host: &str) -> bool {
    matches!(
        host.to_ascii_lowercase().as_str(),
        "127.0.0.1" | "[::1]" | "localhost"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_are_https_or_loopback_http() {
        for good in [
            "https://app.example.com/callback",
            "https://app.example.com:8443/cb?x=1",
            "http://127.0.0.1:3000/cb",
            "http://[::1]/cb",
            "http://localhost:8000/docs/oauth2-redirect.html",
        ] {
            assert_eq!(check_redirect_uri(good), Ok(()), "{good}");
        }
        let refused = [
            ("http://app.example.com/cb", RedirectUriError::Scheme),
            ("ftp://127.0.0.1/cb", RedirectUriError::Scheme),
            ("/callback", RedirectUriError::NotAbsolute),
            ("string", RedirectUriError::NotAbsolute),
            ("https://app.example.com/cb#x", RedirectUriError::Fragment),
            (
                "https://user@app.example.com/cb",
                RedirectUriError::Authority,
            ),
            ("https:///cb", RedirectUriError::Authority),
            ("https://x:80a/cb", RedirectUriError::Authority),
            ("https://x/a b", RedirectUriError::Text),
            ("http://127.0.0.1.evil.com/cb", RedirectUriError::Scheme),
        ];
        for (bad, why) in refused {
            assert_eq!(check_redirect_uri(bad), Err(why), "{bad}");
        }
    }
}
