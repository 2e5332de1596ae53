"""Knowledge-base matcher (no Qt): normalize → analyzer (jieba via tokenizer, lexicon) → index → matcher.

`matcher.Matcher` is the entry point; `cli` is `workbench kb ...`; `bench` compares the matcher with
classic peers on the shared external benchmark (`python -m workbench.kb.bench`).
"""
