"""SKMS's schema files, shipped in the wheel as package data; this package holds no code.

``avro/<Name>.v<N>.avsc`` describes every event and the envelope body, ``skms.proto`` the
gRPC API and ``openapi.json`` the REST API. Read them through :mod:`ledger.schema_files`,
which finds them with :mod:`importlib.resources` wherever SKMS is installed.
"""
