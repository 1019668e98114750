"""Tools for people testing code against SKMS: a throw-away server and its pytest plugin."""
