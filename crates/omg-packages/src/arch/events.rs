//! libalpm's event callback, read without the `alpm` crate's wrapper: alpm 2.2
//! reads every event through the whole `alpm_event_t` union, while libalpm passes
//! its small events (check-deps start, say) from 4-byte-aligned stack slots, a
//! misaligned read a debug build aborts on. Here only the leading type field is
//! read (unaligned), and only the two event kinds omg shows are read further;
//! both hold pointers, so libalpm builds them pointer-aligned.

#![expect(unsafe_code, reason = "a C callback registered with libalpm")]

use crate::EventSink;
use alpm_sys::_alpm_event_type_t::{ALPM_EVENT_HOOK_RUN_START, ALPM_EVENT_SCRIPTLET_INFO};
use omg_core::ChangeEvent;
use std::cell::RefCell;
use std::ffi::{c_void, CStr};
use std::rc::Rc;

/// What the callback reaches through its context pointer.
type Context = RefCell<Option<EventSink>>;

/// Registers [`on_event`] on `handle`, pointing at the shared cell inside
/// `context` (which does not move when its `Rc` does); the caller keeps `context`
/// alive until [`clear`] runs.
pub(super) fn install(handle: &alpm::Alpm, context: &Rc<Context>) {
    let pointer = Rc::as_ptr(context).cast_mut().cast::<c_void>();
    // SAFETY: the handle is valid for the call; the context outlives the
    // registration (the transaction clears it before dropping the context).
    unsafe {
        alpm_sys::alpm_option_set_eventcb(handle.as_alpm_handle_t(), Some(on_event), pointer);
    }
}

/// Unregisters the callback.
pub(super) fn clear(handle: &alpm::Alpm) {
    // SAFETY: the handle is valid; a null callback is libalpm's "none".
    unsafe {
        alpm_sys::alpm_option_set_eventcb(handle.as_alpm_handle_t(), None, std::ptr::null_mut());
    }
}

unsafe extern "C" fn on_event(context: *mut c_void, event: *mut alpm_sys::alpm_event_t) {
    if context.is_null() || event.is_null() {
        return;
    }
    // SAFETY: every libalpm event starts with its type field; read unaligned.
    let kind = unsafe { std::ptr::read_unaligned(event.cast::<u32>()) };
    let change = if kind == ALPM_EVENT_SCRIPTLET_INFO as u32 {
        // SAFETY: the type says this is a scriptlet-info event.
        let info = unsafe { &*event.cast::<alpm_sys::alpm_event_scriptlet_info_t>() };
        // SAFETY: libalpm passes a NUL-terminated line, valid during the call.
        let line = unsafe { text(info.line) };
        ChangeEvent::ScriptOutput {
            line: line.trim_end().to_owned(),
        }
    } else if kind == ALPM_EVENT_HOOK_RUN_START as u32 {
        // SAFETY: the type says this is a hook-run event.
        let hook = unsafe { &*event.cast::<alpm_sys::alpm_event_hook_run_t>() };
        // SAFETY: name is NUL-terminated; desc is NULL or NUL-terminated.
        let (name, desc) = unsafe { (text(hook.name), text(hook.desc)) };
        ChangeEvent::Hook {
            name: if desc.is_empty() { name } else { desc },
        }
    } else {
        return;
    };
    // SAFETY: `install` registered a pointer to a live `Context`.
    let context = unsafe { &*context.cast::<Context>() };
    // A panic must not unwind into C.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        if let Some(sink) = context.borrow_mut().as_mut() {
            sink(change);
        }
    }));
}

/// # Safety
/// `pointer` is null or a NUL-terminated string valid for the call.
unsafe fn text(pointer: *const std::os::raw::c_char) -> String {
    if pointer.is_null() {
        String::new()
    } else {
        // SAFETY: as the caller promises.
        unsafe { CStr::from_ptr(pointer) }
            .to_string_lossy()
            .into_owned()
    }
}
