"""Storage: the workshop store on any Redis-protocol server, and the embedded default."""
