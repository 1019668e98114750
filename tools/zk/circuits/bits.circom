// in = sum(bits[i] * 2^i) with every bits[i] in {0, 1}: proves 0 <= in < 2^n (n < 253).
pragma circom 2.0.0;

template Bits(n) {
    signal input in;
    signal output bits[n];
    var sum = 0;
    var weight = 1;
    for (var i = 0; i < n; i++) {
        bits[i] <-- (in >> i) & 1;
        bits[i] * (bits[i] - 1) === 0;
        sum += bits[i] * weight;
        weight += weight;
    }
    sum === in;
}
