//! Runtime installs against local mirrors laid out like the upstreams, serving
//! real binaries (omg-testbed fetches them from package registries).

mod bun;
mod go;
mod java;
mod mise;
mod node;
mod python;
mod ruby;
mod rust;
