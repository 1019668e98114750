//! Pedersen commitments over ristretto255: `C = v·G + r·H`.
//!
//! The two generators are SKMS's own, derived by RFC 9380 `hash_to_ristretto255`
//! (expand_message_xmd with SHA-512, then the RFC 9496 one-way map) under the domain separation
//! tag `DST`, from the messages `"G"` (value) and `"H"` (blinding). Nobody knows the discrete log
//! of one to the other, which is what makes the commitment binding. The same pair feeds the
//! Bulletproofs range proofs (`PedersenGens { B: G, B_blinding: H }`), so a commitment made here
//! is the one a range proof speaks about.

use std::sync::OnceLock;

use bulletproofs::PedersenGens;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes};
use sha2::{Digest, Sha512};
use zeroize::Zeroizing;

use crate::invalid;

/// RFC 9380 §3.1 domain separation tag of SKMS's Pedersen generators.
pub const DST: &[u8] = b"SKMS-V1-PEDERSEN-ristretto255_XMD:SHA-512_R255MAP_RO_";

/// RFC 9380 §5.3.1 expand_message_xmd with SHA-512 for a 64-byte output (ell = 1).
fn expand_message_xmd_sha512_64(msg: &[u8], dst: &[u8]) -> [u8; 64] {
    assert!(dst.len() <= 255, "RFC 9380 DSTs are at most 255 bytes");
    let dst_len = [dst.len() as u8];
    let b0 = Sha512::new()
        .chain_update([0u8; 128]) // Z_pad: SHA-512's block size
        .chain_update(msg)
        .chain_update(64u16.to_be_bytes()) // l_i_b_str
        .chain_update([0u8])
        .chain_update(dst)
        .chain_update(dst_len)
        .finalize();
    let b1 = Sha512::new()
        .chain_update(b0)
        .chain_update([1u8])
        .chain_update(dst)
        .chain_update(dst_len)
        .finalize();
    b1.into()
}

/// RFC 9380 `hash_to_ristretto255(msg)` under `DST`.
fn hash_to_ristretto255(msg: &[u8]) -> RistrettoPoint {
    RistrettoPoint::from_uniform_bytes(&expand_message_xmd_sha512_64(msg, DST))
}

/// SKMS's Pedersen generators, computed once.
pub fn generators() -> &'static PedersenGens {
    static GENS: OnceLock<PedersenGens> = OnceLock::new();
    GENS.get_or_init(|| PedersenGens {
        B: hash_to_ristretto255(b"G"),
        B_blinding: hash_to_ristretto255(b"H"),
    })
}

/// A canonical 32-byte little-endian scalar (< ℓ), or `ValueError(field: ...)`.
pub fn parse_scalar(field: &str, bytes: &[u8]) -> PyResult<Scalar> {
    let array: [u8; 32] = bytes
        .try_into()
        .map_err(|_| invalid(field, format!("a scalar is 32 bytes, got {}", bytes.len())))?;
    Option::from(Scalar::from_canonical_bytes(array))
        .ok_or_else(|| invalid(field, "not a canonical scalar (must be < the group order)"))
}

/// A canonical scalar read from a `bytearray` (or `bytes`) holding a secret, copied only into a
/// buffer that is zeroed when dropped.
pub fn parse_secret_scalar(field: &str, obj: &Bound<'_, PyAny>) -> PyResult<Zeroizing<Scalar>> {
    let mut buffer = Zeroizing::new([0u8; 32]);
    let copy = |bytes: &[u8], buffer: &mut [u8; 32]| -> PyResult<()> {
        if bytes.len() != 32 {
            return Err(invalid(field, format!("a scalar is 32 bytes, got {}", bytes.len())));
        }
        buffer.copy_from_slice(bytes);
        Ok(())
    };
    if let Ok(array) = obj.downcast::<PyByteArray>() {
        // SAFETY: the GIL is held and no Python code runs while the slice is borrowed.
        copy(unsafe { array.as_bytes() }, &mut buffer)?;
    } else if let Ok(bytes) = obj.downcast::<PyBytes>() {
        copy(bytes.as_bytes(), &mut buffer)?;
    } else {
        return Err(invalid(field, "must be bytearray or bytes"));
    }
    let scalar = Option::from(Scalar::from_canonical_bytes(*buffer))
        .ok_or_else(|| invalid(field, "not a canonical scalar (must be < the group order)"))?;
    Ok(Zeroizing::new(scalar))
}

/// A secret 32-byte value handed back to Python as a `bytearray` the caller can zero.
pub fn secret_out<'py>(py: Python<'py>, scalar: &Scalar) -> Bound<'py, PyByteArray> {
    PyByteArray::new(py, scalar.as_bytes())
}

/// A canonical compressed ristretto255 point, or `ValueError(field: ...)`.
pub fn parse_point(field: &str, bytes: &[u8]) -> PyResult<(CompressedRistretto, RistrettoPoint)> {
    let compressed = CompressedRistretto::from_slice(bytes)
        .map_err(|_| invalid(field, format!("a point is 32 bytes, got {}", bytes.len())))?;
    let point = compressed
        .decompress()
        .ok_or_else(|| invalid(field, "not a canonical ristretto255 encoding"))?;
    Ok((compressed, point))
}

/// The two generators `(G, H)`, compressed.
#[pyfunction]
fn pedersen_generators(py: Python<'_>) -> (Bound<'_, PyBytes>, Bound<'_, PyBytes>) {
    let gens = generators();
    (
        PyBytes::new(py, gens.B.compress().as_bytes()),
        PyBytes::new(py, gens.B_blinding.compress().as_bytes()),
    )
}

/// `v·G + r·H` for a value scalar and a blinding scalar (both canonical, 32 bytes LE).
#[pyfunction]
fn pedersen_commit<'py>(
    py: Python<'py>,
    value: &Bound<'py, PyAny>,
    blinding: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    let v = parse_secret_scalar("value", value)?;
    let r = parse_secret_scalar("blinding", blinding)?;
    let commitment = generators().commit(*v, *r).compress();
    Ok(PyBytes::new(py, commitment.as_bytes()))
}

/// The sum of two commitments: a commitment to the sum of the values under the sum of the
/// blindings.
#[pyfunction]
fn pedersen_add<'py>(py: Python<'py>, left: &[u8], right: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let (_, a) = parse_point("left", left)?;
    let (_, b) = parse_point("right", right)?;
    Ok(PyBytes::new(py, (a + b).compress().as_bytes()))
}

/// The difference of two commitments.
#[pyfunction]
fn pedersen_sub<'py>(py: Python<'py>, left: &[u8], right: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let (_, a) = parse_point("left", left)?;
    let (_, b) = parse_point("right", right)?;
    Ok(PyBytes::new(py, (a - b).compress().as_bytes()))
}

/// A 64-byte uniform string reduced modulo ℓ: how a blinding is drawn from an rng.
#[pyfunction]
fn scalar_from_wide<'py>(
    py: Python<'py>,
    wide: &Bound<'py, PyByteArray>,
) -> PyResult<Bound<'py, PyByteArray>> {
    let mut buffer = Zeroizing::new([0u8; 64]);
    // SAFETY: the GIL is held and no Python code runs while the slice is borrowed.
    let bytes = unsafe { wide.as_bytes() };
    if bytes.len() != 64 {
        return Err(invalid("wide", format!("expected 64 bytes, got {}", bytes.len())));
    }
    buffer.copy_from_slice(bytes);
    let scalar = Zeroizing::new(Scalar::from_bytes_mod_order_wide(&buffer));
    Ok(secret_out(py, &scalar))
}

/// `a + b mod ℓ`: the blinding of a sum of commitments.
#[pyfunction]
fn scalar_add<'py>(
    py: Python<'py>,
    left: &Bound<'py, PyAny>,
    right: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyByteArray>> {
    let a = parse_secret_scalar("left", left)?;
    let b = parse_secret_scalar("right", right)?;
    let result = Zeroizing::new(*a + *b);
    Ok(secret_out(py, &result))
}

/// `a - b mod ℓ`: the blinding of a difference of commitments.
#[pyfunction]
fn scalar_sub<'py>(
    py: Python<'py>,
    left: &Bound<'py, PyAny>,
    right: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyByteArray>> {
    let a = parse_secret_scalar("left", left)?;
    let b = parse_secret_scalar("right", right)?;
    let result = Zeroizing::new(*a - *b);
    Ok(secret_out(py, &result))
}

/// One variable-base scalar multiplication `s·P`: the benchmark's unit of cost.
#[pyfunction]
fn ristretto_scalar_mult<'py>(
    py: Python<'py>,
    scalar: &[u8],
    point: &[u8],
) -> PyResult<Bound<'py, PyBytes>> {
    let s = parse_scalar("scalar", scalar)?;
    let (_, p) = parse_point("point", point)?;
    Ok(PyBytes::new(py, (s * p).compress().as_bytes()))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("PEDERSEN_DST", PyBytes::new(m.py(), DST))?;
    m.add_function(wrap_pyfunction!(pedersen_generators, m)?)?;
    m.add_function(wrap_pyfunction!(pedersen_commit, m)?)?;
    m.add_function(wrap_pyfunction!(pedersen_add, m)?)?;
    m.add_function(wrap_pyfunction!(pedersen_sub, m)?)?;
    m.add_function(wrap_pyfunction!(scalar_from_wide, m)?)?;
    m.add_function(wrap_pyfunction!(scalar_add, m)?)?;
    m.add_function(wrap_pyfunction!(scalar_sub, m)?)?;
    m.add_function(wrap_pyfunction!(ristretto_scalar_mult, m)?)?;
    Ok(())
}
