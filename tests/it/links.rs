//! Links as they arrive after the trip from clinician to client: upper-
//! or lower-cased, with punctuation from the sentence around them, in the
//! form the first links were sent in; the 404 and 410 pages' next steps;
//! codes typed on phones and pasted from word processors.

use crate::support::{Practice, Response, Server, minutes, now, request, token_of};

/// Crockford's base32 alphabet, as an independent reading of tokens.
const CROCKFORD: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// The 16 bytes a new token stands for, decoded here without the crate.
fn token_bytes(token: &str) -> [u8; 16] {
    let mut bits: Vec<u8> = vec![];
    for b in token.bytes() {
        let v = CROCKFORD.iter().position(|&c| c == b).unwrap_or_else(|| panic!("{token} is not base32"));
        bits.extend((0..5).rev().map(|k| (v >> k) as u8 & 1));
    }
    assert_eq!(bits.len(), 130);
    assert_eq!(&bits[128..], &[0, 0], "padding bits");
    let mut out = [0u8; 16];
    for (i, bit) in bits[..128].iter().enumerate() {
        out[i / 8] |= bit << (7 - i % 8);
    }
    out
}

/// The same 16 bytes as links were written before: base64url, unpadded.
fn legacy_form(token: &str) -> String {
    use base64ct::{Base64UrlUnpadded, Encoding};
    Base64UrlUnpadded::encode_string(&token_bytes(token))
}

/// A raw GET or HEAD: the target is sent byte for byte.
fn raw(server: &Server, method: &str, target: &str) -> Response {
    server.raw(&request(method, target.as_bytes(), None))
}

#[track_caller]
fn assert_moved(r: &Response, to: &str) {
    assert!(matches!(r.status, 301 | 308), "{r:?}");
    assert_eq!(r.location(), to);
    r.assert_private();
}

#[test]
fn new_links_are_lowercase_base32_and_survive_any_case() {
    let p = Practice::new();
    let server = p.serve();
    let added = p.json(&["client", "add", "--name", "Ann Lee"]);
    let appt = p.appt(&[added["id"].as_i64().expect("id")], now() - minutes(5), 50);
    let link = appt.link(0);
    let token = token_of(&link);
    assert_eq!(token.len(), 26, "{link}");
    assert!(token.bytes().all(|b| CROCKFORD.contains(&b)), "lowercase Crockford base32: {token}");

    let upper = token.to_uppercase();
    for target in [format!("/V/{upper}"), format!("/v/{upper}"), format!("/V/{token}")] {
        let r = raw(&server, "GET", &target);
        assert_moved(&r, &format!("/v/{token}"));
        assert_eq!(server.get(r.location()).status, 200, "{target}");
    }
    // HEAD is answered the same way.
    assert_moved(&raw(&server, "HEAD", &format!("/V/{upper}")), &format!("/v/{token}"));
    // The JSON check and the command line read either case as it is.
    let api = server.get(&format!("/api/v1/links/{upper}"));
    assert_eq!((api.status, api.json()["state"].as_str()), (200, Some("open")));
    assert_eq!(p.state(&link.to_uppercase()), "open");
    assert_eq!(p.state(&link.to_lowercase()), "open");
    assert_eq!(p.state(&upper), "open");

    // The portal link too, and its address when the whole URL was shouted.
    let portal_token = token_of(added["portal_url"].as_str().expect("portal_url"));
    assert_eq!(portal_token.len(), 26);
    let r = raw(&server, "GET", &format!("/P/{}", portal_token.to_uppercase()));
    assert_moved(&r, &format!("/p/{portal_token}"));
    assert_eq!(server.get(r.location()).status, 200);
    assert_moved(&raw(&server, "GET", "/JOIN"), "/join");
}

#[test]
fn links_sent_in_the_old_form_keep_working_exactly() {
    let p = Practice::new();
    let server = p.serve();
    let (client, appt) = p.solo("Ann Lee", now() - minutes(5));
    let old = legacy_form(&appt.token(0));
    assert_eq!(old.len(), 22);
    let page = server.get(&format!("/v/{old}"));
    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_private();
    // Its Join button posts back to the address it was opened at.
    assert!(page.body.contains(&format!("/v/{old}/join")), "{}", page.body);
    assert_eq!(server.get(&format!("/api/v1/links/{old}")).json()["state"], "open");
    assert_eq!(p.state(&format!("http://127.0.0.1:8080/v/{old}")), "open");
    assert_eq!(p.state(&old), "open");
    // With a sentence's full stop after it: sent on, case kept.
    assert_moved(&raw(&server, "GET", &format!("/v/{old}).")), &format!("/v/{old}"));
    // Its case is part of its value (base64url): changed, it finds nothing.
    let flipped: String = old
        .chars()
        .map(|c| if c.is_ascii_uppercase() { c.to_ascii_lowercase() } else { c.to_ascii_uppercase() })
        .collect();
    assert_ne!(server.get(&format!("/v/{flipped}")).status, 200);

    // Rotation revokes both spellings of the old link at once.
    p.run(&["link", "rotate", "--appt", &appt.id_str(), "--client", &client.to_string()]).ok();
    assert_eq!(server.get(&format!("/v/{old}")).status, 410);
    assert_eq!(server.get(&format!("/v/{}", appt.token(0))).status, 410);
}

#[test]
fn trailing_garbage_from_mail_and_chat_is_forgiven_on_client_routes() {
    let p = Practice::new();
    let server = p.serve();
    let (client, appt) = p.solo("Ann Lee", now() - minutes(5));
    let t = appt.token(0);
    let portal =
        token_of(p.json(&["client", "portal", "rotate", &client.to_string()])["portal_url"].as_str().expect("portal"));
    let v = format!("/v/{t}");
    let pp = format!("/p/{portal}");
    let cases: Vec<(String, &str)> = vec![
        ("/join.".into(), "/join"),
        ("/join/".into(), "/join"),
        ("/join,".into(), "/join"),
        ("/join%22%3E".into(), "/join"),
        ("/join)".into(), "/join"),
        (format!("{v}."), &v),
        (format!("{v},"), &v),
        (format!("{v})"), &v),
        (format!("{v}>"), &v),
        (format!("{v}\""), &v),
        (format!("{v}'"), &v),
        (format!("{v};"), &v),
        (format!("{v}!"), &v),
        (format!("{v}/"), &v),
        (format!("{v}%22"), &v),
        (format!("{v}%27"), &v),
        (format!("{v}%3E"), &v),
        (format!("{v}%3e"), &v),
        (format!("{v}%29"), &v),
        (format!("{v}%2E"), &v),
        (format!("{v}).\"'>"), &v),
        (format!("{v}%29.%22"), &v),
        (format!("{v}%E2%80%9D."), &v),
        (format!("{v}%E2%80%8B"), &v),
        (format!("{v}&gt;"), &v),
        (format!("{pp}."), &pp),
        (format!("{pp}/"), &pp),
        (format!("{pp}%3E%22"), &pp),
    ];
    for (mangled, canonical) in &cases {
        for method in ["GET", "HEAD"] {
            let r = raw(&server, method, mangled);
            assert_moved(&r, canonical);
        }
        let followed = server.get(canonical);
        assert_eq!(followed.status, 200, "{mangled} leads to a working page");
    }
    // The query string goes along.
    assert_moved(&raw(&server, "GET", "/join.?from=mail"), "/join?from=mail");

    // Not loosened: admin pages, assets, the API, POSTs keep exact routes.
    for exact in ["/admin.", "/admin/login.", "/ADMIN/login", "/assets/style.css.", "/ASSETS/style.css", "/healthz."] {
        let r = raw(&server, "GET", exact);
        assert!(!matches!(r.status, 200 | 301 | 308), "{exact}: {r:?}");
    }
    assert_eq!(raw(&server, "GET", &format!("/api/v1/links/{t}.")).status, 404);
    // A Join POST is only ever sent by our own form: with garbage it
    // joins nothing and is sent back to the page's address.
    let post = server.post(&format!("{v}./join"), "");
    assert_eq!((post.status, post.location()), (303, format!("{v}.").as_str()));
    assert_eq!(p.audit_count("link.join"), 0);
}

#[test]
fn a_404_under_v_or_p_offers_the_next_step_and_reveals_nothing() {
    let p = Practice::new();
    p.set("practice_name", "Harbour Counselling");
    let server = p.serve();
    let unknown_token = "0".repeat(26);
    let mut bodies = vec![];
    for target in [
        format!("/v/{unknown_token}"),
        "/v/AAAAAAAAAAAAAAAAAAAAAA".to_string(),
        "/v/nope".into(),
        "/v/a/b/c".into(),
        "/v/".into(),
        format!("/p/{unknown_token}"),
        "/p/nope".into(),
        "/p/x/y".into(),
        format!("/v/{unknown_token}/calendar.ics"),
        format!("/p/{unknown_token}/calendar.ics"),
    ] {
        let r = server.get(&target);
        assert_eq!(r.status, 404, "{target}");
        r.assert_private();
        assert!(r.body.contains("href=\"/join\""), "{target} offers the code entry:\n{}", r.body);
        let text = r.text();
        assert!(text.contains("Contact Harbour Counselling"), "{target} names the practice:\n{text}");
        assert!(text.contains("access code"), "{text}");
        bodies.push(r.body);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "every such 404 is the same page");
    // Elsewhere a 404 stays the plain one.
    assert!(!server.get("/nothing-here").body.contains("access code"));
}

#[test]
fn gone_pages_offer_the_code_where_a_newer_link_may_exist() {
    let p = Practice::new();
    let server = p.serve();
    let samples = p.every_state();
    for s in &samples {
        let r = server.get(&s.page());
        let offers = r.body.contains("href=\"/join\"");
        match s.state {
            "revoked" | "unknown" => assert!(offers, "{} offers the code entry:\n{}", s.state, r.body),
            // A finished or cancelled session has no code that works.
            "expired" | "cancelled" => assert!(!offers, "{}:\n{}", s.state, r.body),
            _ => {}
        }
    }
    let client = p.client("Bo Quinn");
    let first = token_of(p.json(&["client", "portal", "rotate", &client.to_string()])["portal_url"].as_str().unwrap());
    p.json(&["client", "portal", "rotate", &client.to_string()]);
    let revoked = server.get(&format!("/p/{first}"));
    assert_eq!(revoked.status, 410);
    assert!(revoked.body.contains("href=\"/join\""), "{}", revoked.body);
    p.set("portal_links", "off");
    let off = server.get(&format!("/p/{first}"));
    assert_eq!(off.status, 410);
    assert!(off.body.contains("href=\"/join\""), "{}", off.body);
}

#[test]
fn codes_typed_on_phones_and_pasted_from_word_processors_work() {
    let p = Practice::new();
    let server = p.serve();
    let (_, appt) = p.solo("Ann Lee", now() - minutes(5));
    let code = appt.code(0);
    let token = appt.token(0);
    let (a, b) = code.split_once('-').expect("XXXX-XXXX");
    let fullwidth: String =
        code.chars().map(|c| if c == '-' { '－' } else { char::from_u32(u32::from(c) + 0xFEE0).unwrap() }).collect();
    let typed = [
        fullwidth,
        format!("{a}\u{2013}{b}"),
        format!("{a}\u{2014}{b}"),
        format!("{a}\u{2212}{b}"),
        format!("{a}\u{2010}{b}"),
        format!("{a}\u{2011}{b}"),
        format!("{a}\u{00A0}{b}"),
        format!("{a}\u{202F}{b}"),
        format!("{a}\u{3000}{b}"),
        format!("{a}\u{00AD}{b}"),
        format!("\u{200B}{a}\u{200B}{b}"),
        format!("{}-{}", a.to_lowercase(), b.to_lowercase()),
    ];
    for t in &typed {
        let form: String = form_urlencoded::Serializer::new(String::new()).append_pair("code", t).finish();
        let r = server.post("/join", &form);
        assert_eq!((r.status, r.location()), (303, format!("/v/{token}").as_str()), "{t:?}");
        assert_eq!(p.state(t), "open", "check {t:?}");
    }
    // A wrong code typed in fullwidth is shown again as it was read, to
    // be fixed rather than typed again.
    let wrong = "ＺＺＺＺ－ＺＺＺ\u{200B}Ｚ";
    let form: String = form_urlencoded::Serializer::new(String::new()).append_pair("code", wrong).finish();
    let r = server.post("/join", &form);
    assert_eq!(r.status, 200);
    assert!(r.body.contains("value=\"ZZZZ-ZZZZ\""), "{}", r.body);
}
