"""The after-sales case file (`CaseFileView`), a package so that its parts can live beside it."""

from workbench.ui.aftersales.case_file.view import CaseFileView

__all__ = ["CaseFileView"]
