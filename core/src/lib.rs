//! The pure core of fakefstype: everything that can be decided without
//! touching libc. The `LD_PRELOAD` library and the `fakefstype` command are
//! thin shells around it.
//!
//! - [`rules`]: what `FAKEFSTYPE` says, and which rule matches a mount;
//! - [`table`]: parsing and rewriting `mounts` and `mountinfo` text;
//! - [`escape`]: the kernel's `\040`-style escapes;
//! - [`device`]: unique device names for mounts that share one;
//! - [`fstype`]: type names and their `statfs` magic numbers;
//! - [`mountmap`]: which mount a `statfs` result belongs to;
//! - [`procfs`]: which paths are the process's own mount table;
//! - [`execfix`]: the 4.x launcher's relative-path fix;
//! - [`process`]: the `FAKEFSTYPE_PROCESSES` filter;
//! - [`settings`]: all `FAKEFSTYPE*` variables, decided once per process;
//! - [`symbols`]: the libc symbols the library interposes;
//! - [`vms`]: what the video server makes of a mount table.

pub mod device;
pub mod escape;
pub mod execfix;
mod fasthash;
pub mod fstype;
pub mod mountmap;
pub mod process;
pub mod procfs;
pub mod rules;
pub mod settings;
pub mod symbols;
pub mod table;
pub mod vms;
