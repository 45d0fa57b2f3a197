"""Text processing for JianYu: labels, normalization, tokenization, watch terms, tagging."""
