//! The uniffi binding generator, built from this crate so that its version
//! always matches the `uniffi` the library was compiled with:
//!
//! ```sh
//! cargo run --release --bin uniffi-bindgen -- generate \
//!     --library target/release/libtriggers_uniffi.so --language python --out-dir py
//! ```

fn main() {
    uniffi::uniffi_bindgen_main()
}
