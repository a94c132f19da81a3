//! Which served paths an asset key can occupy (its own key and its aliases), which key a served
//! path resolves to, and which fallback scope a key configures.
//!
//! Owns only string rules; it holds no state. Invariant: a path resolves to a key only through
//! the forms [`candidate_paths`] lists for that key, so re-resolving the candidate paths of every
//! changed key keeps all served paths current.

/// The file a scope serves for missing paths below it.
const NOT_FOUND_PAGE: &str = "404.html";
/// The single-page-app entry point, also the root alias target.
pub const INDEX: &str = "/index.html";

/// Every served path that could resolve to `key`: the key itself and the alias forms
/// (`/x` for `/x.html`; `/x/` and `/x` for `/x/index.html`; `/` for `/index.html`).
pub fn candidate_paths(key: &str) -> Vec<String> {
    let mut paths = vec![key.to_string()];
    if let Some(dir) = key.strip_suffix("/index.html") {
        paths.push(format!("{dir}/"));
        if !dir.is_empty() {
            paths.push(dir.to_string());
        }
    }
    if let Some(stem) = key.strip_suffix(".html") {
        if !stem.is_empty() && !stem.ends_with('/') {
            paths.push(stem.to_string());
        }
    }
    paths
}

/// The keys a served path may alias, most preferred first: `/x/` → `/x/index.html`;
/// `/x` → `/x.html`, then `/x/index.html`.
pub fn alias_targets(path: &str) -> Vec<String> {
    if path.ends_with('/') {
        vec![format!("{path}index.html")]
    } else {
        vec![format!("{path}.html"), format!("{path}/index.html")]
    }
}

/// The fallback scope a key configures: `/a/404.html` configures `/a`, `/404.html` and
/// `/index.html` configure the root scope `/`.
pub fn scope_of(key: &str) -> Option<String> {
    if key == INDEX {
        return Some("/".into());
    }
    let dir = key.strip_suffix(NOT_FOUND_PAGE)?.strip_suffix('/')?;
    Some(if dir.is_empty() { "/".into() } else { dir.to_string() })
}

/// The `404.html` key of a scope.
pub fn not_found_page(scope: &str) -> String {
    if scope == "/" {
        format!("/{NOT_FOUND_PAGE}")
    } else {
        format!("{scope}/{NOT_FOUND_PAGE}")
    }
}

/// Scopes that could answer a missing canonical path, deepest first: `/a/b` gives `/a/b`, `/a`,
/// `/`. The path itself is included because a wildcard at `/a/b` also covers `/a/b`.
pub fn enclosing_scopes(canonical: &str) -> impl Iterator<Item = &str> {
    let trimmed = canonical.trim_end_matches('/');
    let mut next = Some(trimmed);
    std::iter::from_fn(move || {
        let current = next?;
        next = match current.rfind('/') {
            Some(0) | None if current.is_empty() => None,
            Some(0) => Some(""),
            Some(i) => Some(&current[..i]),
            None => None,
        };
        Some(if current.is_empty() { "/" } else { current })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_cover_both_alias_forms() {
        assert_eq!(candidate_paths("/index.html"), ["/index.html", "/", "/index"]);
        assert_eq!(candidate_paths("/a/index.html"), ["/a/index.html", "/a/", "/a", "/a/index"]);
        assert_eq!(candidate_paths("/about.html"), ["/about.html", "/about"]);
        assert_eq!(candidate_paths("/app.js"), ["/app.js"]);
        assert_eq!(candidate_paths("/.html"), ["/.html"]);
    }

    #[test]
    fn every_alias_target_lists_the_alias_as_candidate() {
        for path in ["/", "/a", "/a/", "/a/b", "/index"] {
            for key in alias_targets(path) {
                assert!(candidate_paths(&key).contains(&path.to_string()), "{path} -> {key}");
            }
        }
    }

    #[test]
    fn scopes() {
        assert_eq!(scope_of("/404.html").as_deref(), Some("/"));
        assert_eq!(scope_of("/index.html").as_deref(), Some("/"));
        assert_eq!(scope_of("/docs/404.html").as_deref(), Some("/docs"));
        assert_eq!(scope_of("/docs/x404.html"), None);
        assert_eq!(scope_of("/docs/index.html"), None);
        assert_eq!(not_found_page("/"), "/404.html");
        assert_eq!(not_found_page("/docs"), "/docs/404.html");
    }

    #[test]
    fn enclosing_scopes_walk_up_to_the_root() {
        assert_eq!(enclosing_scopes("/a/b/c").collect::<Vec<_>>(), ["/a/b/c", "/a/b", "/a", "/"]);
        assert_eq!(enclosing_scopes("/a/").collect::<Vec<_>>(), ["/a", "/"]);
        assert_eq!(enclosing_scopes("/").collect::<Vec<_>>(), ["/"]);
    }
}
