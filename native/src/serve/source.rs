//! `GET /source/crate/src/...rs`: the engine's Rust sources, read-only, as plain text, so
//! the playground's "notes' crawler and silk's" panel can link each excerpt to the file it
//! comes from (the repository URL in Cargo.toml is a placeholder).
//!
//! Deliberately narrow: only `.rs` files under the `crate/src` of the source tree this
//! binary was built from, named by lower-case `[a-z0-9_]` segments (no `..`, no dots but
//! the extension, no percent-escapes), resolved and checked again after canonicalisation
//! (a symlink cannot lead out), at most [`MAX_SOURCE_BYTES`]. Anything else is a 404. Sent
//! as `text/plain; charset=utf-8` with `nosniff` and no CORS header.

use super::reply::{self, Body};
use hyper::{Response, StatusCode};
use std::path::{Path, PathBuf};

/// The URL prefix of the endpoint, as `/serve.json` announces it.
pub const PREFIX: &str = "/source/";

/// The engine's source directory of the tree this binary was built from.
const SOURCE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../crate/src");

/// Largest source file served (the engine's files are under 30 KiB).
pub const MAX_SOURCE_BYTES: u64 = 256 * 1024;

/// The canonical `crate/src` directory, if this machine has the source tree.
pub fn root() -> Option<PathBuf> {
    Path::new(SOURCE_DIR)
        .canonicalize()
        .ok()
        .filter(|d| d.is_dir())
}

/// The path below `crate/src` that `request_path` names, if it has the allowed shape:
/// `/source/crate/src/` then `[a-z0-9_]+/`* and `[a-z0-9_]+.rs`.
pub fn relative(request_path: &str) -> Option<&str> {
    let rest = request_path.strip_prefix("/source/crate/src/")?;
    let stem = rest.strip_suffix(".rs")?;
    let plain = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    };
    (rest.len() <= 200 && stem.split('/').all(plain)).then_some(rest)
}

/// Answers `GET`/`HEAD` of a `/source/...` path.
pub async fn serve(root: Option<&Path>, request_path: &str, head: bool) -> Response<Body> {
    let not_found = || {
        reply::text(
            StatusCode::NOT_FOUND,
            "only the engine's sources are served here: /source/crate/src/NAME.rs",
        )
    };
    let (Some(root), Some(rel)) = (root, relative(request_path)) else {
        return not_found();
    };
    let Ok(file) = root.join(rel).canonicalize() else {
        return not_found();
    };
    if !file.starts_with(root) {
        return not_found();
    }
    let Ok(meta) = tokio::fs::metadata(&file).await else {
        return not_found();
    };
    if !meta.is_file() || meta.len() > MAX_SOURCE_BYTES {
        return not_found();
    }
    match tokio::fs::read(&file).await {
        Ok(bytes) if bytes.len() as u64 <= MAX_SOURCE_BYTES => {
            let body = if head { Vec::new() } else { bytes };
            reply::bytes(StatusCode::OK, "text/plain; charset=utf-8", body)
        }
        _ => not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_rust_files_under_crate_src() {
        assert_eq!(
            relative("/source/crate/src/engine/mod.rs"),
            Some("engine/mod.rs")
        );
        assert_eq!(relative("/source/crate/src/seen.rs"), Some("seen.rs"));
        for bad in [
            "/source/crate/src/../Cargo.rs",
            "/source/crate/src/engine/../../x.rs",
            "/source/crate/src/.hidden.rs",
            "/source/crate/src/Engine.rs",
            "/source/crate/src/engine//mod.rs",
            "/source/crate/src/a%2e%2e.rs",
            "/source/crate/src/lib.rs.bak",
            "/source/crate/Cargo.toml",
            "/source/native/src/main.rs",
            "/source/crate/src/.rs",
        ] {
            assert_eq!(relative(bad), None, "{bad}");
        }
    }

    #[tokio::test]
    async fn serves_a_real_file_and_nothing_else() {
        let root = root().expect("the source tree is here in tests");
        let ok = serve(Some(&root), "/source/crate/src/lib.rs", false).await;
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(ok.headers()["content-type"], "text/plain; charset=utf-8");
        assert!(ok.headers().get("access-control-allow-origin").is_none());
        let missing = serve(Some(&root), "/source/crate/src/no_such_file.rs", false).await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        let none = serve(None, "/source/crate/src/lib.rs", false).await;
        assert_eq!(none.status(), StatusCode::NOT_FOUND);
    }
}
