"""The SKMS service: REST + OpenAPI, gRPC, WebSocket feed (see docs/api.md)."""
