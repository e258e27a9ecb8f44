/// mimalloc: the build allocates many small strings and template values
/// from several threads at once, where glibc's allocator is measurably slower.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (mimalloc.h, v3): how long freed
/// memory is kept before it goes back to the system.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
/// mimalloc's `mi_option_allow_thp` (mimalloc.h, v3): whether its memory
/// may be backed by transparent huge pages.
const ALLOW_THP: libmimalloc_sys::mi_option_t = 43;

fn main() {
    let serve = std::env::args().nth(1).as_deref() == Some("serve");
    // serve rebuilds the site after every save, and each rebuild frees what
    // the one before it made: kept, that memory is not faulted in and zeroed
    // again (a title edit's reload: ~415 ms instead of ~440 at 10,000
    // incidents; resident memory stays at the peak it reached anyway).
    if serve && std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one of mimalloc's documented options by its number.
        unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, -1) };
    }
    // Kept memory in 2 MiB pages holds whole huge pages for a few live
    // objects: serve at 10,000 incidents stays ~100 MB smaller in 4 KiB
    // pages (1.64 against 1.74-1.75 GB resident), and rebuilds no slower
    // (bench/README.md). Set from here, it applies to memory mapped after
    // start-up; MIMALLOC_ALLOW_THP=0 in the environment applies to all of it.
    if serve && std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        // SAFETY: as above.
        unsafe { libmimalloc_sys::mi_option_set(ALLOW_THP, 0) };
    }
    std::process::exit(rca_site::cmd::main());
}
