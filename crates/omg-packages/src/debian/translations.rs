//! Long descriptions as apt reads them: Debian's `Packages` lists carry only each
//! package's synopsis and the MD5 of its full description, and the full text lives
//! in `Translation-<lang>` files beside them, one per language apt is configured to
//! fetch. A translation belongs to the versions of the package it names whose
//! `Description-md5` equals its own.
//!
//! The languages are apt's `APT::Configuration::getLanguages()`: `Acquire::Languages`
//! (default `environment,en`), where `environment` stands for the language of the
//! messages locale (and `LANGUAGE`), and a locale the system does not have counts
//! as `C`, which means English only.

use super::control::{stanzas, Stanza};
use super::files::AptConf;
use super::FastMap;

/// apt's description languages, in order of preference.
pub(crate) fn languages(conf: &AptConf) -> Vec<String> {
    let locale = messages_locale();
    let language = std::env::var("LANGUAGE").unwrap_or_default();
    languages_for(conf, &locale, &language)
}

/// [`languages`] for a given messages locale and `LANGUAGE` value.
pub(crate) fn languages_for(conf: &AptConf, locale: &str, language: &str) -> Vec<String> {
    let environment = environment_languages(locale, language);
    // The setting apt deprecated still wins when set.
    if let Some(old) = conf
        .old_translation
        .as_deref()
        .filter(|old| *old != "environment")
    {
        let mut codes: Vec<String> = Vec::new();
        if old != "none" {
            codes.push(old.to_owned());
        }
        codes.push("en".to_owned());
        return codes;
    }
    let configured = conf
        .languages
        .clone()
        .unwrap_or_else(|| vec!["environment".to_owned(), "en".to_owned()]);
    let mut codes: Vec<String> = Vec::new();
    // Everything after `none` is fetched by apt but not used for descriptions.
    for code in configured.iter().take_while(|code| *code != "none") {
        let expanded = if code == "environment" {
            environment.clone()
        } else {
            vec![code.clone()]
        };
        for code in expanded {
            if !code.is_empty() && !codes.contains(&code) {
                codes.push(code);
            }
        }
    }
    codes
}

/// What `environment` stands for: the messages locale's long and short codes
/// (`de_DE`, `de`), then up to three more from `LANGUAGE`; `en` under `C`.
fn environment_languages(locale: &str, language: &str) -> Vec<String> {
    let short_len = locale.find('_').unwrap_or(2);
    let long_len = locale.find(['.', '@']).unwrap_or(short_len + 3);
    let long = prefix(locale, long_len);
    let short = prefix(long, short_len);
    if short == "C" {
        return vec!["en".to_owned()];
    }
    let mut codes = Vec::new();
    if long != short {
        codes.push(long.to_owned());
    }
    codes.push(short.to_owned());
    let mut added = 0;
    for code in language.split(':') {
        if added == 3 {
            break;
        }
        if code.is_empty() || code == "en" || code == long || code == short {
            continue;
        }
        if codes.iter().any(|known| known == code) {
            continue;
        }
        added += 1;
        codes.push(code.to_owned());
    }
    codes
}

fn prefix(text: &str, len: usize) -> &str {
    let mut end = len.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The locale `setlocale(LC_ALL, "")` gives messages, as apt-cache sets it up: the
/// first of `LC_ALL`, `LC_MESSAGES` and `LANG` that is set, or `C` when none is or
/// the system lacks one of the locales the environment names.
fn messages_locale() -> String {
    let named = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|variable| {
            std::env::var(variable)
                .ok()
                .filter(|value| !value.is_empty())
        })
        .unwrap_or_else(|| "C".to_owned());
    if named == "C" || named == "POSIX" || !locale_exists() {
        return "C".to_owned();
    }
    named
}

/// Whether the C library can load every locale the environment names, which
/// `setlocale(LC_ALL, "")` needs to change anything.
#[allow(unsafe_code)]
fn locale_exists() -> bool {
    // SAFETY: newlocale reads the environment and returns a new locale object or
    // null; it touches no global state, and the object is freed here.
    unsafe {
        let locale = libc::newlocale(libc::LC_ALL_MASK, c"".as_ptr(), std::ptr::null_mut());
        if locale.is_null() {
            return false;
        }
        libc::freelocale(locale);
        true
    }
}

/// A package name, a description's MD5 and the position of a language.
type Key<'a> = (&'a [u8], &'a [u8], usize);

/// The descriptions of every configured Translation file, by package name,
/// description MD5 and language; the first file naming a key wins, as in apt.
#[derive(Default)]
pub(crate) struct Translations<'a> {
    by_key: FastMap<Key<'a>, &'a [u8]>,
}

impl<'a> Translations<'a> {
    /// Indexes `files`, each a Translation file's text with the position of its
    /// language; with `only`, just that package's entries.
    pub(crate) fn index(files: &'a [(usize, Vec<u8>)], only: Option<&str>) -> Self {
        let mut by_key = FastMap::default();
        for (language, text) in files {
            let mut add = |stanza: Stanza<'a>| {
                if let Some((name, md5, description)) = entry(stanza) {
                    by_key.entry((name, md5, *language)).or_insert(description);
                }
            };
            match only {
                None => stanzas(text).for_each(&mut add),
                Some(name) => stanzas_of(text, name).into_iter().for_each(&mut add),
            }
        }
        Self { by_key }
    }

    /// The description of `name`'s version described by `md5` in the language at
    /// position `language`.
    pub(crate) fn get(&self, name: &[u8], md5: &[u8], language: usize) -> Option<&'a [u8]> {
        self.by_key.get(&(name, md5, language)).copied()
    }
}

/// A Translation stanza's package, description MD5 and description.
fn entry(stanza: Stanza<'_>) -> Option<(&[u8], &[u8], &[u8])> {
    let (mut name, mut md5, mut description) = (None, None, None);
    for (key, value) in stanza.fields() {
        if key == b"Package" {
            name = Some(value);
        } else if key.eq_ignore_ascii_case(b"Description-md5") {
            md5 = Some(value);
        } else if key.len() > 12 && key[..12].eq_ignore_ascii_case(b"Description-") {
            description = description.or(Some(value));
        }
    }
    Some((name?, md5?, description?))
}

/// The stanzas of `text` whose `Package` is `name`, found without splitting the
/// whole file.
fn stanzas_of<'a>(text: &'a [u8], name: &str) -> Vec<Stanza<'a>> {
    let needle = format!("Package: {name}\n");
    memchr::memmem::find_iter(text, needle.as_bytes())
        .filter(|&at| at == 0 || text[at - 1] == b'\n')
        .filter_map(|at| stanzas(&text[at..]).next())
        .filter(|stanza| stanza.field("Package") == Some(name.as_bytes()))
        .collect()
}

#[cfg(test)]
mod tests;
