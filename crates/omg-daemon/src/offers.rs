//! The versions runtime mirrors offer, for `omg use node <TAB>`: a TAB must not
//! wait for the network, so omgd answers from what it kept and, when it has
//! nothing fresh for that mirror, fetches the list in the background for the next
//! TAB. Lists are kept an hour (a mirror publishes a few releases a week).

use omg_runtimes::{Mirrors, Runtime};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const KEEP_FOR: Duration = Duration::from_secs(60 * 60);

/// One offer: the version and its label (`lts/jod`).
pub(crate) type Offer = (String, Option<String>);

type Key = (String, String);

#[derive(Default)]
struct Kept {
    lists: HashMap<Key, (Instant, Arc<Vec<Offer>>)>,
    fetching: HashSet<Key>,
}

#[derive(Default)]
pub(crate) struct Offers {
    kept: Arc<Mutex<Kept>>,
}

impl Offers {
    /// The list kept for `runtime` at `mirror`, or `None` (and a fetch started).
    pub(crate) fn answer(&self, runtime: &str, mirror: &str) -> Option<Vec<Offer>> {
        let parsed = Runtime::parse(runtime).ok()?;
        if matches!(parsed, Runtime::Other(_)) {
            return None;
        }
        let key = (runtime.to_owned(), mirror.to_owned());
        let mut kept = self
            .kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let fresh = kept
            .lists
            .get(&key)
            .filter(|(at, _)| at.elapsed() < KEEP_FOR)
            .map(|(_, list)| Arc::clone(list));
        if fresh.is_none() && kept.fetching.insert(key.clone()) {
            let shared = Arc::clone(&self.kept);
            std::thread::spawn(move || fetch(&shared, key, &parsed));
        }
        fresh.map(|list| list.as_ref().clone())
    }
}

fn fetch(kept: &Mutex<Kept>, key: Key, runtime: &Runtime) {
    let mirrors = Mirrors::with_list_source(runtime, &key.1);
    let offers = omg_runtimes::manager(runtime, &mirrors).and_then(|manager| manager.available());
    let mut kept = kept
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    kept.fetching.remove(&key);
    match offers {
        Ok(offers) => {
            let list = offers
                .into_iter()
                .map(|offer| (offer.version, offer.label))
                .collect();
            kept.lists.insert(key, (Instant::now(), Arc::new(list)));
        }
        Err(error) => crate::log::info(&format!(
            "cannot list the versions {} offers: {error}",
            key.1
        )),
    }
}
