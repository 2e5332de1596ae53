"""Demo clothing shop content (shop, products, knowledge base, quick phrases)."""
