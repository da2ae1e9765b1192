// glibc's allocator was a third of all instructions of a scan (parsing, evaluation and Cedar all
// allocate small values); mimalloc roughly halves that cost.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    mlguard::cli::main()
}
