"""Write side: signed commands, the handlers that authorize and decide them, and front ends."""
