//! A STARK (winterfell 0.13) for "this hash chain of N steps from a public start ends at this
//! public value", with the step `h ↦ Rp64_256(h)` (Rescue-Prime over the 64-bit Goldilocks
//! field as winter-crypto defines it: state width 12, 7 rounds, α = 7; a digest is 4 field
//! elements, 32 bytes).
//!
//! One hash is `hash_elements(h)`: the state `[4, 0, 0, 0, h0, h1, h2, h3, 0, 0, 0, 0]` (the
//! first capacity element holds the input length), the permutation, then elements 4..8.
//!
//! Trace: 12 columns, 8 rows per hash. Row 8k is the input state of hash k, row 8k + r the
//! state after round r; row 8k + 7 holds digest k in columns 4..8. Constraints (periodic with
//! period 8):
//! - rows 8k + r, r < 7 (one Rescue round, checked from both ends so that no inverse S-box is
//!   evaluated): `MDS·s^7 + ARK1[r] = (MDS⁻¹·(s' − ARK2[r]))^7`, degree 7;
//! - rows 8k + 7 (start of the next hash): `s' = [4, 0, 0, 0, s4, s5, s6, s7, 0, 0, 0, 0]`.
//!   Assertions pin row 0 to the start and columns 4..8 of the last row to the end.
//!
//! Parameters (fixed; the verifier accepts exactly these): quadratic extension of Goldilocks,
//! blowup 8, 38 queries, 16 bits of grinding, FRI folding 8, remainder degree ≤ 31, BLAKE3-256
//! commitments. Conjectured security (ethSTARK Conjecture 1, as winterfell computes it):
//! min(2·64, 38·log2 8 + 16) − 1 = 127 bits, capped by BLAKE3's 128-bit collision resistance.

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use winterfell::crypto::hashers::{Blake3_256, Rp64_256};
use winterfell::crypto::{DefaultRandomCoin, ElementHasher, MerkleTree};
use winterfell::math::fields::f64::BaseElement;
use winterfell::math::{FieldElement, StarkField, ToElements};
use winterfell::matrix::ColMatrix;
use winterfell::{
    AcceptableOptions, Air, AirContext, Assertion, AuxRandElements, BatchingMethod,
    CompositionPoly, CompositionPolyTrace, ConstraintCompositionCoefficients,
    DefaultConstraintCommitment, DefaultConstraintEvaluator, DefaultTraceLde, EvaluationFrame,
    FieldExtension, PartitionOptions, Proof, ProofOptions, Prover, StarkDomain, Trace, TraceInfo,
    TracePolyTable, TraceTable, TransitionConstraintDegree,
};

use winter_air::proof::Context;
use winter_utils::Serializable;

use crate::{failed, guarded, invalid, stark_layout};

const WIDTH: usize = 12;
const ROUNDS: usize = 7;
const CYCLE: usize = 8;
const DIGEST: std::ops::Range<usize> = 4..8;
/// The largest chain proved: 2^14 hashes is a 2^17-row trace, 2^20 rows once extended.
pub const MAX_STEPS: u64 = 1 << 14;
/// A proof at the largest size is about 120 KB; anything much larger is not ours.
pub const MAX_PROOF_BYTES: usize = 1 << 20;

type Hasher = Blake3_256<BaseElement>;
type Commitments = MerkleTree<Hasher>;
type Coin = DefaultRandomCoin<Hasher>;

pub const NUM_QUERIES: usize = 38;
pub const BLOWUP: usize = 8;
pub const GRINDING_BITS: u32 = 16;
pub const FRI_FOLDING: usize = 8;
pub const FRI_REMAINDER_MAX_DEGREE: usize = 31;

fn options() -> ProofOptions {
    ProofOptions::new(
        NUM_QUERIES,
        BLOWUP,
        GRINDING_BITS,
        FieldExtension::Quadratic,
        FRI_FOLDING,
        FRI_REMAINDER_MAX_DEGREE,
        BatchingMethod::Linear,
        BatchingMethod::Linear,
    )
}

/// `x^7` in three multiplications plus one (the S-box of Rp64_256).
fn pow7<E: FieldElement>(x: E) -> E {
    let x2 = x.square();
    let x3 = x2 * x;
    x3.square() * x
}

/// The state a hash of the 4-element digest `h` starts from.
fn initial_state(h: &[BaseElement; 4]) -> [BaseElement; WIDTH] {
    let mut state = [BaseElement::ZERO; WIDTH];
    state[0] = BaseElement::new(4);
    state[DIGEST].copy_from_slice(h);
    state
}

/// The statement: start digest, number of hashes, end digest.
#[derive(Clone)]
pub struct ChainStatement {
    start: [BaseElement; 4],
    steps: u64,
    end: [BaseElement; 4],
}

impl ToElements<BaseElement> for ChainStatement {
    fn to_elements(&self) -> Vec<BaseElement> {
        let mut elements = self.start.to_vec();
        elements.push(BaseElement::new(self.steps));
        elements.extend_from_slice(&self.end);
        elements
    }
}

pub struct HashChainAir {
    context: AirContext<BaseElement>,
    statement: ChainStatement,
}

impl Air for HashChainAir {
    type BaseField = BaseElement;
    type PublicInputs = ChainStatement;

    fn new(trace_info: TraceInfo, statement: ChainStatement, options: ProofOptions) -> Self {
        let degrees = vec![TransitionConstraintDegree::with_cycles(ROUNDS, vec![CYCLE]); WIDTH];
        let context = AirContext::new(trace_info, degrees, WIDTH + DIGEST.len(), options);
        Self { context, statement }
    }

    fn context(&self) -> &AirContext<BaseElement> {
        &self.context
    }

    fn evaluate_transition<E: FieldElement + From<BaseElement>>(
        &self,
        frame: &EvaluationFrame<E>,
        periodic: &[E],
        result: &mut [E],
    ) {
        let current = frame.current();
        let next = frame.next();
        let is_round = periodic[0];
        let ark1 = &periodic[1..1 + WIDTH];
        let ark2 = &periodic[1 + WIDTH..1 + 2 * WIDTH];

        // Forward half round from the current row: MDS·s^7 + ARK1.
        let mut powered = [E::ZERO; WIDTH];
        for (p, &s) in powered.iter_mut().zip(current) {
            *p = pow7(s);
        }
        // Backward half round from the next row: (MDS⁻¹·(s' − ARK2))^7.
        let mut shifted = [E::ZERO; WIDTH];
        for i in 0..WIDTH {
            shifted[i] = next[i] - ark2[i];
        }
        for i in 0..WIDTH {
            let mut forward = ark1[i];
            let mut backward = E::ZERO;
            for j in 0..WIDTH {
                forward += E::from(Rp64_256::MDS[i][j]) * powered[j];
                backward += E::from(Rp64_256::INV_MDS[i][j]) * shifted[j];
            }
            let round = pow7(backward) - forward;
            let restart = match i {
                0 => next[0] - E::from(4u32),
                4..=7 => next[i] - current[i],
                _ => next[i],
            };
            result[i] = is_round * round + (E::ONE - is_round) * restart;
        }
    }

    fn get_assertions(&self) -> Vec<Assertion<BaseElement>> {
        let last = self.trace_length() - 1;
        let start = initial_state(&self.statement.start);
        let mut assertions: Vec<_> =
            (0..WIDTH).map(|column| Assertion::single(column, 0, start[column])).collect();
        for (k, column) in DIGEST.enumerate() {
            assertions.push(Assertion::single(column, last, self.statement.end[k]));
        }
        assertions
    }

    fn get_periodic_column_values(&self) -> Vec<Vec<BaseElement>> {
        let mut columns = Vec::with_capacity(1 + 2 * WIDTH);
        columns.push(
            (0..CYCLE)
                .map(|r| if r < ROUNDS { BaseElement::ONE } else { BaseElement::ZERO })
                .collect(),
        );
        for ark in [&Rp64_256::ARK1, &Rp64_256::ARK2] {
            for i in 0..WIDTH {
                columns.push(
                    (0..CYCLE)
                        .map(|r| if r < ROUNDS { ark[r][i] } else { BaseElement::ZERO })
                        .collect(),
                );
            }
        }
        columns
    }
}

struct HashChainProver {
    options: ProofOptions,
    statement: ChainStatement,
}

impl Prover for HashChainProver {
    type BaseField = BaseElement;
    type Air = HashChainAir;
    type Trace = TraceTable<BaseElement>;
    type HashFn = Hasher;
    type VC = Commitments;
    type RandomCoin = Coin;
    type TraceLde<E: FieldElement<BaseField = BaseElement>> = DefaultTraceLde<E, Hasher, Commitments>;
    type ConstraintCommitment<E: FieldElement<BaseField = BaseElement>> =
        DefaultConstraintCommitment<E, Hasher, Commitments>;
    type ConstraintEvaluator<'a, E: FieldElement<BaseField = BaseElement>> =
        DefaultConstraintEvaluator<'a, HashChainAir, E>;

    fn get_pub_inputs(&self, _trace: &Self::Trace) -> ChainStatement {
        self.statement.clone()
    }

    fn options(&self) -> &ProofOptions {
        &self.options
    }

    fn new_trace_lde<E: FieldElement<BaseField = BaseElement>>(
        &self,
        trace_info: &TraceInfo,
        main_trace: &ColMatrix<BaseElement>,
        domain: &StarkDomain<BaseElement>,
        partition_option: PartitionOptions,
    ) -> (Self::TraceLde<E>, TracePolyTable<E>) {
        DefaultTraceLde::new(trace_info, main_trace, domain, partition_option)
    }

    fn build_constraint_commitment<E: FieldElement<BaseField = BaseElement>>(
        &self,
        composition_poly_trace: CompositionPolyTrace<E>,
        num_constraint_composition_columns: usize,
        domain: &StarkDomain<BaseElement>,
        partition_options: PartitionOptions,
    ) -> (Self::ConstraintCommitment<E>, CompositionPoly<E>) {
        DefaultConstraintCommitment::new(
            composition_poly_trace,
            num_constraint_composition_columns,
            domain,
            partition_options,
        )
    }

    fn new_evaluator<'a, E: FieldElement<BaseField = BaseElement>>(
        &self,
        air: &'a HashChainAir,
        aux_rand_elements: Option<AuxRandElements<E>>,
        composition_coefficients: ConstraintCompositionCoefficients<E>,
    ) -> Self::ConstraintEvaluator<'a, E> {
        DefaultConstraintEvaluator::new(air, aux_rand_elements, composition_coefficients)
    }
}

/// The execution trace of `steps` hashes from `start`, round by round.
fn build_trace(start: &[BaseElement; 4], steps: u64) -> TraceTable<BaseElement> {
    let rows = CYCLE * steps as usize;
    let mut trace = TraceTable::new(WIDTH, rows);
    trace.fill(
        |state| state.copy_from_slice(&initial_state(start)),
        |row, state| {
            let position = row % CYCLE;
            if position < ROUNDS {
                let mut s: [BaseElement; WIDTH] = state.try_into().expect("width 12");
                Rp64_256::apply_round(&mut s, position);
                state.copy_from_slice(&s);
            } else {
                let digest: [BaseElement; 4] = state[DIGEST].try_into().expect("4 elements");
                state.copy_from_slice(&initial_state(&digest));
            }
        },
    );
    trace
}

/// A 32-byte digest as 4 canonical little-endian Goldilocks elements.
fn parse_digest(field: &str, bytes: &[u8]) -> PyResult<[BaseElement; 4]> {
    if bytes.len() != 32 {
        return Err(invalid(field, format!("a digest is 32 bytes, got {}", bytes.len())));
    }
    let mut elements = [BaseElement::ZERO; 4];
    for (element, chunk) in elements.iter_mut().zip(bytes.chunks_exact(8)) {
        let value = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        if value >= BaseElement::MODULUS {
            return Err(invalid(field, "an element is not below the Goldilocks modulus"));
        }
        *element = BaseElement::new(value);
    }
    Ok(elements)
}

fn digest_bytes(elements: &[BaseElement; 4]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (chunk, element) in out.chunks_exact_mut(8).zip(elements) {
        chunk.copy_from_slice(&element.as_int().to_le_bytes());
    }
    out
}

fn check_steps(steps: u64) -> PyResult<()> {
    if steps == 0 || steps > MAX_STEPS || !steps.is_power_of_two() {
        return Err(invalid("steps", format!("must be a power of two from 1 to {MAX_STEPS}")));
    }
    Ok(())
}

/// The end of the chain computed directly with winter-crypto's hasher (no trace, no AIR).
#[pyfunction]
fn stark_hash_chain<'py>(py: Python<'py>, start: &[u8], steps: u64) -> PyResult<Bound<'py, PyBytes>> {
    check_steps(steps)?;
    let mut h = parse_digest("start", start)?;
    for _ in 0..steps {
        h = Rp64_256::hash_elements(&h).into();
    }
    Ok(PyBytes::new(py, &digest_bytes(&h)))
}

/// Runs the chain and proves it; returns `(end, proof)`.
#[pyfunction]
fn stark_prove<'py>(
    py: Python<'py>,
    start: &[u8],
    steps: u64,
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
    check_steps(steps)?;
    let start = parse_digest("start", start)?;
    let (end, proof) = py.allow_threads(|| {
        let trace = build_trace(&start, steps);
        let last = trace.length() - 1;
        let end: [BaseElement; 4] = std::array::from_fn(|k| trace.get(DIGEST.start + k, last));
        let prover =
            HashChainProver { options: options(), statement: ChainStatement { start, steps, end } };
        prover.prove(trace).map(|proof| (end, proof))
    })
    .map_err(|e| invalid("start", format!("cannot prove: {e}")))?;
    Ok((PyBytes::new(py, &digest_bytes(&end)), PyBytes::new(py, &proof.to_bytes())))
}

/// The serialised proof context an honest proof of `statement` starts with.
fn expected_context(statement: &ChainStatement) -> Vec<u8> {
    let trace_info = TraceInfo::new(WIDTH, CYCLE * statement.steps as usize);
    let air = HashChainAir::new(trace_info.clone(), statement.clone(), options());
    let num_constraints =
        air.context().num_assertions() + air.context().num_transition_constraints();
    Context::new::<BaseElement>(trace_info, options(), num_constraints).to_bytes()
}

/// Verifies that `steps` hashes from `start` end at `end`; raises `VerificationFailed` if not.
#[pyfunction]
fn stark_verify(py: Python<'_>, start: &[u8], steps: u64, end: &[u8], proof: &[u8]) -> PyResult<()> {
    check_steps(steps)?;
    let statement =
        ChainStatement { start: parse_digest("start", start)?, steps, end: parse_digest("end", end)? };
    if proof.len() > MAX_PROOF_BYTES {
        return Err(invalid("proof", format!("at most {MAX_PROOF_BYTES} bytes")));
    }
    let context = expected_context(&statement);
    stark_layout::check(proof, &context, NUM_QUERIES)
        .map_err(|reason| invalid("proof", format!("malformed: {reason}")))?;
    let proof = guarded("proof", || {
        Proof::from_bytes(proof).map_err(|e| invalid("proof", format!("malformed: {e}")))
    })?;
    py.allow_threads(|| {
        guarded("proof", || {
            winterfell::verify::<HashChainAir, Hasher, Coin, Commitments>(
                proof,
                statement,
                &AcceptableOptions::OptionSet(vec![options()]),
            )
            .map_err(|e| failed(format!("STARK: {e}")))
        })
    })
}

/// The parameters the verifier accepts, and the security winterfell computes for them.
#[pyfunction]
fn stark_parameters() -> Vec<(&'static str, u64)> {
    let field_bits = 2 * 64u32;
    let query_bits = BLOWUP.ilog2() * NUM_QUERIES as u32 + GRINDING_BITS;
    let conjectured = field_bits.min(query_bits) - 1;
    vec![
        ("field_modulus_bits", 64),
        ("extension_degree", 2),
        ("blowup", BLOWUP as u64),
        ("queries", NUM_QUERIES as u64),
        ("grinding_bits", GRINDING_BITS as u64),
        ("fri_folding", FRI_FOLDING as u64),
        ("fri_remainder_max_degree", FRI_REMAINDER_MAX_DEGREE as u64),
        ("conjectured_security_bits", conjectured.min(128) as u64),
        ("max_steps", MAX_STEPS),
        ("max_proof_bytes", MAX_PROOF_BYTES as u64),
    ]
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(stark_hash_chain, m)?)?;
    m.add_function(wrap_pyfunction!(stark_prove, m)?)?;
    m.add_function(wrap_pyfunction!(stark_verify, m)?)?;
    m.add_function(wrap_pyfunction!(stark_parameters, m)?)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// In a debug build winterfell checks the declared constraint degrees against the real ones
    /// and that the trace satisfies every constraint: this is that check, plus the round trip.
    #[test]
    fn proves_and_verifies_a_short_chain() {
        let start = [1u64, 2, 3, 4].map(BaseElement::new);
        let trace = build_trace(&start, 4);
        let last = trace.length() - 1;
        let end: [BaseElement; 4] = std::array::from_fn(|k| trace.get(DIGEST.start + k, last));
        let mut expected = start;
        for _ in 0..4 {
            expected = Rp64_256::hash_elements(&expected).into();
        }
        assert_eq!(end, expected);
        let statement = ChainStatement { start, steps: 4, end };
        let prover = HashChainProver { options: options(), statement: statement.clone() };
        let proof = prover.prove(trace).expect("prove");
        assert_eq!(proof.conjectured_security::<Hasher>().bits(), 127);
        let bytes = proof.to_bytes();
        stark_layout::check(&bytes, &expected_context(&statement), NUM_QUERIES).expect("layout");
        assert!(stark_layout::check(&bytes[..bytes.len() - 1], &expected_context(&statement), NUM_QUERIES).is_err());
        winterfell::verify::<HashChainAir, Hasher, Coin, Commitments>(
            proof,
            statement,
            &AcceptableOptions::OptionSet(vec![options()]),
        )
        .expect("verify");
    }
}
