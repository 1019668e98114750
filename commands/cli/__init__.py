"""The ``skms`` command line (click). Parses, calls one library function, prints."""
