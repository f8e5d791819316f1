//! The kernel's mount table, read by raw system call: if this command runs
//! with the library preloaded, libc's open would be hooked and we would see
//! the rewritten table, not the real one.

use std::io;

fn raw_read(path: &std::ffi::CStr) -> io::Result<Vec<u8>> {
    // SAFETY: a valid path; the fd is closed below on every path.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat,
            libc::AT_FDCWD,
            path.as_ptr(),
            libc::O_RDONLY | libc::O_CLOEXEC,
        )
    } as libc::c_int;
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut out = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    let result = loop {
        // SAFETY: buf is writable for its length.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        match n {
            0 => break Ok(out),
            n if n > 0 => out.extend_from_slice(&buf[..n as usize]),
            _ => {
                let e = io::Error::last_os_error();
                if e.kind() != io::ErrorKind::Interrupted {
                    break Err(e);
                }
            }
        }
    };
    // SAFETY: our fd.
    unsafe { libc::close(fd) };
    result
}

pub fn mountinfo() -> io::Result<Vec<u8>> {
    raw_read(c"/proc/self/mountinfo")
}
