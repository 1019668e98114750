package skms_test

// The Go example of docs/clients.md; TestQuickstart runs it against `skms serve
// --ephemeral` (SKMS_BOOTSTRAP names the file holding its --json bootstrap).

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"os"

	skms "skms.example/sdk-go"
)

type bootstrap struct {
	REST   string `json:"rest"`
	CAPEM  string `json:"ca_pem"`
	Actors map[string]struct {
		ActorID    string `json:"actor_id"`
		PrivateKey string `json:"private_key"`
		PublicKey  string `json:"public_key"`
	} `json:"actors"`
}

func quickstart(ctx context.Context, bootstrapFile string) (bool, error) {
	var boot bootstrap
	text, err := os.ReadFile(bootstrapFile)
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(text, &boot); err != nil {
		return false, err
	}
	as := func(name string) (*skms.Client, error) {
		actor := boot.Actors[name]
		return skms.NewClient(boot.REST, actor.ActorID, actor.PrivateKey, boot.CAPEM)
	}

	manager, err := as("key-manager")
	if err != nil {
		return false, err
	}
	created, err := manager.CreateKey(ctx, "ed25519", "payments", "")
	if err != nil {
		return false, err
	}
	keyID := created.GetResult().KeyId
	signer, err := as("signer")
	if err != nil {
		return false, err
	}
	message := []byte("invoice 7")
	signed, err := signer.Sign(ctx, keyID, message)
	if err != nil {
		return false, err
	}
	public, _, err := signer.API.KeysAPI.GetPublicKey(ctx, keyID).Format("hex").Execute()
	if err != nil {
		return false, err
	}
	publicKey, _ := hex.DecodeString(public.PublicKey)
	signature, _ := hex.DecodeString(signed.GetResult().Signature)
	return ed25519.Verify(publicKey, message, signature), nil
}
