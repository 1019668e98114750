// "The value committed to as Poseidon(value, blinding) = commitment is below bound."
// Public: commitment, bound. Private: value, blinding.
// value is proved 64-bit and bound - 1 - value is proved 64-bit; as both are far below the
// field modulus, that means value < bound as integers, for any public bound (a bound above
// value + 2^64 cannot be proved, so callers keep bound <= 2^64).
pragma circom 2.0.0;

include "poseidon.circom";
include "bits.circom";

template BoundedValue(n) {
    signal input commitment;
    signal input bound;
    signal input value;
    signal input blinding;

    component hash = PoseidonT3();
    hash.inputs[0] <== value;
    hash.inputs[1] <== blinding;
    hash.out === commitment;

    component valueBits = Bits(n);
    valueBits.in <== value;
    component gapBits = Bits(n);
    gapBits.in <== bound - 1 - value;
}

component main {public [commitment, bound]} = BoundedValue(64);
