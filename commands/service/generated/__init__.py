"""Generated from schemas/skms.proto by python tools/gen_catalogue.py; do not edit."""
