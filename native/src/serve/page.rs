//! What protects the served page from other pages: HTTP security headers, and the relay
//! token's way into the page (a cookie set from the link printed on the terminal).
//!
//! Headers, on every answer of the playground's port:
//! - `X-Frame-Options: DENY` and CSP `frame-ancestors 'none'`: no site can frame the
//!   playground (and click its buttons for the user);
//! - the playground page (`/`, `/index.html`) also gets its whole policy ([`PAGE_CSP`]) as a
//!   header, the same as the `<meta>` in `web/index.html` (kept there for static servers;
//!   `tests/tests/serve_relay.rs` checks the two agree).
//!
//! The token, Jupyter-style: with `--relay`, `silk serve` prints
//! `http://127.0.0.1:PORT/?token=T`. Opening it answers `303 See Other` to the same page
//! without the token, setting `silk_relay_PORT=T` (`HttpOnly; SameSite=Strict`, the port in
//! the name because cookies are shared by every port of a host). `/serve.json` hands the
//! token to the page only when the request carries that cookie, so a process or page that
//! merely reaches 127.0.0.1 gets no token; the page then sends it as `X-Silk-Token`, a custom
//! header no cross-origin request can carry without a CORS preflight, which this server
//! never grants.

use super::reply::{self, Body};
use super::secret;
use hyper::header::{HeaderValue, CONTENT_SECURITY_POLICY, COOKIE, LOCATION, SET_COOKIE};
use hyper::{HeaderMap, Response, StatusCode};

/// The playground page's Content-Security-Policy: no inline scripts, no eval, only its own
/// modules, the wasm they compile, and `blob:` scripts (the Code panel's handler, compiled
/// by `web/js/compile.js`). Identical to the `<meta>` in `web/index.html`.
pub const PAGE_CSP: &str = "default-src 'self'; script-src 'self' blob: 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src *; object-src 'none'; frame-src 'none'; base-uri 'none'; form-action 'none'";

/// Adds the security headers of the module doc to an answer for `path`.
pub fn harden(resp: &mut Response<Body>, path: &str) {
    let headers = resp.headers_mut();
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    let csp = if matches!(path, "/" | "/index.html") {
        format!("{PAGE_CSP}; frame-ancestors 'none'")
    } else if let Some(own) = headers.get(CONTENT_SECURITY_POLICY) {
        // The relay's `sandbox` policy: keep it, and make sure framing is refused too.
        let own = String::from_utf8_lossy(own.as_bytes()).into_owned();
        if own.contains("frame-ancestors") {
            return;
        }
        format!("{own}; frame-ancestors 'none'")
    } else {
        "frame-ancestors 'none'".to_string()
    };
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(CONTENT_SECURITY_POLICY, value);
    }
}

/// The cookie carrying the relay token for the server on `port`.
pub fn cookie_name(port: u16) -> String {
    format!("silk_relay_{port}")
}

/// Whether the request's `Cookie` headers carry `name=token`.
pub fn has_token_cookie(headers: &HeaderMap, name: &str, token: &str) -> bool {
    headers
        .get_all(COOKIE)
        .iter()
        .flat_map(|v| v.as_bytes().split(|&b| b == b';'))
        .filter_map(|pair| {
            let pair = pair.trim_ascii();
            let eq = pair.iter().position(|&b| b == b'=')?;
            (&pair[..eq] == name.as_bytes()).then(|| &pair[eq + 1..])
        })
        .any(|value| secret::same(value, token.as_bytes()))
}

/// `?token=T` on a page: `Some(answer)` when T is the relay token (a 303 to the same path
/// and query without `token`, setting the cookie); `None` otherwise (the page is served
/// as usual, without the cookie).
pub fn token_link(
    path: &str,
    query: Option<&str>,
    cookie: &str,
    token: &str,
) -> Option<Response<Body>> {
    let query = query?;
    let given = reply::query_param(Some(query), "token")?;
    if !secret::same(given.as_bytes(), token.as_bytes()) {
        return None;
    }
    let rest: Vec<&str> = query
        .split('&')
        .filter(|pair| pair.split('=').next() != Some("token"))
        .collect();
    let location = if rest.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", rest.join("&"))
    };
    let mut resp = reply::text(
        StatusCode::SEE_OTHER,
        "the relay is enabled for this browser; continue to the playground",
    );
    let headers = resp.headers_mut();
    headers.insert(
        LOCATION,
        HeaderValue::from_str(&location).unwrap_or(HeaderValue::from_static("/")),
    );
    let set = format!("{cookie}={token}; Path=/; HttpOnly; SameSite=Strict");
    if let Ok(value) = HeaderValue::from_str(&set) {
        headers.insert(SET_COOKIE, value);
    }
    Some(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_matched_exactly() {
        let mut h = HeaderMap::new();
        h.insert(
            COOKIE,
            HeaderValue::from_static("a=1; silk_relay_80=abc; silk_relay_8=zzz"),
        );
        assert!(has_token_cookie(&h, "silk_relay_80", "abc"));
        assert!(!has_token_cookie(&h, "silk_relay_8", "abc"));
        assert!(!has_token_cookie(&h, "silk_relay_80", "abd"));
        assert!(!has_token_cookie(&HeaderMap::new(), "silk_relay_80", "abc"));
    }

    #[test]
    fn the_token_link_sets_the_cookie_and_drops_the_token() {
        let r = token_link(
            "/",
            Some("preset=arena&token=abc&c=4"),
            "silk_relay_80",
            "abc",
        )
        .expect("the right token");
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[LOCATION], "/?preset=arena&c=4");
        let cookie = r.headers()[SET_COOKIE].to_str().unwrap();
        assert!(cookie.starts_with("silk_relay_80=abc;"), "{cookie}");
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
        assert!(token_link("/", Some("token=abd"), "silk_relay_80", "abc").is_none());
        assert!(token_link("/", Some("url=x"), "silk_relay_80", "abc").is_none());
        assert!(token_link("/", None, "silk_relay_80", "abc").is_none());
    }
}
