// "I know (secret, blinding) with Poseidon(secret, blinding) = commitment."
// Public: commitment. Private: secret, blinding.
pragma circom 2.0.0;

include "poseidon.circom";

template CommitmentOpening() {
    signal input commitment;
    signal input secret;
    signal input blinding;

    component hash = PoseidonT3();
    hash.inputs[0] <== secret;
    hash.inputs[1] <== blinding;
    hash.out === commitment;
}

component main {public [commitment]} = CommitmentOpening();
