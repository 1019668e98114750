//! A bounds check of a winterfell 0.13 proof's byte layout, run before winterfell parses it.
//!
//! Why: winterfell reads length prefixes from the proof and reserves that much memory before
//! reading the data (`Vec::with_capacity(len)`); a hostile length makes the allocation fail,
//! which aborts the whole process (an allocation failure is not a catchable panic). This walk
//! follows the same layout and checks that every length fits in the bytes that remain, and
//! that the proof's context is exactly the one the statement implies, so what winterfell then
//! reads is bounded by the proof's size.
//!
//! Layout (winter-air `Proof::write_into`): context; u8 unique queries; commitments (u16 length
//! + bytes); trace queries and constraint queries (each: values and opening proof as
//! usize-prefixed byte vectors); out-of-domain frame (two u16-prefixed byte strings); FRI proof
//! (u8 layer count; per layer u32-prefixed values and u32-prefixed opening proof; u16-prefixed
//! remainder; u8 log2 of the partition count, 0 here); u64 proof-of-work nonce. Each opening proof is a batch Merkle
//! proof: u8 depth, usize vector count, per vector a usize count of 32-byte digests.

const DIGEST_BYTES: usize = 32;

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, at: 0 }
    }

    fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }

    fn take(&mut self, len: usize, what: &str) -> Result<&'a [u8], String> {
        if len > self.remaining() {
            return Err(format!("{what}: length {len} exceeds the {} bytes left", self.remaining()));
        }
        let slice = &self.bytes[self.at..self.at + len];
        self.at += len;
        Ok(slice)
    }

    fn u8(&mut self, what: &str) -> Result<u8, String> {
        Ok(self.take(1, what)?[0])
    }

    fn u16(&mut self, what: &str) -> Result<usize, String> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]) as usize)
    }

    fn u32(&mut self, what: &str) -> Result<usize, String> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }

    /// winter-utils' variable-length usize: the first byte's trailing zeros give the length.
    fn usize(&mut self, what: &str) -> Result<usize, String> {
        let first = *self.bytes.get(self.at).ok_or_else(|| format!("{what}: missing length"))?;
        let length = first.trailing_zeros() as usize + 1;
        let value = if length == 9 {
            self.take(1, what)?;
            let b = self.take(8, what)?;
            u64::from_le_bytes(b.try_into().expect("8 bytes"))
        } else {
            let b = self.take(length, what)?;
            let mut encoded = [0u8; 8];
            encoded[..length].copy_from_slice(b);
            u64::from_le_bytes(encoded) >> length
        };
        usize::try_from(value).map_err(|_| format!("{what}: length too large"))
    }

    fn done(&self, what: &str) -> Result<(), String> {
        if self.remaining() != 0 {
            return Err(format!("{what}: {} trailing bytes", self.remaining()));
        }
        Ok(())
    }
}

fn check_merkle_proof(bytes: &[u8], what: &str) -> Result<(), String> {
    let mut reader = Reader::new(bytes);
    reader.u8(what)?;
    let vectors = reader.usize(what)?;
    if vectors > reader.remaining() {
        return Err(format!("{what}: {vectors} node vectors cannot fit"));
    }
    for _ in 0..vectors {
        let digests = reader.usize(what)?;
        let len = digests.checked_mul(DIGEST_BYTES).ok_or_else(|| format!("{what}: overflow"))?;
        reader.take(len, what)?;
    }
    reader.done(what)
}

fn check_queries(reader: &mut Reader<'_>, what: &str) -> Result<(), String> {
    let values = reader.usize(what)?;
    reader.take(values, what)?;
    let paths = reader.usize(what)?;
    check_merkle_proof(reader.take(paths, what)?, what)
}

/// Checks `proof` against the layout, with `context` (the expected serialised context) first.
pub fn check(proof: &[u8], context: &[u8], max_queries: usize) -> Result<(), String> {
    if !proof.starts_with(context) {
        return Err("the proof's context (trace shape, field, options) is not the statement's".into());
    }
    let mut reader = Reader::new(&proof[context.len()..]);
    let queries = reader.u8("query count")? as usize;
    if queries == 0 || queries > max_queries {
        return Err(format!("query count {queries} out of range"));
    }
    let commitments = reader.u16("commitments")?;
    reader.take(commitments, "commitments")?;
    check_queries(&mut reader, "trace queries")?;
    check_queries(&mut reader, "constraint queries")?;
    for what in ["out-of-domain trace", "out-of-domain quotients"] {
        let len = reader.u16(what)?;
        reader.take(len, what)?;
    }
    let layers = reader.u8("FRI layer count")?;
    for _ in 0..layers {
        let values = reader.u32("FRI layer values")?;
        reader.take(values, "FRI layer values")?;
        let paths = reader.u32("FRI layer paths")?;
        check_merkle_proof(reader.take(paths, "FRI layer paths")?, "FRI layer paths")?;
    }
    let remainder = reader.u16("FRI remainder")?;
    reader.take(remainder, "FRI remainder")?;
    // log2 of the remainder's partition count: SKMS proves with one partition, and winterfell's
    // verifier would accept other values here without noticing, so pin it.
    if reader.u8("FRI partitions")? != 0 {
        return Err("FRI partitions: SKMS proofs commit the remainder in one partition".into());
    }
    reader.take(8, "proof-of-work nonce")?;
    reader.done("proof")
}
