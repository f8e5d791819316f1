//! The kernel's octal escapes in mount tables (`\040` space, `\011` tab,
//! `\012` newline, `\134` backslash), the same form fstab uses.
//!
//! Rules match on decoded paths; anything written back is re-encoded, so a
//! rewritten table stays parseable by every consumer.

use std::borrow::Cow;

/// Decodes `\ooo` octal escapes. Anything that is not a three-digit octal
/// escape of a byte value is kept as it is, like libc's `getmntent` does.
pub fn decode(raw: &[u8]) -> Cow<'_, [u8]> {
    if !raw.contains(&b'\\') {
        return Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' {
            if let Some(byte) = octal_at(raw, i + 1) {
                out.push(byte);
                i += 4;
                continue;
            }
        }
        out.push(raw[i]);
        i += 1;
    }
    Cow::Owned(out)
}

fn octal_at(raw: &[u8], at: usize) -> Option<u8> {
    let digits = raw.get(at..at + 3)?;
    let mut value: u32 = 0;
    for &d in digits {
        if !(b'0'..=b'7').contains(&d) {
            return None;
        }
        value = value * 8 + u32::from(d - b'0');
    }
    u8::try_from(value).ok()
}

/// The bytes the kernel escapes in a mount table field.
fn needs_escape(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\\')
}

/// Encodes a field the way the kernel writes it into `/proc/*/mounts`.
pub fn encode(plain: &[u8]) -> Cow<'_, [u8]> {
    if !plain.iter().copied().any(needs_escape) {
        return Cow::Borrowed(plain);
    }
    let mut out = Vec::with_capacity(plain.len() + 8);
    for &b in plain {
        if needs_escape(b) {
            out.extend_from_slice(&[
                b'\\',
                b'0' + (b >> 6),
                b'0' + ((b >> 3) & 7),
                b'0' + (b & 7),
            ]);
        } else {
            out.push(b);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_four_kernel_escapes() {
        assert_eq!(
            &*decode(br"/mnt/a\040b\011c\012d\134e"),
            b"/mnt/a b\tc\nd\\e"
        );
    }

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(decode(b"/media"), Cow::Borrowed(_)));
        assert!(matches!(encode(b"/media"), Cow::Borrowed(_)));
    }

    #[test]
    fn incomplete_or_non_octal_escapes_are_literal() {
        assert_eq!(&*decode(br"a\04"), br"a\04");
        assert_eq!(&*decode(br"a\089"), br"a\089");
        assert_eq!(&*decode(br"a\"), br"a\");
        // \400 would be 256: not a byte, kept literally.
        assert_eq!(&*decode(br"a\400"), br"a\400");
    }

    #[test]
    fn encode_matches_kernel_form() {
        assert_eq!(&*encode(b"/mnt/My Share\\x"), br"/mnt/My\040Share\134x");
        assert_eq!(&*encode(b"a\tb\nc"), br"a\011b\012c");
    }

    #[test]
    fn round_trip() {
        let plain: Vec<u8> = (0u8..=255).collect();
        assert_eq!(&*decode(&encode(&plain)), &plain[..]);
    }
}
