//! omg-core against the reference implementations installed on this machine.

mod version;
