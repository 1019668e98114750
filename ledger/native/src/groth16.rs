//! Groth16 verification on BN254 (arkworks) for snarkjs's JSON files.
//!
//! 1. Inputs are the texts of `verification_key.json`, `proof.json` and `public.json` as
//!    snarkjs writes them: `protocol` "groth16", `curve` "bn128", points as decimal strings in
//!    projective (Jacobian) coordinates `[x, y, z]`, G2 coordinates as `[[x.c0, x.c1], [y.c0,
//!    y.c1], [z.c0, z.c1]]` (real part first: the reverse of the order Ethereum's precompile
//!    takes).
//! 2. Every decimal is strict (digits only, no sign, no leading zero) and below its modulus:
//!    coordinates below the base-field modulus q, public inputs below the scalar-field modulus r
//!    (a value ≥ r would alias another input, and snarkjs does not reject it by itself).
//! 3. Every point is on the curve and in the prime-order subgroup (BN254's G2 has a cofactor).
//! 4. `nPublic`, the number of `IC` points less one, and the number of public inputs agree.

use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, Field, PrimeField, Zero};
use ark_groth16::{Groth16, PreparedVerifyingKey, Proof, VerifyingKey};
use num_bigint::BigUint;
use pyo3::prelude::*;
use serde_json::Value;

use crate::{failed, guarded, invalid};

pub const MAX_JSON_BYTES: usize = 1 << 20;
pub const MAX_PUBLIC_INPUTS: usize = 1024;

fn modulus<F: PrimeField>() -> BigUint {
    F::MODULUS.into()
}

/// A strict decimal string below the modulus of `F`.
fn parse_decimal<F: PrimeField>(field: &str, value: &Value, what: &str) -> PyResult<F> {
    let text = value
        .as_str()
        .ok_or_else(|| invalid(field, format!("{what} must be a decimal string")))?;
    let strict = !text.is_empty()
        && text.len() <= 80
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if !strict {
        return Err(invalid(field, format!("{what} is not a canonical decimal string")));
    }
    let number = BigUint::parse_bytes(text.as_bytes(), 10)
        .ok_or_else(|| invalid(field, format!("{what} is not a decimal number")))?;
    if number >= modulus::<F>() {
        return Err(invalid(field, format!("{what} is not below the field modulus")));
    }
    Ok(F::from_le_bytes_mod_order(&number.to_bytes_le()))
}

fn array<'a>(field: &str, value: &'a Value, len: usize, what: &str) -> PyResult<&'a Vec<Value>> {
    match value.as_array() {
        Some(items) if items.len() == len => Ok(items),
        _ => Err(invalid(field, format!("{what} must be an array of {len}"))),
    }
}

fn member<'a>(field: &str, object: &'a Value, key: &str) -> PyResult<&'a Value> {
    object.get(key).ok_or_else(|| invalid(field, format!("missing \"{key}\"")))
}

fn parse_fq2(field: &str, value: &Value, what: &str) -> PyResult<Fq2> {
    let items = array(field, value, 2, what)?;
    Ok(Fq2::new(parse_decimal(field, &items[0], what)?, parse_decimal(field, &items[1], what)?))
}

fn parse_g1(field: &str, value: &Value, what: &str) -> PyResult<G1Affine> {
    let items = array(field, value, 3, what)?;
    let x: Fq = parse_decimal(field, &items[0], what)?;
    let y: Fq = parse_decimal(field, &items[1], what)?;
    let z: Fq = parse_decimal(field, &items[2], what)?;
    let point = if z.is_zero() {
        G1Affine::identity()
    } else {
        let z_inv = z.inverse().expect("z is not zero");
        let z_inv2 = z_inv.square();
        G1Affine::new_unchecked(x * z_inv2, y * z_inv2 * z_inv)
    };
    if !point.is_on_curve() || !point.is_in_correct_subgroup_assuming_on_curve() {
        return Err(invalid(field, format!("{what} is not a point of BN254's G1")));
    }
    Ok(point)
}

fn parse_g2(field: &str, value: &Value, what: &str) -> PyResult<G2Affine> {
    let items = array(field, value, 3, what)?;
    let x = parse_fq2(field, &items[0], what)?;
    let y = parse_fq2(field, &items[1], what)?;
    let z = parse_fq2(field, &items[2], what)?;
    let point = if z.is_zero() {
        G2Affine::identity()
    } else {
        let z_inv = z.inverse().expect("z is not zero");
        let z_inv2 = z_inv.square();
        G2Affine::new_unchecked(x * z_inv2, y * z_inv2 * z_inv)
    };
    if !point.is_on_curve() || !point.is_in_correct_subgroup_assuming_on_curve() {
        return Err(invalid(field, format!("{what} is not a point of BN254's G2")));
    }
    Ok(point)
}

fn parse_json(field: &str, text: &str) -> PyResult<Value> {
    if text.len() > MAX_JSON_BYTES {
        return Err(invalid(field, format!("at most {MAX_JSON_BYTES} bytes")));
    }
    serde_json::from_str(text).map_err(|e| invalid(field, format!("not JSON: {e}")))
}

fn check_header(field: &str, object: &Value) -> PyResult<()> {
    if !object.is_object() {
        return Err(invalid(field, "must be a JSON object"));
    }
    if member(field, object, "protocol")?.as_str() != Some("groth16") {
        return Err(invalid(field, "protocol must be \"groth16\""));
    }
    if member(field, object, "curve")?.as_str() != Some("bn128") {
        return Err(invalid(field, "curve must be \"bn128\" (BN254)"));
    }
    Ok(())
}

fn parse_vk(text: &str) -> PyResult<VerifyingKey<Bn254>> {
    let f = "vkey";
    let vk = parse_json(f, text)?;
    check_header(f, &vk)?;
    let n_public = member(f, &vk, "nPublic")?
        .as_u64()
        .filter(|&n| n as usize <= MAX_PUBLIC_INPUTS)
        .ok_or_else(|| invalid(f, format!("nPublic must be an integer ≤ {MAX_PUBLIC_INPUTS}")))?
        as usize;
    let ic = array(f, member(f, &vk, "IC")?, n_public + 1, "IC (nPublic + 1 points)")?;
    Ok(VerifyingKey {
        alpha_g1: parse_g1(f, member(f, &vk, "vk_alpha_1")?, "vk_alpha_1")?,
        beta_g2: parse_g2(f, member(f, &vk, "vk_beta_2")?, "vk_beta_2")?,
        gamma_g2: parse_g2(f, member(f, &vk, "vk_gamma_2")?, "vk_gamma_2")?,
        delta_g2: parse_g2(f, member(f, &vk, "vk_delta_2")?, "vk_delta_2")?,
        gamma_abc_g1: ic.iter().map(|p| parse_g1(f, p, "IC")).collect::<PyResult<_>>()?,
    })
}

fn parse_proof(text: &str) -> PyResult<Proof<Bn254>> {
    let f = "proof";
    let proof = parse_json(f, text)?;
    check_header(f, &proof)?;
    Ok(Proof {
        a: parse_g1(f, member(f, &proof, "pi_a")?, "pi_a")?,
        b: parse_g2(f, member(f, &proof, "pi_b")?, "pi_b")?,
        c: parse_g1(f, member(f, &proof, "pi_c")?, "pi_c")?,
    })
}

fn parse_public(text: &str, expected: usize) -> PyResult<Vec<Fr>> {
    let f = "public";
    let public = parse_json(f, text)?;
    let items = array(f, &public, expected, "the public inputs (nPublic of them)")?;
    items.iter().map(|v| parse_decimal::<Fr>(f, v, "a public input")).collect()
}

/// Verifies a snarkjs Groth16 proof; raises `VerificationFailed` if it does not verify.
#[pyfunction]
fn groth16_verify(py: Python<'_>, vkey: &str, proof: &str, public: &str) -> PyResult<()> {
    let vk = guarded("vkey", || parse_vk(vkey))?;
    let proof = guarded("proof", || parse_proof(proof))?;
    let inputs = guarded("public", || parse_public(public, vk.gamma_abc_g1.len() - 1))?;
    let verified = py.allow_threads(|| {
        let pvk: PreparedVerifyingKey<Bn254> = ark_groth16::prepare_verifying_key(&vk);
        Groth16::<Bn254>::verify_proof(&pvk, &proof, &inputs)
    });
    match verified {
        Ok(true) => Ok(()),
        Ok(false) => Err(failed("Groth16: the pairing check does not hold")),
        Err(e) => Err(failed(format!("Groth16: {e}"))),
    }
}

/// The scalar-field modulus r (public inputs must be below it), in decimal.
#[pyfunction]
fn bn254_scalar_modulus() -> String {
    modulus::<Fr>().to_str_radix(10)
}

/// The base-field modulus q (coordinates must be below it), in decimal.
#[pyfunction]
fn bn254_base_modulus() -> String {
    modulus::<Fq>().to_str_radix(10)
}

/// One optimal-ate pairing of the two generators: the benchmark's unit of cost.
#[pyfunction]
fn bn254_pairing_once(py: Python<'_>) -> bool {
    py.allow_threads(|| {
        let g1 = G1Projective::from(G1Affine::generator()).into_affine();
        let g2 = G2Projective::from(G2Affine::generator()).into_affine();
        !Bn254::pairing(g1, g2).0.is_zero() && !Fr::MODULUS.is_zero()
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("GROTH16_MAX_JSON_BYTES", MAX_JSON_BYTES)?;
    m.add("GROTH16_MAX_PUBLIC_INPUTS", MAX_PUBLIC_INPUTS)?;
    m.add_function(wrap_pyfunction!(groth16_verify, m)?)?;
    m.add_function(wrap_pyfunction!(bn254_scalar_modulus, m)?)?;
    m.add_function(wrap_pyfunction!(bn254_base_modulus, m)?)?;
    m.add_function(wrap_pyfunction!(bn254_pairing_once, m)?)?;
    Ok(())
}
