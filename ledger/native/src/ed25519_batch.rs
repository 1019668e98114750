//! Ed25519 verification by ed25519-dalek, one at a time (`verify_strict`) and as a batch
//! (`verify_batch`), for measuring what batch verification would give the auditor
//! (tools/bench/bench_batch_verify.py, docs/performance.md). The auditor keeps libsodium's
//! one-at-a-time check: see the performance notes for why.
//!
//! Both take three lists of equal length: messages, 64-byte signatures, 32-byte public keys.
//! A key that is not a valid encoding raises `ValueError("public_keys: ...")`; a signature of
//! the wrong length `ValueError("signatures: ...")`. The answer is whether every signature
//! verifies. The work runs without the GIL.

use ed25519_dalek::{Signature, VerifyingKey};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::invalid;

type Parsed = (Vec<Vec<u8>>, Vec<Signature>, Vec<VerifyingKey>);

fn parse(
    messages: Vec<Bound<'_, PyBytes>>,
    signatures: Vec<Bound<'_, PyBytes>>,
    public_keys: Vec<Bound<'_, PyBytes>>,
) -> PyResult<Parsed> {
    if signatures.len() != messages.len() || public_keys.len() != messages.len() {
        return Err(invalid(
            "signatures",
            "messages, signatures and public keys differ in number",
        ));
    }
    let mut sigs = Vec::with_capacity(signatures.len());
    for signature in &signatures {
        let bytes: [u8; 64] = signature
            .as_bytes()
            .try_into()
            .map_err(|_| invalid("signatures", "a signature is not 64 bytes"))?;
        sigs.push(Signature::from_bytes(&bytes));
    }
    let mut keys = Vec::with_capacity(public_keys.len());
    for key in &public_keys {
        let bytes: [u8; 32] = key
            .as_bytes()
            .try_into()
            .map_err(|_| invalid("public_keys", "a public key is not 32 bytes"))?;
        keys.push(
            VerifyingKey::from_bytes(&bytes)
                .map_err(|_| invalid("public_keys", "a public key is not a curve point"))?,
        );
    }
    let owned = messages.iter().map(|m| m.as_bytes().to_vec()).collect();
    Ok((owned, sigs, keys))
}

#[pyfunction]
fn ed25519_verify_each(
    py: Python<'_>,
    messages: Vec<Bound<'_, PyBytes>>,
    signatures: Vec<Bound<'_, PyBytes>>,
    public_keys: Vec<Bound<'_, PyBytes>>,
) -> PyResult<bool> {
    let (messages, signatures, keys) = parse(messages, signatures, public_keys)?;
    Ok(py.allow_threads(|| {
        messages
            .iter()
            .zip(&signatures)
            .zip(&keys)
            .all(|((message, signature), key)| key.verify_strict(message, signature).is_ok())
    }))
}

#[pyfunction]
fn ed25519_verify_batch(
    py: Python<'_>,
    messages: Vec<Bound<'_, PyBytes>>,
    signatures: Vec<Bound<'_, PyBytes>>,
    public_keys: Vec<Bound<'_, PyBytes>>,
) -> PyResult<bool> {
    let (messages, signatures, keys) = parse(messages, signatures, public_keys)?;
    Ok(py.allow_threads(|| {
        let slices: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
        ed25519_dalek::verify_batch(&slices, &signatures, &keys).is_ok()
    }))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(ed25519_verify_each, m)?)?;
    m.add_function(wrap_pyfunction!(ed25519_verify_batch, m)?)?;
    Ok(())
}
