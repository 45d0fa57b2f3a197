"""The bundled demo: posts (`posts.jsonl`) and the local sites that serve them (`sites`)."""
