//! A crawler's link handling in miniature, for the reference crawls of the tests: `<a>` and
//! `<base>` hrefs out of HTML, and RFC 3986 resolution against a page of an origin.

#![allow(dead_code)]

/// The `href`s of `<a>` tags and of the first `<base>` tag, in document order. Handles
/// upper-case tags, double/single/unquoted attribute values and comments.
pub fn extract(html: &str) -> (Option<String>, Vec<String>) {
    let bytes = html.as_bytes();
    let (mut base, mut hrefs) = (None, Vec::new());
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        i += off + 1;
        if html[i..].starts_with("!--") {
            i = html[i..].find("-->").map_or(html.len(), |e| i + e + 3);
            continue;
        }
        let name_end = html[i..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .map_or(html.len(), |e| i + e);
        let name = html[i..name_end].to_ascii_lowercase();
        i = name_end;
        if name != "a" && name != "base" {
            continue;
        }
        // Attributes up to '>'.
        let mut href = None;
        loop {
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if i >= bytes.len() || bytes[i] == b'>' {
                break;
            }
            if bytes[i] == b'/' {
                i += 1;
                continue;
            }
            let attr_end = html[i..]
                .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '>')
                .map_or(html.len(), |e| i + e);
            let attr = html[i..attr_end].to_ascii_lowercase();
            i = attr_end;
            let mut value = None;
            if i < bytes.len() && bytes[i] == b'=' {
                i += 1;
                let quote = bytes.get(i).copied();
                if quote == Some(b'"') || quote == Some(b'\'') {
                    let q = quote.unwrap() as char;
                    let end = html[i + 1..].find(q).map_or(html.len(), |e| i + 1 + e);
                    value = Some(html[i + 1..end].to_string());
                    i = (end + 1).min(html.len());
                } else {
                    let end = html[i..]
                        .find(|c: char| c.is_ascii_whitespace() || c == '>')
                        .map_or(html.len(), |e| i + e);
                    value = Some(html[i..end].to_string());
                    i = end;
                }
            }
            if attr == "href" && href.is_none() {
                href = value;
            }
        }
        match (name.as_str(), href) {
            ("a", Some(h)) => hrefs.push(h),
            ("base", Some(h)) if base.is_none() => base = Some(h),
            _ => {}
        }
    }
    (base, hrefs)
}

/// RFC 3986 `remove_dot_segments` on an absolute path.
pub fn remove_dots(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    for (k, seg) in segments.iter().enumerate() {
        let last = k + 1 == segments.len();
        match *seg {
            "." => {
                if last {
                    out.push("");
                }
            }
            ".." => {
                out.pop();
                if last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    format!("/{}", out.join("/"))
}

/// Resolves `href` found on the page `base` (a path) of the origin `authority`
/// (`127.0.0.1:PORT`): `(authority, path+query)` of the target, or `None` for non-HTTP
/// schemes (`mailto:`, `javascript:`, `https:`).
pub fn resolve_url(authority: &str, base: &str, href: &str) -> Option<(String, String)> {
    let href = href.trim();
    let href = href.split('#').next().unwrap_or("");
    let scheme_end = href.find(':').filter(|&c| !href[..c].contains(['/', '?']));
    let rest = match scheme_end {
        Some(c) => {
            if !href[..c].eq_ignore_ascii_case("http") {
                return None;
            }
            &href[c + 1..]
        }
        None => href,
    };
    let (host, path) = if let Some(net) = rest.strip_prefix("//") {
        let (host, path) = net.split_at(net.find('/').unwrap_or(net.len()));
        let path = if path.is_empty() { "/" } else { path };
        (host.to_ascii_lowercase(), path.to_string())
    } else if rest.starts_with('/') {
        (authority.to_string(), rest.to_string())
    } else if rest.is_empty() {
        (authority.to_string(), base.to_string())
    } else {
        let dir = &base[..=base.rfind('/').unwrap_or(0)];
        (authority.to_string(), format!("{dir}{rest}"))
    };
    let (p, q) = match path.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q)),
        None => (path, None),
    };
    let p = remove_dots(&p);
    Some((
        host,
        match q {
            Some(q) => format!("{p}?{q}"),
            None => p,
        },
    ))
}
