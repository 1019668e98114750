//! `skms_native`: the few zero-knowledge operations SKMS needs from maintained Rust crates
//! (and Ed25519 batch verification, measured for the auditor).
//!
//! Requirements this module meets:
//!
//! 1. The surface is bytes and strings in, bytes and strings out; no library type crosses it.
//! 2. A malformed input raises `ValueError("FIELD: reason")`, naming the argument at fault, so
//!    the Python wrapper can turn it into `ledger.errors.InvalidInput(field=FIELD)`.
//! 3. A well-formed proof that does not verify raises `VerificationFailed` (a `ValueError`
//!    subclass), which the wrapper turns into `ledger.errors.InvalidSignature`.
//! 4. A panic inside a library while it reads hostile bytes becomes `ValueError`, never a
//!    crash of the interpreter or a `PanicException` the wrapper would not expect.
//! 5. Messages name what was wrong with the input, never a secret value.

use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

mod ed25519_batch;
mod groth16;
mod pedersen;
mod range_proof;
mod stark;
mod stark_layout;

create_exception!(
    skms_native,
    VerificationFailed,
    PyValueError,
    "A well-formed proof that does not verify."
);

/// `ValueError("FIELD: reason")` for a malformed argument.
pub(crate) fn invalid(field: &str, reason: impl AsRef<str>) -> PyErr {
    PyValueError::new_err(format!("{field}: {}", reason.as_ref()))
}

/// `VerificationFailed(reason)` for a proof that parses but does not verify.
pub(crate) fn failed(reason: impl AsRef<str>) -> PyErr {
    VerificationFailed::new_err(reason.as_ref().to_string())
}

/// Runs `work`, turning a library panic on hostile input into `ValueError(FIELD: ...)`.
pub(crate) fn guarded<T>(field: &str, work: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
        Ok(result) => result,
        Err(_) => Err(invalid(field, "malformed (the library rejected it while reading it)")),
    }
}

#[pymodule]
fn skms_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // A library panic on hostile input is expected and reported as a ValueError (`guarded`);
    // the default hook would also print a backtrace to stderr for each one. The hook is this
    // extension's own (its copy of std), so other extensions keep theirs.
    std::panic::set_hook(Box::new(|_| {}));
    m.add("VerificationFailed", m.py().get_type::<VerificationFailed>())?;
    m.add("SOURCE_DIGEST", option_env!("SKMS_NATIVE_SOURCE_DIGEST").unwrap_or("unknown"))?;
    pedersen::register(m)?;
    range_proof::register(m)?;
    stark::register(m)?;
    groth16::register(m)?;
    ed25519_batch::register(m)?;
    Ok(())
}
