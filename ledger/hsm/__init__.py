"""Keys held by a hardware security module, reached over PKCS#11 (python-pkcs11).

* :mod:`.token` opens a module and a token, keeps one logged-in session per token, reads
  PIN files and the attributes that prove a key cannot leave the token;
* :mod:`.pkcs11_kek` is the KEK provider whose KEK is an AES-256 key on the token;
* :mod:`.signing` generates and uses signing keys that live on the token.

See docs/custody-hsm.md.
"""
