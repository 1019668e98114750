//! Bulletproofs range proofs (dalek `bulletproofs` 5): "each committed value lies in [0, 2^n)".
//!
//! 1. Commitments use SKMS's Pedersen generators (`pedersen::generators`).
//! 2. The Merlin transcript starts with `TRANSCRIPT_LABEL` and absorbs the caller's `context`
//!    (e.g. a key id and purpose), so a proof made for one context does not verify in another.
//! 3. n ∈ {8, 16, 32, 64} and m (values per proof) a power of two ≤ `MAX_AGGREGATION`, as the
//!    crate requires. A value that does not fit in n bits is refused before proving: the crate
//!    itself would produce a proof that fails to verify.
//! 4. The prover's nonces come from a Merlin transcript RNG keyed by the transcript, the
//!    witnesses (values and blindings) and a 32-byte seed from the caller's rng (ChaCha20):
//!    deterministic for test vectors, and never reused across different statements even if a
//!    seed repeats.

use std::sync::OnceLock;

use bulletproofs::{BulletproofGens, RangeProof};
use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyList};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use zeroize::Zeroizing;

use crate::pedersen::{generators, parse_point, parse_secret_scalar};
use crate::{failed, guarded, invalid};

pub const TRANSCRIPT_LABEL: &[u8] = b"SKMS-V1-BULLETPROOFS-RANGE-PROOF";
pub const MAX_AGGREGATION: usize = 16;
pub const MAX_BITS: usize = 64;
pub const MAX_CONTEXT: usize = 1024;

fn bulletproof_generators() -> &'static BulletproofGens {
    static GENS: OnceLock<BulletproofGens> = OnceLock::new();
    GENS.get_or_init(|| BulletproofGens::new(MAX_BITS, MAX_AGGREGATION))
}

fn check_shape(bits: usize, count: usize) -> PyResult<()> {
    if !matches!(bits, 8 | 16 | 32 | 64) {
        return Err(invalid("bits", "must be 8, 16, 32 or 64"));
    }
    if count == 0 || count > MAX_AGGREGATION || !count.is_power_of_two() {
        return Err(invalid(
            "values",
            format!("the number of values must be a power of two from 1 to {MAX_AGGREGATION}"),
        ));
    }
    Ok(())
}

fn transcript(context: &[u8]) -> PyResult<Transcript> {
    if context.len() > MAX_CONTEXT {
        return Err(invalid("context", format!("at most {MAX_CONTEXT} bytes")));
    }
    let mut transcript = Transcript::new(TRANSCRIPT_LABEL);
    transcript.append_message(b"context", context);
    Ok(transcript)
}

/// Proves that every value lies in [0, 2^bits); returns `(proof, [commitment, ...])`.
#[pyfunction]
fn range_prove<'py>(
    py: Python<'py>,
    values: Vec<u64>,
    blindings: &Bound<'py, PyList>,
    bits: usize,
    context: &[u8],
    seed: &Bound<'py, PyByteArray>,
) -> PyResult<(Bound<'py, PyBytes>, Vec<Bound<'py, PyBytes>>)> {
    check_shape(bits, values.len())?;
    if blindings.len() != values.len() {
        return Err(invalid("blindings", "one blinding per value"));
    }
    if bits < 64 && values.iter().any(|v| v >> bits != 0) {
        return Err(invalid("values", format!("a value does not fit in {bits} bits")));
    }
    let mut secrets: Vec<Zeroizing<Scalar>> = Vec::with_capacity(values.len());
    for item in blindings.iter() {
        secrets.push(parse_secret_scalar("blindings", &item)?);
    }
    let scalars: Zeroizing<Vec<Scalar>> = Zeroizing::new(secrets.iter().map(|s| **s).collect());

    let mut seed_bytes = Zeroizing::new([0u8; 32]);
    // SAFETY: the GIL is held and no Python code runs while the slice is borrowed.
    let raw = unsafe { seed.as_bytes() };
    if raw.len() != 32 {
        return Err(invalid("seed", "must be 32 bytes"));
    }
    seed_bytes.copy_from_slice(raw);

    let mut transcript = transcript(context)?;
    let mut builder = transcript.build_rng();
    for (value, blinding) in values.iter().zip(scalars.iter()) {
        builder = builder
            .rekey_with_witness_bytes(b"value", &value.to_le_bytes())
            .rekey_with_witness_bytes(b"blinding", blinding.as_bytes());
    }
    let mut rng = builder.finalize(&mut ChaCha20Rng::from_seed(*seed_bytes));

    let (proof, commitments) = RangeProof::prove_multiple_with_rng(
        bulletproof_generators(),
        generators(),
        &mut transcript,
        &values,
        &scalars,
        bits,
        &mut rng,
    )
    .map_err(|e| invalid("values", format!("cannot prove: {e}")))?;
    Ok((
        PyBytes::new(py, &proof.to_bytes()),
        commitments.iter().map(|c| PyBytes::new(py, c.as_bytes())).collect(),
    ))
}

/// Verifies a range proof for the commitments; raises `VerificationFailed` if it does not hold.
#[pyfunction]
fn range_verify(
    proof: &[u8],
    commitments: Vec<Vec<u8>>,
    bits: usize,
    context: &[u8],
) -> PyResult<()> {
    check_shape(bits, commitments.len())?;
    let expected = 32 * (2 * (bits * commitments.len()).ilog2() as usize + 9);
    if proof.len() != expected {
        return Err(invalid(
            "proof",
            format!("a proof for {} x {bits}-bit values is {expected} bytes", commitments.len()),
        ));
    }
    let points: Vec<CompressedRistretto> = commitments
        .iter()
        .map(|c| parse_point("commitments", c).map(|(compressed, _)| compressed))
        .collect::<PyResult<_>>()?;
    let proof = RangeProof::from_bytes(proof).map_err(|e| invalid("proof", e.to_string()))?;
    let mut transcript = transcript(context)?;
    guarded("proof", || {
        proof
            .verify_multiple(bulletproof_generators(), generators(), &mut transcript, &points, bits)
            .map_err(|e| failed(format!("range proof: {e}")))
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("RANGE_TRANSCRIPT_LABEL", PyBytes::new(m.py(), TRANSCRIPT_LABEL))?;
    m.add("RANGE_MAX_AGGREGATION", MAX_AGGREGATION)?;
    m.add("RANGE_MAX_CONTEXT", MAX_CONTEXT)?;
    m.add_function(wrap_pyfunction!(range_prove, m)?)?;
    m.add_function(wrap_pyfunction!(range_verify, m)?)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The crate's own prover, handed a value that does not fit in n bits, makes a proof that
    /// its verifier rejects: the reason `range_prove` refuses such values up front.
    #[test]
    fn out_of_range_value_gives_a_proof_that_fails() {
        let blinding = Scalar::from(7u64);
        let mut rng = ChaCha20Rng::from_seed([1u8; 32]);
        let mut prover = Transcript::new(TRANSCRIPT_LABEL);
        let (proof, commitments) = RangeProof::prove_multiple_with_rng(
            bulletproof_generators(),
            generators(),
            &mut prover,
            &[1u64 << 32],
            &[blinding],
            32,
            &mut rng,
        )
        .expect("the crate does not check the value itself");
        let mut verifier = Transcript::new(TRANSCRIPT_LABEL);
        assert!(proof
            .verify_multiple(bulletproof_generators(), generators(), &mut verifier, &commitments, 32)
            .is_err());
    }
}
