//! Client addresses as they arrive after a trip through mail, chat and
//! word processors, read back to the page they name.
//!
//! Links reach clients through software that changes them: a mail client
//! takes the full stop or closing bracket after a URL into the link, a
//! word processor adds a smart quote or a zero-width space, a phone or an
//! old system upper-cases the whole address. Each of these used to be a
//! 404 with no way forward. Here one function says which client page a
//! mangled path stands for; the router answers it with a redirect there.
//!
//! Only the client pages a person opens from a link are read this way:
//! `/`, `/join`, `/v/{token}` (and its `wait` and `calendar.ics`),
//! `/p/{token}` (and its `calendar.ics`). Admin pages, assets, the API
//! and every POST are matched exactly as before.

use crate::token;

/// What sticks to the end of a URL in running text, most specific first
/// (an entity before its own `;`): sentence punctuation, closing brackets
/// and quotes, a trailing slash, their percent-encoded forms (RFC 3986
/// section 2.1, either case of hex digit), the typographic quotes and
/// stops word processors substitute, invisible characters they insert,
/// and the HTML entities of a URL escaped twice. Never `-` or `_`, which
/// end tokens of the first form.
const TRAILING: &[&str] = &[
    // HTML entities (a template that escaped an escaped URL).
    "&quot;",
    "&#34;",
    "&#x22;",
    "&#39;",
    "&#x27;",
    "&gt;",
    "&#62;",
    "&#x3e;",
    "&rpar;",
    // UTF-8, percent-encoded: ’ ” » › … 。 ， ． ） NBSP, soft hyphen,
    // zero-width space, zero-width joiners, word joiner, BOM.
    "%E2%80%99",
    "%E2%80%9D",
    "%C2%BB",
    "%E2%80%BA",
    "%E2%80%A6",
    "%E3%80%82",
    "%EF%BC%8C",
    "%EF%BC%8E",
    "%EF%BC%89",
    "%C2%A0",
    "%C2%AD",
    "%E2%80%8B",
    "%E2%80%8C",
    "%E2%80%8D",
    "%E2%81%A0",
    "%EF%BB%BF",
    // ASCII, percent-encoded: " ' > ) ] } . , ; : ! ? * / space, tab, line breaks.
    "%22",
    "%27",
    "%3E",
    "%29",
    "%5D",
    "%7D",
    "%2E",
    "%2C",
    "%3B",
    "%3A",
    "%21",
    "%3F",
    "%2A",
    "%2F",
    "%20",
    "%09",
    "%0A",
    "%0D",
    // ASCII as sent.
    ".",
    ",",
    ")",
    "]",
    "}",
    ">",
    "\"",
    "'",
    ";",
    ":",
    "!",
    "*",
    "/",
];

/// `path` without what software stuck to its end (see [`TRAILING`]),
/// repeatedly; the leading `/` always stays.
fn trim_trailing(mut path: &str) -> &str {
    'again: while path.len() > 1 {
        for garbage in TRAILING {
            let Some(cut) = path.len().checked_sub(garbage.len()) else { continue };
            if cut >= 1 && path.is_char_boundary(cut) && path[cut..].eq_ignore_ascii_case(garbage) {
                path = &path[..cut];
                continue 'again;
            }
        }
        break;
    }
    path
}

/// The canonical path of the client page that `path` (raw, undecoded,
/// without its query) names, after trailing garbage and case are
/// forgiven: fixed segments in lowercase, a base32 token in lowercase, an
/// old base64url token as written (its case is part of it), a segment
/// that is no token left alone (its page answers 404). `None` when the
/// path names no client page a person opens from a link.
pub fn client_path(path: &str) -> Option<String> {
    let trimmed = trim_trailing(path);
    let segments: Vec<&str> = trimmed.strip_prefix('/')?.split('/').collect();
    let is = |segment: &str, name: &str| segment.eq_ignore_ascii_case(name);
    let token = |t: &str| token::canonical_token(t).unwrap_or_else(|| t.to_string());
    Some(match segments.as_slice() {
        [""] => "/".to_string(),
        [join] if is(join, "join") => "/join".to_string(),
        [v, t] if is(v, "v") && !t.is_empty() => format!("/v/{}", token(t)),
        [v, t, page] if is(v, "v") && (is(page, "wait") || is(page, "calendar.ics")) => {
            format!("/v/{}/{}", token(t), page.to_ascii_lowercase())
        }
        [p, t] if is(p, "p") && !t.is_empty() => format!("/p/{}", token(t)),
        [p, t, page] if is(p, "p") && is(page, "calendar.ics") => format!("/p/{}/calendar.ics", token(t)),
        _ => return None,
    })
}

/// Where a GET or HEAD of `path` should be sent instead: the canonical
/// client path when it differs from `path`, else `None` (answer as is).
pub fn client_redirect(path: &str) -> Option<String> {
    client_path(path).filter(|canonical| canonical != path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A token of each form: base32 (new) and base64url (sent before).
    const NEW: &str = "0123456789abcdefghjkmnpqrw";
    const OLD: &str = "AbC-_fghijklmnopqrst0g";

    #[test]
    fn the_tokens_of_these_tests_are_tokens() {
        assert!(token::read_token(NEW).is_some());
        assert!(token::read_token(OLD).is_some());
    }

    #[test]
    fn mangled_client_paths_lead_to_their_page() {
        let upper = NEW.to_ascii_uppercase();
        let table: &[(&str, &str)] = &[
            ("/join.", "/join"),
            ("/join/", "/join"),
            ("/JOIN", "/join"),
            ("/Join).", "/join"),
            ("/join%22%3E", "/join"),
            ("/join%2e", "/join"),
            ("/.", "/"),
            (&format!("/v/{NEW}."), &format!("/v/{NEW}")),
            (&format!("/v/{NEW}/"), &format!("/v/{NEW}")),
            (&format!("/v/{NEW}),"), &format!("/v/{NEW}")),
            (&format!("/v/{NEW}%3E"), &format!("/v/{NEW}")),
            (&format!("/v/{NEW}%3e"), &format!("/v/{NEW}")),
            (&format!("/v/{NEW}%22"), &format!("/v/{NEW}")),
            (&format!("/v/{NEW}%27."), &format!("/v/{NEW}")),
            (&format!("/v/{NEW}'"), &format!("/v/{NEW}")),
            (&format!("/v/{NEW}\""), &format!("/v/{NEW}")),
            (&format!("/v/{NEW};"), &format!("/v/{NEW}")),
            (&format!("/v/{NEW}!"), &format!("/v/{NEW}")),
            (&format!("/v/{NEW}>"), &format!("/v/{NEW}")),
            (&format!("/v/{NEW}.)\"./"), &format!("/v/{NEW}")),
            (&format!("/v/{NEW}%E2%80%9D"), &format!("/v/{NEW}")),
            (&format!("/v/{NEW}%e2%80%8b"), &format!("/v/{NEW}")),
            (&format!("/v/{NEW}%C2%A0."), &format!("/v/{NEW}")),
            (&format!("/v/{NEW}&gt;"), &format!("/v/{NEW}")),
            (&format!("/v/{NEW}&quot;."), &format!("/v/{NEW}")),
            (&format!("/V/{upper}"), &format!("/v/{NEW}")),
            (&format!("/v/{upper}"), &format!("/v/{NEW}")),
            (&format!("/V/{upper}/"), &format!("/v/{NEW}")),
            (&format!("/V/{upper}/WAIT"), &format!("/v/{NEW}/wait")),
            (&format!("/V/{upper}/CALENDAR.ICS"), &format!("/v/{NEW}/calendar.ics")),
            (&format!("/v/{NEW}/calendar.ics."), &format!("/v/{NEW}/calendar.ics")),
            (&format!("/P/{upper}."), &format!("/p/{NEW}")),
            (&format!("/p/{NEW}/"), &format!("/p/{NEW}")),
            (&format!("/P/{upper}/Calendar.ics"), &format!("/p/{NEW}/calendar.ics")),
            // An old token keeps its case, and loses only what followed it.
            (&format!("/v/{OLD}."), &format!("/v/{OLD}")),
            (&format!("/V/{OLD}"), &format!("/v/{OLD}")),
            (&format!("/p/{OLD}%29"), &format!("/p/{OLD}")),
            // Not a token: sent on without its garbage, to the 404 page.
            ("/v/nope.", "/v/nope"),
            ("/V/NOPE", "/v/NOPE"),
        ];
        for (from, to) in table {
            assert_eq!(client_redirect(from).as_deref(), Some(*to), "{from}");
            assert_eq!(client_redirect(to), None, "{to} is canonical");
        }
    }

    #[test]
    fn canonical_and_other_paths_are_left_alone() {
        for path in [
            "/",
            "/join",
            &format!("/v/{NEW}"),
            &format!("/v/{OLD}"),
            &format!("/v/{OLD}-"),
            &format!("/v/{NEW}/wait"),
            &format!("/p/{NEW}/calendar.ics"),
            // Not client pages a link leads to: matched exactly.
            "/admin.",
            "/admin/",
            "/ADMIN",
            "/admin/login.",
            "/assets/style.css.",
            "/ASSETS/style.css",
            "/healthz.",
            &format!("/api/v1/links/{NEW}."),
            &format!("/v/{NEW}/join."),
            &format!("/v/{NEW}/wait/status."),
            &format!("/cal/{NEW}.ics."),
            "/v",
            "/v/",
            "/v/.",
            "/p//",
            "//join",
            "/joinx",
            "",
        ] {
            assert_eq!(client_redirect(path), None, "{path}");
        }
    }

    /// A redirect must never lead to another: the canonical path is its
    /// own canonical path, for any mix of pieces that occur in links.
    #[test]
    fn a_canonical_path_is_final() {
        let pieces = [
            "/",
            "v",
            "V",
            "p",
            "join",
            "JOIN",
            "wait",
            "calendar.ics",
            NEW,
            OLD,
            "%2",
            "E",
            "e",
            "%",
            "&gt",
            ";",
            ".",
            "%E2%80",
            "%9D",
            "x",
            "-",
            "_",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut redirects = 0;
        for _ in 0..20_000 {
            let mut path = String::from("/");
            for _ in 0..(seed % 7) {
                // xorshift: deterministic, so a failure replays.
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                path.push_str(pieces[(seed % pieces.len() as u64) as usize]);
            }
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            if let Some(to) = client_redirect(&path) {
                assert_eq!(client_redirect(&to), None, "{path} -> {to}");
                redirects += 1;
            }
        }
        assert!(redirects > 500, "the pieces make enough mangled paths: {redirects}");
    }

    #[test]
    fn trimming_keeps_tokens_whole_and_never_splits_a_character() {
        assert_eq!(trim_trailing("/v/ab-_"), "/v/ab-_");
        assert_eq!(trim_trailing("/é."), "/é");
        assert_eq!(trim_trailing("/"), "/");
        assert_eq!(trim_trailing("/./././"), "/");
        assert_eq!(trim_trailing("/x%2"), "/x%2");
    }
}
