// Package skms is the SKMS Go client: the REST API generated from schemas/openapi.json
// (package openapi, beside this one) driven through an http.RoundTripper that signs every
// request as one actor (RFC 9421), plus what a generator cannot know: commands built and
// signed here with the actor's own Ed25519 key, and the WebSocket feed.
//
//	client, err := skms.NewClient(baseURL, actorID, seedHex, caPEM)
//	created, err := client.CreateKey(ctx, "ed25519", "payments", "")
//
// Every generated service is client.API (client.API.KeysAPI.ListKeys(ctx).Execute()); a
// command goes through client.Command, which signs it for the request body.
package skms

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"skms.example/sdk-go/openapi"
)

// SigningTransport signs each request where its bytes are known for certain: method,
// target URI and body as they go on the wire (the Python SDK signs in its transport too).
// Each round trip signs afresh, so a retried request has a new nonce.
type SigningTransport struct {
	ActorID string
	Key     ed25519.PrivateKey
	Base    http.RoundTripper
}

// RoundTrip adds Content-Digest, Signature-Input and Signature, then sends.
func (t *SigningTransport) RoundTrip(request *http.Request) (*http.Response, error) {
	var body []byte
	if request.Body != nil {
		read, err := io.ReadAll(request.Body)
		_ = request.Body.Close()
		if err != nil {
			return nil, err
		}
		body = read
	}
	signed := request.Clone(request.Context())
	signed.Body = io.NopCloser(bytes.NewReader(body))
	signed.ContentLength = int64(len(body))
	signed.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	headers, err := SignHTTP(t.Key, t.ActorID, request.Method, request.URL.String(), body)
	if err != nil {
		return nil, err
	}
	for name, value := range headers {
		signed.Header.Set(name, value)
	}
	return t.Base.RoundTrip(signed)
}

// TLSConfig trusts only caPEM (the server's CA), TLS 1.3.
func TLSConfig(caPEM string) (*tls.Config, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(caPEM)) {
		return nil, fmt.Errorf("ca: no PEM certificate")
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS13}, nil
}

// Client acts as one actor.
type Client struct {
	BaseURL string
	ActorID string
	API     *openapi.APIClient
	key     ed25519.PrivateKey
	tls     *tls.Config
	mu      sync.Mutex
	domains map[string]string
}

// NewClient is a client of the server at baseURL (https://host:port), acting as actorID
// with its Ed25519 key (the 32-byte seed in hex), trusting caPEM.
func NewClient(baseURL, actorID, seedHex, caPEM string) (*Client, error) {
	key, err := PrivateKeyFromSeed(seedHex)
	if err != nil {
		return nil, err
	}
	return NewClientWithKey(baseURL, actorID, key, caPEM)
}

// NewClientWithKey is NewClient with the key itself.
func NewClientWithKey(baseURL, actorID string, key ed25519.PrivateKey, caPEM string) (*Client, error) {
	config, err := TLSConfig(caPEM)
	if err != nil {
		return nil, err
	}
	base := strings.TrimRight(baseURL, "/")
	transport := &SigningTransport{ActorID: actorID, Key: key,
		Base: &http.Transport{TLSClientConfig: config, ForceAttemptHTTP2: false}}
	settings := openapi.NewConfiguration()
	settings.Servers = openapi.ServerConfigurations{{URL: base}}
	settings.HTTPClient = &http.Client{Transport: transport, Timeout: 30 * time.Second}
	return &Client{BaseURL: base, ActorID: actorID, API: openapi.NewAPIClient(settings), key: key,
		tls: config, domains: map[string]string{}}, nil
}

// Command builds and signs a command as this actor (nothing is sent).
func (c *Client) Command(commandType, chainID string, args map[string]any) (SignedCommand, error) {
	return NewCommand(commandType, c.ActorID, chainID, args).Sign(c.key)
}

// CreateKey creates a key in domain ("" for "default"); its domain is remembered.
func (c *Client) CreateKey(ctx context.Context, algorithm, domain, label string) (*openapi.CreateKeyOut, error) {
	if domain == "" {
		domain = "default"
	}
	args := map[string]any{"algorithm": algorithm}
	if label != "" {
		args["label"] = label
	}
	signed, err := c.Command("CreateKey", domain, args)
	if err != nil {
		return nil, err
	}
	out, _, err := c.API.KeysAPI.CreateKey(ctx).
		CreateKeyIn(*openapi.NewCreateKeyIn(signed.Canonical, signed.Signature)).
		IdempotencyKey(signed.Command.CommandID).Execute()
	if err != nil {
		return nil, err
	}
	if made := out.GetResult(); made.KeyId != "" {
		c.mu.Lock()
		c.domains[made.KeyId] = out.Chain
		c.mu.Unlock()
	}
	return out, nil
}

// KeyDomain is the chain a key's commands go to: remembered, else asked of the server.
func (c *Client) KeyDomain(ctx context.Context, keyID string) (string, error) {
	c.mu.Lock()
	domain, known := c.domains[keyID]
	c.mu.Unlock()
	if known {
		return domain, nil
	}
	key, _, err := c.API.KeysAPI.GetKey(ctx, keyID).Execute()
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.domains[keyID] = key.Domain
	c.mu.Unlock()
	return key.Domain, nil
}

// Sign signs message with a key: the command carries its SHA-256 (message_digest), the
// message travels beside it, as the catalogue's Sign command says.
func (c *Client) Sign(ctx context.Context, keyID string, message []byte) (*openapi.SignOut, error) {
	domain, err := c.KeyDomain(ctx, keyID)
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256(message)
	signed, err := c.Command("Sign", domain, map[string]any{
		"key_id": keyID, "message_digest": hex.EncodeToString(digest[:])})
	if err != nil {
		return nil, err
	}
	in := openapi.NewSignIn(signed.Canonical, base64.StdEncoding.EncodeToString(message),
		signed.Signature)
	out, _, err := c.API.SigningAPI.Sign(ctx, keyID).SignIn(*in).
		IdempotencyKey(signed.Command.CommandID).Execute()
	return out, err
}
