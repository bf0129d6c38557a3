//! Arch parity (filled in below).
