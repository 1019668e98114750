package skms

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"
)

// CommandDomain prefixes the signed bytes, so a command signature is never confused with
// any other signature (ledger/command.py).
var CommandDomain = []byte("SKMS-COMMAND-v1\x00")

// Command is what an actor asks for. Its canonical JSON, signed by the actor's Ed25519
// identity key, is stored with the event it causes: the audit trail proves the client
// asked. The id is also the request's Idempotency-Key, so a retry acts once.
type Command struct {
	Type          string
	ActorID       string
	ChainID       string
	Args          map[string]any
	IssuedAt      int64 // microseconds since the epoch
	CommandID     string
	Nonce         string
	CorrelationID string
}

// SignedCommand is a command, its canonical bytes (the body's "command") and the base64
// signature (the body's "signature").
type SignedCommand struct {
	Command   Command
	Canonical string
	Signature string
}

func randomHex(n int) string {
	raw := make([]byte, n)
	if _, err := rand.Read(raw); err != nil {
		panic(err)
	}
	return hex.EncodeToString(raw)
}

func newUUID() string {
	raw := make([]byte, 16)
	if _, err := rand.Read(raw); err != nil {
		panic(err)
	}
	raw[6] = raw[6]&0x0f | 0x40 // version 4
	raw[8] = raw[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", raw[0:4], raw[4:6], raw[6:8], raw[8:10], raw[10:16])
}

// NewCommand is a command with a fresh id, nonce and issue time.
func NewCommand(commandType, actorID, chainID string, args map[string]any) Command {
	return Command{Type: commandType, ActorID: actorID, ChainID: chainID, Args: args,
		IssuedAt: time.Now().UnixMicro(), CommandID: newUUID(), Nonce: randomHex(16),
		CorrelationID: randomHex(16)}
}

// CanonicalBytes are the bytes the actor signs (without the domain prefix).
func (c Command) CanonicalBytes() ([]byte, error) {
	return CanonicalJSON(map[string]any{
		"type": c.Type, "actor_id": c.ActorID, "chain_id": c.ChainID, "args": c.Args,
		"issued_at": c.IssuedAt, "command_id": c.CommandID, "nonce": c.Nonce,
		"correlation_id": c.CorrelationID,
	})
}

// Sign signs the command with the actor's Ed25519 identity key.
func (c Command) Sign(key ed25519.PrivateKey) (SignedCommand, error) {
	canonical, err := c.CanonicalBytes()
	if err != nil {
		return SignedCommand{}, err
	}
	signature := ed25519.Sign(key, append(append([]byte{}, CommandDomain...), canonical...))
	return SignedCommand{Command: c, Canonical: string(canonical),
		Signature: base64.StdEncoding.EncodeToString(signature)}, nil
}

// VerifyCommand reports whether signature (base64) is the actor's over canonical.
func VerifyCommand(canonical, signature string, actorKey ed25519.PublicKey) bool {
	raw, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return false
	}
	return ed25519.Verify(actorKey, append(append([]byte{}, CommandDomain...), canonical...), raw)
}

// PrivateKeyFromSeed is the key of a 32-byte seed in hex (as `skms serve --ephemeral` prints).
func PrivateKeyFromSeed(seedHex string) (ed25519.PrivateKey, error) {
	seed, err := hex.DecodeString(seedHex)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("private_key: an Ed25519 seed is 32 bytes of hex")
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// PublicKeyFromHex is a 32-byte Ed25519 public key given in hex (as the API returns it).
func PublicKeyFromHex(text string) (ed25519.PublicKey, error) {
	raw, err := hex.DecodeString(text)
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("public_key: an Ed25519 public key is 32 bytes of hex")
	}
	return ed25519.PublicKey(raw), nil
}
