use super::*;

#[test]
fn every_bundled_file_parses_and_defines_each_message_once() {
    for code in available() {
        for (name, text) in files_of(code) {
            if let Err((_, errors)) = FluentResource::try_new(text) {
                panic!("{name}: {errors:?}");
            }
        }
        let mut ids = ids_of(code);
        let all = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), all, "{code}: a message defined twice");
    }
}

#[test]
fn every_language_has_every_message() {
    let english = ids_of(ENGLISH);
    let mut missing = vec![];
    for code in available().iter().copied().filter(|c| *c != ENGLISH) {
        let own = ids_of(code);
        missing.extend(english.iter().filter(|id| !own.contains(id)).map(|id| format!("{code}: {id}")));
        let extra: Vec<_> = own.iter().filter(|id| !english.contains(id)).collect();
        assert!(extra.is_empty(), "{code} has messages English lacks (misspelt ids?): {extra:?}");
    }
    // The list is what a translator needs: print it whole, then fail.
    for line in &missing {
        eprintln!("missing: {line}");
    }
    assert!(missing.is_empty(), "{} messages missing; they fall back to English", missing.len());
}

#[test]
fn english_and_spanish_are_bundled_english_first() {
    assert_eq!(available(), ["en", "es"]);
    assert_eq!(find("es-MX"), Some("es"));
    assert_eq!(find("ES"), Some("es"));
    assert_eq!(find("fr"), None);
    assert_eq!(find("<script>"), None);
}

#[test]
fn accept_language_picks_the_first_bundled_language_asked_for() {
    assert_eq!(negotiate(Some("es-ES,es;q=0.9,en;q=0.8"), "en"), "es");
    assert_eq!(negotiate(Some("fr-FR, de;q=0.8, es-419;q=0.5"), "en"), "es");
    assert_eq!(negotiate(Some("en-GB,en;q=0.9"), "es"), "en");
    assert_eq!(negotiate(Some("fr, de"), "es"), "es", "none bundled: the practice's language");
    assert_eq!(negotiate(Some(""), "en"), "en");
    assert_eq!(negotiate(Some(";;;,,q=1,*"), "en"), "en");
    assert_eq!(negotiate(None, "es"), "es");
    // Weights decide, not the order (RFC 9110 §12.4.2); q=0 is "not this".
    assert_eq!(negotiate(Some("en;q=0.5, es"), "en"), "es");
    assert_eq!(negotiate(Some("es;q=0, en"), "es"), "en");
    assert_eq!(negotiate(Some("es;q=0"), "en"), "en");
    assert_eq!(negotiate(Some("fr, en;q=0.4, es;q=0.5"), "en"), "es");
    assert_eq!(negotiate(Some("es;q=bad, en;q=0.9"), "en"), "es", "an unreadable weight counts as 1");
    assert_eq!(by_weight("a;q=0.5, b, c;q=0.5, d;q=1.5"), ["b", "d", "a", "c"], "equals keep their order");
    let many = vec!["fr"; 40].join(",") + ",es";
    assert_eq!(negotiate(Some(&many), "en"), "en", "only the first 32 ranges are read");
}

#[test]
fn a_message_missing_from_a_language_is_english_and_plurals_are_cldrs() {
    // date-long takes variables; both languages have it.
    let args = [
        ("weekday", Arg::Text("martes")),
        ("day", Arg::Text("1")),
        ("month", Arg::Text("diciembre")),
        ("year", Arg::Text("2026")),
    ];
    assert_eq!(text("es", "date-long", &args).unwrap(), "martes, 1 de diciembre de 2026");
    assert_eq!(text("xx", "clock", &[]).unwrap(), "12", "an unknown language reads English");
    assert_eq!(text("es", "no-such-message", &[]), None);
    let at = |hour| {
        text("es", "date-at-time", &[("date", Arg::Text("D")), ("time", Arg::Text("T")), ("hour", Arg::Number(hour))])
            .unwrap()
    };
    assert_eq!((at(1), at(13)), ("D a la T".to_string(), "D a las T".to_string()));
}

/// What a template compiled with a message's pieces prints (`render::filled`)
/// must be what Fluent prints, for every such message in every language,
/// with text and with numbers; and a message with a choice has no pieces.
#[test]
fn pieces_print_what_fluent_prints() {
    let mut seen = 0;
    for code in available() {
        for id in ids_of(code) {
            let Some(pieces) = pieces(code, &id) else { continue };
            seen += 1;
            let names: Vec<&str> =
                pieces.iter().filter_map(|p| if let Piece::Var(n) = p { Some(n.as_str()) } else { None }).collect();
            for number in [false, true] {
                let value = |name: &str| if number { "1234".to_string() } else { format!("<{name} & \"x\">") };
                let args: Vec<(&str, Arg<'_>)> = names
                    .iter()
                    .map(|n| (*n, if number { Arg::Number(1234) } else { Arg::Text(Box::leak(value(n).into())) }))
                    .collect();
                let joined: String = pieces
                    .iter()
                    .map(|p| match p {
                        Piece::Text(t) => t.clone(),
                        Piece::Var(n) => value(n),
                    })
                    .collect();
                assert_eq!(text(code, &id, &args).as_deref(), Some(joined.as_str()), "{code}: {id}");
            }
        }
    }
    assert!(seen > 20, "only {seen} messages had pieces");
    assert_eq!(pieces("es", "page-zone-minutes"), None, "a plural is Fluent's to choose");
    assert_eq!(pieces("es", "page-countdown-before"), None);
    assert_eq!(pieces("es", "page-ready"), None, "no variables: a plain message");
    assert_eq!(pieces("xx", "page-eyebrow"), pieces("en", "page-eyebrow"));
}
