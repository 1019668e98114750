// Command verify-go checks SKMS checkpoints and proof documents with code SKMS did not
// write: golang.org/x/mod/sumdb/note for the C2SP signed note and
// github.com/transparency-dev/merkle for the RFC 6962/9162 proofs. Everything else here
// follows the specs (c2sp.org/signed-note, c2sp.org/tlog-checkpoint) and the
// skms-proof-v1 field list in docs/assurance.md; no SKMS code was read to write it.
//
// Usage:
//
//	verify-go checkpoint VERIFIER_KEY NOTE_FILE
//	verify-go proof VERIFIER_KEY PROOF_FILE [TRUSTED_NOTE_FILE]
//
// VERIFIER_KEY is the chain's C2SP verifier key (name+keyid+base64), as printed by
// "skms audit checkpoint". Exit status: 0 valid (a JSON line on stdout), 1 invalid (the
// reason on stderr), 2 usage or unreadable input.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// checkpoint is a C2SP tlog-checkpoint body: origin, tree size, root hash, extensions.
type checkpoint struct {
	Origin string `json:"origin"`
	Size   uint64 `json:"size"`
	Root   []byte `json:"root"`
}

var errInvalid = errors.New("invalid")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errInvalid, fmt.Sprintf(format, args...))
}

// openCheckpoint verifies the note with the one trusted key and parses its text. The key
// name must be the origin line (C2SP: witnesses find a log's key by its origin).
func openCheckpoint(verifierKey string, text []byte) (checkpoint, error) {
	verifier, err := note.NewVerifier(verifierKey)
	if err != nil {
		return checkpoint{}, fmt.Errorf("verifier key: %v", err)
	}
	opened, err := note.Open(text, note.VerifierList(verifier))
	if err != nil {
		return checkpoint{}, invalid("signed note: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(opened.Text, "\n"), "\n")
	if len(lines) < 3 {
		return checkpoint{}, invalid("checkpoint body has fewer than three lines")
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || (len(lines[1]) > 1 && lines[1][0] == '0') {
		return checkpoint{}, invalid("checkpoint size %q is not a decimal uint64", lines[1])
	}
	root, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(root) != 32 {
		return checkpoint{}, invalid("checkpoint root is not base64 of 32 bytes")
	}
	if lines[0] != verifier.Name() {
		return checkpoint{}, invalid("origin %q is not the key name %q", lines[0], verifier.Name())
	}
	return checkpoint{Origin: lines[0], Size: size, Root: root}, nil
}

// document is the part of an skms-proof-v1 document this verifier reads.
type document struct {
	Format        string   `json:"format"`
	Type          string   `json:"type"`
	Chain         string   `json:"chain"`
	LeafIndex     *uint64  `json:"leaf_index"`
	TreeSize      uint64   `json:"tree_size"`
	OldSize       *uint64  `json:"old_size"`
	EventHash     []byte   `json:"event_hash"`
	LeafHash      []byte   `json:"leaf_hash"`
	Path          [][]byte `json:"path"`
	Root          []byte   `json:"root"`
	OldRoot       []byte   `json:"old_root"`
	Checkpoint    *string  `json:"checkpoint"`
	OldCheckpoint *string  `json:"old_checkpoint"`
}

func verifyProof(verifierKey string, raw []byte, trusted []byte) (map[string]any, error) {
	var doc document
	decoder := json.NewDecoder(bytes.NewReader(raw))
	if err := decoder.Decode(&doc); err != nil {
		return nil, invalid("proof document: %v", err)
	}
	if doc.Format != "skms-proof-v1" {
		return nil, invalid("format %q is not skms-proof-v1", doc.Format)
	}
	if doc.Checkpoint == nil {
		return nil, invalid("no signed checkpoint covers the root")
	}
	head, err := openCheckpoint(verifierKey, []byte(*doc.Checkpoint))
	if err != nil {
		return nil, err
	}
	if !strings.HasSuffix(head.Origin, "/"+doc.Chain) {
		return nil, invalid("checkpoint origin %q is not of chain %q", head.Origin, doc.Chain)
	}
	if head.Size != doc.TreeSize || !bytes.Equal(head.Root, doc.Root) {
		return nil, invalid("checkpoint size or root differs from the proof's")
	}
	hasher := rfc6962.DefaultHasher
	result := map[string]any{"valid": true, "type": doc.Type, "origin": head.Origin,
		"tree_size": head.Size}
	switch doc.Type {
	case "inclusion":
		if doc.LeafIndex == nil {
			return nil, invalid("inclusion proof without leaf_index")
		}
		leaf := hasher.HashLeaf(doc.EventHash)
		if !bytes.Equal(leaf, doc.LeafHash) {
			return nil, invalid("leaf hash is not the RFC 6962 leaf hash of the event hash")
		}
		if err := proof.VerifyInclusion(hasher, *doc.LeafIndex, doc.TreeSize, leaf, doc.Path, head.Root); err != nil {
			return nil, invalid("inclusion: %v", err)
		}
		result["leaf_index"] = *doc.LeafIndex
	case "consistency":
		if doc.OldSize == nil {
			return nil, invalid("consistency proof without old_size")
		}
		if err := proof.VerifyConsistency(hasher, *doc.OldSize, doc.TreeSize, doc.Path, doc.OldRoot, head.Root); err != nil {
			return nil, invalid("consistency: %v", err)
		}
		if doc.OldCheckpoint != nil {
			old, err := openCheckpoint(verifierKey, []byte(*doc.OldCheckpoint))
			if err != nil {
				return nil, err
			}
			if old.Size != *doc.OldSize || !bytes.Equal(old.Root, doc.OldRoot) {
				return nil, invalid("old checkpoint size or root differs from the proof's")
			}
		}
		result["old_size"] = *doc.OldSize
	default:
		return nil, invalid("type %q is neither inclusion nor consistency", doc.Type)
	}
	if trusted != nil {
		anchor, err := openCheckpoint(verifierKey, trusted)
		if err != nil {
			return nil, err
		}
		size, root := doc.TreeSize, doc.Root
		if doc.Type == "consistency" {
			size, root = *doc.OldSize, doc.OldRoot
		}
		if anchor.Size != size || !bytes.Equal(anchor.Root, root) {
			return nil, invalid("the proof is not anchored at the trusted checkpoint (size %d)", anchor.Size)
		}
		result["trusted_size"] = anchor.Size
	}
	return result, nil
}

func run(args []string) (map[string]any, error) {
	if len(args) < 3 || (args[0] != "checkpoint" && args[0] != "proof") {
		return nil, fmt.Errorf("usage: verify-go checkpoint KEY NOTE | proof KEY PROOF [TRUSTED_NOTE]")
	}
	raw, err := os.ReadFile(args[2])
	if err != nil {
		return nil, err
	}
	if args[0] == "checkpoint" {
		head, err := openCheckpoint(args[1], raw)
		if err != nil {
			return nil, err
		}
		return map[string]any{"valid": true, "origin": head.Origin, "size": head.Size,
			"root": head.Root}, nil
	}
	var trusted []byte
	if len(args) > 3 {
		if trusted, err = os.ReadFile(args[3]); err != nil {
			return nil, err
		}
	}
	return verifyProof(args[1], raw, trusted)
}

func main() {
	result, err := run(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		if errors.Is(err, errInvalid) {
			os.Exit(1)
		}
		os.Exit(2)
	}
	out, _ := json.Marshal(result)
	fmt.Println(string(out))
}
