"""The first page: what every provider's accounts look like, and what changed lately. Unlike
`core`, it knows each provider by name: it is where they meet."""
