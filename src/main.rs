fn main() -> std::process::ExitCode {
    mlguard::cli::main()
}
