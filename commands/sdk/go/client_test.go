package skms_test

// Against a live `skms serve --ephemeral` started by tests/clients/test_go_client.py:
// SKMS_BOOTSTRAP names its --json bootstrap, SKMS_CANONICAL_CASES the canonical-JSON
// encodings ledger/canonical.py made of awkward values.

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	skms "skms.example/sdk-go"
	"skms.example/sdk-go/openapi"
)

func required(t *testing.T, name string) string {
	t.Helper()
	value := os.Getenv(name)
	if value == "" {
		t.Fatalf("%s is not set (run through tests/clients/test_go_client.py)", name)
	}
	return value
}

func load(t *testing.T) bootstrap {
	t.Helper()
	var boot bootstrap
	text, err := os.ReadFile(required(t, "SKMS_BOOTSTRAP"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(text, &boot); err != nil {
		t.Fatal(err)
	}
	return boot
}

func as(t *testing.T, boot bootstrap, name string) *skms.Client {
	t.Helper()
	actor, ok := boot.Actors[name]
	if !ok {
		t.Fatalf("no actor %s in the bootstrap", name)
	}
	client, err := skms.NewClient(boot.REST, actor.ActorID, actor.PrivateKey, boot.CAPEM)
	if err != nil {
		t.Fatal(err)
	}
	return client
}

func context30(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestCanonicalJSONMatchesTheLedger(t *testing.T) {
	text, err := os.ReadFile(required(t, "SKMS_CANONICAL_CASES"))
	if err != nil {
		t.Fatal(err)
	}
	decoder := json.NewDecoder(strings.NewReader(string(text)))
	decoder.UseNumber()
	var cases []struct {
		Value     map[string]any `json:"value"`
		Canonical string         `json:"canonical"`
	}
	if err := decoder.Decode(&cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 5 {
		t.Fatalf("only %d cases", len(cases))
	}
	for i, c := range cases {
		got, err := skms.CanonicalJSON(c.Value)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if string(got) != c.Canonical {
			t.Errorf("case %d:\n got %s\nwant %s", i, got, c.Canonical)
		}
	}
	if _, err := skms.CanonicalJSON(map[string]any{"x": json.Number("1.5")}); err == nil ||
		!strings.HasPrefix(err.Error(), "x: only integers") {
		t.Errorf("a float was not refused by name: %v", err)
	}
	if _, err := skms.CanonicalJSON(map[string]any{"x": 1.5}); err == nil {
		t.Error("a float64 was not refused")
	}
}

func TestSignaturesAreThePythonSDKs(t *testing.T) {
	text, err := os.ReadFile(required(t, "SKMS_SIGNING_CASES"))
	if err != nil {
		t.Fatal(err)
	}
	decoder := json.NewDecoder(strings.NewReader(string(text)))
	decoder.UseNumber()
	var c struct {
		Seed    string `json:"seed"`
		Request struct {
			KeyID     string `json:"keyid"`
			Method    string `json:"method"`
			TargetURI string `json:"target_uri"`
			Body      string `json:"body"`
			Created   int64  `json:"created"`
			Nonce     string `json:"nonce"`
		} `json:"request"`
		Headers map[string]string `json:"headers"`
		Command struct {
			Type          string         `json:"type"`
			ActorID       string         `json:"actor_id"`
			ChainID       string         `json:"chain_id"`
			Args          map[string]any `json:"args"`
			IssuedAt      int64          `json:"issued_at"`
			CommandID     string         `json:"command_id"`
			Nonce         string         `json:"nonce"`
			CorrelationID string         `json:"correlation_id"`
		} `json:"command"`
		Canonical string `json:"canonical"`
		Signature string `json:"signature"`
	}
	if err := decoder.Decode(&c); err != nil {
		t.Fatal(err)
	}
	key, err := skms.PrivateKeyFromSeed(c.Seed)
	if err != nil {
		t.Fatal(err)
	}
	r := c.Request
	headers, err := skms.SignHTTPAt(key, r.KeyID, r.Method, r.TargetURI, []byte(r.Body), r.Created, r.Nonce)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range c.Headers {
		if got := headers[http.CanonicalHeaderKey(name)]; got != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
	command := skms.Command{Type: c.Command.Type, ActorID: c.Command.ActorID,
		ChainID: c.Command.ChainID, Args: c.Command.Args, IssuedAt: c.Command.IssuedAt,
		CommandID: c.Command.CommandID, Nonce: c.Command.Nonce, CorrelationID: c.Command.CorrelationID}
	signed, err := command.Sign(key)
	if err != nil {
		t.Fatal(err)
	}
	if signed.Canonical != c.Canonical || signed.Signature != c.Signature {
		t.Fatalf("command:\n got %s %s\nwant %s %s", signed.Canonical, signed.Signature,
			c.Canonical, c.Signature)
	}
}

func TestIdentityKeyIsTheRegisteredOne(t *testing.T) {
	boot := load(t)
	key, err := skms.PrivateKeyFromSeed(boot.Actors["signer"].PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(key.Public().(ed25519.PublicKey)); got != boot.Actors["signer"].PublicKey {
		t.Fatalf("public key %s, the ledger registered %s", got, boot.Actors["signer"].PublicKey)
	}
}

func TestWhoAmIBySignature(t *testing.T) {
	boot := load(t)
	me, _, err := as(t, boot, "auditor").API.ActorsAPI.WhoAmI(context30(t)).Execute()
	if err != nil {
		t.Fatal(err)
	}
	if me.ActorId != boot.Actors["auditor"].ActorID || me.AuthenticatedBy != "signature" {
		t.Fatalf("whoami answered %+v", me)
	}
}

func TestCreateSignVerifyAndFeed(t *testing.T) {
	boot := load(t)
	ctx := context30(t)
	feed, err := as(t, boot, "auditor").Feed(ctx, "payments", -1)
	if err != nil {
		t.Fatal(err)
	}
	defer feed.Close()
	if feed.Hello["type"] != "hello" {
		t.Fatalf("the feed began with %v", feed.Hello)
	}
	created, err := as(t, boot, "key-manager").CreateKey(ctx, "ed25519", "payments", "go-client")
	if err != nil {
		t.Fatal(err)
	}
	if created.Chain != "payments" {
		t.Fatalf("created on chain %s", created.Chain)
	}
	keyID := created.GetResult().KeyId
	signer := as(t, boot, "signer")
	message := []byte("order 42 from the Go client")
	signed, err := signer.Sign(ctx, keyID, message)
	if err != nil {
		t.Fatal(err)
	}
	public, _, err := signer.API.KeysAPI.GetPublicKey(ctx, keyID).Format("hex").Execute()
	if err != nil {
		t.Fatal(err)
	}
	publicKey, err := skms.PublicKeyFromHex(public.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	signature, err := hex.DecodeString(signed.GetResult().Signature)
	if err != nil {
		t.Fatal(err)
	}
	if !ed25519.Verify(publicKey, message, signature) {
		t.Fatal("the key's signature does not verify with crypto/ed25519")
	}
	if ed25519.Verify(publicKey, []byte("another message"), signature) {
		t.Fatal("the signature verifies for another message")
	}

	// The feed carries the events of both commands, attributed to their actors.
	find := func(events []map[string]any, eventType string) map[string]any {
		for _, event := range events {
			if event["event_type"] == eventType {
				return event
			}
		}
		return nil
	}
	seen := map[string][]map[string]any{}
	for find(seen[signed.CommandId], "SignatureIssued") == nil {
		event, err := feed.Next(ctx)
		if err != nil {
			t.Fatalf("reading the feed: %v", err)
		}
		id, _ := event["command_id"].(string)
		seen[id] = append(seen[id], event)
	}
	generated := find(seen[created.CommandId], "KeyGenerated")
	if generated == nil || generated["actor_id"] != boot.Actors["key-manager"].ActorID {
		t.Fatalf("the feed's KeyGenerated event: %v", generated)
	}
	if body, _ := generated["event"].(map[string]any); body["key_id"] != keyID {
		t.Fatalf("KeyGenerated names key %v, not %s", body["key_id"], keyID)
	}
	issued := find(seen[signed.CommandId], "SignatureIssued")
	if issued["actor_id"] != boot.Actors["signer"].ActorID {
		t.Fatalf("the feed's SignatureIssued event: %v", issued)
	}
}

func TestSignedCommandSentTwiceActsOnce(t *testing.T) {
	boot := load(t)
	ctx := context30(t)
	manager := as(t, boot, "key-manager")
	signed, err := manager.Command("CreateKey", "payments", map[string]any{"algorithm": "ecdsa-p256"})
	if err != nil {
		t.Fatal(err)
	}
	send := func() *openapi.CreateKeyOut {
		out, _, err := manager.API.KeysAPI.CreateKey(ctx).
			CreateKeyIn(*openapi.NewCreateKeyIn(signed.Canonical, signed.Signature)).
			IdempotencyKey(signed.Command.CommandID).Execute()
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	first, again := send(), send()
	if first.CommandId != signed.Command.CommandID || first.Replayed || !again.Replayed {
		t.Fatalf("first %+v, again %+v", first, again)
	}
	managerKey, _ := skms.PublicKeyFromHex(boot.Actors["key-manager"].PublicKey)
	if !skms.VerifyCommand(signed.Canonical, signed.Signature, managerKey) {
		t.Fatal("the command signature does not verify with the actor's registered key")
	}
}

func problemOf(t *testing.T, err error) (int, map[string]any) {
	t.Helper()
	var apiError *openapi.GenericOpenAPIError
	if !errors.As(err, &apiError) {
		t.Fatalf("not an API error: %v", err)
	}
	var problem map[string]any
	if err := json.Unmarshal(apiError.Body(), &problem); err != nil {
		t.Fatalf("the refusal is not a problem document: %s", apiError.Body())
	}
	status, _ := problem["status"].(float64)
	return int(status), problem
}

func TestBadRequestSignatureIsRefused401(t *testing.T) {
	boot := load(t)
	_, other, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	impostor, err := skms.NewClientWithKey(boot.REST, boot.Actors["signer"].ActorID, other, boot.CAPEM)
	if err != nil {
		t.Fatal(err)
	}
	_, response, err := impostor.API.ActorsAPI.WhoAmI(context30(t)).Execute()
	if err == nil || response == nil || response.StatusCode != 401 {
		t.Fatalf("a request signed with another key was not refused with 401: %v", err)
	}
	if status, problem := problemOf(t, err); status != 401 || problem["reason_code"] != "bad-signature" {
		t.Fatalf("refusal %v", problem)
	}
}

func TestForgedCommandIsRefused403(t *testing.T) {
	boot := load(t)
	manager := as(t, boot, "key-manager")
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	forged, err := skms.NewCommand("CreateKey", manager.ActorID, "payments",
		map[string]any{"algorithm": "ed25519"}).Sign(other)
	if err != nil {
		t.Fatal(err)
	}
	_, response, err := manager.API.KeysAPI.CreateKey(context30(t)).
		CreateKeyIn(*openapi.NewCreateKeyIn(forged.Canonical, forged.Signature)).
		IdempotencyKey(forged.Command.CommandID).Execute()
	if err == nil || response == nil || response.StatusCode != 403 {
		t.Fatalf("a command signed with another key was not refused with 403: %v", err)
	}
	status, problem := problemOf(t, err)
	if status != 403 || problem["reason_code"] != "bad-signature" || problem["field"] != "signature" {
		t.Fatalf("refusal %v", problem)
	}
	if _, recorded := problem["recorded_seq"].(float64); !recorded {
		t.Fatalf("the refusal was not recorded: %v", problem)
	}
}

func TestQuickstart(t *testing.T) {
	ok, err := quickstart(context30(t), required(t, "SKMS_BOOTSTRAP"))
	if err != nil || !ok {
		t.Fatalf("the docs/clients.md example: ok=%v err=%v", ok, err)
	}
}
