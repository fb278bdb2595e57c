//! Serving the `web/` directory: the playground, its built `pkg/`, the demo site and
//! `robots.txt`, like any static server would (so the page behaves the same under
//! `python3 -m http.server`), plus the two things a careless static server gets wrong:
//! directory traversal (rejected twice: `..` segments up front, then a canonical-prefix
//! check that also catches symlinks pointing out) and MIME types (`application/wasm` is
//! required for streaming compilation; `.html` is sent *without* a charset so pages declare
//! their own, like the demo's GBK film page).

use super::reply::{self, percent_decode, Body};
use hyper::{Response, StatusCode};
use std::path::{Path, PathBuf};

/// The content type for a file name, by extension.
pub fn mime_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        // No charset: the page's <meta charset> decides (the HTML spec's sniffing order).
        "html" | "htm" => "text/html",
        "js" | "mjs" => "text/javascript",
        "wasm" => "application/wasm",
        "css" => "text/css",
        "json" | "map" => "application/json",
        "txt" | "md" | "ts" | "py" | "sh" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "ico" => "image/x-icon",
        "csv" => "text/csv; charset=utf-8",
        "jsonl" => "application/x-ndjson",
        _ => "application/octet-stream",
    }
}

/// Maps a request path to a file inside `root` (which must be canonical), or explains why
/// not. `/` and directories map to their `index.html`.
pub fn resolve(root: &Path, request_path: &str) -> Result<PathBuf, (StatusCode, String)> {
    let decoded = percent_decode(request_path).ok_or_else(|| {
        (
            StatusCode::BAD_REQUEST,
            format!("bad percent-encoding in {request_path}"),
        )
    })?;
    let mut path = root.to_path_buf();
    for segment in decoded.split('/').filter(|s| !s.is_empty()) {
        if segment == "."
            || segment == ".."
            || segment.contains(['\\', '\0'])
            || segment.contains(':')
        {
            return Err((
                StatusCode::FORBIDDEN,
                format!("path {request_path} is not allowed"),
            ));
        }
        path.push(segment);
    }
    if path.is_dir() {
        path.push("index.html");
    }
    let canonical = path
        .canonicalize()
        .map_err(|_| (StatusCode::NOT_FOUND, format!("not found: {decoded}")))?;
    if !canonical.starts_with(root) {
        return Err((
            StatusCode::FORBIDDEN,
            format!("path {request_path} is outside the served directory"),
        ));
    }
    if !canonical.is_file() {
        return Err((StatusCode::NOT_FOUND, format!("not found: {decoded}")));
    }
    Ok(canonical)
}

/// Answers a GET (or HEAD, with `head_only`) for `request_path` from `root`.
pub async fn serve(root: &Path, request_path: &str, head_only: bool) -> Response<Body> {
    let file = match resolve(root, request_path) {
        Ok(file) => file,
        Err((status, message)) => return not_served(status, request_path, message),
    };
    match tokio::fs::read(&file).await {
        Ok(body) => {
            let mut resp = reply::bytes(
                StatusCode::OK,
                mime_type(&file),
                if head_only { Vec::new() } else { body },
            );
            if head_only {
                // Keep the length a GET would have; the empty body is HEAD's business.
                let len = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
                reply::set(&mut resp, "content-length", &len.to_string());
            }
            resp
        }
        Err(e) => reply::text(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot read {}: {e}", file.display()),
        ),
    }
}

/// A 404 is an HTML page (the demo's missing films look like a real site's); the wasm
/// bundle's absence gets the command that builds it.
fn not_served(status: StatusCode, request_path: &str, message: String) -> Response<Body> {
    if status != StatusCode::NOT_FOUND {
        return reply::text(status, message);
    }
    if request_path.starts_with("/pkg/") {
        return reply::text(status, format!("{message}\n{}", super::BUILD_HINT));
    }
    let escaped = message
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    reply::bytes(
        status,
        "text/html; charset=utf-8",
        format!("<!DOCTYPE html>\n<title>404 Not Found</title>\n<h1>404 Not Found</h1>\n<p>{escaped}</p>\n"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn web_root() -> (tempdir::Dir, PathBuf) {
        let dir = tempdir::Dir::new();
        std::fs::create_dir_all(dir.path().join("web/demo")).unwrap();
        std::fs::write(dir.path().join("web/index.html"), "<p>hi</p>").unwrap();
        std::fs::write(dir.path().join("web/demo/index.html"), "demo").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "secret").unwrap();
        let root = dir.path().join("web").canonicalize().unwrap();
        (dir, root)
    }

    /// A throwaway directory under the system temp dir, removed on drop (no extra crate).
    mod tempdir {
        use std::path::{Path, PathBuf};
        pub struct Dir(PathBuf);
        impl Dir {
            pub fn new() -> Dir {
                let mut bytes = [0u8; 8];
                super::super::super::secret::fill_random(&mut bytes).unwrap();
                let name: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                let path = std::env::temp_dir().join(format!("silk-serve-test-{name}"));
                std::fs::create_dir_all(&path).unwrap();
                Dir(path)
            }
            pub fn path(&self) -> &Path {
                &self.0
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    #[test]
    fn index_and_directories() {
        let (_dir, root) = web_root();
        assert_eq!(resolve(&root, "/").unwrap(), root.join("index.html"));
        assert_eq!(
            resolve(&root, "/demo/").unwrap(),
            root.join("demo/index.html")
        );
        assert_eq!(
            resolve(&root, "/demo").unwrap(),
            root.join("demo/index.html")
        );
        assert_eq!(
            resolve(&root, "/nope.html").unwrap_err().0,
            StatusCode::NOT_FOUND
        );
    }

    #[test]
    fn traversal_is_refused() {
        let (_dir, root) = web_root();
        for bad in [
            "/../secret.txt",
            "/%2e%2e/secret.txt",
            "/demo/%2E%2E/%2e%2e/secret.txt",
            "/..%5csecret.txt",
            "/a%00b",
        ] {
            let err = resolve(&root, bad).unwrap_err();
            assert_eq!(err.0, StatusCode::FORBIDDEN, "{bad}: {}", err.1);
        }
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_of_the_root_are_refused() {
        let (dir, root) = web_root();
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("link.txt")).unwrap();
        assert_eq!(
            resolve(&root, "/link.txt").unwrap_err().0,
            StatusCode::FORBIDDEN
        );
    }

    #[test]
    fn mime_types() {
        assert_eq!(mime_type(Path::new("a/silk_bg.wasm")), "application/wasm");
        assert_eq!(mime_type(Path::new("silk.js")), "text/javascript");
        assert_eq!(mime_type(Path::new("film/3.html")), "text/html");
        assert_eq!(
            mime_type(Path::new("robots.txt")),
            "text/plain; charset=utf-8"
        );
        assert_eq!(
            mime_type(Path::new("x.unknown")),
            "application/octet-stream"
        );
    }
}
