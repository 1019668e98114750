package skms

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// RFC 9421 HTTP Message Signatures with Ed25519 and Content-Digest (RFC 9530), in the
// narrow profile SKMS accepts (commands/sdk/httpsig.py is the reference; the server checks
// in commands/service/auth.py): one signature labelled sig1, alg="ed25519", keyid = the
// actor id; covered components "@method" "@target-uri" "content-digest", in this order
// (content-digest also for an empty body); parameters created (Unix seconds) and a fresh
// nonce, since the server refuses a stale created and a nonce it has seen.

const (
	SignatureLabel     = "sig1"
	SignatureAlgorithm = "ed25519"
)

// HTTPComponents are the covered components, in the order signed.
var HTTPComponents = []string{"@method", "@target-uri", "content-digest"}

// SignatureParams are the parameters of the one signature.
type SignatureParams struct {
	Created int64
	Nonce   string
	KeyID   string
}

// ContentDigest is the Content-Digest header value of body.
func ContentDigest(body []byte) string {
	sum := sha256.Sum256(body)
	return "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"
}

// Serialize is the @signature-params value (also the Signature-Input member's value).
func (p SignatureParams) Serialize() string {
	quoted := make([]string, len(HTTPComponents))
	for i, c := range HTTPComponents {
		quoted[i] = `"` + c + `"`
	}
	return fmt.Sprintf(`(%s);created=%d;nonce="%s";keyid="%s";alg="%s"`,
		strings.Join(quoted, " "), p.Created, p.Nonce, p.KeyID, SignatureAlgorithm)
}

// SignatureBase is the exact bytes signed (RFC 9421 section 2.5).
func SignatureBase(p SignatureParams, values map[string]string) ([]byte, error) {
	lines := make([]string, 0, len(HTTPComponents)+1)
	for _, component := range HTTPComponents {
		value, ok := values[component]
		if !ok {
			return nil, fmt.Errorf("covered component %s has no value", component)
		}
		if strings.ContainsAny(value, "\r\n") {
			return nil, fmt.Errorf("component %s contains a line break", component)
		}
		lines = append(lines, fmt.Sprintf(`"%s": %s`, component, value))
	}
	lines = append(lines, `"@signature-params": `+p.Serialize())
	base := strings.Join(lines, "\n")
	for i := 0; i < len(base); i++ {
		if base[i] > 0x7f {
			return nil, fmt.Errorf("covered values must be ASCII")
		}
	}
	return []byte(base), nil
}

// NewNonce is 24 random bytes, base64url without padding (32 characters), as the Python SDK.
func NewNonce() string {
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		panic(err) // crypto/rand never fails on a supported platform
	}
	return base64.RawURLEncoding.EncodeToString(raw)
}

// SignHTTP returns the Content-Digest, Signature-Input and Signature headers of a request,
// created now with a fresh nonce.
func SignHTTP(key ed25519.PrivateKey, keyID, method, targetURI string, body []byte) (map[string]string, error) {
	return SignHTTPAt(key, keyID, method, targetURI, body, time.Now().Unix(), NewNonce())
}

// SignHTTPAt is SignHTTP with the created time and nonce given (tests compare it with the
// Python SDK's signature; a nonce must never be used twice).
func SignHTTPAt(key ed25519.PrivateKey, keyID, method, targetURI string, body []byte,
	created int64, nonce string) (map[string]string, error) {
	digest := ContentDigest(body)
	params := SignatureParams{Created: created, Nonce: nonce, KeyID: keyID}
	base, err := SignatureBase(params, map[string]string{
		"@method": strings.ToUpper(method), "@target-uri": targetURI, "content-digest": digest})
	if err != nil {
		return nil, err
	}
	signature := ed25519.Sign(key, base)
	return map[string]string{
		"Content-Digest":  digest,
		"Signature-Input": SignatureLabel + "=" + params.Serialize(),
		"Signature":       SignatureLabel + "=:" + base64.StdEncoding.EncodeToString(signature) + ":",
	}, nil
}
