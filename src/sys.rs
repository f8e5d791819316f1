//! The library's own I/O, by raw system call: it must never enter its own
//! hooks (`std::fs` would call our `open64`), and it must never leave an fd
//! behind (every fd is an [`Fd`], closed on drop).

use std::ffi::CStr;

use libc::{c_int, c_long, c_void};

pub fn errno() -> c_int {
    // SAFETY: __errno_location always returns this thread's errno slot.
    unsafe { *libc::__errno_location() }
}

pub fn set_errno(value: c_int) {
    // SAFETY: as above.
    unsafe { *libc::__errno_location() = value }
}

/// An fd the library owns; closed when dropped unless handed out.
pub struct Fd(c_int);

impl Fd {
    /// Wraps an fd the library has just created.
    ///
    /// # Safety
    /// The library owns `fd` and nothing else will close it.
    pub unsafe fn adopt(fd: c_int) -> Fd {
        Fd(fd)
    }

    pub fn raw(&self) -> c_int {
        self.0
    }

    /// Gives the fd to the caller (the host program), who will close it.
    pub fn into_raw(self) -> c_int {
        let fd = self.0;
        std::mem::forget(self);
        fd
    }
}

impl Drop for Fd {
    fn drop(&mut self) {
        let saved = errno();
        // SAFETY: we own this fd.
        unsafe { libc::close(self.0) };
        set_errno(saved);
    }
}

fn check(ret: c_long) -> Result<c_long, c_int> {
    if ret < 0 {
        Err(errno())
    } else {
        Ok(ret)
    }
}

/// `openat(2)` without going through libc's (or our) `open`.
pub fn openat(dirfd: c_int, path: &CStr, flags: c_int, mode: libc::mode_t) -> Result<Fd, c_int> {
    // SAFETY: path is a valid C string; the kernel validates the rest.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_openat,
            dirfd as c_long,
            path.as_ptr(),
            flags as c_long,
            mode as c_long,
        )
    };
    check(ret).map(|fd| Fd(fd as c_int))
}

/// Reads to end of file, retrying on `EINTR`. `limit`: fail with `EFBIG`
/// rather than read more than this many bytes.
pub fn read_to_end(fd: &Fd, limit: usize) -> Result<Vec<u8>, c_int> {
    read_to_end_into(fd, limit, 0, Vec::new())
}

/// As [`read_to_end`], into `buf` (cleared first, its capacity reused),
/// with room for at least `expected` bytes.
pub fn read_to_end_into(
    fd: &Fd,
    limit: usize,
    expected: usize,
    mut buf: Vec<u8>,
) -> Result<Vec<u8>, c_int> {
    buf.clear();
    buf.reserve(expected.saturating_add(expected / 4).max(64 * 1024));
    loop {
        if buf.len() == buf.capacity() {
            buf.reserve(buf.capacity());
        }
        let spare = buf.capacity() - buf.len();
        // SAFETY: we read into the vector's spare capacity only.
        let n = unsafe {
            libc::read(
                fd.raw(),
                buf.as_mut_ptr().add(buf.len()) as *mut c_void,
                spare,
            )
        };
        match n {
            0 => return Ok(buf),
            n if n > 0 => {
                // SAFETY: the kernel initialised n bytes.
                unsafe { buf.set_len(buf.len() + n as usize) };
                if buf.len() > limit {
                    return Err(libc::EFBIG);
                }
            }
            _ if errno() == libc::EINTR => continue,
            _ => return Err(errno()),
        }
    }
}

/// Writes the pieces one after another from offset 0, with `pwritev`
/// (at most `IOV_MAX` pieces per call), retrying short writes and `EINTR`.
pub fn pwritev_all(fd: &Fd, pieces: &[&[u8]]) -> Result<(), c_int> {
    const IOV_MAX: usize = 1024;
    let (mut index, mut skip, mut offset) = (0usize, 0usize, 0i64);
    while index < pieces.len() {
        let iov: Vec<libc::iovec> = pieces[index..]
            .iter()
            .take(IOV_MAX)
            .enumerate()
            .map(|(i, p)| {
                let p = if i == 0 { &p[skip..] } else { p };
                libc::iovec {
                    iov_base: p.as_ptr() as *mut c_void,
                    iov_len: p.len(),
                }
            })
            .collect();
        // SAFETY: the iovecs point into live slices.
        let n = unsafe { libc::pwritev(fd.raw(), iov.as_ptr(), iov.len() as c_int, offset) };
        if n < 0 {
            if errno() == libc::EINTR {
                continue;
            }
            return Err(errno());
        }
        let mut n = n as usize;
        offset += n as i64;
        // Advance past what was written.
        while n > 0 && index < pieces.len() {
            let left = pieces[index].len() - skip;
            if n >= left {
                n -= left;
                index += 1;
                skip = 0;
            } else {
                skip += n;
                n = 0;
            }
        }
        while index < pieces.len() && pieces[index].len() == skip {
            index += 1;
            skip = 0;
        }
    }
    Ok(())
}

/// Writes all of `data` at the current offset (log lines).
pub fn write_all(fd: c_int, mut data: &[u8]) {
    while !data.is_empty() {
        // SAFETY: data is a valid slice; a bad fd just fails.
        let n = unsafe { libc::write(fd, data.as_ptr() as *const c_void, data.len()) };
        if n < 0 && errno() == libc::EINTR {
            continue;
        }
        if n <= 0 {
            return;
        }
        data = &data[n as usize..];
    }
}

/// `readlink(2)` into a fresh vector.
pub fn readlink(path: &CStr) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; libc::PATH_MAX as usize];
    // SAFETY: buf is writable for its length.
    let n = unsafe {
        libc::readlink(
            path.as_ptr(),
            buf.as_mut_ptr() as *mut libc::c_char,
            buf.len(),
        )
    };
    if n < 0 || n as usize >= buf.len() {
        return None;
    }
    buf.truncate(n as usize);
    Some(buf)
}

/// Where an fd points, as `/proc/self/fd/N` says.
pub fn fd_path(fd: c_int) -> Option<Vec<u8>> {
    let link = format!("/proc/self/fd/{fd}\0");
    readlink(CStr::from_bytes_with_nul(link.as_bytes()).ok()?)
}

pub fn getcwd() -> Option<Vec<u8>> {
    let mut buf = vec![0u8; libc::PATH_MAX as usize];
    // SAFETY: buf is writable for its length.
    let p = unsafe { libc::getcwd(buf.as_mut_ptr() as *mut libc::c_char, buf.len()) };
    if p.is_null() {
        return None;
    }
    let len = buf.iter().position(|&b| b == 0)?;
    buf.truncate(len);
    Some(buf)
}

pub fn getpid() -> u32 {
    // SAFETY: always succeeds.
    unsafe { libc::getpid() as u32 }
}

/// `statfs(2)` by system call (for the snapshot's own lookups).
pub fn statfs(path: &CStr) -> Option<libc::statfs> {
    // SAFETY: an all-zero statfs is a valid value to be overwritten.
    let mut buf: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: valid path and buffer.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_statfs,
            path.as_ptr(),
            &mut buf as *mut libc::statfs,
        )
    };
    (ret == 0).then_some(buf)
}

/// A statfs fsid as two ints (its field is private in the libc crate).
pub fn fsid(id: &libc::fsid_t) -> [i32; 2] {
    // SAFETY: fsid_t is exactly two ints.
    unsafe { std::mem::transmute_copy::<libc::fsid_t, [i32; 2]>(id) }
}

/// What `statx(STATX_MNT_ID)` says about a path or fd.
pub enum MountId {
    Id(u64),
    /// The kernel is older than 5.8: no mount id in statx.
    Unsupported,
    Failed,
}

const STATX_MNT_ID: u32 = 0x1000;

/// The mount id of a path (relative to `dirfd`) or, with an empty path and
/// `AT_EMPTY_PATH`, of the fd itself.
pub fn mount_id(dirfd: c_int, path: &CStr, flags: c_int) -> MountId {
    // SAFETY: an all-zero statx is a valid value to be overwritten.
    let mut buf: libc::statx = unsafe { std::mem::zeroed() };
    // SAFETY: valid path and buffer.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_statx,
            dirfd as c_long,
            path.as_ptr(),
            (flags | libc::AT_NO_AUTOMOUNT) as c_long,
            STATX_MNT_ID as c_long,
            &mut buf as *mut libc::statx,
        )
    };
    if ret != 0 {
        return match errno() {
            libc::ENOSYS => MountId::Unsupported,
            _ => MountId::Failed,
        };
    }
    if buf.stx_mask & STATX_MNT_ID == 0 {
        return MountId::Unsupported;
    }
    MountId::Id(buf.stx_mnt_id)
}

/// Milliseconds on the coarse monotonic clock (vDSO, no system call; a
/// few milliseconds of resolution).
pub fn monotonic_millis() -> i64 {
    // SAFETY: an all-zero timespec is valid; clock_gettime fills it.
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: valid pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC_COARSE, &mut ts) };
    ts.tv_sec as i64 * 1000 + ts.tv_nsec as i64 / 1_000_000
}
