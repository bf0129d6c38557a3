//! The socket's read side: frames as the daemon and the client read them off the
//! wire, then every decoder a payload meets. Whatever the bytes, reading ends in a
//! value or an error, never a panic or an allocation past `MAX_FRAME`; and whatever
//! decodes re-encodes to an equal value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use omg_ipc::{decode, encode, read_frame, Incoming, ReplyEnvelope, RequestEnvelope, MAX_FRAME};

fuzz_target!(|data: &[u8]| {
    let mut reader = data;
    let mut payload = Vec::new();
    while read_frame(&mut reader, &mut payload).is_ok() {
        assert!(!payload.is_empty() && payload.len() <= MAX_FRAME);
        // What omgd does with a request frame.
        if let Incoming::Request(request) = Incoming::parse(&payload) {
            round_trips(&request);
        }
        // What the client does with a reply frame.
        if let Ok(reply) = decode::<ReplyEnvelope>(&payload) {
            round_trips(&reply);
        }
        if let Ok(request) = decode::<RequestEnvelope>(&payload) {
            round_trips(&request);
        }
    }
});

fn round_trips<T>(value: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let frame = encode(value).expect("a decoded message encodes");
    let mut payload = Vec::new();
    read_frame(&mut frame.as_slice(), &mut payload).expect("an encoded frame reads");
    assert_eq!(&decode::<T>(&payload).expect("re-decodes"), value);
}
