"""The SKMS Python SDK: typed clients that sign commands and requests as one actor."""
