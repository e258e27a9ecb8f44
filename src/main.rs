fn main() {
    std::process::exit(rca_site::cmd::main());
}
