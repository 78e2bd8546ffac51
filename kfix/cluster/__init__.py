"""A live cluster through the user's kubeconfig: connect, read objects (GET only), and
server-side apply of an approved change (dry run first)."""

REQUEST_TIMEOUT = 30.0  # seconds one request to the API server may take
