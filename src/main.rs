/// mimalloc: the build allocates many small strings and template values
/// from several threads at once, where glibc's allocator is measurably slower.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(rca_site::cmd::main());
}
