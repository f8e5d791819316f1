//! The process-wide [`MountMap`] that `statfs` hooks consult.
//!
//! Hot path: a `statfs` result whose magic no rewritten mount has costs a
//! few relaxed atomic loads, a read of the coarse clock (vDSO) and a short
//! scan of a fixed array — no allocation, no lock, no system call. Only a
//! result that may belong to a rewritten mount looks at the map.
//!
//! The map is rebuilt (from `/proc/self/mountinfo`) after the process reads
//! a mount table, when it expires (after [`MIN_AGE_MILLIS`], or a hundred
//! times as long as it took to build, so rebuilding a 10,000-mount map costs
//! at most 1% of a busy thread; a mount that appears later is covered within
//! that time even if the process never reads a table), or when `statx`
//! names a mount it does not know. Readers never wait for a rebuild and a
//! rebuild never waits for readers: it is published with a two-counter
//! epoch scheme, and an old map is freed only once no reader that could
//! hold it remains. At most three maps exist at once.

use std::ffi::CStr;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicPtr, AtomicU32, AtomicUsize, Ordering::*};

use fakefstype_core::fstype::magic_of;
use fakefstype_core::mountmap::{MountMap, Verdict};
use fakefstype_core::settings::Settings;
use libc::c_int;

use crate::sys::{self, MountId};

/// A map lives at least this long, and at least a hundred times as long as
/// it took to build.
pub const MIN_AGE_MILLIS: i64 = 2000;

/// What a `statfs`-family call was about.
#[derive(Clone, Copy)]
pub enum Target<'a> {
    Path(&'a CStr),
    Fd(c_int),
}

// ---- the prefilter: magics that may need a rewrite -------------------------

const SLOTS: usize = 16;
static MAGICS: [AtomicU32; SLOTS] = [const { AtomicU32::new(0) }; SLOTS];
static MAGIC_COUNT: AtomicUsize = AtomicUsize::new(0);
/// Set when more magics are wanted than there are slots, or a `type:` rule
/// names a type whose magic is unknown: every result is looked up.
static ANY_MAGIC: AtomicBool = AtomicBool::new(false);
/// Set when the mount table may have changed since the map was built.
static STALE: AtomicBool = AtomicBool::new(true);
/// When the published map expires (coarse monotonic milliseconds).
static EXPIRES_AT: AtomicI64 = AtomicI64::new(i64::MIN);

/// Adds a magic to the prefilter. The set only grows, so a reader never
/// misses a magic it should see. Called only by the map's publisher (or
/// at initialisation), never concurrently with itself.
fn want_magic(magic: u32) {
    let n = MAGIC_COUNT.load(Acquire);
    if MAGICS[..n].iter().any(|m| m.load(Relaxed) == magic) {
        return;
    }
    if n == SLOTS {
        ANY_MAGIC.store(true, Release);
        return;
    }
    MAGICS[n].store(magic, Relaxed);
    MAGIC_COUNT.store(n + 1, Release);
}

/// Whether a `statfs` result with this magic may need a lookup at all.
#[inline]
pub fn may_need_rewrite(magic: u32) -> bool {
    if ANY_MAGIC.load(Relaxed) || STALE.load(Relaxed) || expired(EXPIRES_AT.load(Relaxed)) {
        return true;
    }
    let n = MAGIC_COUNT.load(Acquire);
    MAGICS[..n].iter().any(|m| m.load(Relaxed) == magic)
}

fn expired(expires_at: i64) -> bool {
    sys::monotonic_millis() >= expires_at
}

/// At initialisation: mounts a `type:` rule selects may appear at any time,
/// so their magic always takes the lookup.
pub fn prepare(settings: &Settings) {
    for name in settings.rules.selected_real_types() {
        match magic_of(name) {
            Some(magic) => want_magic(magic),
            None => ANY_MAGIC.store(true, Release),
        }
    }
    // SAFETY: registering a plain function.
    unsafe { libc::pthread_atfork(None, None, Some(after_fork_in_child)) };
}

/// The process read a mount table: mounts may have come or gone.
pub fn table_was_read() {
    STALE.store(true, Relaxed);
}

// ---- publication -----------------------------------------------------------

struct Published {
    map: MountMap,
    expires_at: i64,
}

static CURRENT: AtomicPtr<Published> = AtomicPtr::new(std::ptr::null_mut());
static EPOCH: AtomicUsize = AtomicUsize::new(0);
static READERS: [AtomicUsize; 2] = [AtomicUsize::new(0), AtomicUsize::new(0)];
/// Maps replaced while readers of that epoch parity might still hold them.
static RETIRED: [AtomicPtr<Published>; 2] = [
    AtomicPtr::new(std::ptr::null_mut()),
    AtomicPtr::new(std::ptr::null_mut()),
];
static PUBLISHING: AtomicBool = AtomicBool::new(false);

/// A registered reader: while it lives, the map it loaded stays allocated.
struct Reader(usize);

impl Reader {
    fn enter() -> Reader {
        loop {
            let e = EPOCH.load(SeqCst);
            READERS[e].fetch_add(1, SeqCst);
            if EPOCH.load(SeqCst) == e {
                return Reader(e);
            }
            READERS[e].fetch_sub(1, SeqCst);
        }
    }

    fn current(&self) -> Option<&Published> {
        // SAFETY: maps are freed only when no reader of their epoch remains.
        unsafe { CURRENT.load(SeqCst).as_ref() }
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        READERS[self.0].fetch_sub(1, SeqCst);
    }
}

fn free(p: *mut Published) {
    if !p.is_null() {
        // SAFETY: p came from Box::into_raw and no reader can hold it.
        drop(unsafe { Box::from_raw(p) });
    }
}

/// Publishes a new map unless another thread is publishing or readers of
/// the older epoch are still about; then the caller keeps it for itself.
fn publish(new: Box<Published>) -> Result<(), Box<Published>> {
    if PUBLISHING
        .compare_exchange(false, true, SeqCst, SeqCst)
        .is_err()
    {
        return Err(new);
    }
    let cur = EPOCH.load(SeqCst);
    let next = 1 - cur;
    if READERS[next].load(SeqCst) != 0 {
        PUBLISHING.store(false, SeqCst);
        return Err(new);
    }
    free(RETIRED[next].swap(std::ptr::null_mut(), SeqCst));
    for magic in new.map.changed_magics() {
        want_magic(magic);
    }
    EXPIRES_AT.store(new.expires_at, SeqCst);
    let old = CURRENT.swap(Box::into_raw(new), SeqCst);
    EPOCH.store(next, SeqCst);
    RETIRED[cur].store(old, SeqCst);
    PUBLISHING.store(false, SeqCst);
    Ok(())
}

/// After `fork` only the forking thread exists: nobody else is reading or
/// publishing, whatever the counters said when the other threads vanished.
extern "C" fn after_fork_in_child() {
    READERS[0].store(0, SeqCst);
    READERS[1].store(0, SeqCst);
    PUBLISHING.store(false, SeqCst);
}

fn build(settings: &Settings) -> Option<Box<Published>> {
    let started = sys::monotonic_millis();
    // Cleared before reading: a table read during the build marks it again.
    STALE.store(false, SeqCst);
    let fd = sys::openat(
        libc::AT_FDCWD,
        c"/proc/self/mountinfo",
        libc::O_RDONLY | libc::O_CLOEXEC,
        0,
    )
    .ok()?;
    let text = sys::read_to_end(&fd, usize::MAX).ok()?;
    drop(fd);
    let map = MountMap::build(&text, &settings.rules, probe);
    let now = sys::monotonic_millis();
    let age = (100 * (now - started)).max(MIN_AGE_MILLIS);
    Some(Box::new(Published {
        map,
        expires_at: now + age,
    }))
}

/// `statfs` of a mount point, for its magic and fsid.
fn probe(mount_point: &[u8]) -> Option<(u32, [i32; 2])> {
    let path = std::ffi::CString::new(mount_point).ok()?;
    let st = sys::statfs(&path)?;
    Some((st.f_type as u32, sys::fsid(&st.f_fsid)))
}

// ---- lookups ---------------------------------------------------------------

/// The magic to report for a successful `statfs`-family result, if any.
/// Callers check [`may_need_rewrite`] first.
pub fn fake_magic(
    settings: &Settings,
    target: Target<'_>,
    f_type: u32,
    fsid: [i32; 2],
) -> Option<u32> {
    {
        let reader = Reader::enter();
        if let Some(current) = reader.current() {
            let fresh = !STALE.load(SeqCst) && !expired(current.expires_at);
            if fresh {
                if let Some(answer) = resolve(&current.map, target, f_type, fsid) {
                    return answer;
                }
            }
        }
    }
    // Stale, absent, or a mount newer than the map: rebuild and ask again.
    let new = build(settings)?;
    let answer = resolve(&new.map, target, f_type, fsid).flatten();
    let _ = publish(new);
    answer
}

/// `None` when the map does not know the mount (it is newer than the map).
fn resolve(map: &MountMap, target: Target<'_>, f_type: u32, fsid: [i32; 2]) -> Option<Option<u32>> {
    if let Verdict::Decided(answer) = map.by_magic(f_type, fsid) {
        return Some(answer);
    }
    let (dirfd, path, flags) = match target {
        Target::Path(path) => (libc::AT_FDCWD, path, 0),
        Target::Fd(fd) => (fd, c"", libc::AT_EMPTY_PATH),
    };
    match sys::mount_id(dirfd, path, flags) {
        MountId::Id(id) => map.by_mount_id(id),
        MountId::Unsupported => Some(canonical(target).and_then(|p| map.by_path(&p))),
        MountId::Failed => Some(None),
    }
}

/// The canonical absolute path of a target, for kernels without
/// `STATX_MNT_ID`.
fn canonical(target: Target<'_>) -> Option<Vec<u8>> {
    match target {
        Target::Fd(fd) => sys::fd_path(fd),
        Target::Path(path) => {
            // SAFETY: realpath with a NULL buffer mallocs the result.
            let p = unsafe { libc::realpath(path.as_ptr(), std::ptr::null_mut()) };
            if p.is_null() {
                return None;
            }
            // SAFETY: p is a malloc'd C string we now own.
            let owned = unsafe { CStr::from_ptr(p) }.to_bytes().to_vec();
            // SAFETY: as above.
            unsafe { libc::free(p as *mut libc::c_void) };
            Some(owned)
        }
    }
}
