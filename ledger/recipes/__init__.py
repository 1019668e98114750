"""Recipes: how key material, wallet seeds and their backups are born, sealed and used.

Why apart from :mod:`ledger.crypto` (the primitives): a primitive only computes; a recipe
decides where a secret comes from, where it lives, how long it exists in clear and what
binds it to its owner, with safe defaults and one way to do each thing (the split
pyca/cryptography makes between ``hazmat`` and its recipes).
"""
