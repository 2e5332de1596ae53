"""Compiled UI translations (.qm), loaded by workbench.ui.theme.install_translator.

Built from resources/translations/*.ts by scripts/update_translations.py; do not edit by hand.
"""
