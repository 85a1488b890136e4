//! Clients who may be the same person: flagged when a client is added
//! (the command line warns, the admin page asks), never refused, since
//! two people can share a name.
//!
//! Names match when they are equal after Unicode case folding (ICU4X's
//! full folding, so `STRASSE` matches `Straße`), canonical normalisation
//! (a composed `é` matches `e` with a combining accent) and collapsing
//! white space. Email addresses match case-insensitively (also under
//! Unicode folding). Archived clients count too, marked as archived.

use icu_casemap::CaseMapper;
use icu_normalizer::{ComposingNormalizerBorrowed, DecomposingNormalizerBorrowed};
use serde::Serialize;

use super::App;
use crate::error::Result;

/// An existing client a new one may duplicate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Similar {
    pub id: i64,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub archived: bool,
    pub same_name: bool,
    pub same_email: bool,
}

impl Similar {
    /// `id 3, same name, archived`: what the warning says of them.
    pub fn describe(&self) -> String {
        let what = match (self.same_name, self.same_email) {
            (true, true) => "same name and email",
            (true, false) => "same name",
            _ => "same email",
        };
        let archived = if self.archived { ", archived" } else { "" };
        format!("{} (id {}, {what}{archived})", self.name, self.id)
    }
}

/// The form two names or addresses are compared in: white space runs
/// collapsed to one space, then the canonical caseless form of Unicode
/// (section 3.13, D145: NFD, fold, NFD), composed again.
pub fn fold(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let nfd = DecomposingNormalizerBorrowed::new_nfd();
    let folded = CaseMapper::new().fold_string(&nfd.normalize(&words.join(" "))).into_owned();
    ComposingNormalizerBorrowed::new_nfc().normalize(&nfd.normalize(&folded)).into_owned()
}

impl App {
    /// Clients, archived ones too, with the same name or email address as
    /// a client about to be added, by id.
    pub fn similar_clients(&mut self, name: &str, email: Option<&str>) -> Result<Vec<Similar>> {
        let name = fold(name);
        let email = email.map(str::trim).filter(|e| !e.is_empty()).map(fold);
        let mut out = vec![];
        for c in self.store.clients()? {
            let same_name = fold(&c.name) == name;
            let same_email = email.is_some() && c.email.as_deref().map(fold) == email;
            if same_name || same_email {
                let archived = c.archived_at.is_some();
                out.push(Similar { id: c.id, name: c.name, email: c.email, archived, same_name, same_email });
            }
        }
        out.sort_by_key(|s| s.id);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_app;
    use super::*;

    #[test]
    fn names_fold_case_accents_and_spaces_the_unicode_way() {
        assert_eq!(fold("  Ann   SMITH "), fold("ann smith"));
        assert_eq!(fold("STRASSE"), fold("Straße"), "full folding, not lowercasing");
        assert_eq!(fold("Zoe\u{0308}"), fold("ZOË"), "combining diaeresis");
        assert_eq!(fold("ΣΟΦΊΑ"), fold("σοφία"));
        assert_eq!(fold("Ann\u{3000}Lee"), fold("ann lee"), "ideographic space is white space");
        assert_ne!(fold("Ann"), fold("Anne"));
        assert_ne!(fold("Zoë"), fold("Zoe"), "accents tell names apart");
    }

    #[test]
    fn same_name_or_email_is_found_archived_clients_too() {
        let mut app = test_app();
        let now = "2026-12-01T09:00:00Z".parse().unwrap();
        let ann = app.add_client("Ann Smith", Some("ann@example.org"), None, now).unwrap().id;
        let old = app.add_client("JOSÉ  Núñez", None, None, now).unwrap().id;
        app.archive_client(old, now).unwrap();
        app.add_client("Ben", Some("ben@example.org"), None, now).unwrap();
        let found = app.similar_clients("ann  smith", None).unwrap();
        assert_eq!(found.iter().map(|s| (s.id, s.same_name, s.same_email)).collect::<Vec<_>>(), [(ann, true, false)]);
        let found = app.similar_clients("Annie", Some("ANN@Example.org")).unwrap();
        assert_eq!(found.iter().map(|s| (s.id, s.same_name, s.same_email)).collect::<Vec<_>>(), [(ann, false, true)]);
        let found = app.similar_clients("José Núñez", None).unwrap();
        assert_eq!(found.len(), 1);
        assert!(found[0].archived);
        assert_eq!(found[0].describe(), format!("JOSÉ  Núñez (id {old}, same name, archived)"));
        assert!(app.similar_clients("Cy", Some("cy@example.org")).unwrap().is_empty());
    }
}
