//! omg-apt against the machine's own apt on private APT trees (omg-testbed's
//! `AptTree`): plans made through libapt-pkg compared with `apt-get -s`.

mod downloads;
mod phasing;
