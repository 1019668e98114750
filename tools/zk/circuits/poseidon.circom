// Poseidon over BN254's scalar field, t = 3 (two inputs), alpha = 5, 8 full + 57 partial rounds,
// written for SKMS from the Poseidon paper (unoptimised form): each round adds its constants,
// applies x^5 (to all three elements in the first and last four rounds, to element 0 otherwise)
// and multiplies by the MDS matrix. out = element 0 of the permutation of [0, a, b]; equal to
// ledger/crypto/zk/poseidon.py and to circomlib's Poseidon(2) (checked by tests/zk).
pragma circom 2.0.0;

include "poseidon_constants.circom";

template Fifth() {
    signal input in;
    signal output out;
    signal square;
    signal fourth;
    square <== in * in;
    fourth <== square * square;
    out <== fourth * in;
}

template PoseidonT3() {
    signal input inputs[2];
    signal output out;

    var FULL = 8;
    var PARTIAL = 57;
    var C[65][3] = poseidonRoundConstants();
    var M[3][3] = poseidonMds();

    component sbox[FULL * 3 + PARTIAL];
    var used = 0;
    var state[3] = [0, inputs[0], inputs[1]];
    var mixed[3];

    for (var r = 0; r < FULL + PARTIAL; r++) {
        for (var i = 0; i < 3; i++) {
            state[i] = state[i] + C[r][i];
        }
        var width = 1;
        if (r < FULL / 2 || r >= FULL / 2 + PARTIAL) {
            width = 3;
        }
        for (var i = 0; i < width; i++) {
            sbox[used] = Fifth();
            sbox[used].in <== state[i];
            state[i] = sbox[used].out;
            used++;
        }
        for (var i = 0; i < 3; i++) {
            mixed[i] = 0;
            for (var j = 0; j < 3; j++) {
                mixed[i] = mixed[i] + M[i][j] * state[j];
            }
        }
        for (var i = 0; i < 3; i++) {
            state[i] = mixed[i];
        }
    }
    out <== state[0];
}
