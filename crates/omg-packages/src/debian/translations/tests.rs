use super::*;

fn conf(languages: Option<&[&str]>, old: Option<&str>) -> AptConf {
    AptConf {
        languages: languages.map(|list| list.iter().map(|code| (*code).to_owned()).collect()),
        old_translation: old.map(str::to_owned),
        ..AptConf::default()
    }
}

#[test]
fn languages_follow_the_messages_locale_then_english() {
    let default = conf(None, None);
    assert_eq!(languages_for(&default, "C", ""), ["en"]);
    assert_eq!(languages_for(&default, "C.UTF-8", "de"), ["en"]);
    assert_eq!(
        languages_for(&default, "de_DE.UTF-8", ""),
        ["de_DE", "de", "en"]
    );
    assert_eq!(
        languages_for(&default, "pt_BR@euro", ""),
        ["pt_BR", "pt", "en"]
    );
    assert_eq!(
        languages_for(&default, "fr_FR.UTF-8", "fr:es:en:it:nl:sv"),
        ["fr_FR", "fr", "es", "it", "nl", "en"]
    );
}

#[test]
fn languages_obey_acquire_languages_and_none() {
    let none = conf(Some(&["none"]), None);
    assert!(languages_for(&none, "de_DE.UTF-8", "").is_empty());
    let listed = conf(Some(&["fr", "environment", "en", "none", "de"]), None);
    assert_eq!(
        languages_for(&listed, "de_DE.UTF-8", ""),
        ["fr", "de_DE", "de", "en"]
    );
    let old = conf(Some(&["fr"]), Some("it"));
    assert_eq!(languages_for(&old, "C", ""), ["it", "en"]);
    let old_none = conf(None, Some("none"));
    assert_eq!(languages_for(&old_none, "de_DE.UTF-8", ""), ["en"]);
}

#[test]
fn translations_are_keyed_by_name_md5_and_language_first_file_first() {
    let files = vec![
        (
            0,
            b"Package: a\nDescription-md5: 11\nDescription-de: eins\n zwei\n\nPackage: b\nDescription-md5: 22\nDescription-de: bee\n"
                .to_vec(),
        ),
        (
            1,
            b"Package: a\nDescription-md5: 11\nDescription-en: one\n two\n\nPackage: a\nDescription-md5: 33\nDescription-en: other\n"
                .to_vec(),
        ),
        (1, b"Package: a\nDescription-md5: 11\nDescription-en: later\n".to_vec()),
    ];
    let all = Translations::index(&files, None);
    assert_eq!(all.get(b"a", b"11", 0), Some(&b"eins\n zwei"[..]));
    assert_eq!(all.get(b"a", b"11", 1), Some(&b"one\n two"[..]));
    assert_eq!(all.get(b"a", b"33", 1), Some(&b"other"[..]));
    assert_eq!(all.get(b"b", b"22", 1), None);
    let only = Translations::index(&files, Some("a"));
    assert_eq!(only.get(b"a", b"11", 1), Some(&b"one\n two"[..]));
    assert_eq!(only.get(b"b", b"22", 0), None);
}
