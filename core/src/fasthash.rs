//! FNV-1a for the core's small hash maps. Keys are mount points, types and
//! sources from the kernel's own table, looked up once per line on every
//! read of a mount table; SipHash's flooding resistance buys nothing there
//! and costs several times more per short key.

use std::hash::{BuildHasherDefault, Hasher};

#[derive(Default, Clone, Copy)]
pub struct Fnv1a(u64);

impl Hasher for Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

pub type FastHash = BuildHasherDefault<Fnv1a>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn distinguishes_keys() {
        let mut m: HashMap<&[u8], u32, FastHash> = HashMap::default();
        m.insert(b"/media", 1);
        m.insert(b"/archive", 2);
        m.insert(b"", 3);
        assert_eq!(m[&b"/media"[..]], 1);
        assert_eq!(m[&b"/archive"[..]], 2);
        assert_eq!(m[&b""[..]], 3);
        assert!(!m.contains_key(&b"/medi"[..]));
    }
}
